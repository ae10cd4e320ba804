"""Factories for units and people. Units are treebeard nodes: create them through
``add_root``/``add_child`` (the factory's ``_create`` does)."""

from __future__ import annotations

import factory

from accounts.models import Role, RoleAssignment, Unit, UnitKind, User


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:05d}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = UnitKind.STATION

    @classmethod
    def _create(cls, model_class, *args, parent: Unit | None = None, **kwargs):
        if parent is None:
            return model_class.add_root(**kwargs)
        parent.refresh_from_db()
        return parent.add_child(**kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    police_number = factory.Sequence(lambda n: f"{100000 + n}")
    full_name = factory.Sequence(lambda n: f"民警{n}")
    unit = factory.SubFactory(UnitFactory)
    password = factory.django.Password("Secret-pass-123")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create:
            return
        for role in extracted or [Role.OFFICER]:
            RoleAssignment.objects.create(user=self, role=role)
        self.forget_roles()
