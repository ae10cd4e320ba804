"""Posts (岗位) and police types (警种) as controlled vocabularies: the data migration's
mapping of free text, imports, the lists' page and setting a person's post. New
behaviour: each test fails on main (free-text fields, no such pages)."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.urls import reverse

from accounts.models import PoliceType, Post, User
from audit.models import AuditEntry
from tests.accounts.factories import UserFactory
from tests.base import BaseTestCase

migration = importlib.import_module(
    "accounts.migrations.0005_posts_and_police_types_vocabulary"
)


class FreeTextMappingTests(BaseTestCase):
    def test_matching_text_becomes_the_term_and_the_rest_is_kept_and_reported(self):
        matched = UserFactory(police_type_text="刑 侦", position="社区民警")
        unmatched = UserFactory(police_type_text="特勤", position="副所长")
        User.objects.filter(pk__in=[matched.pk, unmatched.pk]).update(
            police_type=None, post=None
        )
        from io import StringIO
        from unittest import mock

        out = StringIO()
        with mock.patch("sys.stdout", out):
            migration.map_free_text(apps, None)
        matched.refresh_from_db()
        unmatched.refresh_from_db()
        self.assertEqual(matched.police_type.name, "刑侦")
        self.assertEqual(matched.police_type_text, "")
        self.assertEqual(matched.post.name, "社区民警")
        self.assertIsNone(unmatched.police_type)
        self.assertEqual(unmatched.police_type_text, "特勤")
        self.assertIsNone(unmatched.post)
        self.assertIn("特勤 (1)", out.getvalue())


class VocabularyPageTests(BaseTestCase):
    def test_system_admin_adds_and_retires_a_term_audited(self):
        self.login(self.system_admin)
        url = reverse("accounts:vocabularies")
        self.client.post(url, {"vocabulary": "post", "name": "看守所民警"})
        term = Post.objects.get(name="看守所民警")
        self.client.post(url, {"vocabulary": "post", "term": term.pk, "active": "0"})
        term.refresh_from_db()
        self.assertFalse(term.is_active)
        self.assertEqual(
            AuditEntry.objects.filter(action__startswith="accounts.vocabulary").count(),
            2,
        )

    def test_unit_admin_may_not_edit_the_lists(self):
        self.login(self.unit_admin_a)
        response = self.client.post(
            reverse("accounts:vocabularies"), {"vocabulary": "post", "name": "x"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Post.objects.filter(name="x").exists())


class PersonPostTests(BaseTestCase):
    def test_unit_admin_sets_the_post_of_a_person_of_their_units(self):
        post, _ = Post.objects.get_or_create(name="值班民警")
        kind, _ = PoliceType.objects.get_or_create(name="治安")
        self.login(self.unit_admin_a)
        response = self.client.post(
            reverse("accounts:person_post", args=[self.officer.pk]),
            {"post": post.pk, "police_type": kind.pk},
        )
        self.assertRedirects(
            response, reverse("accounts:person_detail", args=[self.officer.pk])
        )
        self.officer.refresh_from_db()
        self.assertEqual((self.officer.post, self.officer.police_type), (post, kind))
        self.assertTrue(
            AuditEntry.objects.filter(action="accounts.person_post_set").exists()
        )

    def test_unit_admin_of_branch_a_gets_404_for_a_person_of_branch_b(self):
        post, _ = Post.objects.get_or_create(name="值班民警")
        self.login(self.unit_admin_a)
        response = self.client.post(
            reverse("accounts:person_post", args=[self.officer_b.pk]),
            {"post": post.pk},
        )
        self.assertEqual(response.status_code, 404)
        self.officer_b.refresh_from_db()
        self.assertIsNone(self.officer_b.post)
