"""What a candidate sees: their exams, the attempt page and its JSON endpoints, results,
certificates. Every attempt lookup is filtered by ``user=request.user`` so another
person's attempt id is a 404."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.net import client_ip

from .. import paper, services
from ..certificates import CertificateFontMissing, certificate_pdf, certificate_visible
from ..models import (
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    Certificate,
    ExamGrade,
    ExamSession,
)
from ..review import ReviewPolicy
from ..selectors import (
    attempt_review,
    sessions_for_user,
    slot_feedback,
)

BAD_REQUEST = gettext_noop("The request could not be read.")


def _error(message: str, code: str, status: int, **extra) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": str(message), "details": extra}},
        status=status,
    )


@login_required
def my_exams(request: HttpRequest) -> HttpResponse:
    sessions = list(sessions_for_user(request.user).order_by("-opens_at"))
    grades = {g.session_id: g for g in ExamGrade.objects.filter(user=request.user)}
    rows = []
    for session in sessions:
        availability = services.session_availability(session=session, user=request.user)
        rows.append(
            {
                "session": session,
                "availability": availability,
                "grade": grades.get(session.pk)
                if ReviewPolicy.for_session(session).score_visible()
                else None,
            }
        )
    return render(request, "exams/my_exams.html", {"rows": rows})


@login_required
@never_cache
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # The page shows the blueprint and its rows (question count, total points); Start
    # does not read them.
    sessions = ExamSession.objects.all()
    if request.method != "POST":
        sessions = sessions.select_related("blueprint").prefetch_related(
            "blueprint__rows"
        )
    session = get_object_or_404(sessions, pk=pk, is_published=True)
    # One look at the person's attempts and the audience decides both whether the page
    # is theirs (an attempt, even a withdrawn one, or the audience) and what they may do.
    availability = services.session_availability(session=session, user=request.user)
    if not availability.member:
        raise Http404
    if request.method == "POST":
        try:
            attempt = services.attempt_start(
                session=session,
                user=request.user,
                access_code=request.POST.get("access_code", ""),
                ip=client_ip(request),
                request=request,
                availability=availability,
            )
        except services.ExamError as e:
            messages.error(request, e.messages[0])
        else:
            return redirect("exams:attempt", pk=attempt.pk)
        availability = services.session_availability(session=session, user=request.user)
    policy = ReviewPolicy.for_session(session)
    return render(
        request,
        "exams/session_detail.html",
        {
            "session": session,
            "availability": availability,
            # Prepared papers are not attempts yet: the card lists only started ones.
            "attempts": [
                a for a in availability.attempts if a.status != AttemptStatus.PREPARED
            ],
            "grade": ExamGrade.objects.filter(
                session=session, user=request.user
            ).first()
            if policy.score_visible()
            else None,
            "certificate": Certificate.objects.filter(
                session=session, user=request.user, revoked=False
            ).first()
            if policy.certificate_available()
            else None,
        },
    )


def _own_attempt(request: HttpRequest, pk: int) -> Attempt:
    return get_object_or_404(
        Attempt.objects.select_related("session"), pk=pk, user=request.user
    )


@login_required
@never_cache
def attempt_take(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = _own_attempt(request, pk)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return redirect("exams:attempt_result", pk=attempt.pk)
    try:
        services.attempt_network_check(attempt=attempt, request=request)
    except services.ExamError as e:
        messages.error(request, e.messages[0])
        return redirect("exams:session", pk=attempt.session_id)
    now = timezone.now()
    # The question palette (one entry per question, in paper order) the saved answers and the flags.
    orders, answers, flagged = paper.paper_state(attempt)
    return render(
        request,
        "exams/attempt_take.html",
        {
            "attempt": attempt,
            "session": attempt.session,
            # The questions are rendered once per attempt; the answers are filled in by take.js.
            "paper_html": paper.paper_html(attempt),
            "answers": answers,
            "feedback": paper.checked_feedback(attempt),
            "orders": orders,
            "config": {
                "attemptId": attempt.pk,
                "saveUrl": reverse("exams:attempt_save", args=[attempt.pk]),
                "stateUrl": reverse("exams:attempt_state", args=[attempt.pk]),
                "submitUrl": reverse("exams:attempt_submit", args=[attempt.pk]),
                "flagUrl": reverse("exams:attempt_flag", args=[attempt.pk]),
                # The candidate's flags, kept with the attempt (a reload, another device).
                "flagged": flagged,
                "checkUrl": reverse("exams:attempt_check", args=[attempt.pk])
                if services.check_allowed(attempt.session)
                else None,
                "resultUrl": reverse("exams:attempt_result", args=[attempt.pk]),
                "deadline": attempt.deadline.timestamp() * 1000,
                "serverNow": now.timestamp() * 1000,
                "lastSeq": attempt.last_seq,
                # Pages whose clock runs out together spread their final submit over a few
                # seconds (answers are locked and saved by then; well inside the grace).
                "submitSpreadMs": services.deadline_submit_spread_seconds() * 1000,
            },
        },
    )


@login_required
@require_POST
@never_cache
def attempt_save(request: HttpRequest, pk: int) -> JsonResponse:
    """Save answer changes: ``{"seq": n, "answers": {"3": ["A", "C"], ...}}``.

    Any time the client sends is ignored: only the server clock counts.
    """
    try:
        payload = json.loads(request.body or b"{}")
        seq = int(payload["seq"])
        answers = payload.get("answers") or {}
        if not isinstance(answers, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        if not Attempt.objects.filter(pk=pk, user=request.user).exists():
            raise Http404 from None
        return _error(_(BAD_REQUEST), "bad_request", 400)
    try:
        ack = services.attempt_save(
            attempt_id=pk, user=request.user, seq=seq, answers=answers, request=request
        )
    except services.ExamError as e:
        return _error(e.messages[0], e.code, e.status, **e.extra)
    except Attempt.DoesNotExist as e:
        raise Http404 from e
    return JsonResponse(
        {
            "ok": True,
            "seq": ack.seq,
            "saved": ack.saved,
            "saved_at": ack.saved_at.isoformat(),
            "server_now": timezone.now().timestamp() * 1000,
        }
    )


@login_required
@require_POST
@never_cache
def attempt_flag(request: HttpRequest, pk: int) -> JsonResponse:
    """Flag or unflag one question: ``{"order": n, "flagged": true}``."""
    try:
        payload = json.loads(request.body or b"{}")
        order = int(payload["order"])
        flagged = payload.get("flagged")
        if not isinstance(flagged, bool):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        if not Attempt.objects.filter(pk=pk, user=request.user).exists():
            raise Http404 from None
        return _error(_(BAD_REQUEST), "bad_request", 400)
    attempt = _own_attempt(request, pk)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        # Every request of the attempt is held to the session's networks (issue 13).
        try:
            services.attempt_network_check(attempt=attempt, request=request)
        except services.ExamError as e:
            return _error(e.messages[0], e.code, e.status)
    try:
        services.attempt_flag(
            attempt_id=pk, user=request.user, order=order, flagged=flagged
        )
    except services.ExamError as e:
        return _error(e.messages[0], e.code, e.status, **e.extra)
    except Attempt.DoesNotExist as e:
        raise Http404 from e
    except AttemptQuestion.DoesNotExist:
        return _error(_(services.BAD_ANSWER).format(n=order), "bad_answer", 400)
    return JsonResponse({"ok": True, "order": order, "flagged": flagged})


@login_required
@require_POST
@never_cache
def attempt_check(request: HttpRequest, pk: int) -> JsonResponse:
    """Practice: ``{"order": n}`` → right or wrong, the correct answer and the analysis of
    that one question (its answer is locked from then on). Exams refuse."""
    try:
        order = int(json.loads(request.body or b"{}")["order"])
    except (ValueError, KeyError, TypeError):
        if not Attempt.objects.filter(pk=pk, user=request.user).exists():
            raise Http404 from None
        return _error(_(BAD_REQUEST), "bad_request", 400)
    try:
        slot = services.attempt_check(
            attempt_id=pk, user=request.user, order=order, request=request
        )
    except services.ExamError as e:
        return _error(e.messages[0], e.code, e.status, **e.extra)
    except Attempt.DoesNotExist as e:
        raise Http404 from e
    except AttemptQuestion.DoesNotExist:
        return _error(_(services.BAD_ANSWER).format(n=order), "bad_answer", 400)
    session = ExamSession.objects.only("multiple_scoring").get(attempts__pk=pk)
    feedback = slot_feedback(slot, session.multiple_scoring)
    return JsonResponse(
        {
            "ok": True,
            "feedback": feedback,
            "html": render_to_string(
                "exams/includes/feedback.html", {"f": feedback}, request=request
            ),
        }
    )


@login_required
@require_GET
@never_cache
def attempt_state(request: HttpRequest, pk: int) -> JsonResponse:
    attempt = _own_attempt(request, pk)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        try:
            services.attempt_network_check(attempt=attempt, request=request)
        except services.ExamError as e:
            return _error(e.messages[0], e.code, e.status)
    return JsonResponse(
        {
            "status": attempt.status,
            "last_seq": attempt.last_seq,
            "deadline": attempt.deadline.timestamp() * 1000
            if attempt.deadline
            else None,
            "server_now": timezone.now().timestamp() * 1000,
            "grace_seconds": services.grace_seconds(),
        }
    )


@login_required
@require_POST
def attempt_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit (idempotent): one conditional UPDATE; grading runs on a worker afterwards."""
    try:
        services.attempt_submit(
            attempt=Attempt(pk=pk), user=request.user, request=request
        )
    except Attempt.DoesNotExist as e:
        raise Http404 from e
    except services.ExamError as e:
        if request.headers.get("Accept", "").startswith("application/json"):
            return _error(e.messages[0], e.code, e.status)
        messages.error(request, e.messages[0])
        return redirect("exams:attempt", pk=pk)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(
            {"ok": True, "result_url": reverse("exams:attempt_result", args=[pk])}
        )
    return redirect("exams:attempt_result", pk=pk)


