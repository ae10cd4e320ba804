"""API error bodies: always ``{"error": {"code", "message", "details"}}``, never a trace."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(
            {"error": {"code": "server_error", "message": "Internal error", "details": None}},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    code = getattr(exc, "default_code", "error")
    detail = response.data
    message = detail.get("detail") if isinstance(detail, dict) and "detail" in detail else str(exc.detail if hasattr(exc, "detail") else exc)
    response.data = {"error": {"code": code, "message": str(message), "details": detail}}
    return response


def schema_api_paths_only(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: document our /api/v1/ only, not the Wagtail
    admin's internal API (which is not ours to promise)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
