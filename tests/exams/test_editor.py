"""The question editor (every type, case parts and rubric), preview, retire/restore,
bulk actions, the fixed-paper editor, and the marking queue's question number."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils import translation

from exams import services
from exams.models import Blueprint, BlueprintItem, Question, QuestionType
from tests.base import BaseTestCase

from .factories import CANARY, make_blueprint, make_question, make_session


def base_post(category, **extra):
    data = {
        "category": category.pk,
        "difficulty": "3",
        "level": "basic",
        "police_type": "",
        "tags": "盗窃；入户",
        "articles": "刑法第二百六十四条",
        "analysis": "解析文字",
        "parts-TOTAL_FORMS": "2",
        "parts-INITIAL_FORMS": "0",
        "parts-MIN_NUM_FORMS": "0",
        "parts-MAX_NUM_FORMS": "1000",
    }
    data.update(extra)
    return data


class EditorTests(BaseTestCase):
    def setUp(self):
        self.category = make_question(qtype=QuestionType.SINGLE).category
        self.login(self.trainer)

    def new(self, qtype, **data):
        return self.client.post(
            reverse("exams:question_new") + f"?qtype={qtype}",
            base_post(self.category, **data),
        )

    def test_a_trainer_writes_a_question_of_every_simple_type(self):
        cases = {
            QuestionType.SINGLE: {"options": "甲\n乙\n丙", "answer": "B"},
            QuestionType.MULTIPLE: {"options": "甲\n乙\n丙", "answer": "A,C"},
            QuestionType.INDETERMINATE: {"options": "甲\n乙", "answer": "A"},
            QuestionType.TRUE_FALSE: {"answer": "错"},
            QuestionType.FILL_IN: {"answer": "24小时|二十四小时；48"},
        }
        for qtype, data in cases.items():
            response = self.new(qtype, stem=f"{qtype} 题干", **data)
            self.assertEqual(response.status_code, 302, (qtype, response.content[:300]))
            question = Question.objects.get(current_version__stem=f"{qtype} 题干")
            self.assertEqual(question.qtype, qtype)
            self.assertEqual(question.tags, ["盗窃", "入户"])
            self.assertEqual(question.article_refs, ["刑法第二百六十四条"])
            self.assertEqual(question.created_by, self.trainer)
        self.assertEqual(
            Question.objects.get(qtype=QuestionType.MULTIPLE).current_version.answer,
            ["A", "C"],
        )
        self.assertEqual(
            Question.objects.get(qtype=QuestionType.TRUE_FALSE).current_version.answer,
            ["F"],
        )
        self.assertEqual(
            Question.objects.get(qtype=QuestionType.FILL_IN).current_version.answer,
            [["24小时", "二十四小时"], ["48"]],
        )

    def test_bad_content_is_a_clear_error_not_a_500(self):
        with translation.override("zh-hans"):
            response = self.new(QuestionType.SINGLE, stem="题干", options="只有一个")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "至少")
        self.assertFalse(Question.objects.filter(current_version__stem="题干").exists())

    def test_a_case_analysis_with_parts_and_a_rubric(self):
        response = self.new(
            QuestionType.CASE,
            stem="张某深夜入户窃取财物……",
            **{
                "parts-0-kind": "single",
                "parts-0-stem": "张某的行为构成何罪？",
                "parts-0-options": "盗窃罪\n抢劫罪",
                "parts-0-answer": "A",
                "parts-0-weight": "2",
                "parts-1-kind": "essay",
                "parts-1-stem": "说明理由",
                "parts-1-rubric": "入户盗窃的认定（3分）\n数额与情节（2分）",
            },
        )
        self.assertEqual(response.status_code, 302, response.content[:500])
        question = Question.objects.get(qtype=QuestionType.CASE)
        version = question.current_version
        self.assertEqual(version.material, "张某深夜入户窃取财物……")
        self.assertEqual([p["kind"] for p in version.parts], ["single", "essay"])
        self.assertEqual(version.parts[1]["weight"], 5)
        self.assertEqual(
            version.parts[1]["rubric"],
            [
                {"text": "入户盗窃的认定", "points": 3.0},
                {"text": "数额与情节", "points": 2.0},
            ],
        )
        # The edit page shows each part's share of the question, not raw weights.
        page = self.client.get(reverse("exams:question_edit", args=[question.pk]))
        self.assertContains(page, "28.6%")
        self.assertContains(page, "71.4%")

    def test_an_unparseable_rubric_is_refused(self):
        with translation.override("zh-hans"):
            response = self.new(
                QuestionType.CASE,
                stem="材料",
                **{
                    "parts-0-kind": "essay",
                    "parts-0-stem": "说明理由",
                    "parts-0-rubric": "没有分值的要点",
                },
            )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Question.objects.filter(qtype=QuestionType.CASE).exists())

    def test_editing_a_shown_version_makes_a_new_version(self):
        question = make_question(qtype=QuestionType.SINGLE, n=5)
        blueprint = make_blueprint(
            rows=[(question.category, QuestionType.SINGLE, 2, "5")]
        )
        session = make_session(blueprint=blueprint, people=[self.officer])
        services.attempt_prepare(session=session, user=self.officer)
        edit = reverse("exams:question_edit", args=[question.pk])
        self.assertEqual(self.client.get(edit).status_code, 200)
        response = self.client.post(
            edit,
            base_post(
                question.category,
                stem="改过的题干",
                options="甲\n乙\n丙\n丁",
                answer="D",
                difficulty="4",
            ),
        )
        self.assertEqual(response.status_code, 302)
        question.refresh_from_db()
        self.assertEqual(question.current_version.number, 2)
        self.assertEqual(question.current_version.stem, "改过的题干")
        self.assertEqual(question.difficulty, 4)

    def test_preview_shows_the_question_without_its_key(self):
        case = make_question(qtype=QuestionType.CASE, n=7)
        with translation.override("zh-hans"):
            response = self.client.get(
                reverse("exams:question_preview", args=[case.pk]) + "?points=12"
            )
        self.assertContains(response, "案例材料7")
        self.assertContains(response, "4.00 分")  # weight 2 of 6 on 12 points
        self.assertContains(response, "8.00 分")
        self.assertNotContains(response, CANARY)
        self.assertNotContains(response, "要点二")

    def test_retire_and_restore(self):
        question = make_question(qtype=QuestionType.SINGLE, n=8)
        url = reverse("exams:question_retire", args=[question.pk])
        response = self.client.post(url, {"action": "nonsense"})  # refused, not a 500
        self.assertRedirects(
            response, reverse("exams:question_edit", args=[question.pk])
        )
        self.client.post(url, {"action": "retire"})
        question.refresh_from_db()
        self.assertFalse(question.is_active)
        self.assertNotIn(question, Question.objects.active())
        listing = self.client.get(reverse("exams:question_list") + "?retired=1")
        self.assertContains(listing, f'value="{question.pk}"')
        self.client.post(url, {"action": "restore"})
        question.refresh_from_db()
        self.assertTrue(question.is_active)

    def test_bulk_actions(self):
        a = make_question(qtype=QuestionType.SINGLE, n=20)
        b = make_question(qtype=QuestionType.FILL_IN, n=21)
        bulk = reverse("exams:question_bulk")
        ids = [a.pk, b.pk]
        self.client.post(bulk, {"ids": ids, "action": "tag", "value": "重点"})
        self.client.post(bulk, {"ids": ids, "action": "difficulty", "value": "5"})
        for q in Question.objects.filter(pk__in=ids):
            self.assertIn("重点", q.tags)
            self.assertEqual(q.difficulty, 5)
        paper = Blueprint.objects.create(name="固定卷", mode=Blueprint.Mode.FIXED)
        self.client.post(
            bulk, {"ids": ids, "action": "paper", "value": paper.pk, "points": "4"}
        )
        self.assertEqual(
            list(paper.items.values_list("question_id", "points")),
            [(a.pk, Decimal("4.00")), (b.pk, Decimal("4.00"))],
        )
        self.client.post(bulk, {"ids": ids, "action": "retire"})
        self.assertEqual(Question.objects.filter(pk__in=ids, is_active=True).count(), 0)
        # A retired question cannot be added to a paper; nonsense is refused politely.
        other = Blueprint.objects.create(name="另一卷", mode=Blueprint.Mode.FIXED)
        self.client.post(
            bulk, {"ids": ids, "action": "paper", "value": other.pk, "points": "4"}
        )
        self.assertFalse(other.items.exists())
        response = self.client.post(
            bulk, {"ids": ids, "action": "difficulty", "value": "9"}
        )
        self.assertEqual(response.status_code, 302)
        response = self.client.post(bulk, {"ids": ids, "action": "nonsense"})
        self.assertEqual(response.status_code, 302)

    def test_fixed_paper_editor(self):
        a = make_question(qtype=QuestionType.SINGLE, n=30)
        case = make_question(qtype=QuestionType.CASE, n=31)
        paper = Blueprint.objects.create(name="固定卷", mode=Blueprint.Mode.FIXED)
        url = reverse("exams:fixed_paper", args=[paper.pk])
        self.client.post(
            url, {"action": "add", "ids": f"{a.pk}, {case.pk}", "points": "5"}
        )
        self.assertEqual(paper.items.count(), 2)
        self.assertEqual(paper.total_points(), Decimal(10))
        item = paper.items.get(question=case)
        first = paper.items.get(question=a)
        self.client.post(
            url,
            {
                "action": "save",
                f"points-{item.pk}": "20",
                f"order-{item.pk}": "0",
                f"points-{first.pk}": "5",
                f"order-{first.pk}": "1",
            },
        )
        self.assertEqual(paper.total_points(), Decimal(25))
        self.assertEqual(
            list(paper.items.values_list("question_id", flat=True)), [case.pk, a.pk]
        )
        response = self.client.post(
            url, {"action": "add", "ids": "999999", "points": "5"}
        )
        self.assertEqual(response.status_code, 302)
        with translation.override("zh-hans"):
            preview = self.client.get(reverse("exams:paper_preview", args=[paper.pk]))
        self.assertContains(preview, "案例材料31")
        self.assertNotContains(preview, CANARY)
        self.client.post(
            url,
            {
                "action": "save",
                f"remove-{first.pk}": "1",
                f"points-{first.pk}": "5",
                f"points-{item.pk}": "20",
            },
        )
        self.assertEqual(
            list(
                BlueprintItem.objects.filter(blueprint=paper).values_list(
                    "question_id", flat=True
                )
            ),
            [case.pk],
        )

    def test_a_random_blueprint_has_no_fixed_paper_page(self):
        random = make_blueprint(
            rows=[(make_question(n=60).category, QuestionType.SINGLE, 1, "5")]
        )
        for name in ("exams:fixed_paper", "exams:paper_preview"):
            response = self.client.get(reverse(name, args=[random.pk]))
            self.assertRedirects(
                response, reverse("exams:blueprint_edit", args=[random.pk])
            )

    def test_officer_gets_403_on_every_editor_page(self):
        question = make_question(qtype=QuestionType.SINGLE, n=40)
        paper = Blueprint.objects.create(name="固定卷", mode=Blueprint.Mode.FIXED)
        self.login(self.officer)
        for url in (
            reverse("exams:question_new"),
            reverse("exams:question_preview", args=[question.pk]),
            reverse("exams:question_retire", args=[question.pk]),
            reverse("exams:question_bulk"),
            reverse("exams:fixed_paper", args=[paper.pk]),
            reverse("exams:paper_preview", args=[paper.pk]),
        ):
            self.assertEqual(self.client.get(url).status_code, 403, url)
            self.assertEqual(
                self.client.post(
                    url, {"action": "retire", "ids": [question.pk]}
                ).status_code,
                403,
                url,
            )
        question.refresh_from_db()
        self.assertTrue(question.is_active)


class MarkingQueueTests(BaseTestCase):
    def test_the_queue_shows_each_scripts_question_number(self):
        case = make_question(qtype=QuestionType.CASE, n=50)
        blueprint = make_blueprint(rows=[(case.category, QuestionType.CASE, 1, "10")])
        session = make_session(blueprint=blueprint, people=[self.officer])
        attempt = services.attempt_prepare(session=session, user=self.officer)
        services.attempt_start(session=session, user=self.officer)
        attempt.refresh_from_db()
        services.attempt_save(
            attempt_id=attempt.pk,
            user=self.officer,
            seq=1,
            answers={"1": {"2": "理由"}},
        )
        with self.captureOnCommitCallbacks(execute=True):
            services.attempt_submit(attempt=attempt)
        self.login(self.trainer)
        with translation.override("zh-hans"):
            response = self.client.get(reverse("exams:marking_queue"))
        self.assertContains(response, "第 1 题")
        self.assertContains(response, f"#{case.pk}")


class StatisticsFlagsTests(BaseTestCase):
    def test_item_flags_are_shown_in_the_users_language(self):
        question = make_question(qtype=QuestionType.SINGLE, n=70)
        blueprint = make_blueprint(
            rows=[(question.category, QuestionType.SINGLE, 1, "5")]
        )
        session = make_session(blueprint=blueprint, people=[self.officer])
        session.statistics = {
            "test": {},
            "items": [
                {
                    "key": str(question.pk),
                    "n": 30,
                    "facility": 5.0,
                    "sd": 1.0,
                    "discrimination": -3.0,
                    "efficiency": None,
                    "flags": ["too hard", "negative discrimination: check the key"],
                }
            ],
            "totals": [],
            "max_score": 5,
        }
        session.save(update_fields=["statistics"])
        self.login(self.trainer)
        with translation.override("zh-hans"):
            page = self.client.get(
                reverse("exams:session_statistics", args=[session.pk])
            )
        self.assertContains(page, "过难")
        self.assertContains(page, "区分度为负：请核对答案")
        self.assertNotContains(page, "too hard")
