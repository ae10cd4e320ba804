"""Access-control matrix: every route × every role × own/other scope × GET/POST.

Routes come from the URL resolver (the site's, the Wagtail admin's and the API's), so a
new route is covered the moment it is added. Expectations come from ``policy.py``. The
number of cells checked is printed in pytest's terminal summary.
"""

from __future__ import annotations

import io
import os
import re
import time
from collections import Counter

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.test import Client, TestCase, override_settings

from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    PageViewRestriction,
)

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image as PILImage

from tests.base import PersonasMixin

from . import policy
from .matrix import (
    ALLOW,
    DENY,
    ERROR_500,
    NOT_ALLOWED,
    STACK_TRACE,
    Cell,
    Fixtures,
    all_routes,
    body_text,
    classify,
    route_urls,
    send,
)
from .policy import ROLES

# Markers planted in objects only some roles may see; no other role's answer may contain them.
OWN_DRAFT = "SECMARK-OWN-DRAFT-7f3a"
OTHER_DRAFT = "SECMARK-OTHER-DRAFT-91bc"
DOC_OWN = "SECMARK-DOC-OWN-22de"
DOC_OTHER = "SECMARK-DOC-OTHER-5e10"
DOC_OTHER_FILE = "SECMARK-FILE-OTHER-c0fe"
IMG_OWN = "SECMARK-IMG-OWN-aa41"
IMG_OTHER = "SECMARK-IMG-OTHER-b7d2"
RESTRICTED_FACTS = "SECMARK-RESTRICTED-CASE-e5a9"
# marker -> roles allowed to see it
SECRETS: dict[str, set[str]] = {
    OWN_DRAFT: {"trainer"},
    OTHER_DRAFT: set(),
    DOC_OWN: {"trainer"},
    DOC_OTHER: set(),
    DOC_OTHER_FILE: {"system_admin"},
    IMG_OWN: {"trainer"},
    IMG_OTHER: set(),
    RESTRICTED_FACTS: set(),
}

# Wagtail's "failwhale" page raises on purpose, to test error reporting (admins only).
DELIBERATE_500 = {"wagtailadmin_error_test"}

STATS: Counter = Counter()  # read by conftest.pytest_terminal_summary
UNCLASSIFIED: list[str] = []
TIMES: Counter = Counter()


def _png() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


