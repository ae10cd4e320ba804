"""/api/v1/me, /api/v1/units, /api/v1/people: scoped like the pages (accounts.selectors)."""

from __future__ import annotations

from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied

from .models import Unit, User
from .selectors import can_manage_people, directory_units, person_list


class UnitSerializer(serializers.ModelSerializer):
    parent_code = serializers.SerializerMethodField()

    class Meta:
        model = Unit
        fields = ["code", "name", "kind", "depth", "parent_code", "is_active"]

    def get_parent_code(self, unit: Unit) -> str | None:
        parent = unit.get_parent()
        return parent.code if parent else None


class PersonSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", default=None)
    unit_name = serializers.CharField(source="unit.name", default=None)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "police_number",
            "full_name",
            "unit_code",
            "unit_name",
            "position",
            "police_type",
            "roles",
            "is_active",
        ]

    def get_roles(self, person: User) -> list[str]:
        return sorted(a.role for a in person.role_assignments.all())


class MeView(generics.RetrieveAPIView):
    """The signed-in (or token) user's own profile and roles."""

    serializer_class = PersonSerializer

    def get_object(self) -> User:
        return self.request.user


class UnitListView(generics.ListAPIView):
    serializer_class = UnitSerializer

    def get_queryset(self):
        if not can_manage_people(self.request.user):
            raise PermissionDenied
        return directory_units(self.request.user).order_by("path")


class PersonListView(generics.ListAPIView):
    """People in the caller's scope; ``?unit=CODE`` (with sub-units) and ``?q=``."""

    serializer_class = PersonSerializer

    def get_queryset(self):
        user = self.request.user
        if not can_manage_people(user):
            raise PermissionDenied
        unit = None
        if code := self.request.query_params.get("unit"):
            unit = directory_units(user).filter(code=code).first()
            if unit is None:
                raise PermissionDenied
        return person_list(
            user=user, query=self.request.query_params.get("q", "")[:50], unit=unit
        )
