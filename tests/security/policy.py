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

Adding a route? Add a row here. A route that no row matches fails
``test_every_route_is_classified`` unless ``NO_ROW_NEEDED`` names it with a reason.
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

# Routes that need no row of their own, each with the reason. They are still checked for
# no 500, no stack trace, no secret and nothing served to an anonymous visitor
# (test_routes_without_a_row_are_safe). Every other route without a row fails
# test_every_route_is_classified.
NO_ROW_NEEDED: dict[str, str] = {}

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
    r"wagtailadmin_password_reset.*",  # off (WAGTAIL_PASSWORD_RESET_ENABLED): answers 404
    r"wagtaildocs_authenticate_with_password",  # the password form of a protected document
    r"wagtailcore_authenticate_with_password",  # the password form of a protected page
    r"exams:verify",  # certificate verification: anyone holding a certificate code may check it
]


# The two-factor column: routes of privileged functions (accounts.permissions predicates
# with two_factor=True, and the admin behind the two-factor gate). A signed-in session
# that has not passed TOTP is refused on each of them, whatever the role.
TWO_FACTOR_ROUTES = [
    r"wagtailadmin_pages:.*",
    r"wagtailadmin_api:.*",
    r"wagtailadmin_home",
    r"accounts:(unit_tree|unit_move|people|people_export_.*|person_.*|import_.*)",
    r"audit:.*",
    r"exams:(manage|question_.*|blueprint_.*|session_new|session_edit|session_manage)",
    r"exams:marking_.*",
    r"records:(reports|report_.*|offline_review_list|offline_review|offline_group"
    r"|requirements|certification_add|assignment_rules|assignment_rule_delete"
    r"|assignment_exemption)",
    r"accounts:vocabularies",
    r"accounts-(people|units)",
    r"search_embedder_training",
]


def needs_two_factor(name: str) -> bool:
    """Return True for routes in the two-factor column (``TWO_FACTOR_ROUTES``)."""
    return any(re.fullmatch(p, name) for p in TWO_FACTOR_ROUTES)


MANAGERS = (
    "leader",
    "unit_admin",
    "system_admin",
    "security_admin",
)  # accounts.selectors.can_manage_people


def roles(*allowed: str) -> dict[str, object]:
    """ALLOW for the roles named, DENY for everyone else (anonymous included)."""
    return {**dict.fromkeys(ROLES, DENY), **dict.fromkeys(allowed, ALLOW)}


def in_scope(*allowed: str, everywhere: tuple[str, ...] = ()):
    """Objects that belong to a person: the roles named get the ones inside their scope
    ("own": themselves, or a person of the units they manage) and are refused the others;
    the roles in ``everywhere`` get both; everyone else is refused."""

    def expect(cell: Cell) -> object:
        if cell.role == "anonymous":
            return DENY
        if cell.role in everywhere:
            return ALLOW
        return ALLOW if cell.role in allowed and cell.scope == "own" else DENY

    return expect


