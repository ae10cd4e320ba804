"""Send the ledger's learning events to an external Learning Record Store as xAPI
statements (https://github.com/adlnet/xAPI-Spec, version 1.0.3).

Nothing is lost when the LRS is down: a batch is marked exported only after the LRS
answered 2xx; otherwise it stays pending for the next run. Statement ids are derived
from the event id (UUID 5), so resending a batch the LRS already stored is harmless
(an LRS must not store two statements with one id).
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import LearningEvent, TrackedItem

XAPI_VERSION = "1.0.3"
STATEMENT_NAMESPACE = uuid.UUID("6f1f2c1e-4b7a-5d2e-9a61-0c3d9b2f7e10")
NOT_CONFIGURED = "RECORDS_XAPI_ENDPOINT is not set."
LRS_FAILED = "The LRS did not accept the batch after {attempts} attempts: {error}"


class XapiError(RuntimeError):
    """The LRS could not be reached or refused a batch."""


@dataclass
class XapiConfig:
    endpoint: str
    username: str = ""
    password: str = ""
    batch_size: int = 100
    attempts: int = 3
    backoff: float = 1.0
    timeout: float = 10.0

    @classmethod
    def from_settings(cls) -> XapiConfig | None:
        endpoint = getattr(settings, "RECORDS_XAPI_ENDPOINT", "")
        if not endpoint:
            return None
        return cls(
            endpoint=endpoint.rstrip("/"),
            username=getattr(settings, "RECORDS_XAPI_USERNAME", ""),
            password=getattr(settings, "RECORDS_XAPI_PASSWORD", ""),
            batch_size=getattr(settings, "RECORDS_XAPI_BATCH_SIZE", 100),
            attempts=getattr(settings, "RECORDS_XAPI_ATTEMPTS", 3),
            backoff=getattr(settings, "RECORDS_XAPI_BACKOFF_SECONDS", 1.0),
            timeout=getattr(settings, "RECORDS_XAPI_TIMEOUT", 10.0),
        )


def _withheld_results(now=None) -> tuple[Q, set[tuple[str, str]]]:
    """The review policies of the items, for the LRS: a filter matching the events of
    results not released yet (held back until they are), and the (type, id) of items
    whose results are never released (sent as "attempted", without result)."""
    held = Q(pk__in=[])
    never: set[tuple[str, str]] = set()
    for item in TrackedItem.objects.filter(result_release__in=["from", "never"]):
        if item.result_release == "never":
            never.add((item.item_type, item.item_id))
        elif not item.result_visible(now):
            held |= Q(object_type=item.item_type, object_id=item.item_id)
    return held, never


def statement_for(event: LearningEvent, *, withhold: bool = False) -> dict[str, Any]:
    """Return the xAPI statement for ``event``. With ``withhold`` (a result its review
    policy never releases) the statement says "attempted" and carries no result."""
    if withhold:
        event.verb = "attempted"
        event.result = {}
    home = getattr(settings, "WAGTAILADMIN_BASE_URL", "http://localhost").rstrip("/")
    actor = event.actor
    statement: dict[str, Any] = {
        "id": str(uuid.uuid5(STATEMENT_NAMESPACE, f"{home}/event/{event.pk}")),
        "actor": {
            "objectType": "Agent",
            "name": actor.display_name,
            "account": {
                "homePage": home,
                "name": actor.police_number or actor.username,
            },
        },
        "verb": {
            "id": f"http://adlnet.gov/expapi/verbs/{event.verb}",
            "display": {"en-US": event.verb},
        },
        "object": {
            "objectType": "Activity",
            "id": f"{home}/xapi/activities/{event.object_type}/{event.object_id}",
            "definition": {
                "name": {
                    "zh-CN": event.object_name
                    or f"{event.object_type} {event.object_id}"
                },
                "type": f"{home}/xapi/activity-types/{event.object_type}",
            },
        },
        "timestamp": event.timestamp.isoformat(),
        "stored": event.stored_at.isoformat() if event.stored_at else None,
    }
    statement.pop("stored")  # set by the LRS, never by the sender
    result: dict[str, Any] = {}
    r = event.result or {}
    if "score" in r:
        try:
            result["score"] = {"raw": float(r["score"])}
            if r.get("max_score"):
                result["score"]["max"] = float(r["max_score"])
                result["score"]["scaled"] = max(
                    -1.0, min(1.0, float(r["score"]) / float(r["max_score"]))
                )
        except (TypeError, ValueError):
            pass
    if "passed" in r:
        result["success"] = bool(r["passed"])
    if event.verb in ("completed", "passed"):
        result["completion"] = True
    if result:
        statement["result"] = result
    if event.context_unit_id:
        statement["context"] = {
            "extensions": {f"{home}/xapi/ext/unit": event.context_unit_id}
        }
    return statement


def _post(config: XapiConfig, statements: list[dict[str, Any]]) -> int:
    body = json.dumps(statements, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 - the endpoint is the administrator's setting
        f"{config.endpoint}/statements",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Experience-API-Version": XAPI_VERSION,
        },
    )
    if config.username:
        token = base64.b64encode(
            f"{config.username}:{config.password}".encode()
        ).decode()
        request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, timeout=config.timeout) as response:  # noqa: S310
        return response.status


def xapi_export_pending(
    *,
    config: XapiConfig | None = None,
    max_batches: int = 50,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, int]:
    """Send pending events in batches, oldest first; return {"sent", "batches", "pending"}.

    Each batch is tried ``config.attempts`` times with exponential backoff; when it
    still fails, XapiError is raised and that batch and every later one stay pending.
    """
    config = config or XapiConfig.from_settings()
    if config is None:
        raise XapiError(NOT_CONFIGURED)
    sent = batches = 0
    held, never = _withheld_results()
    for _ in range(max_batches):
        events = list(
            LearningEvent.objects.filter(exported_at__isnull=True)
            .exclude(held)
            .select_related("actor")
            .order_by("id")[: config.batch_size]
        )
        if not events:
            break
        statements = [
            statement_for(e, withhold=(e.object_type, e.object_id) in never)
            for e in events
        ]
        last_error: Exception | None = None
        for attempt in range(config.attempts):
            try:
                status = _post(config, statements)
            except (urllib.error.URLError, OSError, TimeoutError) as e:
                # HTTPError (a 4xx/5xx answer) is a URLError too.
                last_error = e
            else:
                if 200 <= status < 300:
                    last_error = None
                    break
                last_error = XapiError(f"HTTP {status}")
            if attempt + 1 < config.attempts:
                sleep(config.backoff * (2**attempt))
        if last_error is not None:
            raise XapiError(
                LRS_FAILED.format(attempts=config.attempts, error=last_error)
            ) from last_error
        LearningEvent.objects.filter(pk__in=[e.pk for e in events]).mark_exported(
            timezone.now()
        )
        sent += len(events)
        batches += 1
    pending = LearningEvent.objects.filter(exported_at__isnull=True).count()
    return {"sent": sent, "batches": batches, "pending": pending}
