"""The Content Security Policy: strict on the site, loosened for the Wagtail admin only."""

from __future__ import annotations

from django.conf import settings

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.middleware import PolicyParts


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware with one addition: under ``CONTENT_SECURITY_POLICY_ADMIN_PREFIXES``
    (``/admin/``) the directives of ``CONTENT_SECURITY_POLICY_ADMIN_UPDATE`` are added.

    The site's own pages load scripts from files only (``script-src 'self'``, no
    ``'unsafe-inline'``); Wagtail 8's admin renders inline scripts of its own (inline
    panels, date and time widgets), so the admin alone also allows inline scripts. The
    admin is open only to signed-in editors with a verified second factor.
    """

    def get_policy_parts(self, request, response, report_only: bool = False):
        parts: PolicyParts = super().get_policy_parts(request, response, report_only)
        prefixes = tuple(
            getattr(settings, "CONTENT_SECURITY_POLICY_ADMIN_PREFIXES", ())
        )
        extra = getattr(settings, "CONTENT_SECURITY_POLICY_ADMIN_UPDATE", None)
        if not report_only and extra and request.path_info.startswith(prefixes):
            parts.update = {**extra, **(parts.update or {})}
        return parts
