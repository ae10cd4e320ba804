"""A fresh embedded index per test, with the small real model, for tests that index."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.test import override_settings

from search.backends import reset_backends

from .helpers import minilm_path

# Shared by every test: a text encoded once is never encoded again.
EMBEDDING_CACHE = Path(tempfile.mkdtemp(prefix="search-embcache-"))


def index_settings(index_dir: Path) -> override_settings:
    return override_settings(
        SEARCH_BACKENDS={
            "default": {
                "BACKEND": "search.backends.embedded.EmbeddedSearchBackend",
                "PATH": index_dir,
                "EMBEDDING_CACHE": EMBEDDING_CACHE,
            }
        },
        SEARCH_EMBEDDING_MODEL=str(minilm_path()),
    )


class TempIndexMixin:
    """Point the default backend at a fresh folder and the model at all-MiniLM-L6-v2."""

    def setUp(self) -> None:
        index_dir = Path(tempfile.mkdtemp(prefix="search-index-"))
        override = index_settings(index_dir)
        override.enable()
        reset_backends()
        self.addCleanup(shutil.rmtree, index_dir, True)
        self.addCleanup(reset_backends)
        self.addCleanup(override.disable)
        super().setUp()


class ClassIndexMixin:
    """One index folder for the whole class: build it in ``setUpTestData`` (whose rows
    live as long as the class) with ``rebuild_all()``."""

    @classmethod
    def setUpClass(cls) -> None:
        cls._index_dir = Path(tempfile.mkdtemp(prefix="search-index-"))
        cls._index_override = index_settings(cls._index_dir)
        cls._index_override.enable()
        reset_backends()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls._index_override.disable()
        reset_backends()
        shutil.rmtree(cls._index_dir, ignore_errors=True)

    @classmethod
    def rebuild_all(cls) -> None:
        from search import index
        from search.services import index_rebuild

        for doc_type in index.doc_types():
            index_rebuild(doc_type=doc_type)
