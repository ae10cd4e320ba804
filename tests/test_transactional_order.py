"""Transactional tests run in any order (the suite's, or one file at a time).

A transactional test with ``serialized_rollback`` ends with a flush that does not put the
content types back (Django inhibits ``post_migrate`` there), while Django's in-process
content-type cache still holds the old ids: the next transactional test then built pages
on a content type that no longer existed ("content type instance with id 1 is not a valid
choice"). These two run in this order; the second failed before tests/conftest.py cleared
that cache for every transactional test.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from wagtail.models import Page

import pytest

from tests.search.test_browser import site_root


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_serialized_transactional_test_caches_content_types():
    assert ContentType.objects.get_for_model(Page).pk


@pytest.mark.django_db(transaction=True)
def test_the_next_transactional_test_builds_pages_on_fresh_content_types():
    site_root()
    root = Page.get_first_root_node()
    assert root.content_type_id == ContentType.objects.get_for_model(Page).pk
    assert ContentType.objects.filter(pk=root.content_type_id).exists()
