"""The candidate's exams over the API (Bearer token or session): the same services and
the same rules as the pages: no key or analysis before review, another person's attempt
is a 404, saves carry sequence numbers and the server's clock decides."""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.net import client_ip

from . import services
from .models import Attempt, AttemptQuestion, AttemptStatus, ExamGrade, ExamSession
from .review import ReviewPolicy
from .selectors import candidate_paper, review_allowed, sessions_for_user, slot_feedback


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _error(e: services.ExamError) -> Response:
    return Response(
        {"error": {"code": e.code, "message": e.messages[0], "details": e.extra}},
        status=e.status,
    )


class SaveSerializer(serializers.Serializer):
    seq = serializers.IntegerField(min_value=1)
    answers = serializers.DictField()


class StartSerializer(serializers.Serializer):
    access_code = serializers.CharField(required=False, allow_blank=True, default="")


def _attempt_state(attempt: Attempt) -> dict:
    return {
        "id": attempt.pk,
        "session": attempt.session_id,
        "number": attempt.number,
        "status": attempt.status,
        "deadline": attempt.deadline,
        "last_seq": attempt.last_seq,
        "server_now": timezone.now(),
        "grace_seconds": services.grace_seconds(),
    }


class SessionListView(APIView):
    """Exams and practice sets assigned to the caller, with what they may do now."""

    @extend_schema(tags=["exams"], responses=dict)
    def get(self, request: Request) -> Response:
        grades = {g.session_id: g for g in ExamGrade.objects.filter(user=request.user)}
        out = []
        for session in sessions_for_user(request.user).order_by("-opens_at"):
            a = services.session_availability(session=session, user=request.user)
            grade = grades.get(session.pk)
            out.append(
                {
                    "id": session.pk,
                    "title": session.title,
                    "kind": session.kind,
                    "opens_at": a.opens,
                    "closes_at": a.closes,
                    "time_limit_minutes": session.time_limit_minutes,
                    "can_start": a.can_start,
                    "reason": a.reason,
                    "resume_attempt": a.resume.pk if a.resume else None,
                    "attempts_used": a.attempts_used,
                    "attempts_allowed": a.attempts_allowed,
                    "grade": (
                        {"percent": str(grade.percent), "passed": grade.passed}
                        if grade and ReviewPolicy.for_session(session).score_visible()
                        else None
                    ),
                }
            )
        return Response(out)


class SessionStartView(APIView):
    @extend_schema(tags=["exams"], request=StartSerializer, responses=dict)
    def post(self, request: Request, pk: int) -> Response:
        session = get_object_or_404(ExamSession, pk=pk, is_published=True)
        # Someone with a paper (perhaps withdrawn since) gets the service's clear refusal.
        if not (
            Attempt.objects.filter(session=session, user=request.user).exists()
            or services.user_in_audience(session, request.user)
        ):
            raise Http404
        data = StartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            attempt = services.attempt_start(
                session=session,
                user=request.user,
                access_code=data.validated_data["access_code"],
                ip=client_ip(request),
                request=request,
            )
        except services.ExamError as e:
            return _error(e)
        return Response(_attempt_state(attempt), status=status.HTTP_201_CREATED)


class AttemptView(APIView):
    """The caller's attempt: its state and, while it runs, the paper (no keys)."""

    @extend_schema(tags=["exams"], responses=dict)
    def get(self, request: Request, pk: int) -> Response:
        attempt = get_object_or_404(
            Attempt.objects.select_related("session"), pk=pk, user=request.user
        )
        body = _attempt_state(attempt)
        if attempt.status == AttemptStatus.IN_PROGRESS:
            try:
                services.attempt_network_check(attempt=attempt, request=request)
            except services.ExamError as e:
                return _error(e)
            body["paper"] = _jsonable(candidate_paper(attempt))
        result = getattr(attempt, "result", None)
        if (
            result is not None
            and result.final
            and review_allowed(attempt.session, "score", attempt)
        ):
            body["result"] = {
                "score": str(result.score),
                "max_score": str(result.max_score),
                "percent": str(result.percent),
                "passed": result.passed,
            }
        return Response(body)


class AttemptSaveView(APIView):
    @extend_schema(tags=["exams"], request=SaveSerializer, responses=dict)
    def post(self, request: Request, pk: int) -> Response:
        data = SaveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            ack = services.attempt_save(
                attempt_id=pk,
                user=request.user,
                seq=data.validated_data["seq"],
                answers=data.validated_data["answers"],
                request=request,
            )
        except services.ExamError as e:
            return _error(e)
        except Attempt.DoesNotExist as e:
            raise Http404 from e
        return Response(
            {
                "seq": ack.seq,
                "saved": ack.saved,
                "saved_at": ack.saved_at,
                "server_now": timezone.now(),
            }
        )


class CheckSerializer(serializers.Serializer):
    order = serializers.IntegerField(min_value=1)


class AttemptCheckView(APIView):
    """Practice with immediate feedback: right or wrong, the key and the analysis of one
    answered question, whose answer is then locked. Exams refuse (403)."""

    @extend_schema(tags=["exams"], request=CheckSerializer, responses=dict)
    def post(self, request: Request, pk: int) -> Response:
        data = CheckSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            slot = services.attempt_check(
                attempt_id=pk,
                user=request.user,
                order=data.validated_data["order"],
                request=request,
            )
        except services.ExamError as e:
            return _error(e)
        except (Attempt.DoesNotExist, AttemptQuestion.DoesNotExist) as e:
            raise Http404 from e
        session = ExamSession.objects.only("multiple_scoring").get(attempts__pk=pk)
        return Response(slot_feedback(slot, session.multiple_scoring))


class AttemptSubmitView(APIView):
    @extend_schema(tags=["exams"], request=None, responses=dict)
    def post(self, request: Request, pk: int) -> Response:
        attempt = get_object_or_404(Attempt, pk=pk, user=request.user)
        try:
            services.attempt_submit(attempt=attempt, request=request)
        except services.ExamError as e:
            return _error(e)
        attempt.refresh_from_db()
        return Response(_attempt_state(attempt))
