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
