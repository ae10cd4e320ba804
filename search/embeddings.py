"""Sentence embeddings through sentence-transformers, offline only.

The model is ``settings.SEARCH_EMBEDDING_MODEL`` (the path of any sentence-transformers
folder) or, when that is empty, the folder the project ships (``DEFAULT_MODEL_DIR``).
Nothing is ever downloaded: a missing folder raises :class:`EmbeddingModelError` with
what to do. Vectors are L2-normalised float32, so a dot product is the cosine.

Encoded documents are cached by content hash in a SQLite file next to the index
(``<index dir>/embedding-cache.sqlite3``), one table per model fingerprint, so a rebuild
re-encodes only what changed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

import numpy as np

logger = logging.getLogger(__name__)

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "model"
BATCH_SIZE = 64

MODEL_MISSING = (
    "The search embedding model folder {path} does not exist. Set SEARCH_EMBEDDING_MODEL to "
    "the path of a sentence-transformers model folder copied onto this server, or train the "
    "bundled model with `manage.py train_embedder`. Models are never downloaded."
)
MODEL_NOT_ST = (
    "{path} is not a sentence-transformers model folder (no modules.json or "
    "config_sentence_transformers.json)."
)
MODEL_LOAD_FAILED = "The search embedding model at {path} could not be loaded: {error}"


class EmbeddingModelError(ImproperlyConfigured):
    """The configured embedding model is missing or cannot be loaded."""


def configured_model_path() -> Path:
    """Return the model folder from settings (the shipped default when unset)."""
    value = getattr(settings, "SEARCH_EMBEDDING_MODEL", None)
    return Path(value) if value else DEFAULT_MODEL_DIR


def model_is_explicit() -> bool:
    """Return True when a deployment named a model (so a missing one is an error)."""
    return bool(getattr(settings, "SEARCH_EMBEDDING_MODEL", None))


def validate_model_folder(path: Path) -> None:
    """Raise EmbeddingModelError unless ``path`` looks like a sentence-transformers folder."""
    if not path.is_dir():
        raise EmbeddingModelError(MODEL_MISSING.format(path=path))
    if not (
        (path / "modules.json").exists()
        or (path / "config_sentence_transformers.json").exists()
    ):
        raise EmbeddingModelError(MODEL_NOT_ST.format(path=path))


def model_fingerprint(path: Path) -> str:
    """Return a short hash naming this model's contents (file names, sizes and the first
    megabyte of each file), stable across copies and checkouts."""
    digest = hashlib.sha256()
    for file in sorted(
        p for p in path.rglob("*") if p.is_file() and ".git" not in p.parts
    ):
        digest.update(f"{file.relative_to(path)}:{file.stat().st_size}".encode())
        with open(file, "rb") as f:
            digest.update(f.read(1 << 20))
    return digest.hexdigest()[:16]


class Encoder:
    """A loaded sentence-transformers model."""

    def __init__(self, path: Path) -> None:
        validate_model_folder(path)
        # Never reach for the hub, whatever the environment says.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer

            self.model = SentenceTransformer(
                str(path), device="cpu", local_files_only=True
            )
        except Exception as e:
            raise EmbeddingModelError(
                MODEL_LOAD_FAILED.format(path=path, error=e)
            ) from e
        self.path = path
        self.fingerprint = model_fingerprint(path)
        self.dimension = int(
            self.model.get_embedding_dimension() or len(self.encode(["x"])[0])
        )

    def encode(
        self, texts: Sequence[str], *, batch_size: int = BATCH_SIZE
    ) -> np.ndarray:
        """Return an (n, dim) float32 array of normalised vectors."""
        if not texts:
            return np.zeros((0, getattr(self, "dimension", 0)), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """Return one normalised query vector."""
        vector: np.ndarray = self.encode([text])[0]
        return vector


_encoders: dict[str, Encoder] = {}
_failures: dict[str, EmbeddingModelError] = {}
_lock = threading.Lock()


def get_encoder(path: Path | None = None) -> Encoder:
    """Return the encoder for ``path`` (the configured model by default), loaded once per
    process. Raise EmbeddingModelError when it cannot load."""
    path = Path(path) if path else configured_model_path()
    key = str(path)
    if key in _encoders:
        return _encoders[key]
    with _lock:
        if key not in _encoders:
            _encoders[key] = Encoder(path)
    return _encoders[key]


def get_encoder_or_none(path: Path | None = None) -> Encoder | None:
    """Return the encoder, or None (logged once) when the model cannot load: search then
    runs on keywords only and the system check says why."""
    key = str(path or configured_model_path())
    if key in _failures:
        return None
    try:
        return get_encoder(path)
    except EmbeddingModelError as e:
        _failures[key] = e
        logger.warning("semantic search disabled: %s", e)
        return None


def forget_encoders() -> None:
    """Drop loaded models and remembered failures (tests, after a model swap)."""
    with _lock:
        _encoders.clear()
        _failures.clear()


def content_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


class EmbeddingCache:
    """Vectors by content hash, in SQLite (safe across processes)."""

    def __init__(self, directory: Path, fingerprint: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "embedding-cache.sqlite3"
        self.table = f"v_{fingerprint}"

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            f'CREATE TABLE IF NOT EXISTS "{self.table}" (h TEXT PRIMARY KEY, v BLOB)'
        )
        return conn

    def get_many(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._connect() as conn:
            for start in range(0, len(hashes), 500):
                chunk = list(hashes[start : start + 500])
                marks = ",".join("?" * len(chunk))
                query = f'SELECT h, v FROM "{self.table}" WHERE h IN ({marks})'  # noqa: S608 - table name is a hex digest
                for h, blob in conn.execute(query, chunk):
                    found[h] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._connect() as conn:
            conn.executemany(
                f'INSERT OR REPLACE INTO "{self.table}" (h, v) VALUES (?, ?)',  # noqa: S608
                [
                    (h, np.asarray(v, dtype=np.float32).tobytes())
                    for h, v in items.items()
                ],
            )


def encode_documents(
    encoder: Encoder, texts: Sequence[str], *, cache_dir: Path | None = None
) -> np.ndarray:
    """Return vectors for ``texts``, reusing cached ones when ``cache_dir`` is given."""
    if cache_dir is None or not texts:
        return encoder.encode(texts)
    cache = EmbeddingCache(cache_dir, encoder.fingerprint)
    hashes = [content_hash(t) for t in texts]
    found = cache.get_many(sorted(set(hashes)))
    missing = sorted(
        {h: t for h, t in zip(hashes, texts, strict=True) if h not in found}.items()
    )
    if missing:
        fresh = encoder.encode([t for _, t in missing])
        new = {h: fresh[i] for i, (h, _) in enumerate(missing)}
        cache.put_many(new)
        found.update(new)
    return np.stack([found[h] for h in hashes]).astype(np.float32)
