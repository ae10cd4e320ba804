"""/api/v1/me, /api/v1/units, /api/v1/people: scoped like the pages (accounts.selectors)."""

from __future__ import annotations

from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied

from .http import request_user
from .models import Unit, User
from .permissions import HasPermission, can_export_people, can_manage_people
from .selectors import directory_units, person_list


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
    post = serializers.CharField(source="post.name", default=None)
    police_type = serializers.CharField(source="police_type.name", default=None)

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
            "post",
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
        return request_user(self.request)


class UnitListView(generics.ListAPIView):
    serializer_class = UnitSerializer
    permission_classes = [HasPermission.for_(can_manage_people)]

    def get_queryset(self):
        return directory_units(request_user(self.request)).order_by("path")


class PersonListView(generics.ListAPIView):
    """People in the caller's scope; ``?unit=CODE`` (with sub-units) and ``?q=``."""

    serializer_class = PersonSerializer
    permission_classes = [HasPermission.for_(can_export_people)]

    def list(self, request, *args, **kwargs):
        """List, and audit the bulk read of personal data (who, which filter, how many)."""
        response = super().list(request, *args, **kwargs)
        from audit.services import audit_log

        data = response.data
        audit_log(
            action="accounts.people_api_read",
            request=request,
            target_type="accounts.user",
            details={
                "count": data.get("count") if isinstance(data, dict) else len(data),
                "unit": request.query_params.get("unit", "")[:32],
                "query": request.query_params.get("q", "")[:50],
                "via": "token" if request.auth is not None else "session",
            },
        )
        return response

    def get_queryset(self):
        user = request_user(self.request)
        unit = None
        if code := self.request.query_params.get("unit"):
            unit = directory_units(user).filter(code=code).first()
            if unit is None:
                raise PermissionDenied
        return person_list(
            user=user, query=self.request.query_params.get("q", "")[:50], unit=unit
        )
