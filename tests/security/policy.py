"""The written access policy that ``test_access_matrix.py`` checks every route against.

Each row: (regex over the route's name, methods, {role: expectation}). The route's name is
"namespace:name" (e.g. ``wagtailadmin_pages:edit``) or ``route:<pattern>`` for unnamed
patterns. The first row whose regex matches (``re.fullmatch``) and whose methods include
the request's method decides. Roles not listed fall back to the ``"*"`` entry.

Expectations:
  ALLOW  the request gets through (2xx, 400 on an empty form, or a redirect that is not
         a login / permission-denied redirect)
  DENY   302 to the login or two-factor page, 401, 403, 404, or Wagtail's
         permission-denied redirect to the admin home
  ANY    either; only checked for "no 500" and "no secret in the body" (used where the
         answer depends on permissions an app grants later, not on the role)
  a callable(cell) -> ALLOW/DENY/ANY, for rules that depend on the scope

A 405 (method not allowed) always passes: it grants nothing.

Adding a route? Add a row here. A route outside the apps still being built (see
``PENDING_PREFIXES``) that no row matches fails ``test_every_route_is_classified``.
"""

from __future__ import annotations

import re

from .matrix import ALLOW, DENY, Cell

ANY = "any"

# Every role the matrix plays, "anonymous" first. Values are persona attribute names on
# tests.base.PersonasMixin.
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "officer": "officer",
    "legal_officer": "legal_officer",
    "leader": "leader",
    "trainer": "trainer",
    "unit_admin": "unit_admin_a",
    "system_admin": "system_admin",
    "security_admin": "security_admin",
    "audit_admin": "audit_admin",
}

# Roles whose groups hold wagtailadmin.access_admin (accounts.demo.ADMIN_ACCESS_ROLES).
ADMIN_ROLES = {"trainer", "legal_officer", "system_admin", "security_admin"}

METHODS = ("GET", "POST")

# Wagtail 8.0.1 answers 500 to these malformed (empty) POSTs from signed-in admin users:
# KeyError/AttributeError on a missing form field. Not an access problem (only users who
# may use the view reach it); reported upstream-worthy in docs/security.md. Any other 500
# fails the matrix.
KNOWN_UPSTREAM_500 = {
    ("wagtailadmin_choose_page_external_link", "POST"),
    ("wagtailadmin_pages:copy", "POST"),
}

# Routes of apps that are being written right now: not classified yet is reported, not
# failed. They must still never answer 500 and never serve anything to an anonymous user
# (test_pending_routes_are_safe). Move rows out of here as the apps settle.
PENDING_PREFIXES = (
    "accounts:",  # the foundation adds people management in parallel (login etc. are classified)
    "courses:",
    "casebank:",
    "exams:",
    "search:",
    "records:",
    "audit:",  # the foundation adds the audit viewer in parallel
    "route:api/v1/",
    "wagtailsnippets_casebank_",
    "wagtailsnippetchoosers_casebank_",
    "wagtailsnippets_courses_",
    "wagtailsnippetchoosers_courses_",
    "wagtailsnippets_exams_",
    "wagtailsnippetchoosers_exams_",
    "wagtailsnippets_search_",
    "wagtailsnippetchoosers_search_",
)
# Route names under /api/v1/ are the app's own ("casebank-list"...): classify by path.
PENDING_PATH_PREFIXES = ("api/v1/", "learn/", "casebank/", "exams/", "search/", "records/", "audit/")

