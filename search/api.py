"""Search and case linking over the API (Bearer token or session), scoped to the
caller's units exactly as the pages are."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import audit_log

from .backends.base import FILTER_FIELDS, INTEGER_FILTERS, SearchUnavailable
from .linking import link_case
from .permissions import LINK_DENIED, LINK_ROLES, audit_link_denied, can_link_cases
from .selectors import MAX_LIMIT, group_law_facet, hit_as_dict, search_documents

TYPES = ("case", "article", "guideline", "course")
MODES = ("hybrid", "keyword", "semantic")


class SearchHitSerializer(serializers.Serializer[dict[str, Any]]):
    type = serializers.ChoiceField(choices=TYPES)
    id = serializers.CharField()
    source_id = serializers.CharField()
    title = serializers.CharField()
    score = serializers.FloatField()
    snippet = serializers.CharField(help_text="HTML: escaped text, matches in <mark>")
    url = serializers.CharField()


class SearchResponseSerializer(serializers.Serializer[dict[str, Any]]):
    total = serializers.IntegerField()
    results = SearchHitSerializer(many=True)
    facets = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField())
    )
    exact = SearchHitSerializer(allow_null=True)


class SearchParamsSerializer(serializers.Serializer[dict[str, Any]]):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, default=""
    )
    type = serializers.ChoiceField(choices=TYPES, required=False)
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LIMIT, default=20
    )
    offset = serializers.IntegerField(required=False, min_value=0, default=0)
    mode = serializers.ChoiceField(choices=MODES, required=False, default="hybrid")
    date = serializers.DateField(
        required=False, help_text="Show statute text in force on this date"
    )
    facets = serializers.CharField(
        required=False, help_text="Comma-separated facet names"
    )


def parse_filters(params: Any) -> dict[str, list[Any]]:
    """Return the filters among query parameters (repeated or comma-separated)."""
    filters: dict[str, list[Any]] = {}
    for name in FILTER_FIELDS:
        values = [
            v for raw in params.getlist(name) for v in str(raw).split(",") if v.strip()
        ]
        if not values:
            continue
        if name in INTEGER_FILTERS:
            try:
                filters[name] = [int(v) for v in values]
            except ValueError as e:
                raise serializers.ValidationError(
                    {name: _("Enter whole numbers.")}
                ) from e
        else:
            filters[name] = values
    return filters


def _unavailable() -> Response:
    return Response(
        {
            "error": {
                "code": "search_unavailable",
                "message": _(SearchUnavailable.USER_MESSAGE),
                "details": {},
            }
        },
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
    )


def _error(message: str, details: Any = None) -> Response:
    return Response(
        {"error": {"code": "invalid", "message": message, "details": details or {}}},
        status=status.HTTP_400_BAD_REQUEST,
    )


class SearchView(APIView):
    """Search cases, statute articles and courses the caller may see, best first."""

    @extend_schema(
        tags=["search"],
        parameters=[
            SearchParamsSerializer,
            *[
                OpenApiParameter(
                    name,
                    int if name in INTEGER_FILTERS else str,
                    description="Filter (repeat or comma-separate for OR)",
                )
                for name in FILTER_FIELDS
            ],
        ],
        responses=SearchResponseSerializer,
    )
    def get(self, request: Request) -> Response:
        params = SearchParamsSerializer(data=request.query_params)
        if not params.is_valid():
            return _error(_("Invalid search parameters."), params.errors)
        data = params.validated_data
        try:
            filters = parse_filters(request.query_params)
            facets = [f for f in (data.get("facets") or "").split(",") if f]
            page = search_documents(
                user=request.user,
                text=data["q"],
                doc_types=[data["type"]] if data.get("type") else None,
                filters=filters,
                limit=data["limit"],
                offset=data["offset"],
                mode=data["mode"],
                facets=facets,
                on_date=data.get("date"),
            )
        except serializers.ValidationError as e:
            return _error(_("Invalid search parameters."), e.detail)
        except ValueError as e:
            return _error(str(e))
        except SearchUnavailable:
            return _unavailable()
        return Response(
            {
                "total": page.total,
                "results": [hit_as_dict(h) for h in page.hits],
                # One entry per law, as on the page (articles index both of its names).
                "facets": {
                    name: group_law_facet(counts)[0] if name == "law" else counts
                    for name, counts in page.facets.items()
                },
                "exact": hit_as_dict(page.exact) if page.exact else None,
            }
        )


class LinkRequestSerializer(serializers.Serializer[dict[str, Any]]):
    text = serializers.CharField(max_length=20000)
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=50, default=10
    )


class LinkResponseSerializer(serializers.Serializer[dict[str, Any]]):
    """``score`` is relative strength (1.0 = the strongest of its list; ``strength``:
    strong / moderate / weak), not a probability."""

    precedents = serializers.ListField(
        child=serializers.DictField(),
        help_text="[{id, title, url, score, strength, snippet, charges, shared_terms, "
        "shared_charges, sentences}]; weaker than 0.3 × the best: not listed",
    )
    charges = serializers.ListField(
        child=serializers.DictField(),
        help_text="[{name, score, strength, articles, precedents: [{id, title, url}], "
        "sentences: sentences of the text that support it, reasons}]",
    )
    articles = serializers.ListField(
        child=serializers.DictField(),
        help_text="[{law, label, source_id, score, strength, charges, precedents, "
        "sentences}]",
    )
    elements = serializers.ListField(
        child=serializers.DictField(),
        help_text="[{charge, kind, title, mentioned, sentence: the supporting sentence, "
        "status: the sentence or 未见相关事实, evidence, ...}]",
    )
    focused_text = serializers.CharField()


class LinkView(APIView):
    """Link a new case description: precedents, suggested charges and articles, and the
    legal elements to prove with the evidence each needs."""

    @extend_schema(
        tags=["search"],
        request=LinkRequestSerializer,
        responses={
            200: LinkResponseSerializer,
            403: OpenApiResponse(
                description="The caller is not a legal officer or a leader."
            ),
            503: OpenApiResponse(description="The search engine is unreachable."),
        },
    )
    def post(self, request: Request) -> Response:
        if not can_link_cases(request.user):
            audit_link_denied(request, via="api")
            return Response(
                {
                    "error": {
                        "code": "permission_denied",
                        "message": str(LINK_DENIED),
                        "details": {"roles": list(LINK_ROLES)},
                    }
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        body = LinkRequestSerializer(data=request.data)
        if not body.is_valid():
            return _error(_("Invalid request."), body.errors)
        try:
            result = link_case(
                body.validated_data["text"],
                request.user,
                limit=body.validated_data["limit"],
            )
        except ValueError as e:
            return _error(
                _("Describe the case in at least %(n)d characters.") % {"n": 6},
                {"text": [str(e)]},
            )
        except SearchUnavailable:
            return _unavailable()
        audit_log(
            action="search.link_case",
            actor=request.user,
            request=request,
            result="success",
            details={
                "chars": len(result.text),
                "precedents": [p.id for p in result.precedents],
                "via": "api",
            },
        )
        data = result.as_dict()
        data.pop("text", None)
        return Response(data)
