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

``--articles`` measures instead the index build of the 64,670 national statute articles
(``laws/national_articles.jsonl``): tokenization before (the Python jieba, each text
normalised and segmented per field as the first version did) and after (``search.text``:
rjieba, each text once) on the same documents, CPU seconds; the whole build with the
model (tokenize + encode + BM25 + write); and BM25 quality (STARD questions → articles,
Recall@10/100 and MRR on the dev and test splits) of an index built with each segmenter
in the same run, through the embedded backend's keyword mode.

    .venv/bin/python bench/search_latency.py --articles [--limit N]
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


def timed_searches(backend, queries) -> tuple[list[float], list[float]]:
    """Run each SearchQuery once; return wall-clock and CPU milliseconds per query."""
    ms, cpu = [], []
    for query in queries:
        t, c = time.perf_counter(), time.process_time()
        backend.search(query)
        ms.append(1000 * (time.perf_counter() - t))
        cpu.append(1000 * (time.process_time() - c))
    return ms, cpu


def line(
    name: str,
    ms: list[float],
    baseline_p50: float | None = None,
    cpu: list[float] | None = None,
) -> None:
    """Print wall-clock p50/p95 (and CPU p50/p95 of this process, which a busy shared
    machine disturbs far less than the wall clock)."""
    p50, p95 = pct(ms, 0.5), pct(ms, 0.95)
    ratio = f"  {baseline_p50 / p50:6.1f}× faster than the scan" if baseline_p50 else ""
    cpu_part = (
        f"   CPU p50 {pct(cpu, 0.5):6.2f} p95 {pct(cpu, 0.95):6.2f}" if cpu else ""
    )
    print(f"  {name:<34} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms{cpu_part}{ratio}")


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
    parser.add_argument(
        "--articles",
        action="store_true",
        help="statute-article index build and BM25 quality, before/after (see above)",
    )
    parser.add_argument(
        "--limit", type=int, default=0, help="--articles: only the first N articles"
    )
    args = parser.parse_args()
    if args.articles:
        import django

        django.setup()
        articles_build(args)
        return

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
        t, c = time.perf_counter(), time.process_time()
        backend.rebuild("case", docs)
        build_s, build_cpu = time.perf_counter() - t, time.process_time() - c
        print(
            f"  index build {build_s:7.1f} s ({size / build_s:,.0f} docs/s, tokenize + BM25 + vectors + fsync);"
            f" {build_cpu:.1f} s CPU ({size / build_cpu:,.0f} docs/s of CPU; load average {os.getloadavg()[0]:.1f})"
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
            ms, cpu = timed_searches(
                backend,
                (
                    SearchQuery(
                        text=q,
                        doc_types=["case"],
                        mode=mode,
                        vector=None if mode == "keyword" else v,
                        viewer_units=scope,
                        limit=10,
                    )
                    for q, v in zip(queries, q_vectors, strict=True)
                ),
            )
            line(f"{mode} (no encoding)", ms, base, cpu)
        if not use_random:
            ms, cpu = timed_searches(
                backend,
                (
                    SearchQuery(
                        text=q,
                        doc_types=["case"],
                        mode="hybrid",
                        viewer_units=scope,
                        limit=10,
                    )
                    for q in queries
                ),
            )
            line("hybrid (with encoding)", ms, base, cpu)
        else:
            enc = []
            for q in queries[:50]:
                t = time.perf_counter()
                encoder.encode_query(q)
                enc.append(1000 * (time.perf_counter() - t))
            line(f"query encoding alone ({model_path.name})", enc)
        facets, cpu = timed_searches(
            backend,
            (
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
                for q, v in zip(queries[:50], q_vectors[:50], strict=True)
            ),
        )
        line("hybrid + filters + facets", facets, base, cpu)
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


def legacy_tokenizer():
    """The first version's document tokenization (kept here as the baseline): the Python
    jieba without HMM, ``title + title + body`` normalised twice and segmented whole."""
    import jieba

    from search import text

    jieba.setLogLevel(60)
    tok = jieba.Tokenizer()
    tok.initialize()
    for word in text.legal_dictionary():
        tok.add_word(word, freq=20000)

    def words(s: str) -> list[str]:
        s = text.normalize(s)
        return [
            w.strip()
            for w in tok.cut(s, HMM=False)
            if w.strip()
            and w.strip() not in text.STOPWORDS
            and text._WORD_OK.search(w.strip())
        ]

    def tokenize(title: str, body: str) -> list[str]:
        s = f"{title}\n{title}\n{body}"
        out = words(s)
        seen = set(out)
        for run in text._CJK_RUN.findall(text.normalize(s)):
            out.extend(
                b
                for b in (run[i : i + 2] for i in range(len(run) - 1))
                if b not in seen
            )
        return out

    return tokenize


def use_segmenter(name: str) -> None:
    from django.conf import settings

    from search import text

    settings.SEARCH_SEGMENTER = name
    text.reset_tokenizer()
    text._get_tokenizer()


def articles_build(args) -> None:
    from collections import Counter

    from search import embeddings, text
    from search.backends.base import SearchDocument, SearchQuery
    from search.backends.embedded import EmbeddedSearchBackend
    from search.training import data_split

    with open(DATA / "laws" / "national_articles.jsonl", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    if args.limit:
        rows = rows[: args.limit]
    docs = [
        SearchDocument(
            doc_type="article",
            id=r["id"],
            title=f"{r['law'].removeprefix('中华人民共和国')}{r['label']}",
            body=r["text"],
            source_id=r["id"],
            semantic_text=f"{r['law']} {' '.join(r.get('path') or [])} {r['label']} {r['text']}",
            filters={"law": [r["law"]]},
        )
        for r in rows
    ]
    n = len(docs)
    print(
        f"{n:,} statute articles, {sum(len(d.body) for d in docs) / n:.0f} characters each on average"
    )
    cpu = time.process_time

    # 1. Tokenization alone, same documents, CPU time.
    legacy = legacy_tokenizer()
    sample = docs[: min(n, 10_000)]
    t = cpu()
    before = [legacy(d.title, d.body) for d in sample]
    legacy_s = cpu() - t
    from django.conf import settings

    use_segmenter("")  # the default: rjieba when installed
    segmenter = text.current_segmenter()
    t = cpu()
    after = [text.tokenize_document(d.title, d.body) for d in sample]
    new_s = cpu() - t
    same = sum(Counter(a) == Counter(b) for a, b in zip(before, after, strict=True))
    print(f"\ntokenization, {len(sample):,} articles, CPU seconds:")
    print(
        f"  before (jieba, per field twice)   {legacy_s:6.2f} s  {len(sample) / legacy_s:8,.0f} docs/s"
    )
    print(
        f"  after ({segmenter}, once per text)  {new_s:6.2f} s  {len(sample) / new_s:8,.0f} docs/s"
        f"  {legacy_s / new_s:5.1f}× less CPU; same tokens for {same / len(sample):.1%} of the articles"
    )

    # 2. The whole build with the model, as rebuild_search_index runs it.
    encoder = embeddings.get_encoder_or_none()
    folder = Path(tempfile.mkdtemp(prefix="bench-articles-"))
    try:
        backend = EmbeddedSearchBackend(
            {
                "PATH": folder / "model",
                "ENCODER": encoder,
                "SEMANTIC": encoder is not None,
            }
        )
        t, w = cpu(), time.perf_counter()
        backend.rebuild("article", docs)
        wall, used = time.perf_counter() - w, cpu() - t
        label = encoder.fingerprint[:12] if encoder else "no model"
        print(
            f"\nfull build ({segmenter} + model {label} + BM25 + write): {wall:6.1f} s wall,"
            f" {used:6.1f} s CPU: {n / wall:,.0f} docs/s wall, {n / used:,.0f} docs/s CPU"
            f" (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )

        # 3. BM25 quality of each segmenter's index, same run.
        with open(
            DATA / "stard" / "train_qrels_lawrefbook.jsonl", encoding="utf-8"
        ) as f:
            stard = [json.loads(line) for line in f if line.strip()]
        ids = {d.id for d in docs}
        splits: dict[str, list[tuple[str, set[str]]]] = {"dev": [], "test": []}
        for row in stard:
            query = row["query"].strip()
            rel = {
                r["article_id"] for r in row["relevant"] if r.get("article_id") in ids
            }
            split = data_split(query)
            if rel and split in splits:
                splits[split].append((query, rel))
        print(
            "\nBM25 (keyword mode of the embedded backend), STARD questions → articles:"
        )
        for name in (segmenter, "jieba") if segmenter != "jieba" else ("jieba",):
            use_segmenter(name)
            kw = EmbeddedSearchBackend({"PATH": folder / name, "SEMANTIC": False})
            t = cpu()
            kw.rebuild("article", docs)
            build = cpu() - t
            for split, items in splits.items():
                r10 = r100 = mrr = 0.0
                for query, rel in items:
                    hits = kw.search(
                        SearchQuery(
                            text=query,
                            doc_types=["article"],
                            mode="keyword",
                            limit=100,
                            highlight=False,
                        )
                    ).hits
                    ranked = [h.id for h in hits]
                    r10 += len(rel & set(ranked[:10])) / len(rel)
                    r100 += len(rel & set(ranked)) / len(rel)
                    mrr += next(
                        (1 / (i + 1) for i, h in enumerate(ranked) if h in rel), 0.0
                    )
                k = len(items)
                print(
                    f"  {name:<7} {split:<4} n={k:<4} R@10 {r10 / k:.3f}  R@100 {r100 / k:.3f}  MRR {mrr / k:.3f}"
                    f"   (keyword-only build {build:5.1f} s CPU)"
                )
        settings.SEARCH_SEGMENTER = ""
        text.reset_tokenizer()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