# Reachable without signing in. Everything else must refuse an anonymous visitor.
PUBLIC = [
    r"core:healthz",
    r"api-schema|api-docs",  # the OpenAPI schema: routes and shapes, no data (see docs/security.md)
    r"core:readyz",
    r"accounts:login",
    r"accounts:logout",  # POST signs out; for a visitor it only redirects to the login page
    r"set_language",
    r"wagtailadmin_login",
    r"route:admin/login/",
    r"wagtailcore_login",
    r"wagtailadmin_sprite",  # the admin's SVG icon sprite: static, no data
    r"wagtailadmin_javascript_catalog",  # the admin's translation catalogue: static, no data
    r"wagtailadmin_password_reset.*",  # see docs/security.md (reset mails go to the account's address)
    r"wagtaildocs_authenticate_with_password",  # the password form of a protected document
    r"wagtailcore_authenticate_with_password",  # the password form of a protected page
    r"exams:verify",  # certificate verification: anyone holding a certificate code may check it
]


def anon_deny(**others: str) -> dict[str, object]:
    return {"anonymous": DENY, **others}


def signed_in(cell: Cell) -> str:
    return DENY if cell.role == "anonymous" else ALLOW


def admin_only(expect_for_admins: object = ANY) -> dict[str, object]:
    """Wagtail admin routes: nobody without wagtailadmin.access_admin gets in."""
    row: dict[str, object] = dict.fromkeys(ROLES, DENY)
    for role in ADMIN_ROLES:
        row[role] = expect_for_admins
    return row


def trainer_own_page(allow_trainer: object = ALLOW):
    """Page-level admin views: only the trainer, on the page subtree their group may
    edit; every other role, and the trainer on any other page, is refused."""

    def expect(cell: Cell) -> object:
        if cell.role == "trainer" and cell.scope == "own":
            return allow_trainer
        return DENY

    return expect


def trainer_own_collection(cell: Cell) -> object:
    """Document/image objects: only the trainer, in the collection their group manages."""
    if cell.role == "trainer" and cell.scope == "own":
        return ANY
    return DENY


def by_role(rule: dict[str, object] | object):
    return rule


