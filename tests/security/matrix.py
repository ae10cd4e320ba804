"""Machinery of the access-control matrix: enumerate every route, fill its path
parameters with real objects inside and outside each user's scope, send the request and
classify the answer.

The policy (what each role should get) lives in ``policy.py``; the tests in
``test_access_matrix.py``. Nothing here knows about a particular app: new routes are
picked up from the resolver and their parameters are filled by name (``page_id``,
``unit_id``, ``user_id``, ``pk`` of the view's model...).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.contrib.messages import ERROR
from django.db import models, transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.regex_helper import normalize

from accounts.models import Unit, User
from accounts.selectors import visible_people, visible_units

MISSING = (
    "999999"  # an id no fixture uses: the route must answer 404 or deny, never 500
)

# Observed outcome classes.
ALLOW = "allow"
DENY = "deny"
ERROR_500 = "error"
NOT_ALLOWED = "method-not-allowed"  # 405: neither granted nor refused access


@dataclass(frozen=True)
class Route:
    """One URL pattern of the site, as the resolver knows it."""

    name: str  # "namespace:name", or "route:<pattern>" for unnamed patterns
    pattern: str  # the human-readable pattern, e.g. admin/pages/<int:page_id>/edit/
    fmt: str  # a %-format string with the path parameters as named fields
    params: tuple[str, ...]
    callback: Any

    @property
    def model(self) -> type[models.Model] | None:
        initkwargs = getattr(self.callback, "view_initkwargs", None) or {}
        view_class = getattr(self.callback, "view_class", None) or getattr(
            self.callback, "cls", None
        )
        model = initkwargs.get("model") or getattr(view_class, "model", None)
        if model is None:
            queryset = getattr(view_class, "queryset", None)
            model = getattr(queryset, "model", None)
        return (
            model
            if isinstance(model, type) and issubclass(model, models.Model)
            else None
        )


def _walk(
    resolver: URLResolver, pieces: tuple = (), namespace: str | None = None
) -> Iterator[tuple]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, (*pieces, entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield (*pieces, entry.pattern), namespace, entry


def all_routes() -> list[Route]:
    """Return every URL pattern reachable from ROOT_URLCONF, Wagtail's and the API's included."""
    routes: list[Route] = []
    seen: set[str] = set()
    for pieces, namespace, entry in _walk(get_resolver()):
        fmt, params = "", []
        for piece in pieces:
            piece_fmt, piece_params = normalize(piece.regex.pattern)[0]
            fmt += piece_fmt
            params += piece_params
        pattern = "".join(str(p) for p in pieces)
        if entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
        else:
            name = f"route:{pattern}"
        key = f"{name} {pattern}"
        if key in seen:
            continue
        seen.add(key)
        routes.append(
            Route(
                name=name,
                pattern=pattern,
                fmt=fmt,
                params=tuple(params),
                callback=entry.callback,
            )
        )
    return routes


# ----------------------------------------------------------------------------------
# Filling path parameters


@dataclass
class Fixtures:
    """The objects the matrix points routes at (built by the test's setUpTestData)."""

    personas: dict[str, User | None]  # role name -> persona (None: anonymous)
    page_own: Any  # a page the trainer group may edit
    page_other: Any  # a page nobody but a superuser may edit (draft holds a secret)
    home_page: Any
    doc_own: Any
    doc_other: Any
    image_own: Any
    image_other: Any
    collection_own: Any
    collection_other: Any
    extra: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(
        default_factory=dict
    )  # marker -> who may see it (see policy)


@dataclass(frozen=True)
class Cell:
    """One (route, role, scope, method) cell of the matrix."""

    route: Route
    role: str
    scope: str  # "own", "other", "restricted" (a restricted case) or "-" (no scoped parameter)
    method: str
    url: str
    user: User | None
    verified: bool = True  # False: the two-factor column (a session without TOTP)


def _scoped_person(user: User | None, own: bool, fx: Fixtures) -> User | None:
    if user is None:
        return fx.personas["officer"] if own else fx.personas["officer_b"]
    visible = visible_people(user)
    if own:
        return visible.exclude(pk=user.pk).order_by("pk").first() or user
    return User.objects.exclude(pk__in=visible.values("pk")).order_by("pk").first()


def _scoped_unit(user: User | None, own: bool, fx: Fixtures) -> Unit | None:
    if user is None:
        return fx.personas["officer"].unit if own else fx.personas["officer_b"].unit
    units = visible_units(user)
    if own:
        return user.unit if user.unit is not None else units.first()
    return Unit.objects.exclude(pk__in=units.values("pk")).order_by("path").first()


def _scoped_instance(
    model: type[models.Model], user: User | None, own: bool, fx: Fixtures
) -> Any:
    """Pick an instance of ``model`` inside (``own``) or outside the user's units."""
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Collection, Page

    if issubclass(model, Page):
        return fx.page_own if own else fx.page_other
    if issubclass(model, get_document_model()):
        return fx.doc_own if own else fx.doc_other
    if issubclass(model, get_image_model()):
        return fx.image_own if own else fx.image_other
    if issubclass(model, Collection):
        return fx.collection_own if own else fx.collection_other
    if issubclass(model, User):
        return _scoped_person(user, own, fx)
    if issubclass(model, Unit):
        return _scoped_unit(user, own, fx)
    # Domain objects that belong to a unit or a person: pick one inside or outside scope.
    for fname, target in (
        ("unit", Unit),
        ("user", User),
        ("learner", User),
        ("candidate", User),
        ("owner", User),
        ("requester", User),
    ):
        try:
            f = model._meta.get_field(fname)
        except Exception:  # noqa: BLE001,S112 - the model has no such field
            continue
        if getattr(f, "related_model", None) is not target:
            continue
        anchor = (
            _scoped_unit(user, own, fx)
            if target is Unit
            else _scoped_person(user, own, fx)
        )
        if anchor is None:
            return None
        # "own": an object of a person inside the user's scope (themselves, or for a
        # manager the first person of their units); "other": one of a person outside.
        # No fallback to somebody else's object, so the scope always says whose it is.
        return model._default_manager.filter(**{fname: anchor}).order_by("pk").first()
    return model._default_manager.order_by("pk").first() if own else None


PAGE_PARAMS = {"page_id", "parent_page_id", "page_to_move_id", "page_pk"}
UNIT_PARAMS = {"unit_id", "unit_pk", "unit"}
PERSON_PARAMS = {
    "user_id",
    "user_pk",
    "person_id",
    "person_pk",
    "learner_id",
    "candidate_id",
}
PK_PARAMS = {
    "pk",
    "id",
    "object_id",
    "doc_id",
    "document_id",
    "image_id",
    "collection_id",
}
SCOPED_PARAMS = PAGE_PARAMS | UNIT_PARAMS | PERSON_PARAMS | PK_PARAMS | {"slug", "_0"}


def _model_for_param(route: Route, param: str) -> type[models.Model] | None:
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Collection, Page

    if param in PAGE_PARAMS:
        return Page
    if param in {"doc_id", "document_id"}:
        return get_document_model()
    if param == "image_id":
        return get_image_model()
    if param == "collection_id":
        return Collection
    if param in UNIT_PARAMS:
        return Unit
    if param in PERSON_PARAMS:
        return User
    name = route.name
    if "pages" in name or name.startswith("wagtailadmin_editing_sessions"):
        return Page
    if "docs" in name or "documents" in name:
        return get_document_model()
    if "images" in name:
        return get_image_model()
    if "collections" in name:
        return Collection
    if name.startswith("wagtailusers_users"):
        return User
    if route.model is None:
        # Function views name no model: policy.ROUTE_MODELS says what their pk means.
        from .policy import model_for_route

        return model_for_route(name)
    return route.model


def _value(obj: Any, param: str) -> str | None:
    if obj is None:
        return None
    if param == "slug":
        return str(getattr(obj, "slug", None) or getattr(obj, "pk", ""))
    return str(obj.pk)


def _fixed_value(route: Route, param: str, fx: Fixtures, page: Any) -> str:
    """Values for the parameters that do not pick a scoped object."""
    from wagtail.models import Task, Workflow

    if param in {"revision_id", "revision_id_a"}:
        revision = (
            page.revisions.order_by("pk").first()
            if page is not None and hasattr(page, "revisions")
            else None
        )
        return str(revision.pk) if revision else "earliest"
    if param == "revision_id_b":
        return "latest"
    if param == "destination_id":
        return str(fx.home_page.pk)
    if param in {"workflow_pk"}:
        workflow = Workflow.objects.order_by("pk").first()
        return str(workflow.pk) if workflow else MISSING
    if param in {"task_id"}:
        task = Task.objects.order_by("pk").first()
        return str(task.pk) if task else MISSING
    if param == "action_name":
        return "approve"
    if param == "action":
        return "delete"
    if param in {"app_label", "content_type_app_name", "app_name"}:
        return "wagtailcore"
    if param in {"model_name", "content_type_model_name"}:
        return "page"
    if param == "filter_spec":
        return "original"
    if param == "uidb64":
        return "MQ"
    if param == "token":
        return "set-password"
    return MISSING


def _page_model():
    from wagtail.models import Page

    return Page


def route_urls(route: Route, user: User | None, fx: Fixtures) -> list[tuple[str, str]]:
    """Return (scope, url) pairs for ``route`` as seen by ``user``.

    Routes whose parameters pick an object get an "own" and an "other" URL (the latter
    only where such an object exists, e.g. not for a user who sees every unit)."""
    if route.name == "route:admin/^.*/$":
        return [("-", "/admin/no-such-admin-page/")]
    if route.name == "wagtaildocs_serve":
        out = []
        for scope, doc in (("own", fx.doc_own), ("other", fx.doc_other)):
            out.append(
                (scope, reverse("wagtaildocs_serve", args=[doc.pk, doc.filename]))
            )
        return out
    if route.name == "wagtail_serve":
        return [
            ("own", fx.page_own.url),
            ("other", fx.page_other.url),
            ("-", "/no-such-page/"),
        ]
    scoped = [p for p in route.params if p in SCOPED_PARAMS]
    scopes: tuple[str, ...] = ("own", "other") if scoped else ("-",)
    restricted_page = fx.extra.get("page_restricted")
    if restricted_page is not None and any(
        _model_for_param(route, p) is not None
        and issubclass(_model_for_param(route, p), _page_model())
        for p in scoped
    ):
        # A case restricted to a unit none of the personas belongs to, under a page the
        # trainer's group may edit: every admin view naming it must refuse everyone.
        scopes = (*scopes, "restricted")
    out = []
    for scope in scopes:
        own = scope != "other"
        values: dict[str, str] = {}
        page = None
        complete = True
        for param in route.params:
            if param in SCOPED_PARAMS:
                model = _model_for_param(route, param)
                if (
                    scope == "restricted"
                    and model is not None
                    and issubclass(model, _page_model())
                ):
                    obj = restricted_page
                else:
                    obj = (
                        _scoped_instance(model, user, own, fx)
                        if model is not None
                        else None
                    )
                if model is not None and hasattr(obj, "revisions") and page is None:
                    page = obj
                value = (
                    _value(obj, param)
                    if obj is not None
                    else (MISSING if own and model is None else None)
                )
                if value is None:
                    complete = False
                    break
                values[param] = value
        if not complete:
            continue
        for param in route.params:
            if param not in values:
                values[param] = _fixed_value(route, param, fx, page)
        try:
            out.append((scope, "/" + route.fmt % values))
        except (KeyError, TypeError):
            continue
    return out


# ----------------------------------------------------------------------------------
# Classifying answers

LOGIN_PATHS = (
    "/accounts/login/",
    "/admin/login/",
    "/_util/login/",
    "/accounts/two-factor/",
)


def classify(response: HttpResponse) -> str:
    """Reduce a response to allow / deny / error / method-not-allowed."""
    status = response.status_code
    if status >= 500:
        return ERROR_500
    if status == 405:
        return NOT_ALLOWED
    if status in (401, 403, 404, 410):
        return DENY
    if status in (301, 302, 303, 307, 308):
        target = urlsplit(response.get("Location", "")).path
        if target.startswith(LOGIN_PATHS):
            return DENY
        if target in ("/admin/", "/admin") and _has_error_message(response):
            return DENY  # wagtail.admin.auth.permission_denied
        return ALLOW
    return ALLOW


def _has_error_message(response: HttpResponse) -> bool:
    request = getattr(response, "wsgi_request", None)
    storage = getattr(request, "_messages", None)
    if storage is None:
        return False
    queued = list(getattr(storage, "_queued_messages", []))
    return any(m.level >= ERROR for m in queued)


def send(
    client: Client, method: str, url: str, body: tuple[str, object] | None = None
) -> HttpResponse:
    """Send one request and roll back whatever it wrote, so cells stay independent.
    ``body``: (content type, data) for a POST; an empty form otherwise."""
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, follow=False)
        elif body is not None:
            content_type, data = body
            if content_type == "application/json":
                response = client.post(
                    url, data=data, content_type=content_type, follow=False
                )
            else:
                response = client.post(url, data=data, follow=False)
        else:
            response = client.post(url, data={}, follow=False)
        transaction.set_rollback(True)
    return response


def body_text(response: HttpResponse) -> str:
    if getattr(response, "streaming", False):
        try:
            return b"".join(response.streaming_content).decode("utf-8", "replace")
        except Exception:  # noqa: BLE001 - a file that cannot be read back is not a leak
            return ""
    return response.content.decode("utf-8", "replace")


STACK_TRACE = re.compile(
    r"Traceback \(most recent call last\)|File \"/[^\"]+\.py\", line \d+"
)


ExpectFn = Callable[[Cell], str]
