from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest

from .home import home_items, home_sections


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The role-aware home page: what this user has to do today."""
    items = home_items(request)
    sections = home_sections(
        items,
        today=timezone.localdate(),
        soon_days=getattr(settings, "RECORDS_DUE_SOON_DAYS", 14),
    )
    return render(request, "core/home.html", {"items": items, "sections": sections})


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers (and the cache, when one is shared)."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as e:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"error: {type(e).__name__}"
    try:
        from django.core.cache import cache

        cache.set("readyz", "1", 5)
        checks["cache"] = "ok" if cache.get("readyz") == "1" else "error"
    except Exception as e:  # noqa: BLE001
        checks["cache"] = f"error: {type(e).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
