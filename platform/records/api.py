"""The learner's own training record over the API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import request_user

from . import selectors


class CategoryHoursSerializer(serializers.Serializer):
    code = serializers.CharField()
    # A declared field: the metaclass moves it out of the class, so it does not replace
    # Field.label as the stubs assume.
    label = serializers.CharField()  # type: ignore[assignment]
    hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    target = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    met = serializers.BooleanField()


class YearHoursSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=8, decimal_places=2)
    target = serializers.DecimalField(
        max_digits=8, decimal_places=2, source="targets.min_hours"
    )
    met = serializers.BooleanField()
    categories = CategoryHoursSerializer(many=True, source="rows")


class AssignmentSerializer(serializers.Serializer):
    item_type = serializers.CharField(source="item.item_type")
    item_id = serializers.CharField(source="item.item_id")
    title = serializers.CharField(source="item.title")
    url = serializers.CharField(source="item.url")
    status = serializers.CharField()
    progress = serializers.FloatField()
    due_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    score = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    passed = serializers.BooleanField(allow_null=True)


class CertificationSerializer(serializers.Serializer):
    kind = serializers.CharField(source="cert.kind")
    level = serializers.CharField(source="cert.level")
    issued_at = serializers.DateField(source="cert.issued_at")
    expires_at = serializers.DateField(source="cert.expires_at", allow_null=True)
    state = serializers.ChoiceField(choices=["valid", "expiring", "expired"])


class RecordSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    years = YearHoursSerializer(many=True)
    courses_completed = AssignmentSerializer(many=True)
    open_assignments = AssignmentSerializer(many=True)
    exams = AssignmentSerializer(many=True)
    pre_meeting_attended = serializers.IntegerField()
    pre_meeting_required = serializers.IntegerField()
    missing_item_types = serializers.ListField(child=serializers.CharField())
    certifications = CertificationSerializer(many=True, source="cert_states")


class MyRecordView(APIView):
    """The signed-in learner's training record: hours by year and category against
    targets, courses, exams, open items, 会前学法 attendance and qualifications."""

    @extend_schema(
        responses=RecordSerializer,
        operation_id="my_record",
        summary="The learner's training record",
    )
    def get(self, request: Request) -> Response:
        year = request.query_params.get("year")
        year_no = (
            int(year)
            if year and year.isascii() and year.isdigit() and len(year) == 4
            else None
        )
        record = selectors.person_record_get(
            request_user(request), year_no, as_learner=True
        )
        record.cert_states = selectors.certifications_status(
            record.certifications, record.today, 90
        )
        return Response(RecordSerializer(record).data)