def candidate_only(cell: Cell) -> object:
    """A person's own object (the fixture's officer sits the exam, requested the export);
    nobody else, not even the managers of the officer's unit, may open, save or submit it."""
    return ALLOW if cell.role == "officer" and cell.scope == "own" else DENY


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
    # accounts: people and unit management (accounts/manage_views.py). Who may open the
    # pages: can_manage_people; whom they show: directory_people (a unit admin's or
    # leader's subtree; the system and security admins see everyone).
    (
        r"accounts:(unit_tree|people|people_export_csv|people_export_xlsx)",
        METHODS,
        roles(*MANAGERS),
    ),
    (
        r"accounts:person_detail",
        METHODS,
        in_scope("leader", "unit_admin", everywhere=("system_admin", "security_admin")),
    ),
    # A person's post and 警种 (accounts/vocabulary_views.py, can_set_post): the unit
    # admin inside their units, the system admin everywhere; POST only.
    (
        r"accounts:person_post",
        METHODS,
        in_scope("unit_admin", everywhere=("system_admin",)),
    ),
    # The lists of posts and 警种 (can_manage_vocabularies): the system admin.
    (r"accounts:vocabularies", METHODS, roles("system_admin")),
    # Roles and two-factor resets are the security admin's (separation of the three admins).
    # Nobody changes their own roles (services.user_set_roles): the security admin's "own"
    # person is themselves, refused; "other" is a person of any unit.
    (
        r"accounts:person_roles",
        METHODS,
        lambda c: ALLOW if c.role == "security_admin" and c.scope == "other" else DENY,
    ),
    # Authenticator resets and unlocking: the security admin, never on their own account
    # (issue 13): "own" is themselves, refused.
    (
        r"accounts:person_(reset_two_factor|unlock)",
        METHODS,
        lambda c: ALLOW if c.role == "security_admin" and c.scope == "other" else DENY,
    ),
    # Passwords and enabling/disabling: the unit admin inside their units, the system admin.
    (
        r"accounts:person_(reset_password|set_active)",
        METHODS,
        in_scope("unit_admin", everywhere=("system_admin",)),
    ),
    # Moving a unit: inside the mover's subtree, never its own root (the fixture's unit
    # admin is offered their own branch: refused); the system admin anywhere.
    (r"accounts:unit_move", METHODS, roles("system_admin")),
    (
        r"accounts:import_(people|template|credentials)",
        METHODS,
        roles("unit_admin", "system_admin"),
    ),
    # audit: the audit admin only (audit/views.py _require_auditor).
    (r"audit:(log|export)", METHODS, roles("audit_admin")),
    # records (records/views.py)
    (
        r"records:index",
        METHODS,
        {"*": ANY},
    ),  # a RedirectView to records:my_record (which refuses visitors)
    (
        r"records:(my_record|my_record_pdf|exports|offline|notifications)",
        METHODS,
        signed_in,
    ),
    (
        r"records:person_record(_pdf)?",
        METHODS,
        in_scope(*ROLES, everywhere=("system_admin",)),
    ),
    (
        r"records:(reports|report_people|report_overdue|report_at_risk|report_export|report_remind)",
        METHODS,
        roles("leader", "unit_admin", "system_admin"),
    ),
    (r"records:offline_review_list", METHODS, roles("unit_admin", "system_admin")),
    # Reviewing someone's offline training (a real approve/reject is posted, see
    # POST_BODIES): the unit admin of the officer's units or the system admin; never
    # oneself (the officer's "own" activity is their own).
    (
        r"records:offline_review",
        METHODS,
        in_scope("unit_admin", everywhere=("system_admin",)),
    ),
    # The fixtures upload no evidence: every "own" answer is a 404; "other" must be refused.
    (
        r"records:offline_evidence",
        METHODS,
        lambda c: ANY if c.scope == "own" and c.role != "anonymous" else DENY,
    ),
    # An export job is its requester's alone (the fixture's officer requested one; a
    # manager's "own" is their officer's job, refused). The pending job has no file yet.
    (r"records:export_detail", METHODS, candidate_only),
    (
        r"records:export_download",
        METHODS,
        lambda c: ANY if candidate_only(c) == ALLOW else DENY,
    ),
    (r"records:offline_group", METHODS, roles("trainer", "unit_admin", "system_admin")),
    (r"records:requirements", METHODS, roles("trainer", "system_admin")),
    (r"records:certification_add", METHODS, roles("unit_admin", "system_admin")),
    # Assignment rules (records/assignment_views.py, can_assign_training): trainers and
    # the system admin anywhere, unit admins inside their units.
    (
        r"records:assignment_rules",
        METHODS,
        roles("trainer", "unit_admin", "system_admin"),
    ),
    # Deleting a rule: the fixtures hold no rule (404 for everyone); other roles must
    # be refused all the same. tests/records/test_assignment_views.py covers the scope.
    (
        r"records:assignment_rule_delete",
        METHODS,
        {
            **dict.fromkeys(ROLES, DENY),
            **dict.fromkeys(("trainer", "unit_admin", "system_admin"), ANY),
        },
    ),
    # Waivers and extensions (can_exempt, can_exempt_assignment): the unit admin for the
    # people of their units, the system admin; the fixtures hold no assignment, so the
    # two get ANY; everyone else is refused.
    (
        r"records:assignment_exemption",
        METHODS,
        {
            **dict.fromkeys(ROLES, DENY),
            **dict.fromkeys(("unit_admin", "system_admin"), ANY),
        },
    ),
    # courses (courses/views.py): every signed-in officer learns.
    (r"courses:(my_learning|catalogue|pre_meeting)", METHODS, signed_in),
    # 执法考评 (courses/evaluation_views.py): units for leaders, unit admins and the
    # system admin inside their scope (404 outside); each person their own; the scheme
    # and frozen periods for the system admin.
    (
        r"courses:(evaluation|evaluation_export)",
        METHODS,
        roles("leader", "unit_admin", "system_admin"),
    ),
    (r"courses:my_evaluation", METHODS, signed_in),
    (
        r"courses:evaluation_person",
        METHODS,
        in_scope(*ROLES, everywhere=("system_admin",)),
    ),
    (
        r"courses:evaluation_(schemes|scheme_approve|freeze)",
        METHODS,
        roles("system_admin"),
    ),
    # Mapping problem categories to training (courses/remediation_views.py).
    (r"courses:problem_training", METHODS, roles("trainer", "system_admin")),
    # 会前学法 sessions are created by leaders and unit admins (their units) and the
    # system admin (courses/views_pre_meeting.py).
    (
        r"courses:pre_meeting_new",
        METHODS,
        roles("leader", "unit_admin", "system_admin"),
    ),
    # Ids of courses, lessons and meetings the matrix does not create (404 for everyone):
    # checked for no 500, no secret, and refusing visitors.
    (
        r"courses:(course_enrol|lesson_heartbeat|lesson_video|lesson_practice|lesson_check"
        r"|media|captions|pre_meeting_confirm|pre_meeting_absence|pre_meeting_session"
        r"|pre_meeting_attend).*",
        METHODS,
        anon_deny(**{"*": ANY}),
    ),
    # casebank (casebank/views.py): statutes, charges and public cases are reference
    # material for every signed-in officer; restricted cases are filtered per unit inside
    # the views (tests/casebank) and the index (tests/search).
    (
        r"casebank:(home|law_list|law_detail|article_detail|lookup|charge_list|charge_detail|case_feed)",
        METHODS,
        signed_in,
    ),
    # Each sees their own flags; legal officers, trainers and the system admin all of them
    # (casebank.selectors.flag_list_for): the list page itself is open to the signed-in.
    (r"casebank:flag_list", METHODS, signed_in),
    # The enforcement problem register (casebank/problem_views.py): the list shows each
    # reader their scope (casebank.selectors.problem_queryset_visible_to); a problem
    # outside it is a 404; recording and importing are for legal officers, leaders and
    # the system admin.
    (r"casebank:problem_list", METHODS, signed_in),
    # Cases handled per unit: whoever has a register scope (legal officers, leaders,
    # unit admins, the system admin).
    (
        r"casebank:case_volumes",
        METHODS,
        roles("legal_officer", "leader", "unit_admin", "system_admin"),
    ),
    (
        r"casebank:problem_(add|import|import_template)",
        METHODS,
        roles("legal_officer", "leader", "system_admin"),
    ),
    (
        r"casebank:problem_detail",
        METHODS,
        in_scope(
            "officer",
            "legal_officer",
            "leader",
            "unit_admin",
            everywhere=("system_admin",),
        ),
    ),
    (
        r"casebank:flag_resolve",
        METHODS,
        anon_deny(**{"*": ANY}),
    ),  # no flag fixture: no cell yet
    # Confirming required reading (casebank/views_reading.py): anyone signed in who may
    # read the guideline; POST only; the fixtures hold no guideline (404).
    (r"casebank:guideline_read", METHODS, anon_deny(**{"*": ANY})),
    # Statute amendments: legal officers enter and review them (casebank/views_amendments.py).
    (
        r"casebank:(amendment_list|amendment_new)",
        METHODS,
        roles("legal_officer", "system_admin"),
    ),
    (r"casebank:amendment_decide", METHODS, anon_deny(**{"*": ANY})),  # no fixture
    # The article chooser's search: reference material, as the statute pages.
    (r"casebank:article_choose", METHODS, signed_in),
    # exams (exams/views/candidate.py, manage.py)
    (r"exams:my_exams", METHODS, signed_in),
    # The fixture session's audience is the two officers; nobody else may open it.
    (r"exams:session", METHODS, candidate_only),
    (r"exams:attempt(_save|_state|_flag|_submit|_result)?", METHODS, candidate_only),
    # "Check my answer" is for practice only; the fixture's session is an exam, so even
    # its candidate is refused (403) and nobody else's attempt is found (404). A real
    # {"order": 1} is posted (POST_BODIES) so the refusal is the exam rule, not a 400.
    (r"exams:attempt_check|exams-api-check", METHODS, roles()),
    # A certificate is downloaded by its owner; the matrix has no certificate code (404).
    (r"exams:certificate", METHODS, anon_deny(**{"*": ANY})),
    # The question bank, blueprints and sessions: trainers and the system admin
    # (accounts.permissions.can_manage_exams).
    (
        r"exams:(manage|question_list|question_edit|question_import|question_export|blueprint_new|blueprint_edit"
        r"|session_new|session_edit|session_manage|session_statistics"
        r"|question_new|question_preview|question_retire|question_bulk|fixed_paper|paper_preview)",
        METHODS,
        roles("trainer", "system_admin"),
    ),
    # Marking: trainers and legal officers (accounts.permissions.can_mark).
    (r"exams:marking_queue", METHODS, roles("trainer", "legal_officer")),
    (
        r"exams:marking_task",
        METHODS,
        anon_deny(**{"*": ANY}),
    ),  # no marking task fixture: no cell yet
    # search (search/views.py): every signed-in officer; restricted documents are masked
    # per unit inside the index (tests/search).
    (r"search:search", METHODS, signed_in),
    # Case linking: legal officers and leaders only (search.permissions.LINK_ROLES); the
    # others get a Chinese 403 and the refusal is audited.
    (r"search:link|search-api-link", METHODS, roles("legal_officer", "leader")),
    # --- the JSON API, /api/v1/ (routes named by the apps, no namespace) ---------------------
    (r"accounts-me", METHODS, signed_in),
    (r"accounts-(units|people)", METHODS, roles(*MANAGERS)),
    (r"courses-api-my-evaluation", METHODS, signed_in),
    (
        r"courses-api-evaluation-unit",
        METHODS,
        in_scope("leader", "unit_admin", everywhere=("system_admin",)),
    ),
    (
        r"search-api|casebank-api-(laws|law|articles|article|charges|charge|cases|references)"
        r"|courses-api-(list|my-learning)|exams-api-sessions|records-my-record",
        METHODS,
        signed_in,
    ),
    # The matrix points these at a page that is not a case/course (404 for everyone).
    (r"casebank-api-case|courses-api-detail", METHODS, anon_deny(**{"*": ANY})),
    (r"exams-api-start", METHODS, candidate_only),
    (r"exams-api-(attempt|save|submit)", METHODS, candidate_only),
    # The two-factor flow sends each role to set-up or verification as it needs.
    (r"accounts:two_factor(_setup)?", METHODS, anon_deny(**{"*": ANY})),
    (r"accounts:password_change", METHODS, signed_in),
    # Wagtail pages: live pages are for signed-in people; the fixture pages carry a login
    # restriction, which is what every content section of this internal site must do.
    (
        r"wagtail_serve",
        METHODS,
        lambda c: DENY if c.role == "anonymous" else (ANY if c.scope == "-" else ALLOW),
    ),
    # Documents are served through Django (WAGTAILDOCS_SERVE_METHOD = serve_view) so that
    # collection restrictions apply: the "other" document's collection is restricted to
    # the system_admin group, the "own" one to signed-in users.
    (
        r"wagtaildocs_serve",
        ("GET",),
        lambda c: (
            DENY
            if c.role == "anonymous"
            else (ALLOW if c.scope == "own" or c.role == "system_admin" else DENY)
        ),
    ),
    (r"wagtaildocs_serve", ("POST",), lambda c: DENY if c.role == "anonymous" else ANY),
    # --- Wagtail admin: the side endpoints of Wagtail's security advisories ---------------
    # Redirects to the history view, which checks (below).
    (r"wagtailadmin_pages:revisions_index", METHODS, admin_only(ANY)),
    # Wagtail shows these to any admin user; they disclose page titles only, which every
    # admin user sees in the page chooser anyway (upstream behaviour, docs/security.md).
    (r"wagtailadmin_pages:confirm_workflow_cancellation", METHODS, admin_only(ANY)),
    (
        r"wagtailadmin_workflows:(task_chooser|task_chooser_results|task_chooser_create|task_chosen)",
        METHODS,
        admin_only(ANY),
    ),
    # Page-level views (preview, revisions, compare, history, copy, draft, workflow, lock,
    # move, privacy, delete, unpublish): refused wherever the group holds no page permission.
    (
        r"wagtailadmin_pages:(edit|preview_on_edit|revisions_index|revisions_view|revisions_compare"
        r"|history|history_results|view_draft)",
        ("GET",),
        trainer_own_page(ALLOW),
    ),
    (
        r"wagtailadmin_pages:(copy|delete|unpublish|convert_alias|move|move_confirm|set_page_position"
        r"|set_privacy|lock|unlock|revisions_revert|revisions_unschedule|workflow_history"
        r"|workflow_history_detail|workflow_action|collect_workflow_action_data"
        r"|confirm_workflow_cancellation|workflow_preview|usage|add_subpage|add|preview_on_add"
        r"|edit|preview_on_edit|revisions_index|revisions_view|revisions_compare|history"
        r"|history_results|view_draft)",
        METHODS,
        trainer_own_page(ANY),
    ),
    # The explorer redirects a user to the part of the tree they may explore.
    (r"wagtailadmin_explore(_results)?", METHODS, admin_only(ANY)),
    (
        r"wagtailforms:(list_submissions|list_submissions_results|delete_submissions)",
        METHODS,
        trainer_own_page(ANY),
    ),
    (r"wagtailadmin_editing_sessions:ping", METHODS, trainer_own_page(ANY)),
    # Documents and images: per-collection permissions.
    (
        r"wagtaildocs:(edit|delete|document_usage|edit_multiple|delete_multiple)",
        METHODS,
        trainer_own_collection,
    ),
    (
        r"wagtailimages:(edit|delete|url_generator|url_generator_output|preview|image_usage"
        r"|edit_multiple|delete_multiple)",
        METHODS,
        trainer_own_collection,
    ),
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


