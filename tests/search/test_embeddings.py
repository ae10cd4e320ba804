"""The model-loading path (all-MiniLM-L6-v2 from its wheel), the content-hash cache and
the system checks about the model and the index."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from unittest import mock

from django.test import SimpleTestCase, override_settings

import numpy as np

from search import checks, embeddings
from search.embeddings import EmbeddingModelError, encode_documents, get_encoder

from .helpers import minilm_path


class EncoderTests(SimpleTestCase):
    def test_loads_a_sentence_transformers_folder_offline_and_normalises(self) -> None:
        encoder = get_encoder(minilm_path())
        vectors = encoder.encode(["theft of a bicycle", "drunk driving"])
        self.assertEqual(vectors.shape, (2, 384))
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)

    def test_cache_returns_the_same_vectors_without_encoding_again(self) -> None:
        folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, folder, True)
        encoder = get_encoder(minilm_path())
        first = encode_documents(encoder, ["盗窃电动车", "醉酒驾驶"], cache_dir=folder)
        with mock.patch.object(
            encoder, "encode", side_effect=AssertionError("encoded again")
        ):
            second = encode_documents(
                encoder, ["醉酒驾驶", "盗窃电动车"], cache_dir=folder
            )
        np.testing.assert_allclose(second, first[::-1])

    def test_missing_folder_is_a_clear_error(self) -> None:
        with self.assertRaisesMessage(
            EmbeddingModelError, "Models are never downloaded"
        ):
            embeddings.Encoder(Path("/nonexistent/model"))

    def test_folder_that_is_not_a_model_is_a_clear_error(self) -> None:
        folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, folder, True)
        with self.assertRaisesMessage(
            EmbeddingModelError, "is not a sentence-transformers model folder"
        ):
            embeddings.Encoder(folder)

    def test_fingerprint_ignores_mtimes(self) -> None:
        folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, folder, True)
        (folder / "modules.json").write_text("[]")
        before = embeddings.model_fingerprint(folder)
        (folder / "modules.json").touch()
        self.assertEqual(embeddings.model_fingerprint(folder), before)
        (folder / "modules.json").write_text("[ ]")
        self.assertNotEqual(embeddings.model_fingerprint(folder), before)


class ModelCheckTests(SimpleTestCase):
    @override_settings(SEARCH_EMBEDDING_MODEL="/nonexistent/model")
    def test_configured_model_missing_is_an_error(self) -> None:
        messages = checks.check_embedding_model()
        self.assertEqual([m.id for m in messages], ["search.E001"])
        self.assertIn("/nonexistent/model", messages[0].msg)

    @override_settings(SEARCH_EMBEDDING_MODEL="")
    def test_bundled_model_missing_is_a_warning(self) -> None:
        with mock.patch.object(
            embeddings, "DEFAULT_MODEL_DIR", Path("/nonexistent/bundled")
        ):
            messages = checks.check_embedding_model()
        self.assertEqual([m.id for m in messages], ["search.W001"])

    def test_loadable_model_passes_the_deploy_check(self) -> None:
        with override_settings(SEARCH_EMBEDDING_MODEL=str(minilm_path())):
            self.assertEqual(checks.check_embedding_model(deploy=True), [])
