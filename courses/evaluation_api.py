"""执法考评 over the API, for the force's performance-assessment system. The format is
documented in docs/evaluation.md ("API"); scopes are those of the pages."""

from __future__ import annotations

from django.http import Http404

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import request_user
from audit.services import audit_log

from .evaluation import Evaluation, evaluate_person, unit_evaluation_page
from .evaluation_views import unit_for, year_param


class IndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    # A declared field: the metaclass moves it out of the class, so it does not replace
    # Field.label as the stubs assume.
    label = serializers.CharField()  # type: ignore[assignment]
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    value = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    numerator = serializers.CharField(allow_null=True)
    denominator = serializers.CharField(allow_null=True)


class EvaluationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["unit", "person"])
    id = serializers.IntegerField(source="key")
    name = serializers.CharField(source="label")
    score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    peers = serializers.IntegerField(allow_null=True)
    indicators = IndicatorSerializer(many=True, source="results")
    facts = serializers.SerializerMethodField()

    def get_facts(self, ev: Evaluation) -> dict:
        return ev.facts.as_dict()


class UnitEvaluationSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    scheme_version = serializers.IntegerField(allow_null=True)
    scheme_approved = serializers.BooleanField()
    unit = EvaluationSerializer()
    children = EvaluationSerializer(many=True)
    people = EvaluationSerializer(many=True)


def _payload(page, with_people: bool) -> dict:
    return {
        "year": page.year,
        "as_of": page.as_of,
        "scheme_version": page.scheme.scheme.version if page.scheme.scheme else None,
        "scheme_approved": page.scheme.approved,
        "unit": page.evaluation,
        "children": page.children,
        "people": page.people if with_people else [],
    }


@extend_schema(
    tags=["evaluation"],
    parameters=[
        OpenApiParameter(
            "year", int, description="Evaluation year (default: this year)"
        ),
        OpenApiParameter("people", int, enum=[0, 1], description="1: include people"),
    ],
    responses=UnitEvaluationSerializer,
)
class UnitEvaluationView(APIView):
    """A unit's evaluation: score, rank among peers, indicators with their numerators
    and denominators, its child units and (``people=1``) its people. Leaders, unit
    admins and the system admin, inside their scope (404 outside)."""

    def get(self, request: Request, unit_id: int) -> Response:
        from django.core.exceptions import PermissionDenied

        try:
            unit = unit_for(request._request, request_user(request), unit_id)
        except PermissionDenied as e:
            raise Http404 from e
        year = year_param(request._request)
        with_people = request.query_params.get("people") == "1"
        page = unit_evaluation_page(unit=unit, year=year, with_people=with_people)
        audit_log(
            action="courses.evaluation.view",
            request=request._request,
            target=unit,
            details={"year": year, "view": "api"},
        )
        return Response(UnitEvaluationSerializer(_payload(page, with_people)).data)


@extend_schema(
    tags=["evaluation"],
    parameters=[OpenApiParameter("year", int)],
    responses=EvaluationSerializer,
)
class MyEvaluationView(APIView):
    """The signed-in person's own evaluation."""

    def get(self, request: Request) -> Response:
        year = year_param(request._request)
        return Response(
            EvaluationSerializer(
                evaluate_person(person=request_user(request), year=year)
            ).data
        )
