"""The system administrator's page to retrain the search embedding model and follow it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audit.services import audit_log

from .embeddings import configured_model_path

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
from .training_tasks import training_output_dir, training_start, training_status


def can_retrain(user: User | AnonymousUser) -> bool:
    """Return True for system administrators (and superusers), who may retrain the model
    (``accounts.permissions.can_retrain_search``)."""
    from accounts.permissions import can_retrain_search

    return can_retrain_search(user)


@require_http_methods(["GET", "POST"])
def embedder_training(request: HttpRequest) -> HttpResponse:
    """Show the last training run; on POST start a new one."""
    from accounts.permissions import can_retrain_search, require

    if not can_retrain(request.user):
        audit_log(
            action="search.embedder_train",
            actor=request.user,
            request=request,
            result="denied",
        )
        raise PermissionDenied
    require(request, can_retrain_search)  # two-factor
    if request.method == "POST":
        use_casebank = request.POST.get("use_casebank") == "on"
        use_public = request.POST.get("use_public_data") == "on"
        if not (use_casebank or use_public):
            messages.error(request, _("Choose at least one source of training data."))
            return redirect("search_embedder_training")
        try:
            run_id = training_start(
                started_by=request.user.get_username(),
                use_public_data=use_public,
                use_casebank=use_casebank,
            )
        except RuntimeError as e:
            messages.error(request, str(e))
            audit_log(
                action="search.embedder_train",
                actor=request.user,
                request=request,
                result="failure",
                details={"error": str(e)},
            )
        else:
            audit_log(
                action="search.embedder_train",
                actor=request.user,
                request=request,
                result="success",
                details={
                    "run_id": run_id,
                    "use_casebank": use_casebank,
                    "use_public_data": use_public,
                },
            )
            messages.success(request, _("Training started."))
        return redirect("search_embedder_training")
    status = training_status()
    total = status.get("total") or 0
    context = {
        "status": status,
        "percent": int(100 * status.get("done", 0) / total) if total else 0,
        "active": status.get("state") in {"queued", "running"},
        "output_dir": training_output_dir(),
        "model_in_use": configured_model_path(),
    }
    return TemplateResponse(request, "search/admin/embedder_training.html", context)
