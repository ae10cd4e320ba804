"""The learner's courses and progress over the API (Bearer token or session)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import request_user
from records.models import CreditCategory

from . import selectors
from .models import CoursePage
from .serializers import CourseDetailSerializer, CourseSerializer, MyLearningSerializer


@extend_schema(
    tags=["courses"],
    parameters=[
        OpenApiParameter(
            "q", str, description="Text in the title, summary or lecturer"
        ),
        OpenApiParameter("category", str, enum=CreditCategory.values),
        OpenApiParameter("kind", str, enum=["required", "elective"]),
    ],
)
class CourseListView(generics.ListAPIView):
    """The live course catalogue."""

    serializer_class = CourseSerializer

    def get_queryset(self):
        params = self.request.query_params
        category = params.get("category", "")
        return selectors.course_catalogue(
            user=request_user(self.request),
            query=params.get("q", "")[:100],
            category=category if category in CreditCategory.values else "",
            kind=params.get("kind", ""),
        )


@extend_schema(tags=["courses"])
class CourseDetailView(generics.RetrieveAPIView):
    """One course with the caller's lesson states and assignment."""

    serializer_class = CourseDetailSerializer

    def get_object(self):
        return get_object_or_404(CoursePage.objects.live(), pk=self.kwargs["pk"])


class MyLearningView(APIView):
    """The caller's required, in-progress and completed courses, and hours this year."""

    @extend_schema(tags=["courses"], responses=MyLearningSerializer)
    def get(self, request: Request) -> Response:
        return Response(
            MyLearningSerializer(selectors.my_learning(user=request_user(request))).data
        )
