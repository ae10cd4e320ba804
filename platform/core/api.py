"""API error bodies: always ``{"error": {"code", "message", "details"}}``, never a trace."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext, gettext_noop

from rest_framework import exceptions, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

NUMBER_OUT_OF_RANGE = gettext_noop("A number in the request is out of range.")


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, OverflowError):
        # A number in the request too large for the database's integers (SQLite raises
        # this before the query runs): the request is wrong, not the server.
        exc = exceptions.ValidationError(detail=gettext(NUMBER_OUT_OF_RANGE))
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(
            {
                "error": {
                    "code": "server_error",
                    "message": "Internal error",
                    "details": None,
                }
            },
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    code = getattr(exc, "default_code", "error")
    detail = response.data
    message = (
        detail.get("detail")
        if isinstance(detail, dict) and "detail" in detail
        else str(exc.detail if hasattr(exc, "detail") else exc)
    )
    response.data = {
        "error": {"code": code, "message": str(message), "details": detail}
    }
    return response


def schema_api_paths_only(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: document our /api/v1/ only, not the Wagtail
    admin's internal API (which is not ours to promise)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """``?limit=&offset=`` with bounds: at most ``max_limit`` rows a page, and an offset
    past any real table (a huge one made SQLite fail with "datatype mismatch") reads as
    the end of the list instead of reaching the database."""

    max_limit = 200
    max_offset = 10**9

    def get_offset(self, request) -> int:
        return min(super().get_offset(request), self.max_offset)
