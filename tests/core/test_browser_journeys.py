"""One browser walk per role through its main pages (issue 18): each page is shot at
desktop (1366×900) and phone (390×844) size into ``var/test-output/ui/``, must log no
console error, must not scroll sideways on the phone, and must pass an axe-core scan
(``tests/fixtures/axe-core/axe.min.js``, injected from the repository: no download)
with no serious or critical violation."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from courses.services import course_assignments_sync
from exams.models import ExamSession, QuestionType
from records.models import RoleRequirement
from records.services import credit_hours
from search.backends import reset_backends
from tests.accounts.factories import UnitFactory, UserFactory
from tests.base import PASSWORD
from tests.casebank.factories import ChargeFactory, make_case, make_guideline
from tests.conftest import browser_login
from tests.courses import factories as course_factories
from tests.exams.factories import make_blueprint, make_session, standard_bank

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "var" / "test-output" / "ui"
AXE = ROOT / "tests" / "fixtures" / "axe-core" / "axe.min.js"
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
SERIOUS = ("serious", "critical")


class Walk:
    """Visit pages as one person; check and photograph each at both sizes."""

    def __init__(self, page, base: str, role: str) -> None:
        self.page, self.base, self.role = page, base, role
        self.errors: list[str] = []
        page.on(
            "console",
            lambda m: (
                self.errors.append(f"{page.url}: {m.text}")
                if m.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))
        OUTPUT.mkdir(parents=True, exist_ok=True)

    def visit(self, path: str, name: str, *, ready: str = "h1") -> None:
        self.page.set_viewport_size({"width": 1366, "height": 900})
        if path:
            self.page.goto(f"{self.base}{path}")
        self.page.wait_for_load_state("networkidle")
        expect(self.page.locator(ready).first).to_be_visible()
        self.check(name)

    def check(self, name: str) -> None:
        for size, (width, height) in SIZES.items():
            self.page.set_viewport_size({"width": width, "height": height})
            self.page.wait_for_timeout(150)
            self.page.screenshot(
                path=str(OUTPUT / f"{self.role}-{name}-{size}.png"), full_page=False
            )
            if size == "phone":
                scroll = self.page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= width + 1, f"{name}: {scroll}px wide on a phone"
        self.page.set_viewport_size({"width": 1366, "height": 900})
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            # Evaluated, not added as a <script>: the site's CSP allows no inline script
            # (issue 13), and a test must not weaken it.
            self.page.evaluate(AXE.read_text(encoding="utf-8"))
        result = self.page.evaluate(
            """async () => {
                const r = await axe.run(document, {runOnly: {type: "tag",
                  values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
                return r.violations.map(v => ({id: v.id, impact: v.impact,
                  nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
            }"""
        )
        serious = [v for v in result if v["impact"] in SERIOUS]
        assert not serious, f"{name}: {json.dumps(serious, ensure_ascii=False)}"

    def done(self) -> None:
        assert self.errors == [], self.errors


@pytest.fixture
def keyword_index(settings):
    index_dir = Path(tempfile.mkdtemp(prefix="journey-index-"))
    settings.SEARCH_BACKENDS = {
        "default": {
            "BACKEND": "search.backends.embedded.EmbeddedSearchBackend",
            "PATH": index_dir,
            "SEMANTIC": False,
        }
    }
    reset_backends()
    course_factories.ensure_site()
    yield
    reset_backends()
    shutil.rmtree(index_dir, ignore_errors=True)


def _units():
    city = UnitFactory(code="370100", name="滨江市公安局")
    east = UnitFactory(code="370101", name="东城分局", parent=city)
    west = UnitFactory(code="370102", name="西城分局", parent=city)
    for unit in (city, east, west):
        unit.refresh_from_db()
    return city, east, west


def _cases():
    theft, fraud = ChargeFactory(name="盗窃罪"), ChargeFactory(name="诈骗罪")
    make_case(
        "张某入户盗窃案",
        charges=[theft],
        case_date=timezone.localdate() - timedelta(days=400),
        level="guiding",
        key_points="入户盗窃不以数额较大为要件。",
        facts="张某撬锁入户，窃取现金三千元，涉案财物已追回。",
    )
    make_case(
        "王某电信诈骗案",
        charges=[fraud],
        case_date=timezone.localdate() - timedelta(days=100),
        key_points="冒充客服实施诈骗的数额认定。",
        facts="王某冒充客服骗取被害人转账，涉案财物部分追回。",
    )
    make_guideline(
        "盗窃案件现场勘查指引",
        body="<p>盗窃案件<b>现场</b>勘查要点，涉案财物的固定。</p>",
    )


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_officer_journey(page, live_server, keyword_index):
    _city, east, _west = _units()
    officer = UserFactory(
        username="officer1", full_name="李明", unit=east, roles=[Role.OFFICER]
    )
    index = course_factories.course_index()
    course = course_factories.course(
        index, title="受案立案规范", rules=[{"role": Role.OFFICER, "unit": east}]
    )
    lesson = course_factories.lesson(
        course,
        title="第一讲 受案登记",
        blocks=[
            course_factories.text_block("<p>受案登记的要求。</p>"),
            course_factories.practice_block(),
        ],
    )
    course_factories.lesson(course, title="第二讲 立案审查")
    course_assignments_sync(course=course)
    category = standard_bank(n_each=3)
    session = make_session(
        blueprint=make_blueprint(rows=[(category, QuestionType.SINGLE, 3, 5)]),
        people=[officer],
        title="执法资格考试",
        kind=ExamSession.Kind.EXAM,
    )
    _cases()

    walk = Walk(page, live_server.url, "officer")
    browser_login(page, live_server.url, "officer1", PASSWORD)
    walk.visit("/", "home")
    walk.visit("/learn/", "my-learning")
    walk.visit(lesson.url, "lesson")
    walk.visit(f"/exams/s/{session.pk}/", "exam-session")
    page.click("#start-attempt")
    page.wait_for_url("**/exams/a/*/")
    expect(page.locator("#exam-clock")).not_to_have_text("--:--")
    page.locator("#q1 input[type=radio]").first.check()
    walk.visit("", "exam-attempt", ready="#exam-clock")
    walk.visit("/search/?q=涉案财物", "search")
    walk.visit("/records/notifications/", "notifications")
    walk.visit("/records/offline/", "offline-form")
    walk.done()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_legal_officer_journey(page, live_server, keyword_index):
    _city, east, _west = _units()
    UserFactory(
        username="legal1",
        full_name="陈晓东",
        unit=east,
        roles=[Role.LEGAL_OFFICER, Role.OFFICER],
    )
    _cases()
    from casebank.models import CaseIndexPage, CasePage

    walk = Walk(page, live_server.url, "legal-officer")
    browser_login(page, live_server.url, "legal1", PASSWORD)
    walk.visit("/search/?q=涉案财物&type=case", "search-cases")
    walk.visit(CaseIndexPage.objects.get().url, "case-library")
    walk.visit(CasePage.objects.get(title="张某入户盗窃案").url, "case")
    walk.visit("/search/link/", "link")
    walk.done()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_leader_journey(page, live_server):
    course_factories.ensure_site()
    city, east, west = _units()
    UserFactory(username="leader1", full_name="赵局长", unit=city, roles=[Role.LEADER])
    RoleRequirement.objects.create(role=Role.OFFICER, min_hours=Decimal(40))
    people = []
    for n, unit in enumerate([east, east, west, west, west]):
        person = UserFactory(
            username=f"officer{n}",
            full_name=f"民警{n}",
            unit=unit,
            roles=[Role.OFFICER],
        )
        people.append(person)
        if n % 2:
            credit_hours(
                user=person,
                hours=Decimal(30),
                category="law",
                source_type="t",
                source_id=str(n),
                earned_at=timezone.now() - timedelta(days=20),
            )
    walk = Walk(page, live_server.url, "leader")
    browser_login(page, live_server.url, "leader1", PASSWORD)
    walk.visit("/", "home")
    walk.visit(f"/records/reports/?unit={city.pk}", "reports")
    walk.visit(f"/records/reports/at-risk/?unit={city.pk}", "at-risk")
    # 督办: tick the first person and send.
    boxes = page.locator("input[name=person]")
    if boxes.count():
        boxes.first.check()
        page.click("#remind-submit")
        page.wait_for_load_state("networkidle")
        expect(page.locator(".messages")).to_contain_text("督办")
    walk.visit(f"/records/people/{people[0].pk}/", "person-record")
    walk.done()