# What the ``pk`` of a function view's route points at (class-based views name their
# model themselves). "app_label.Model"; the matrix fills own/other scope from it.
ROUTE_MODELS: dict[str, str] = {
    r"accounts:person_.*|records:person_record(_pdf)?|accounts-person": "accounts.User",
    r"accounts:unit_.*": "accounts.Unit",
    r"courses:evaluation_scheme_approve": "courses.EvaluationScheme",
    r"exams:attempt.*|exams-api-(attempt|save|submit)": "exams.Attempt",
    r"exams:(session|session_edit|session_manage|session_statistics)|exams-api-start": "exams.ExamSession",
    r"exams:question_(edit|preview|retire)": "exams.Question",
    r"exams:(blueprint_edit|fixed_paper|paper_preview)": "exams.Blueprint",
    r"exams:marking_task": "exams.MarkingTask",
    r"records:offline_(review|evidence)": "records.OfflineActivity",
    r"records:export_.*": "records.ExportJob",
    r"casebank:law_detail|casebank-api-law": "casebank.Law",
    r"casebank:article_detail|casebank-api-article": "casebank.Article",
    r"casebank:charge_detail|casebank-api-charge": "casebank.Charge",
    r"casebank:flag_resolve": "casebank.LawChangeFlag",
    r"casebank:guideline_read": "casebank.GuidelinePage",
    r"records:assignment_rule_delete": "records.AssignmentRule",
    r"records:assignment_exemption": "records.Assignment",
    r"casebank:problem_detail": "casebank.EnforcementProblem",
}


