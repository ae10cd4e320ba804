"""Which sentence of a new case supports each legal element (``search.elements``), and the
hand-written element set a legal officer marked (``tests/fixtures/link_elements.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from django.test import SimpleTestCase

from casebank.demo_content.charges import CHARGES
from search.elements import sentences, support

ELEMENT_SET = Path(__file__).resolve().parents[1] / "fixtures" / "link_elements.json"
SPECS = {c["name"]: c["elements"] for c in CHARGES}


def element(charge: str, kind: str) -> SimpleNamespace:
    """The demo content's element of ``kind`` of ``charge``."""
    return SimpleNamespace(**next(e for e in SPECS[charge] if e["kind"] == kind))


class SupportTests(SimpleTestCase):
    def test_master_key_and_riding_away_supports_the_taking(self) -> None:
        text = "2024年5月3日凌晨，嫌疑人王某在小区楼下用万能钥匙打开车锁，将车骑走。经价格认定，该电动车价值2100元。"
        found = support(element("盗窃罪", "objective"), "盗窃罪", sentences(text))
        self.assertIsNotNone(found)
        self.assertIn("用万能钥匙打开车锁，将车骑走", found.sentence)

    def test_police_at_a_drunk_driving_stop_is_no_attack_on_the_police(self) -> None:
        text = (
            "2024年1月8日晚，民警在某路段设卡检查时，发现嫌疑人郭某驾驶小轿车有酒驾嫌疑。"
            "经呼气酒精检测，其体内酒精含量为98mg/100ml，郭某配合检查。"
        )
        attack = support(element("袭警罪", "objective"), "袭警罪", sentences(text))
        self.assertIsNone(attack)

    def test_an_attack_on_the_police_is_supported_by_its_sentence(self) -> None:
        text = "民警接警后身着警服赶到现场处置。田某拒不配合，用脚踢踹民警腹部，并咬伤民警手臂。"
        attack = support(element("袭警罪", "objective"), "袭警罪", sentences(text))
        self.assertEqual(
            attack.sentence, "田某拒不配合，用脚踢踹民警腹部，并咬伤民警手臂。"
        )

    def test_words_in_different_sentences_do_not_make_a_cue(self) -> None:
        # Violence and the police are both in the text, but never in one sentence.
        text = "张某与邻居互相推搡。次日民警上门调查。"
        self.assertIsNone(
            support(element("袭警罪", "objective"), "袭警罪", sentences(text))
        )

    def test_a_suspect_without_age_or_identity_does_not_support_the_subject(
        self,
    ) -> None:
        text = "犯罪嫌疑人刘某撬开被害人家门锁，窃取现金三千元。"
        self.assertIsNone(
            support(element("盗窃罪", "subject"), "盗窃罪", sentences(text))
        )
        with_age = "被告人刘某，男，1990年6月12日出生。刘某撬开被害人家门锁，窃取现金。"
        self.assertEqual(
            support(
                element("盗窃罪", "subject"), "盗窃罪", sentences(with_age)
            ).sentence,
            "被告人刘某，男，1990年6月12日出生。",
        )

    def test_an_element_without_cues_needs_two_of_its_words_in_one_sentence(
        self,
    ) -> None:
        other = SimpleNamespace(
            kind="objective", title="非法采矿", facts="无证开采矿产资源"
        )
        self.assertIsNone(support(other, "非法采矿罪", sentences("张某开采。无证。")))
        found = support(other, "非法采矿罪", sentences("张某无证开采河砂。"))
        self.assertEqual(found.sentence, "张某无证开采河砂。")


class ElementSetTests(SimpleTestCase):
    """The hand-written set: at least 40 cases, each element marked by a legal officer."""

    def test_the_set_is_well_formed(self) -> None:
        cases = json.loads(ELEMENT_SET.read_text(encoding="utf-8"))
        self.assertGreaterEqual(len(cases), 40)
        for case in cases:
            titles = {e["title"] for e in SPECS[case["charge"]]}
            self.assertLessEqual(set(case["elements"]), titles, case["text"])

    def test_supporting_sentences_agree_with_the_officer(self) -> None:
        tp = fp = fn = 0
        for case in json.loads(ELEMENT_SET.read_text(encoding="utf-8")):
            for spec in SPECS[case["charge"]]:
                said = (
                    support(
                        SimpleNamespace(**spec), case["charge"], sentences(case["text"])
                    )
                    is not None
                )
                gold = spec["title"] in case["elements"]
                tp += said and gold
                fp += said and not gold
                fn += gold and not said
        # bench/search_quality.py --tasks elements prints the figures (docs/embedder.md).
        self.assertGreaterEqual(tp / (tp + fp), 0.95)
        self.assertGreaterEqual(tp / (tp + fn), 0.85)
