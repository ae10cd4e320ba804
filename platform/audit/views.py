"""The audit admin's pages: read, filter and export the audit log (the export is itself
audited). Nobody else may open them; the application offers no way to change entries."""

from __future__ import annotations

import csv
import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from .forms import AuditFilterForm
from .selectors import audit_entry_list
from .services import audit_log

EXPORT_COLUMNS = [
    "id",
    "时间",
    "操作人",
    "操作",
    "对象类型",
    "对象ID",
    "对象",
    "结果",
    "客户端地址",
    "详情",
    "前项哈希",
    "本项哈希",
]


def _require_auditor(request: HttpRequest) -> None:
    from accounts.permissions import can_read_audit_log as rule
    from accounts.permissions import require

    if request.user.is_authenticated and not rule(request.user):
        audit_log(
            action="audit.access_denied",
            request=request,
            result="denied",
            details={"path": request.path},
        )
    require(request, rule)


def _filtered(request: HttpRequest):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    return form, {k: v for k, v in filters.items() if v}


@login_required
def log(request: HttpRequest) -> HttpResponse:
    _require_auditor(request)
    form, filters = _filtered(request)
    page = Paginator(audit_entry_list(**filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {"form": form, "page": page, "querystring": query.urlencode()},
    )


def _safe(value: str) -> str:
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def export(request: HttpRequest) -> StreamingHttpResponse:
    """Stream the filtered entries as CSV (UTF-8 with BOM for Excel)."""
    _require_auditor(request)
    _form, filters = _filtered(request)
    entries = audit_entry_list(**filters)
    audit_log(
        action="audit.export",
        request=request,
        target_type="audit.auditentry",
        details={
            "filters": {k: str(v) for k, v in filters.items()},
            "count": entries.count(),
        },
    )
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff" + writer.writerow(EXPORT_COLUMNS)
        for e in entries.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    e.pk,
                    timezone.localtime(e.created_at).isoformat(),
                    _safe(e.actor_username),
                    e.action,
                    e.target_type,
                    _safe(e.target_id),
                    _safe(e.target_repr),
                    e.result,
                    e.client_ip or "",
                    _safe(json.dumps(e.details, ensure_ascii=False, sort_keys=True)),
                    e.prev_hash,
                    e.entry_hash,
                ]
            )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
