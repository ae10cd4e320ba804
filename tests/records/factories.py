"""Factories for the training record."""

from __future__ import annotations

from decimal import Decimal

import factory

from records.models import Assignment, Certification, OfflineActivity, TrackedItem


class TrackedItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrackedItem
        django_get_or_create = ("item_type", "item_id")

    item_type = "course_generic"
    item_id = factory.Sequence(lambda n: f"c{n}")
    title = factory.Sequence(lambda n: f"必修课程{n}")
    category = "law"
    hours = Decimal(2)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    item = factory.SubFactory(TrackedItemFactory)
    period = "2026"
    required = True


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    kind = "legal_officer"
    level = ""


class OfflineActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfflineActivity

    kind = "court_hearing"
    title = factory.Sequence(lambda n: f"旁听庭审{n}")
    hours = Decimal(3)