# Sessions in the (local-memory) cache and no static-file rescans: the matrix sends
# thousands of requests, and what it checks is the views' permission logic.
# The cache must not evict sessions midway (locmem keeps 300 entries by default).
@override_settings(
    SESSION_ENGINE="django.contrib.sessions.backends.cache",
    WHITENOISE_AUTOREFRESH=False,
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "matrix",
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    },
)
class MatrixTestCase(PersonasMixin, TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        access = Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
        for role in policy.ADMIN_ROLES:
            Group.objects.get_or_create(name=role)[0].permissions.add(access)
        trainers = Group.objects.get(name="trainer")
        sysadmins = Group.objects.get(name="system_admin")

        home = Page.objects.filter(depth=2).order_by("path").first()
        cls.home_page = home
        cls.page_own = home.add_child(
            instance=Page(title="安全测试页（本组）", slug="security-own")
        )
        cls.page_other = home.add_child(
            instance=Page(title="安全测试页（他组）", slug="security-other")
        )
        for page, marker in ((cls.page_own, OWN_DRAFT), (cls.page_other, OTHER_DRAFT)):
            page.save_revision().publish()
            # An unpublished draft whose content (not its title: Wagtail shows page titles
            # to every admin user, in choosers and reports, by design) carries the marker.
            page.search_description = f"草稿 {marker}"
            page.save_revision()
            PageViewRestriction.objects.create(
                page=page, restriction_type=PageViewRestriction.LOGIN
            )
        for codename in ("add_page", "change_page", "publish_page"):
            GroupPagePermission.objects.create(
                group=trainers,
                page=cls.page_own,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )

        root = Collection.get_first_root_node()
        cls.collection_own = root.add_child(name="安全测试（本组）")
        cls.collection_other = root.add_child(name="安全测试（他组）")
        for codename in (
            "add_document",
            "change_document",
            "choose_document",
            "add_image",
            "change_image",
            "choose_image",
        ):
            GroupCollectionPermission.objects.create(
                group=trainers,
                collection=cls.collection_own,
                permission=Permission.objects.get(codename=codename),
            )
        CollectionViewRestriction.objects.create(
            collection=cls.collection_own,
            restriction_type=CollectionViewRestriction.LOGIN,
        )
        restricted = CollectionViewRestriction.objects.create(
            collection=cls.collection_other,
            restriction_type=CollectionViewRestriction.GROUPS,
        )
        restricted.groups.add(sysadmins)
        Document = get_document_model()
        cls.doc_own = Document.objects.create(
            title=DOC_OWN,
            collection=cls.collection_own,
            file=ContentFile(b"own document", name="own.txt"),
        )
        cls.doc_other = Document.objects.create(
            title=DOC_OTHER,
            collection=cls.collection_other,
            file=ContentFile(DOC_OTHER_FILE.encode(), name="other.txt"),
        )
        Image = get_image_model()
        cls.image_own = Image.objects.create(
            title=IMG_OWN,
            collection=cls.collection_own,
            file=ImageFile(io.BytesIO(_png()), name="own.png"),
        )
        cls.image_other = Image.objects.create(
            title=IMG_OTHER,
            collection=cls.collection_other,
            file=ImageFile(io.BytesIO(_png()), name="other.png"),
        )
        cls._domain_fixtures()
        cls.devices = {}
        for attr in ROLES.values():
            if attr is None:
                continue
            # Every persona has an authenticator and signs in with it: privileged
            # functions ask for it whatever the role (accounts.permissions). The
            # two-factor column plays the same personas without it.
            cls.devices[attr] = TOTPDevice.objects.create(
                user=getattr(cls, attr), name="matrix", confirmed=True
            )

    @classmethod
    def _domain_fixtures(cls) -> None:
        """Objects of the apps whose routes take a pk: one inside a persona's scope (an
        officer of branch A) and one outside (an officer of branch B) where the object
        belongs to a person, one of each kind otherwise."""
        import datetime as dt
        from decimal import Decimal

        from exams.models import QuestionType
        from exams.services import attempt_start
        from records.models import ExportJob, OfflineActivity
        from tests.casebank.factories import (
            ArticleFactory,
            ArticleVersionFactory,
            ChargeFactory,
            LawFactory,
        )
        from tests.exams.factories import make_blueprint, make_session, standard_bank

        category = standard_bank(n_each=1)
        blueprint = make_blueprint(rows=[(category, QuestionType.SINGLE, 1, "10")])
        cls.exam_session = make_session(
            blueprint=blueprint, people=[cls.officer, cls.officer_b]
        )
        for person in (cls.officer, cls.officer_b):
            attempt_start(session=cls.exam_session, user=person)
            OfflineActivity.objects.create(
                user=person,
                kind="court_hearing",
                title="旁听庭审",
                occurred_on=dt.date(2026, 1, 5),
                hours=Decimal(3),
            )
            ExportJob.objects.create(requester=person, report="people")
        law = LawFactory()
        ArticleVersionFactory(article=ArticleFactory(law=law, number=1))
        from casebank.models import EnforcementProblem

        # Enforcement problems at the city, branch A (whole units), and the two
        # officers' stations (against the officer): each persona's "own" unit has one.
        for unit, person in (
            (cls.city, None),
            (cls.branch_a, None),
            (cls.station_a1, cls.officer),
            (cls.station_b1, cls.officer_b),
        ):
            EnforcementProblem.objects.create(
                unit=unit,
                person=person,
                category="evidence",
                description="matrix",
                found_on=dt.date(2026, 1, 5),
            )
        ChargeFactory(name="测试罪")
        # A case restricted to branch B (no persona's unit) under the page the trainer's
        # group may edit: Wagtail alone would let the trainer open, preview, copy and lock
        # it; the restriction must refuse everyone (issue 13).
        from casebank.models import CasePage

        restricted = CasePage(
            title="安全测试限阅案例",
            slug="security-restricted-case",
            visibility="restricted",
            facts=RESTRICTED_FACTS,
            owner=cls.officer_b,
        )
        cls.page_own.add_child(instance=restricted)
        restricted.restricted_units.set([cls.branch_b])
        restricted.save_revision(user=cls.officer_b).publish()
        cls.page_restricted = CasePage.objects.get(pk=restricted.pk)

    def setUp(self) -> None:
        personas = {
            role: (getattr(self, attr) if attr else None)
            for role, attr in ROLES.items()
        }
        personas["officer_b"] = self.officer_b
        self.fx = Fixtures(
            personas=personas,
            page_own=self.page_own,
            page_other=self.page_other,
            home_page=self.home_page,
            doc_own=self.doc_own,
            doc_other=self.doc_other,
            image_own=self.image_own,
            image_other=self.image_other,
            collection_own=self.collection_own,
            collection_other=self.collection_other,
            extra={"page_restricted": self.page_restricted},
        )
        self.clients: dict[str, Client] = {role: self._client(role) for role in ROLES}

    def _client(self, role: str, *, verified: bool = True) -> Client:
        client = Client(raise_request_exception=False)
        attr = ROLES[role]
        if attr is not None:
            client.force_login(getattr(self, attr))
            if (
                verified and attr in self.devices
            ):  # as if the user had passed TOTP verification
                session = client.session
                session[DEVICE_ID_SESSION_KEY] = self.devices[attr].persistent_id
                session.save()
        return client

    # ------------------------------------------------------------------------------

    def _permission_class(self, role: str, *, verified: bool = True) -> tuple:
        """Roles that Wagtail cannot tell apart: same superuser flag, model permissions,
        page permissions and collection permissions. Wagtail's own views decide on these
        alone, so one request answers for the whole class."""
        user = self.fx.personas[role]
        if user is None:
            return ("anonymous",)
        user = type(user).objects.get(pk=user.pk)
        groups = user.groups.all()
        return (
            user.is_superuser,
            frozenset(user.get_all_permissions()),
            frozenset(
                GroupPagePermission.objects.filter(group__in=groups).values_list(
                    "page_id", "permission_id"
                )
            ),
            frozenset(
                GroupCollectionPermission.objects.filter(group__in=groups).values_list(
                    "collection_id", "permission_id"
                )
            ),
            verified and (role in self.devices or ROLES[role] in self.devices),
        )

    def _run(
        self, routes, *, check_policy: bool, verified: bool = True
    ) -> tuple[list[str], int]:
        problems: list[str] = []
        cells = 0
        classes: dict[tuple, list[str]] = {}
        roles = ROLES if verified else [r for r in ROLES if ROLES[r] is not None]
        if not verified:
            # The two-factor column: signed-in sessions without TOTP, on the routes of
            # privileged functions only.
            self.clients = {r: self._client(r, verified=False) for r in roles}
            routes = [r for r in routes if policy.needs_two_factor(r.name)]
        for role in roles:
            classes.setdefault(
                self._permission_class(role, verified=verified), []
            ).append(role)
        for route in routes:
            wagtail_view = route.pattern.startswith("admin/") and getattr(
                route.callback, "__module__", ""
            ).startswith("wagtail.")
            # Wagtail's own admin views: one request per permission class; others (the
            # apps' views, and Wagtail's front-end serve views that check group
            # membership) every role.
            groups = (
                list(classes.values()) if wagtail_view else [[role] for role in roles]
            )
            for members in groups:
                role = members[0]
                user = self.fx.personas[role]
                for scope, url in route_urls(route, user, self.fx):
                    for method in policy.METHODS:
                        client = self.clients[role]
                        before = client.cookies.get(settings.SESSION_COOKIE_NAME)
                        t0 = time.perf_counter()
                        response = send(
                            client, method, url, policy.post_body(route.name)
                        )
                        TIMES[route.name] += time.perf_counter() - t0
                        STATS["requests"] += 1
                        after = response.cookies.get(settings.SESSION_COOKIE_NAME)
                        if after is not None and (
                            before is None or after.value != before.value
                        ):
                            # The cell signed in or out (a new session key): start the
                            # next one from the role's own session again.
                            self.clients[role] = self._client(role, verified=verified)
                        observed = classify(response)
                        text = "" if observed == ERROR_500 else body_text(response)
                        for member in members:
                            cells += 1
                            STATS[observed] += 1
                            cell = Cell(
                                route=route,
                                role=member,
                                scope=scope,
                                method=method,
                                url=url,
                                user=self.fx.personas[member],
                                verified=verified,
                            )
                            problems += self._judge(
                                cell,
                                response,
                                observed,
                                text,
                                check_policy=check_policy,
                            )
        return problems, cells

    def _judge(
        self, cell: Cell, response, observed: str, text: str, *, check_policy: bool
    ) -> list[str]:
        route, role, method = cell.route, cell.role, cell.method
        column = "" if cell.verified else ", without two-factor"
        where = f"{method} {cell.url} [{route.name}] as {role} ({cell.scope}{column})"
        if observed == ERROR_500:
            upstream = (
                route.name in DELIBERATE_500
                or (route.name, method) in policy.KNOWN_UPSTREAM_500
            )
            return (
                [] if upstream and role in policy.ADMIN_ROLES else [f"500 on {where}"]
            )
        problems = []
        if STACK_TRACE.search(text):
            problems.append(f"stack trace in the answer to {where}")
        for marker, allowed in SECRETS.items():
            if marker in text and role not in allowed:
                problems.append(f"LEAK: {marker} in the answer to {where}")
        if observed == NOT_ALLOWED:
            return problems
        if check_policy:
            want = policy.expected(
                policy.rule_for(route.name, method, route.pattern), cell
            )
            if want in (ALLOW, DENY) and observed != want:
                problems.append(
                    f"expected {want}, got {observed} ({response.status_code}"
                    f" {response.get('Location', '')}) on {where}"
                )
        elif (
            role == "anonymous"
            and observed != DENY
            and not policy.is_public(route.name)
        ):
            if response.status_code in (301, 302, 303, 307, 308):
                # A redirect shows nothing by itself: judge where it leads.
                followed = self.clients["anonymous"].get(response["Location"])
                if classify(followed) == DENY:
                    return problems
            problems.append(
                f"anonymous got {response.status_code} on {where}: unclassified routes must "
                "refuse anonymous visitors"
            )
        return problems

    def _routes(self):
        classified, exempt, unknown = [], [], []
        only = os.environ.get(
            "MATRIX_ONLY"
        )  # a regex over route names, while developing
        for route in all_routes():
            if only and not re.search(only, route.name):
                continue
            if any(
                policy.rule_for(route.name, m, route.pattern) is not None
                for m in policy.METHODS
            ):
                classified.append(route)
            elif policy.needs_no_row(route.name):
                exempt.append(route)
            else:
                unknown.append(route)
        return classified, exempt, unknown


class AccessMatrixTests(MatrixTestCase):
    def test_every_route_is_classified(self):
        _, _, unknown = self._routes()
        UNCLASSIFIED[:] = [f"{r.name}  /{r.pattern}" for r in unknown]
        if unknown:
            self.fail(
                "These routes have no row in tests/security/policy.py. Add a row saying which "
                "roles may reach them (ALLOW/DENY per role, or a scope-aware callable):\n"
                + "\n".join(f"  {r.name}  /{r.pattern}" for r in unknown)
            )

    def test_matrix_matches_policy(self):
        classified, _, _ = self._routes()
        problems, cells = self._run(classified, check_policy=True)
        STATS["cells"] += cells
        STATS["routes"] += len(classified)
        self.assertGreater(cells, 500)
        if problems:
            self.fail(
                f"{len(problems)} of {cells} cells disagree with the policy:\n"
                + "\n".join(problems)
            )

    def test_two_factor_column(self):
        """Every privileged function refuses a signed-in session without TOTP, for every
        role (issue 13: two-factor per function, not per URL prefix)."""
        classified, _, _ = self._routes()
        problems, cells = self._run(classified, check_policy=True, verified=False)
        STATS["cells"] += cells
        STATS["two_factor_cells"] += cells
        self.assertGreater(cells, 100)
        if problems:
            self.fail(
                f"{len(problems)} of {cells} two-factor cells disagree:\n"
                + "\n".join(problems)
            )

    def test_routes_without_a_row_are_safe(self):
        """Routes the policy exempts (NO_ROW_NEEDED) and routes not classified yet: no
        500, no stack trace, no secret, and nothing served to an anonymous visitor."""
        _, exempt, unknown = self._routes()
        problems, cells = self._run(exempt + unknown, check_policy=False)
        STATS["cells"] += cells
        STATS["unclassified_routes"] += len(unknown)
        if problems:
            self.fail(
                f"{len(problems)} of {cells} cells of routes without a row are unsafe:\n"
                + "\n".join(problems)
            )

    def test_two_factor_roles_must_verify_before_the_admin(self):
        for role in ("trainer", "system_admin", "security_admin"):
            client = Client()
            client.force_login(self.fx.personas[role])
            response = client.get(f"/admin/pages/{self.page_own.pk}/edit/")
            self.assertEqual(response.status_code, 302, role)
            self.assertTrue(
                response["Location"].startswith("/accounts/two-factor/"), role
            )

    def test_classifier_recognises_denials(self):
        """The classifier itself: a permission-denied admin redirect is a denial, a
        successful page is an allow (so the matrix cannot pass by classifying
        everything alike)."""
        response = self.clients["legal_officer"].get(
            f"/admin/pages/{self.page_other.pk}/edit/"
        )
        self.assertEqual(classify(response), DENY)
        response = self.clients["trainer"].get(f"/admin/pages/{self.page_own.pk}/edit/")
        self.assertEqual(classify(response), ALLOW)
        self.assertEqual(classify(self.clients["anonymous"].get("/admin/")), DENY)
        self.assertEqual(classify(self.clients["officer"].get("/healthz")), ALLOW)
        self.assertTrue(re.search(OWN_DRAFT, response.content.decode()))