def model_for_route(name: str):
    from django.apps import apps

    for regex, label in ROUTE_MODELS.items():
        if re.fullmatch(regex, name):
            try:
                return apps.get_model(label)
            except LookupError:
                return None
    return None


def is_public(name: str) -> bool:
    return any(re.fullmatch(p, name) for p in PUBLIC)


def needs_no_row(name: str) -> bool:
    return name in NO_ROW_NEEDED


# A meaningful body for POSTs whose empty form would be refused before the view checks
# who is asking: (content type, body). Everything else gets an empty form.
POST_BODIES: dict[str, tuple[str, object]] = {
    r"exams-api-save": ("application/json", {"seq": 1, "answers": {}}),
    r"exams:attempt_check|exams-api-check": ("application/json", {"order": 1}),
    r"exams:attempt_flag": ("application/json", {"order": 1, "flagged": True}),
    r"records:offline_review": (
        "application/x-www-form-urlencoded",
        {"decision": "reject", "reason": "matrix"},
    ),
}


def post_body(name: str) -> tuple[str, object] | None:
    for regex, body in POST_BODIES.items():
        if re.fullmatch(regex, name):
            return body
    return None


def rule_for(name: str, method: str, pattern: str = "") -> object | None:
    """Return the policy row's expectation for the route (None: unclassified).

    Rows match the route's name, or ``path:<pattern>`` for rows written by path."""
    for regex, methods, expectation in POLICY:
        if method in methods and (
            re.fullmatch(regex, name) or re.fullmatch(regex, f"path:{pattern}")
        ):
            return expectation
    return None


def expected(rule: object, cell: Cell) -> object:
    if cell.role != "anonymous" and not cell.verified:
        # The two-factor column: no privileged function without a verified TOTP.
        return DENY
    if cell.role != "anonymous" and cell.scope == "restricted":
        # A case restricted to a unit no persona belongs to: no admin view opens it.
        return DENY
    if callable(rule):
        return rule(cell)
    if isinstance(rule, dict):
        return rule.get(cell.role, rule.get("*", ANY))
    return rule
