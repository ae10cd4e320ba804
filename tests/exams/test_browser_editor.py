"""In a real browser: a trainer writes a case-analysis question with a rubric in the
question editor, puts it on a fixed paper, and sees it as the candidate will."""

from __future__ import annotations

import re

import pytest

from accounts.models import Role
from exams.models import Question, QuestionType
from exams.services import category_get_or_create
from tests.accounts.factories import UnitFactory, UserFactory
from tests.base import PASSWORD
from tests.conftest import browser_login


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_trainer_writes_a_case_analysis_with_a_rubric_and_it_appears_on_a_paper(
    page, live_server
):
    unit = UnitFactory(name="市局培训处")
    UserFactory(username="trainer9", unit=unit, roles=[Role.TRAINER])
    topic = category_get_or_create(subject="刑法", topic="财产犯罪")

    browser_login(page, live_server.url, "trainer9", PASSWORD)
    page.goto(f"{live_server.url}/exams/manage/questions/")
    page.click("#new-question")
    page.click(f"#new-{QuestionType.CASE}")
    page.select_option("#id_category", str(topic.pk))
    page.fill("#id_stem", "王某深夜撬锁进入他人住宅，窃得现金八千元。")
    page.select_option("#id_parts-0-kind", "single")
    page.fill("#id_parts-0-stem", "王某的行为构成何罪？")
    page.fill("#id_parts-0-options", "盗窃罪\n抢劫罪\n非法侵入住宅罪")
    page.fill("#id_parts-0-answer", "A")
    page.fill("#id_parts-0-weight", "2")
    page.select_option("#id_parts-1-kind", "essay")
    page.fill("#id_parts-1-stem", "说明认定理由。")
    page.fill("#id_parts-1-rubric", "入户盗窃的认定（3分）\n数额较大的标准（2分）")
    page.fill("#id_tags", "入户盗窃")
    page.fill("#id_articles", "刑法第二百六十四条")
    page.click("#save-question")
    page.wait_for_url(re.compile(r"/exams/manage/questions/\d+/$"))
    question = Question.objects.get(qtype=QuestionType.CASE)
    rubric = question.current_version.parts[1]["rubric"]
    assert [r["text"] for r in rubric] == ["入户盗窃的认定", "数额较大的标准"]
    body = page.inner_text("body")
    assert "28.6%" in body and "71.4%" in body  # shares, not raw weights

    # A fixed paper with the new question on it.
    page.goto(f"{live_server.url}/exams/manage/blueprints/new/")
    page.fill("#id_name", "入户盗窃专项试卷")
    page.select_option("#id_mode", "fixed")
    page.click("#save-blueprint")
    page.wait_for_url(re.compile(r"/exams/manage/papers/\d+/$"))
    page.fill("#add-ids", str(question.pk))
    page.fill("#add-points", "10")
    page.click("#add-submit")
    page.wait_for_load_state("networkidle")
    assert "王某深夜撬锁" in page.inner_text("#paper-items")

    # As the candidate sees it: the material, each part's share of 10 points, no key.
    page.click("#preview-paper")
    preview = page.inner_text("#preview")
    assert "王某深夜撬锁进入他人住宅" in preview
    assert "说明认定理由" in preview
    assert "2.86 分" in preview and "7.14 分" in preview
    assert "入户盗窃的认定" not in preview