@login_required
@never_cache
def attempt_result(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = _own_attempt(request, pk)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        return redirect("exams:attempt", pk=attempt.pk)
    session = attempt.session
    result = getattr(attempt, "result", None)
    policy = ReviewPolicy.for_session(session)
    show_score = result is not None and result.final and policy.score_visible(attempt)
    show_answers = (
        result is not None and result.final and policy.answers_visible(attempt)
    )
    return render(
        request,
        "exams/attempt_result.html",
        {
            "attempt": attempt,
            "session": session,
            "result": result,
            "show_score": show_score,
            "review": attempt_review(attempt) if show_answers else None,
            "grade": ExamGrade.objects.filter(
                session=session, user=request.user
            ).first()
            if show_score
            else None,
            "certificate": Certificate.objects.filter(
                session=session, user=request.user, revoked=False
            ).first()
            if show_score and policy.certificate_available()
            else None,
        },
    )


@login_required
def certificate_download(request: HttpRequest, code: str) -> HttpResponse:
    certificate = get_object_or_404(
        Certificate.objects.select_related("session", "user__unit"),
        code=code,
        revoked=False,
    )
    from accounts.selectors import can_see_person

    if certificate.user_id != request.user.pk and not can_see_person(
        request.user, certificate.user
    ):
        raise Http404
    if not certificate_visible(certificate):
        raise Http404
    try:
        data = certificate_pdf(
            certificate, verify_url=request.build_absolute_uri(reverse("exams:verify"))
        )
    except CertificateFontMissing as e:
        messages.error(request, str(e))
        return redirect("exams:session", pk=certificate.session_id)
    import io

    return FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=f"certificate-{certificate.code}.pdf",
        content_type="application/pdf",
    )


@never_cache
def certificate_verify(request: HttpRequest) -> HttpResponse:
    """Public page: anyone holding a code can check that the certificate is genuine."""
    code = request.GET.get("code", "").strip().upper()
    certificate = None
    if code:
        certificate = (
            Certificate.objects.select_related("session", "user__unit")
            .filter(code=code)
            .first()
        )
    return render(
        request,
        "exams/verify.html",
        {
            "code": code,
            "certificate": certificate,
            # Validity always; the score only once the candidate may see it.
            "show_score": certificate is not None
            and ReviewPolicy.for_session(certificate.session).verify_shows_score(),
        },
    )
