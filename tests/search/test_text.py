"""Tokenization, normalisation, fusion and snippets."""

from __future__ import annotations

from django.test import SimpleTestCase, override_settings

from search import fusion, highlight, text


class TextTests(SimpleTestCase):
    def test_full_width_forms_are_folded(self) -> None:
        self.assertEqual(text.normalize("ＡＢＣ　１２３"), "abc 123")

    def test_legal_terms_stay_whole_and_bigrams_are_added(self) -> None:
        tokens = text.tokenize("被告人醉酒驾驶机动车")
        self.assertIn("醉酒驾驶", tokens)
        self.assertIn("被告人", tokens)
        self.assertIn("驾驶", tokens)  # a bigram
        self.assertNotIn("的", text.tokenize("他的车"))

    def test_salient_terms_skip_single_characters(self) -> None:
        self.assertEqual(
            text.salient_terms("嫌疑人秘密窃取了手机"), ["嫌疑人", "秘密窃取", "手机"]
        )


class FusionTests(SimpleTestCase):
    def test_rrf_rewards_agreement(self) -> None:
        scores = fusion.rrf([["a", "b", "c"], ["b", "a", "d"]], k=60)
        self.assertGreater(scores["a"], scores["c"])
        self.assertAlmostEqual(scores["a"], scores["b"])

    @override_settings(
        SEARCH_FUSION={
            "METHOD": "weighted",
            "KEYWORD_WEIGHT": 0.0,
            "SEMANTIC_WEIGHT": 1.0,
        }
    )
    def test_weighted_fusion_follows_the_weights(self) -> None:
        fused = fusion.fuse([("a", 9.0), ("b", 1.0)], [("b", 0.9), ("a", 0.1)])
        self.assertEqual(fused[0][0], "b")

    @override_settings(SEARCH_FUSION={"METHOD": "magic"})
    def test_unknown_method_is_a_clear_error(self) -> None:
        with self.assertRaisesMessage(ValueError, "Unknown fusion method 'magic'"):
            fusion.fusion_config()


class SnippetTests(SimpleTestCase):
    def test_window_with_the_most_matches_is_chosen(self) -> None:
        body = "甲" * 300 + "被告人醉酒驾驶机动车" + "乙" * 300
        out = highlight.snippet(body, "醉酒驾驶")
        self.assertIn("<mark>醉酒驾驶</mark>", out)
        self.assertTrue(out.startswith("…"))

    def test_no_match_gives_the_start(self) -> None:
        self.assertEqual(highlight.snippet("<b>x</b>", "无关"), "&lt;b&gt;x&lt;/b&gt;")


LEGAL_SAMPLES = [
    "被告人张某于2019年3月5日23时许，在某市某区某小区内，趁无人之机秘密窃取被害人李某停放的电动自行车一辆，价值人民币2,300元。",
    "犯罪嫌疑人王某某醉酒驾驶机动车，经鉴定血液酒精含量为156mg/100ml，属醉酒驾驶。",
    "以非法占有为目的，虚构事实、隐瞒真相，骗取他人财物，数额较大的，处三年以下有期徒刑。",
    "第二百六十四条 盗窃公私财物，数额较大的，或者多次盗窃、入户盗窃、携带凶器盗窃、扒窃的。",
]


class SegmenterTests(SimpleTestCase):
    def tearDown(self) -> None:
        text.reset_tokenizer()

    def test_document_tokens_equal_the_whole_text_tokens(self) -> None:
        # The title is segmented once and counted twice: the same bag of tokens as
        # tokenizing "title title body" in one go.
        from collections import Counter

        title = "刑法第二百六十四条"
        for body in LEGAL_SAMPLES:
            self.assertEqual(
                Counter(text.tokenize_document(title, body)),
                Counter(text.tokenize(f"{title}\n{title}\n{body}")),
            )
            title_tokens, body_tokens = text.tokenize_fields(title, body)
            self.assertEqual(title_tokens, text.tokenize(title))
            self.assertEqual(body_tokens, text.tokenize(body))

    def test_rjieba_and_jieba_segment_legal_text_alike(self) -> None:
        import importlib.util

        if importlib.util.find_spec("rjieba") is None:
            self.skipTest("rjieba is not installed")
        tokens = {}
        for name in ("rjieba", "jieba"):
            with self.settings(SEARCH_SEGMENTER=name):
                text.reset_tokenizer()
                self.assertEqual(text.current_segmenter(), name)
                tokens[name] = [text.tokenize(s) for s in LEGAL_SAMPLES]
                # The legal dictionary reaches both engines.
                self.assertIn("醉酒驾驶", text.words(LEGAL_SAMPLES[1]))
                self.assertIn("非法占有为目的", text.words(LEGAL_SAMPLES[2]))
        self.assertEqual(tokens["rjieba"], tokens["jieba"])

    def test_rjieba_is_the_default_when_installed(self) -> None:
        import importlib.util

        expected = "rjieba" if importlib.util.find_spec("rjieba") else "jieba"
        with self.settings(SEARCH_SEGMENTER=""):
            text.reset_tokenizer()
            self.assertEqual(text.current_segmenter(), expected)

    def test_unknown_segmenter_is_a_clear_error(self) -> None:
        with self.settings(SEARCH_SEGMENTER="thulac"):
            text.reset_tokenizer()
            with self.assertRaisesMessage(
                ValueError, "SEARCH_SEGMENTER must be one of"
            ):
                text.tokenize("盗窃")

    def test_punctuation_stopwords_and_spaces_are_dropped(self) -> None:
        words = text.words("他 的  手机，被（盗）了！ ABC-123")
        self.assertEqual(words, ["手机", "盗", "abc", "123"])
