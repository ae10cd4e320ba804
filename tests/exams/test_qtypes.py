"""The question-type registry: one handler per type, and the only code that knows types."""

from __future__ import annotations

import random
import re
from decimal import Decimal
from pathlib import Path

from django.utils import translation

from exams import importing, paper, qtypes, services
from exams.models import Question, QuestionType
from tests.base import BaseTestCase

from .factories import make_blueprint, make_question, make_session

ROOT = Path(__file__).resolve().parents[2] / "exams"
# What a per-type branch looks like outside the registry.
BRANCHES = [
    re.compile(r"qtype\s*(==|!=)\s*[A-Z\"']|\bqtype\s+(not\s+)?in\s+[A-Z({\[]"),
    re.compile(r"(==|!=)\s*QuestionType\."),
    re.compile(r"\b(CHOICE_TYPES|MULTI_SELECT_TYPES)\b"),
    re.compile(r"""\.get\(\s*["']kind["']"""),
    re.compile(r"""["']essay["']"""),
    re.compile(r"""type\s*===?\s*["'](case|fillin|single|multiple|truefalse)["']"""),
    re.compile(r"""(qtype|kind)\s*==\s*["']"""),
]


class RegistryTests(BaseTestCase):
    def test_every_type_code_has_a_handler(self):
        self.assertEqual({h.code for h in qtypes.handlers()}, set(QuestionType.values))
        for code in QuestionType.values:
            self.assertEqual(qtypes.get(code).code, code)

    def test_no_per_type_branches_outside_the_registry(self):
        offenders = []
        for path in [*ROOT.rglob("*.py"), *ROOT.rglob("*.html"), *ROOT.rglob("*.js")]:
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(("qtypes/", "migrations/")) or rel == "demo.py":
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                # The compatibility aliases are defined from the registry in models.py.
                if rel == "models.py" and "qtypes.codes_where" in line:
                    continue
                if any(p.search(line) for p in BRANCHES):
                    offenders.append(f"exams/{rel}:{number}: {line.strip()}")
        self.assertEqual(offenders, [])

    def test_each_handler_scores_its_own_key_fully_and_nothing_for_no_answer(self):
        rng = random.Random(7)
        for code in QuestionType.values:
            question = make_question(qtype=code, n=1)
            version = question.current_version
            handler = qtypes.get(code)
            order = handler.shuffle(version, rng)
            empty, _needs = handler.score(
                version=version, points=Decimal(10), response=None, rule="partial"
            )
            self.assertEqual(empty, 0, code)
            # The key, entered as a candidate would (display letters or texts).
            if handler.shape == "choice":
                given = handler.display_response(version.answer, order)
            elif handler.shape == "blanks":
                given = [alts[0] for alts in version.answer]
            else:
                given = {
                    p["key"]: handler.display_response(
                        {p["key"]: p.get("answer", [])}, order
                    )[p["key"]]
                    if p.get("options")
                    else "理由"
                    for p in version.parts
                }
            response = handler.clean_response(version, order, given)
            score, needs = handler.score(
                version=version, points=Decimal(10), response=response, rule="partial"
            )
            if needs:  # the objective parts' share only
                self.assertGreater(score, 0, code)
                self.assertLess(score, 10, code)
            else:
                self.assertEqual(score, 10, code)

    def test_clean_response_refuses_nonsense_for_every_type(self):
        for code in QuestionType.values:
            version = make_question(qtype=code, n=2).current_version
            handler = qtypes.get(code)
            order = handler.shuffle(version, random.Random(1))
            with self.assertRaises((ValueError, TypeError), msg=code):
                handler.clean_response(
                    version,
                    order,
                    {"no such": ["Z"]} if handler.shape != "parts" else ["Z"],
                )

    def test_export_then_import_gives_the_same_content_for_every_type(self):
        for n, code in enumerate(QuestionType.values):
            make_question(qtype=code, n=10 + n)
        questions = Question.objects.select_related(
            "current_version", "category__parent"
        ).order_by("pk")
        header = importing.HEADERS
        rows = [
            (i, dict(zip(header, row, strict=False)))
            for i, row in enumerate(importing.export_rows(questions), start=2)
        ]
        parsed, problems, total = importing.parse_rows(rows)
        self.assertEqual(problems, [])
        self.assertEqual(total, len(QuestionType.values))
        for q, p in zip(questions, parsed, strict=True):
            self.assertEqual(p.qtype, q.qtype)
            v = q.current_version
            for key in ("stem", "material", "options", "answer"):
                self.assertEqual(p.content[key], getattr(v, key), (q.qtype, key))
            self.assertEqual(
                [(x["kind"], float(x["weight"])) for x in p.content["parts"]],
                [(x["kind"], float(x["weight"])) for x in v.parts],
            )

    def test_an_unknown_type_is_a_clear_error(self):
        with translation.override("zh-hans"):
            problems = services.question_validate(qtype="essay", content={})
        self.assertEqual(len(problems), 1)
        self.assertIn("essay", problems[0])


class CasePartPointsTests(BaseTestCase):
    def test_parts_show_their_share_of_the_question_points(self):
        """A 10-point case with parts weighted 2 and 4 shows 3.33 and 6.67 points, not
        "2 分 / 4 分" (issue 17)."""
        case = make_question(qtype=QuestionType.CASE, n=3)
        blueprint = make_blueprint(rows=[(case.category, QuestionType.CASE, 1, "10")])
        session = make_session(blueprint=blueprint, people=[self.officer])
        attempt = services.attempt_prepare(session=session, user=self.officer)
        with translation.override("zh-hans"):
            html = paper.render_paper(attempt)
        self.assertIn("3.33 分", html)
        self.assertIn("6.67 分", html)
        self.assertNotIn("4 分", html.replace("6.67 分", ""))
