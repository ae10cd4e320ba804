"""Restricted cases and guidelines in the Wagtail admin, on top of
``accounts.permissions.can_read_restricted`` (the one rule for restricted material).

Wagtail's admin views decide on page permissions alone, and previews call
``serve_preview``, never ``serve()``; so every admin URL that names a page (edit,
view_draft, revisions, compare, preview, copy, move, lock, history, workflow history,
usage, the admin API) is checked here once, by ``RestrictedAdminPagesMiddleware``, before
the view runs: a restricted page answers 404 to whoever may not read it, and a successful
read of restricted material is audited (``casebank.restricted_read``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse

from wagtail.models import Page

from accounts.permissions import can_read_restricted, get_object_for

# Keyword arguments of Wagtail admin URLs that name a page.
PAGE_KWARGS = (
    "page_id",
    "parent_page_id",
    "page_to_move_id",
    "destination_id",
    "page_pk",
)
# Namespaces whose ``pk`` is a page id.
PAGE_PK_NAMESPACES = ("wagtailadmin_pages", "wagtailadmin_api:pages")
# Admin views that show a page's content (drafts and revisions included): audited.
READ_VIEWS = frozenset(
    {
        "wagtailadmin_pages:edit",
        "wagtailadmin_pages:view_draft",
        "wagtailadmin_pages:preview_on_edit",
        "wagtailadmin_pages:revisions_view",
        "wagtailadmin_pages:revisions_compare",
        "wagtailadmin_pages:workflow_preview",
        "wagtailadmin_api:pages:detail",
    }
)
READ_AUDIT_ACTION = "casebank.restricted_read"


def is_restricted_model(model) -> bool:
    """Return True for page types that carry a unit restriction (cases, guidelines)."""
    return hasattr(model, "restricted_units") and hasattr(model, "visibility")


def page_readable_by(user, page: Page) -> bool:
    """Return True when ``user`` may read ``page`` in the admin (drafts included)."""
    if not is_restricted_model(page.specific_class):
        return True
    return can_read_restricted(user, page.specific)


def copy_would_expose(user, page: Page) -> bool:
    """Return True when copying ``page`` (with its sub-pages) would hand ``user`` a page
    they may not read."""
    from .selectors import restricted_page_ids_hidden_from

    hidden = restricted_page_ids_hidden_from(user)
    if not hidden:
        return False
    return page.pk in hidden or (
        Page.objects.descendant_of(page).filter(pk__in=hidden).exists()
    )


def get_case_for_reader(request: HttpRequest, pk: int):
    """Return the live case ``pk`` when ``request.user`` may read it, else raise 404."""
    from .models import CasePage

    return get_object_for(request, can_read_restricted, CasePage.objects.live(), pk=pk)


def get_guideline_for_reader(request: HttpRequest, pk: int):
    """Return the live guideline ``pk`` when ``request.user`` may read it, else 404."""
    from .models import GuidelinePage

    return get_object_for(
        request, can_read_restricted, GuidelinePage.objects.live(), pk=pk
    )


def _page_ids(match) -> list[int]:
    ids = []
    for key in PAGE_KWARGS:
        if key in match.kwargs:
            ids.append(match.kwargs[key])
    if "pk" in match.kwargs and match.namespace in PAGE_PK_NAMESPACES:
        ids.append(match.kwargs["pk"])
    # Generic admin views over any model (editing sessions, ...) naming a page.
    if (
        match.kwargs.get("app_label") == "wagtailcore"
        and match.kwargs.get("model_name") == "page"
        and "object_id" in match.kwargs
    ):
        ids.append(match.kwargs["object_id"])
    out = []
    for value in ids:
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            continue
    return out


class RestrictedAdminPagesMiddleware:
    """Refuse (404) every admin URL naming a restricted page the user may not read, and
    audit successful reads of restricted material in the admin."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        read = getattr(request, "_restricted_read", None)
        if read is not None and request.method == "GET" and response.status_code == 200:
            from audit.services import audit_log

            page, view = read
            audit_log(
                action=READ_AUDIT_ACTION,
                request=request,
                target=page,
                details={"view": view},
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        if match is None or not request.path.startswith("/admin/"):
            return None
        ids = _page_ids(match)
        if not ids or not request.user.is_authenticated:
            return None
        view = match.view_name
        for page in Page.objects.filter(pk__in=ids):
            if not is_restricted_model(page.specific_class):
                if view == "wagtailadmin_pages:copy" and copy_would_expose(
                    request.user, page
                ):
                    raise Http404
                continue
            specific = page.specific
            if not can_read_restricted(request.user, specific):
                raise Http404
            if view == "wagtailadmin_pages:copy" and copy_would_expose(
                request.user, page
            ):
                raise Http404
            if (
                specific.visibility == "restricted"
                and view in READ_VIEWS
                and page.pk == ids[0]
            ):
                request._restricted_read = (specific, view)
        return None


def keep_owner_on_copy(request, page, new_page) -> None:
    """``after_copy_page``: a copy of restricted material keeps the original's owner, so
    the copier gains no owner exemption from the restriction."""
    originals = {page.url_path: page}
    for original in page.get_descendants():
        originals[original.url_path] = original
    copies = [new_page, *new_page.get_descendants()]
    for copy in copies:
        relative = copy.url_path[len(new_page.url_path) :]
        original = originals.get(page.url_path + relative)
        if original is None or not is_restricted_model(copy.specific_class):
            continue
        if copy.owner_id != original.owner_id:
            Page.objects.filter(pk=copy.pk).update(owner_id=original.owner_id)
