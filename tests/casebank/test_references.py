import datetime as dt

from django.test import SimpleTestCase, TestCase

from casebank.references import (
    article_label,
    chinese_to_int,
    int_to_chinese,
    parse_references,
    resolve_reference,
)
from tests.casebank.factories import ArticleFactory, ArticleVersionFactory, LawFactory

# (text, [(law, article, sub, paragraph, item), ...]) — forms seen in police files,
# judgments, guiding cases and training material.
TABLE = [
    ("刑法第264条", [("刑法", 264, 0, None, None)]),
    ("刑法第二百六十四条", [("刑法", 264, 0, None, None)]),
    ("《刑法》第二百六十四条", [("刑法", 264, 0, None, None)]),
    ("《中华人民共和国刑法》第二百六十四条", [("刑法", 264, 0, None, None)]),
    ("中华人民共和国刑法第二百六十六条", [("刑法", 266, 0, None, None)]),
    ("依照刑法第133条之一的规定", [("刑法", 133, 1, None, None)]),
    ("刑法第一百三十三条之一", [("刑法", 133, 1, None, None)]),
    ("刑法第二百八十七条之二", [("刑法", 287, 2, None, None)]),
    ("刑法第二百七十七条第五款", [("刑法", 277, 0, 5, None)]),
    ("刑法第303条第2款", [("刑法", 303, 0, 2, None)]),
    ("《中华人民共和国刑法》第303条第2款", [("刑法", 303, 0, 2, None)]),
    (
        "刑法第二百六十四条、第二百六十六条",
        [("刑法", 264, 0, None, None), ("刑法", 266, 0, None, None)],
    ),
    (
        "《中华人民共和国刑法》第二百六十四条、第二百六十六条之规定",
        [("刑法", 264, 0, None, None), ("刑法", 266, 0, None, None)],
    ),
    (
        "刑法第二十五条第一款和第二十六条",
        [("刑法", 25, 0, 1, None), ("刑法", 26, 0, None, None)],
    ),
    ("刑法第十条", [("刑法", 10, 0, None, None)]),
    ("刑法第一百条", [("刑法", 100, 0, None, None)]),
    ("刑法第一百零一条", [("刑法", 101, 0, None, None)]),
    ("刑法第四百五十二条", [("刑法", 452, 0, None, None)]),
    ("刑法２６４条", [("刑法", 264, 0, None, None)]),
    ("刑法第２６４条", [("刑法", 264, 0, None, None)]),
    ("《治安管理处罚法》第四十九条", [("治安管理处罚法", 49, 0, None, None)]),
    (
        "《中华人民共和国治安管理处罚法》第四十三条第一款",
        [("治安管理处罚法", 43, 0, 1, None)],
    ),
    ("治安管理处罚法第70条", [("治安管理处罚法", 70, 0, None, None)]),
    ("治安法第四十三条第二款第（二）项", [("治安管理处罚法", 43, 0, 2, 2)]),
    ("治安处罚法第26条第(四)项", [("治安管理处罚法", 26, 0, None, 4)]),
    ("刑诉法第82条", [("刑事诉讼法", 82, 0, None, None)]),
    ("刑事诉讼法第八十二条", [("刑事诉讼法", 82, 0, None, None)]),
    (
        "《中华人民共和国刑事诉讼法》第一百二十三条",
        [("刑事诉讼法", 123, 0, None, None)],
    ),
    ("刑诉法第一百一十二条", [("刑事诉讼法", 112, 0, None, None)]),
    ("行政处罚法第三十三条", [("行政处罚法", 33, 0, None, None)]),
    ("《中华人民共和国行政强制法》第二十五条", [("行政强制法", 25, 0, None, None)]),
    ("人民警察法第九条", [("人民警察法", 9, 0, None, None)]),
    ("警察法第8条", [("人民警察法", 8, 0, None, None)]),
    ("反电诈法第三十一条", [("反电信网络诈骗法", 31, 0, None, None)]),
    ("《反电信网络诈骗法》第三十八条", [("反电信网络诈骗法", 38, 0, None, None)]),
    (
        "刑诉解释第七十四条",
        [("最高人民法院关于适用《中华人民共和国刑事诉讼法》的解释", 74, 0, None, None)],
    ),
    (
        "《最高人民法院关于适用〈中华人民共和国刑事诉讼法〉的解释》第一百条".replace(
            "〈", "《"
        ).replace("〉", "》"),
        [
            (
                "最高人民法院关于适用《中华人民共和国刑事诉讼法》的解释",
                100,
                0,
                None,
                None,
            )
        ],
    ),
    (
        "公安部刑事案件程序规定第二百零八条",
        [("公安机关办理刑事案件程序规定", 208, 0, None, None)],
    ),
    (
        "《公安机关办理刑事案件程序规定》第一百七十八条",
        [("公安机关办理刑事案件程序规定", 178, 0, None, None)],
    ),
    (
        "公安机关办理行政案件程序规定第五十三条",
        [("公安机关办理行政案件程序规定", 53, 0, None, None)],
    ),
    ("道交法第九十一条", [("道路交通安全法", 91, 0, None, None)]),
    (
        "《中华人民共和国道路交通安全法》第九十一条第二款",
        [("道路交通安全法", 91, 0, 2, None)],
    ),
    ("禁毒法第六十二条", [("禁毒法", 62, 0, None, None)]),
    ("民法典第一千一百六十五条", [("民法典", 1165, 0, None, None)]),
    ("《中华人民共和国民法典》第1165条", [("民法典", 1165, 0, None, None)]),
    ("《中华人民共和国网络安全法》第二十四条", [("网络安全法", 24, 0, None, None)]),
    (
        "违反治安管理处罚法第四十九条的规定，同时触犯刑法第二百六十四条",
        [("治安管理处罚法", 49, 0, None, None), ("刑法", 264, 0, None, None)],
    ),
    (
        "根据《中华人民共和国刑法》第二百三十四条第一款、第二十五条第一款、第六十七条第三款",
        [("刑法", 234, 0, 1, None), ("刑法", 25, 0, 1, None), ("刑法", 67, 0, 3, None)],
    ),
    ("刑法第二六四条", [("刑法", 264, 0, None, None)]),
    (
        "《中华人民共和国刑法修正案（十一）》第一条",
        [("刑法修正案（十一）", 1, 0, None, None)],
    ),
    ("《居民身份证法》第十七条", [("居民身份证法", 17, 0, None, None)]),
    ("没有法律引用的一段案情。", []),
    ("第二百六十四条", []),  # no law named: not trusted
]


