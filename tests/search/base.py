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
