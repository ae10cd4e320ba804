"""Read API for the statute library, charges and cases (visibility enforced)."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import get_object_or_404

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .models import Article, CaseKind, CaseLevel, ChargeKind, Law
from .references import parse_references, resolve
from .serializers import (
    ArticleBriefSerializer,
    ArticleSerializer,
    CaseDetailSerializer,
    CaseSerializer,
    ChargeDetailSerializer,
    ChargeSerializer,
    LawSerializer,
    ResolvedReferenceListSerializer,
)

DATE_PARAM = OpenApiParameter(
    "date", str, description="YYYY-MM-DD: return the text in force on this date"
)


@extend_schema(
    tags=["casebank"],
    parameters=[OpenApiParameter("q", str, description="Text in the name")],
)
class LawListView(generics.ListAPIView):
    """Laws and regulations in the statute library."""

    serializer_class = LawSerializer

    def get_queryset(self):
        return selectors.law_list(
            query=self.request.query_params.get("q", "")[:100]
        ).annotate(article_count=Count("articles"))


@extend_schema(tags=["casebank"])
class LawDetailView(generics.RetrieveAPIView):
    """One law."""

    serializer_class = LawSerializer
    queryset = Law.objects.annotate(article_count=Count("articles"))


@extend_schema(
    tags=["casebank"],
    parameters=[
        OpenApiParameter("law", int, description="Law id"),
        OpenApiParameter(
            "q", str, description="A reference such as 刑法第264条 (parsed, exact)"
        ),
    ],
)
class ArticleListView(generics.ListAPIView):
    """Articles of a law, or those a free-text reference points to."""

    serializer_class = ArticleBriefSerializer

    def get_queryset(self):
        params = self.request.query_params
        if params.get("q"):
            ids = [
                a.pk
                for a in (resolve(r) for r in parse_references(params["q"][:500]))
                if a
            ]
            return Article.objects.select_related("law").filter(pk__in=ids)
        articles = Article.objects.select_related("law").order_by(
            "law_id", "number", "sub_number"
        )
        law = str(params.get("law", ""))
        if law.isdigit() and int(law) < 2**31:
            articles = articles.filter(law_id=int(law))
        return articles


@extend_schema(tags=["casebank"], parameters=[DATE_PARAM])
class ArticleDetailView(generics.RetrieveAPIView):
    """One article with the version in force on ``date`` (default today) and all versions."""

    serializer_class = ArticleSerializer
    queryset = Article.objects.select_related("law").prefetch_related("versions")

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "date": selectors.parse_date(self.request.query_params.get("date")),
        }


@extend_schema(
    tags=["casebank"],
    parameters=[
        OpenApiParameter("kind", str, enum=ChargeKind.values),
        OpenApiParameter("q", str, description="Text in the name"),
    ],
)
class ChargeListView(generics.ListAPIView):
    """Criminal charges and public-security violations."""

    serializer_class = ChargeSerializer

    def get_queryset(self):
        params = self.request.query_params
        kind = params.get("kind", "")
        return selectors.charge_list(
            kind=kind if kind in ChargeKind.values else "",
            query=params.get("q", "")[:100],
        ).prefetch_related("articles__law")


@extend_schema(tags=["casebank"])
class ChargeDetailView(APIView):
    """One charge with its legal elements."""

    @extend_schema(responses=ChargeDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        charge = get_object_or_404(selectors.charge_list(), pk=pk)
        return Response(ChargeDetailSerializer(charge).data)


@extend_schema(
    tags=["casebank"],
    parameters=[
        OpenApiParameter("q", str),
        OpenApiParameter("kind", str, enum=CaseKind.values),
        OpenApiParameter("level", str, enum=CaseLevel.values),
        OpenApiParameter("charge", int),
    ],
)
class CaseListView(generics.ListAPIView):
    """Live cases the caller may see (restricted cases only for users of the named units)."""

    serializer_class = CaseSerializer

    def get_queryset(self):
        params = self.request.query_params
        cases = selectors.case_list(
            user=self.request.user, params={**params.dict(), "page": None}
        )
        return cases["cases"].paginator.object_list.prefetch_related("charges")


@extend_schema(tags=["casebank"])
class CaseDetailView(APIView):
    """One case, if the caller may see it (404 otherwise, so its existence does not leak)."""

    @extend_schema(responses=CaseDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        case = selectors.case_queryset_visible_to(request.user).filter(pk=pk).first()
        if case is None:
            raise NotFound
        return Response(CaseDetailSerializer(case).data)


@extend_schema(
    tags=["casebank"],
    parameters=[
        OpenApiParameter(
            "q",
            str,
            required=True,
            description="Free text containing statute references",
        ),
        DATE_PARAM,
    ],
)
class ReferenceResolveView(APIView):
    """Parse statute references in text and resolve each to an article."""

    @extend_schema(responses=ResolvedReferenceListSerializer)
    def get(self, request: Request) -> Response:
        date = selectors.parse_date(request.query_params.get("date"))
        out = []
        for ref in parse_references(request.query_params.get("q", "")[:2000]):
            article = resolve(ref, date)
            out.append(
                {
                    "text": ref.text,
                    "start": ref.start,
                    "end": ref.end,
                    "law": ref.law_name,
                    "article": ref.article,
                    "sub_number": ref.sub_number,
                    "paragraph": ref.paragraph,
                    "item": ref.item,
                    "article_id": article.pk if article else None,
                }
            )
        return Response({"results": out})
