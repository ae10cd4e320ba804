"""Query focusing keeps the facts of a long case description and drops its boilerplate."""

from __future__ import annotations

from django.test import SimpleTestCase

from search.focus import focus_query, sentence_score, split_sentences

JUDGMENT = (
    "某某市某某区人民检察院指控，2019年3月5日22时许，被告人刘某在某某路烧烤店内因琐事与被害人陈某发生口角，"
    "随后持啤酒瓶击打陈某头部，致其头皮裂伤、颅骨骨折。经鉴定，陈某的损伤程度为轻伤一级。"
    "2019年3月6日，被告人刘某经民警电话传唤到案，如实供述了上述犯罪事实。"
    "案发后，被告人刘某已赔偿被害人经济损失并取得谅解。"
    "公诉机关提供了被害人陈述、证人证言、鉴定意见、视听资料等证据，认为被告人刘某的行为已构成故意伤害罪，"
    "建议判处有期徒刑一年。被告人刘某对指控事实无异议，自愿认罪认罚。"
    "本案依法适用简易程序，公开开庭进行了审理。"
)


class FocusQueryTests(SimpleTestCase):
    def test_keeps_the_act_the_means_and_the_injury(self):
        focused = focus_query(JUDGMENT)
        for fact in ("啤酒瓶", "击打头部", "颅骨骨折", "轻伤一级", "口角"):
            self.assertIn(fact, focused)

    def test_drops_court_dates_procedure_and_pleas(self):
        focused = focus_query(JUDGMENT)
        for boilerplate in (
            "人民检察院指控",
            "2019年3月5日",
            "传唤",
            "到案",
            "认罪认罚",
            "简易程序",
            "证人证言",
            "建议判处",
        ):
            self.assertNotIn(boilerplate, focused)

    def test_is_shorter_than_the_description_and_capped(self):
        focused = focus_query(JUDGMENT)
        self.assertLess(len(focused), len(JUDGMENT) / 2)
        self.assertLessEqual(len(focus_query(JUDGMENT * 5, max_chars=100)), 100)

    def test_keeps_facts_from_a_police_report_in_order(self):
        report = (
            "2024年5月1日，我所接到报警。报警人王某称其停放在小区楼下的电动自行车被盗，价值2800元。"
            "经调取监控，发现一男子用剪线钳剪断车锁后将车骑走。"
            "民警于5月3日将嫌疑人赵某抓获归案，赵某已被刑事拘留。"
        )
        focused = focus_query(report)
        self.assertIn("电动自行车被盗", focused)
        self.assertIn("剪线钳", focused)
        self.assertLess(focused.index("电动自行车"), focused.index("剪线钳"))
        self.assertNotIn("刑事拘留", focused)

    def test_short_query_without_boilerplate_is_kept(self):
        self.assertEqual(focus_query("醉酒驾驶机动车"), "醉酒驾驶机动车")
        self.assertEqual(focus_query("网络诈骗 转账"), "网络诈骗 转账")

    def test_text_of_boilerplate_only_is_not_emptied(self):
        self.assertTrue(focus_query("本案依法适用简易程序，公开开庭进行了审理。"))
        self.assertEqual(focus_query(""), "")
        self.assertEqual(focus_query("   "), "")

    def test_drops_anonymised_names_and_plates_but_keeps_roles(self):
        focused = focus_query(
            "被告人马某某酒后驾驶黑CT0777号小型轿车，与被害人黄某1驾驶的摩托车相撞，致黄某1轻伤。"
        )
        for noise in ("马某某", "黄某1", "CT0777"):
            self.assertNotIn(noise, focused)
        for fact in ("被告人", "被害人", "酒后驾驶", "小型轿车", "轻伤"):
            self.assertIn(fact, focused)
        # A word that merely contains 某 is no name.
        self.assertIn("某种", focus_query("被告人以某种理由骗取被害人现金五千元。"))

    def test_date_only_sentences_score_as_boilerplate(self):
        self.assertLessEqual(sentence_score("2019年3月5日。"), 0)
        self.assertGreater(sentence_score("被告人持刀抢劫被害人现金500元。"), 0)
        self.assertEqual(split_sentences("甲。乙！丙？"), ["甲。", "乙！", "丙？"])