# (regex, methods, expectation by role or a callable). First match wins.
POLICY: list[tuple[str, tuple[str, ...], object]] = [
    *[(p, METHODS, dict.fromkeys(ROLES, ANY)) for p in PUBLIC],
    # --- the site's own pages ----------------------------------------------------------
    (r"core:home", METHODS, signed_in),
    # The two-factor flow sends each role to set-up or verification as it needs.
    (r"accounts:two_factor(_setup)?", METHODS, anon_deny(**{"*": ANY})),
    (r"accounts:password_change", METHODS, signed_in),
    # Wagtail pages: live pages are for signed-in people; the fixture pages carry a login
    # restriction, which is what every content section of this internal site must do.
    (r"wagtail_serve", METHODS, lambda c: DENY if c.role == "anonymous" else (ANY if c.scope == "-" else ALLOW)),
    # Documents are served through Django (WAGTAILDOCS_SERVE_METHOD = serve_view) so that
    # collection restrictions apply: the "other" document's collection is restricted to
    # the system_admin group, the "own" one to signed-in users.
    (r"wagtaildocs_serve", ("GET",), lambda c: DENY if c.role == "anonymous" else (
        ALLOW if c.scope == "own" or c.role == "system_admin" else DENY)),
    (r"wagtaildocs_serve", ("POST",), lambda c: DENY if c.role == "anonymous" else ANY),
    # --- Wagtail admin: the side endpoints of Wagtail's security advisories ---------------
    # Redirects to the history view, which checks (below).
    (r"wagtailadmin_pages:revisions_index", METHODS, admin_only(ANY)),
    # Wagtail shows these to any admin user; they disclose page titles only, which every
    # admin user sees in the page chooser anyway (upstream behaviour, docs/security.md).
    (r"wagtailadmin_pages:confirm_workflow_cancellation", METHODS, admin_only(ANY)),
    (r"wagtailadmin_workflows:(task_chooser|task_chooser_results|task_chooser_create|task_chosen)",
     METHODS, admin_only(ANY)),
    # Page-level views (preview, revisions, compare, history, copy, draft, workflow, lock,
    # move, privacy, delete, unpublish): refused wherever the group holds no page permission.
    (r"wagtailadmin_pages:(edit|preview_on_edit|revisions_index|revisions_view|revisions_compare"
     r"|history|history_results|view_draft)", ("GET",), trainer_own_page(ALLOW)),
    (r"wagtailadmin_pages:(copy|delete|unpublish|convert_alias|move|move_confirm|set_page_position"
     r"|set_privacy|lock|unlock|revisions_revert|revisions_unschedule|workflow_history"
     r"|workflow_history_detail|workflow_action|collect_workflow_action_data"
     r"|confirm_workflow_cancellation|workflow_preview|usage|add_subpage|add|preview_on_add"
     r"|edit|preview_on_edit|revisions_index|revisions_view|revisions_compare|history"
     r"|history_results|view_draft)", METHODS, trainer_own_page(ANY)),
    # The explorer redirects a user to the part of the tree they may explore.
    (r"wagtailadmin_explore(_results)?", METHODS, admin_only(ANY)),
    (r"wagtailforms:(list_submissions|list_submissions_results|delete_submissions)", METHODS,
     trainer_own_page(ANY)),
    (r"wagtailadmin_editing_sessions:ping", METHODS, trainer_own_page(ANY)),
    # Documents and images: per-collection permissions.
    (r"wagtaildocs:(edit|delete|document_usage|edit_multiple|delete_multiple)", METHODS,
     trainer_own_collection),
    (r"wagtailimages:(edit|delete|url_generator|url_generator_output|preview|image_usage"
     r"|edit_multiple|delete_multiple)", METHODS, trainer_own_collection),
    (r"wagtailimages_chooser:select_format", METHODS, trainer_own_collection),
    (r"wagtail(docs|images)_chooser:chosen", METHODS, trainer_own_collection),
    (r"wagtailadmin_api:(documents|images):detail", METHODS, trainer_own_collection),
    (r"wagtailadmin_collections:(edit|delete|set_privacy)", METHODS, lambda c: DENY),
    # Users, groups, sites, settings, workflows, redirects: no role's group holds these
    # Wagtail permissions (people and roles are managed in /accounts/manage/, scoped by
    # unit). Granting one to a role's group is a policy change: update the row.
    (r"wagtailusers_(users|groups):.*", METHODS, admin_only(DENY)),
    (r"wagtailsites:.*", METHODS, admin_only(DENY)),
    (r"wagtailsettings:.*", METHODS, admin_only(DENY)),
    (r"wagtailadmin_workflows:.*", METHODS, admin_only(DENY)),
    (r"wagtailredirects:.*", METHODS, admin_only(DENY)),
    (r"wagtailadmin_collections:(index|add)", METHODS, admin_only(DENY)),
    # Everything else in the admin (dashboard, choosers, listings, reports, account):
    # the roles without admin access are refused; admin users get what their group's
    # permissions give them, checked for no 500 and no secret in the answer.
    (r"wagtail.*|route:admin/.*", METHODS, admin_only(ANY)),
    # Any app's own admin screens (register_admin_urls): behind wagtailadmin.access_admin.
    (r"path:admin/.*", METHODS, admin_only(ANY)),
]


def is_public(name: str) -> bool:
    return any(re.fullmatch(p, name) for p in PUBLIC)


def is_pending(name: str, pattern: str) -> bool:
    return name.startswith(PENDING_PREFIXES) or pattern.startswith(PENDING_PATH_PREFIXES)


def rule_for(name: str, method: str, pattern: str = "") -> object | None:
    """Return the policy row's expectation for the route (None: unclassified).

    Rows match the route's name, or ``path:<pattern>`` for rows written by path."""
    for regex, methods, expectation in POLICY:
        if method in methods and (re.fullmatch(regex, name) or re.fullmatch(regex, f"path:{pattern}")):
            return expectation
    return None


def expected(rule: object, cell: Cell) -> object:
    if callable(rule):
        return rule(cell)
    if isinstance(rule, dict):
        return rule.get(cell.role, rule.get("*", ANY))
    return rule
