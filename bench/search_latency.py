"""Search latency of the embedded backend at 10k and 100k cases.

Builds indexes of synthetic variations of the real CAIL2018 cases in ``../shared/data``
(names, amounts and dates changed, sentences reordered), then prints the index time and
p50/p95 query latency for keyword, semantic and hybrid search, without query encoding
(the query vector is given) and with it (the model encodes the query), plus the same
hybrid query through the HTTP API (``/api/v1/search``, Django test client, real auth
and unit scoping, in-memory SQLite). A naive substring scan over the same documents is
the baseline each line is compared with.

Document vectors come from the configured model when it encodes fast enough
(``--model``, default: SEARCH_EMBEDDING_MODEL or the shipped ``search/model``); with
``--random-vectors`` (or when no model is available) they are deterministic random unit
vectors of the model's width: the vector search costs the same, only the ranking is
meaningless.

    .venv/bin/python bench/search_latency.py [--sizes 10000 100000] [--queries 200]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
DATA = Path(os.environ.get("SHARED_DATA_DIR", ROOT / ".." / "shared" / "data"))

SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"


def load_facts() -> list[str]:
    with open(DATA / "cail2018" / "train.jsonl", encoding="utf-8") as f:
        return [json.loads(line)["fact"] for line in f if line.strip()]


def vary(fact: str, rng: random.Random) -> str:
    """Return a plausible variation of a real case: other names, amounts, dates, order."""
    text = re.sub(
        r"[\u4e00-\u9fff]某某?", lambda m: rng.choice(SURNAMES) + m.group(0)[1:], fact
    )
    text = re.sub(
        r"\d+(\.\d+)?",
        lambda m: str(max(1, int(float(m.group(0)) * rng.uniform(0.5, 1.8)))),
        text,
    )
    sentences = [s for s in re.split(r"(?<=[。；])", text) if s]
    if len(sentences) > 2:
        head, tail = sentences[0], sentences[1:]
        rng.shuffle(tail)
        sentences = [head, *tail]
    return "".join(sentences)


class RandomEncoder:
    """Deterministic random unit vectors (same text → same vector)."""

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self.fingerprint = f"random-{dimension}"

    def encode(self, texts, *, batch_size: int = 64):
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(
                hashlib.blake2b(text.encode(), digest_size=8).digest(), "little"
            )
            v = (
                np.random.default_rng(seed)
                .standard_normal(self.dimension)
                .astype(np.float32)
            )
            out[i] = v / np.linalg.norm(v)
        return out

    def encode_query(self, text: str):
        return self.encode([text])[0]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def line(name: str, ms: list[float], baseline_p50: float | None = None) -> None:
    p50, p95 = pct(ms, 0.5), pct(ms, 0.95)
    ratio = f"  {baseline_p50 / p50:6.1f}× faster than the scan" if baseline_p50 else ""
    print(f"  {name:<34} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--model", default=None, help="sentence-transformers folder for query encoding"
    )
    parser.add_argument(
        "--random-vectors",
        action="store_true",
        help="random document vectors (fast build)",
    )
    parser.add_argument(
        "--no-api", action="store_true", help="skip the API measurement"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from search import embeddings
    from search.backends.base import SearchDocument, SearchQuery
    from search.backends.embedded import EmbeddedSearchBackend

    model_path = Path(args.model) if args.model else embeddings.configured_model_path()
    encoder = None
    try:
        encoder = embeddings.get_encoder(model_path)
    except embeddings.EmbeddingModelError:
        from tests.search.helpers import minilm_path

        model_path = minilm_path()
        encoder = embeddings.get_encoder(model_path)
        print(f"(configured model missing: queries encoded with {model_path.name})")
    t = time.perf_counter()
    encoder.encode([f"样本{i}" for i in range(64)])
    docs_per_s = 64 / (time.perf_counter() - t)
    use_random = args.random_vectors or docs_per_s < 500
    doc_encoder = RandomEncoder(encoder.dimension) if use_random else encoder
    print(
        f"model {model_path}: {encoder.dimension} dims, ~{docs_per_s:.0f} docs/s on this machine"
    )
    print(
        f"document vectors: {'deterministic random (the model is too slow to encode 100k here)' if use_random else 'the model'}"
    )

    facts = load_facts()
    rng = random.Random(2026)
    queries = [
        vary(f, random.Random(i + 99))[:300]
        for i, f in enumerate(rng.sample(facts, args.queries))
    ]
    q_vectors = doc_encoder.encode(queries) if use_random else encoder.encode(queries)

    for size in args.sizes:
        rng = random.Random(size)
        docs = [
            SearchDocument(
                doc_type="case",
                id=str(i),
                title=f"案例{i}",
                body=vary(facts[i % len(facts)], rng) if i >= len(facts) else facts[i],
                filters={"year": 2015 + i % 10, "case_kind": "criminal"},
                restricted=i % 50 == 0,
                allowed_units=[1] if i % 50 == 0 else [],
            )
            for i in range(size)
        ]
        folder = Path(tempfile.mkdtemp(prefix=f"bench-search-{size}-"))
        backend = EmbeddedSearchBackend(
            {
                "PATH": folder,
                "ENCODER": doc_encoder,
                "EMBEDDING_CACHE": folder / "cache",
            }
        )
        print(f"\n{size:,} cases")
        t = time.perf_counter()
        backend.rebuild("case", docs)
        build_s = time.perf_counter() - t
        print(
            f"  index build {build_s:7.1f} s ({size / build_s:,.0f} docs/s, tokenize + BM25 + vectors + fsync)"
        )
        t = time.perf_counter()
        backend.search(SearchQuery(text="盗窃", doc_types=["case"], mode="keyword"))
        print(
            f"  first query (loads the segment)  {1000 * (time.perf_counter() - t):7.1f} ms"
        )

        bodies = [d.body for d in docs]
        scan = []
        for q in queries[:20]:
            needle = q[:4]
            t = time.perf_counter()
            _ = [i for i, b in enumerate(bodies) if needle in b][:10]
            scan.append(1000 * (time.perf_counter() - t))
        base = pct(scan, 0.5)
        line("baseline: substring scan", scan)

        scope = frozenset({7})
        for mode in ("keyword", "semantic", "hybrid"):
            ms = []
            for q, v in zip(queries, q_vectors, strict=True):
                t = time.perf_counter()
                backend.search(
                    SearchQuery(
                        text=q,
                        doc_types=["case"],
                        mode=mode,
                        vector=None if mode == "keyword" else v,
                        viewer_units=scope,
                        limit=10,
                    )
                )
                ms.append(1000 * (time.perf_counter() - t))
            line(f"{mode} (no encoding)", ms, base)
        if not use_random:
            ms = []
            for q in queries:
                t = time.perf_counter()
                backend.search(
                    SearchQuery(
                        text=q,
                        doc_types=["case"],
                        mode="hybrid",
                        viewer_units=scope,
                        limit=10,
                    )
                )
                ms.append(1000 * (time.perf_counter() - t))
            line("hybrid (with encoding)", ms, base)
        else:
            enc = []
            for q in queries[:50]:
                t = time.perf_counter()
                encoder.encode_query(q)
                enc.append(1000 * (time.perf_counter() - t))
            line(f"query encoding alone ({model_path.name})", enc)
        facets = []
        for q, v in zip(queries[:50], q_vectors[:50], strict=True):
            t = time.perf_counter()
            backend.search(
                SearchQuery(
                    text=q,
                    doc_types=["case"],
                    mode="hybrid",
                    vector=v,
                    viewer_units=scope,
                    limit=10,
                    facets=["year", "case_kind"],
                    filters={"year": [2018, 2019, 2020]},
                )
            )
            facets.append(1000 * (time.perf_counter() - t))
        line("hybrid + filters + facets", facets, base)
        if not args.no_api and size == args.sizes[-1]:
            api_latency(folder, doc_encoder, queries[:50])
        shutil.rmtree(folder, ignore_errors=True)


def api_latency(folder: Path, doc_encoder, queries: list[str]) -> None:
    """Time GET /api/v1/search through Django (auth, scoping, serialisation)."""
    from django.test.utils import (
        override_settings,
        setup_databases,
        setup_test_environment,
    )

    from rest_framework.test import APIClient

    from search.backends import reset_backends

    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    from accounts.models import Unit, User

    unit = Unit.add_root(code="B1", name="基准单位")
    user = User.objects.create_user(username="bench", password="x", unit=unit)  # noqa: S106
    client = APIClient()
    client.force_authenticate(user)
    with override_settings(
        SEARCH_BACKENDS={
            "default": {
                "BACKEND": "search.backends.embedded.EmbeddedSearchBackend",
                "PATH": folder,
                "ENCODER": doc_encoder,
            }
        },
        ALLOWED_HOSTS=["*"],
    ):
        reset_backends()
        client.get("/api/v1/search", {"q": "盗窃", "type": "case"})
        ms = []
        for q in queries:
            t = time.perf_counter()
            response = client.get(
                "/api/v1/search", {"q": q[:200], "type": "case", "limit": 10}
            )
            ms.append(1000 * (time.perf_counter() - t))
            if response.status_code != 200:
                raise SystemExit(
                    f"API error {response.status_code}: {response.content[:200]!r}"
                )
    line("API GET /api/v1/search (hybrid)", ms)
    _ = old


if __name__ == "__main__":
    main()