class ParseReferencesTableTests(SimpleTestCase):
    def test_table_has_at_least_forty_forms(self):
        self.assertGreaterEqual(len(TABLE), 40)

    def test_every_form_in_the_table(self):
        for text, expected in TABLE:
            with self.subTest(text=text):
                got = [
                    (r.law_name, r.article, r.sub_number, r.paragraph, r.item)
                    for r in parse_references(text)
                ]
                self.assertEqual(got, expected)

    def test_spans_point_back_into_the_text(self):
        text = "经查，嫌疑人行为符合刑法第264条规定。"
        (ref,) = parse_references(text)
        self.assertEqual(text[ref.start : ref.end], "刑法第264条")

    def test_law_text_keeps_what_was_written(self):
        (ref,) = parse_references("刑诉法第82条")
        self.assertEqual(ref.law_text, "刑诉法")
        self.assertEqual(str(ref), "刑事诉讼法第八十二条")


class NumeralTests(SimpleTestCase):
    def test_chinese_numerals(self):
        cases = {
            "十": 10,
            "十一": 11,
            "二十": 20,
            "一百零一": 101,
            "二百六十四": 264,
            "一千一百六十五": 1165,
            "两百": 200,
            "264": 264,
            "二六四": 264,
            "四百五十二": 452,
        }
        for text, value in cases.items():
            with self.subTest(text=text):
                self.assertEqual(chinese_to_int(text), value)

    def test_round_trip_through_labels(self):
        for number in [1, 10, 11, 20, 100, 101, 110, 264, 1000, 1001, 1165, 1260]:
            with self.subTest(number=number):
                self.assertEqual(chinese_to_int(int_to_chinese(number)), number)
        self.assertEqual(article_label(133, 1), "第一百三十三条之一")
        self.assertEqual(article_label(10), "第十条")
        self.assertEqual(article_label(110), "第一百一十条")


class ResolveReferenceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.criminal_law = LawFactory(name="中华人民共和国刑法", short_name="刑法")
        cls.security_law = LawFactory(
            name="中华人民共和国治安管理处罚法",
            short_name="治安管理处罚法",
            promulgated_on=dt.date(2005, 8, 28),
        )
        cls.theft = ArticleFactory(law=cls.criminal_law, number=264)
        ArticleVersionFactory(
            article=cls.theft,
            text="盗窃公私财物……",
            effective_from=dt.date(1997, 10, 1),
        )
        cls.fraud = ArticleFactory(law=cls.criminal_law, number=266)
        ArticleVersionFactory(
            article=cls.fraud,
            text="诈骗公私财物……",
            effective_from=dt.date(1997, 10, 1),
        )
        cls.violation = ArticleFactory(law=cls.security_law, number=49)
        ArticleVersionFactory(
            article=cls.violation,
            text="盗窃、诈骗……",
            effective_from=dt.date(2006, 3, 1),
        )

    def test_resolves_arabic_chinese_and_bracketed_forms(self):
        self.assertEqual(resolve_reference("刑法第264条"), self.theft)
        self.assertEqual(resolve_reference("刑法第二百六十四条"), self.theft)
        self.assertEqual(
            resolve_reference("《中华人民共和国刑法》第二百六十六条"), self.fraud
        )
        self.assertEqual(
            resolve_reference("《治安管理处罚法》第四十九条"), self.violation
        )
        self.assertEqual(resolve_reference("治安法第49条"), self.violation)

    def test_unknown_article_or_text_gives_none(self):
        self.assertIsNone(resolve_reference("刑法第999条"))
        self.assertIsNone(resolve_reference("无引用"))

    def test_on_date_before_the_article_existed_gives_none(self):
        self.assertIsNone(
            resolve_reference("治安管理处罚法第四十九条", on_date=dt.date(2000, 1, 1))
        )
        self.assertEqual(
            resolve_reference("治安管理处罚法第四十九条", on_date=dt.date(2010, 1, 1)),
            self.violation,
        )
