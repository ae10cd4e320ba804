"""Search quality on the public development data, against BM25 in the same run.

Tasks (all data from ``../shared/data``, never from the product's tables):

- STARD: lay questions → statute articles over the 64k national articles (Recall@10/100, MRR).
- CAIL2018: case → charges and articles (micro/macro-F1). Cases of the ``train`` split are the
  precedents; a case's charges come from similarity-weighted votes of its nearest precedents;
  its articles from those votes plus direct retrieval over the Criminal Law articles.
- CAIL2019-SCM: is B closer to A than C? (accuracy).

Rankers: BM25 (bm25s) over jieba words and over character uni+bigrams, the dense model, and
weighted fusion of each BM25 with the dense model; each with and without ``focus_query`` on
case texts. Every weight and threshold is chosen on the ``dev`` split (``search.training.data_split``),
and the table reports the ``test`` split, which the shipped model never trained on.

    .venv/bin/python bench/search_quality.py [--model search/model] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform")]

from search.focus import focus_query  # noqa: E402
from search.training import (  # noqa: E402
    article_text,
    criminal_law_articles,
    data_split,
    load_articles,
    load_cail_cases,
    load_stard,
    read_jsonl,
    shared_data_dir,
)

KEYWORD_RANKERS = ("bm25_jieba", "bm25_char12")
WEIGHTS = [round(x, 2) for x in np.linspace(0, 1, 11)]


# --------------------------------------------------------------------------- tokenizers and rankers


def jieba_tokens(texts: Sequence[str]) -> list[list[str]]:
    import jieba

    jieba.setLogLevel(60)
    return [[w for w in jieba.lcut(t) if w.strip() and not _is_punct(w)] for t in texts]


def char_tokens(texts: Sequence[str]) -> list[list[str]]:
    out = []
    for t in texts:
        chars = [c for c in t if c.strip() and not _is_punct(c)]
        out.append(chars + [a + b for a, b in zip(chars, chars[1:], strict=False)])
    return out


def _is_punct(s: str) -> bool:
    return all(not ch.isalnum() for ch in s)


class BM25Ranker:
    def __init__(
        self, name: str, tokenize: Callable[[Sequence[str]], list[list[str]]]
    ) -> None:
        self.name, self.tokenize = name, tokenize

    def fit(self, docs: Sequence[str]) -> BM25Ranker:
        import bm25s

        self.bm25 = bm25s.BM25()
        self.bm25.index(self.tokenize(docs), show_progress=False)
        return self

    def scores(self, queries: Sequence[str]) -> np.ndarray:
        return np.stack(
            [self.bm25.get_scores(q) for q in self.tokenize(queries)]
        ).astype(np.float32)


class DenseRanker:
    name = "dense"

    def __init__(self, model) -> None:
        self.model = model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.encode(
            list(texts),
            batch_size=512,
            normalize_embeddings=True,
            convert_to_numpy=True,
        )

    def fit(self, docs: Sequence[str]) -> DenseRanker:
        started = time.perf_counter()
        self.docs = self.encode(docs)
        self.fit_seconds = time.perf_counter() - started
        return self

    def scores(self, queries: Sequence[str]) -> np.ndarray:
        return self.encode(queries) @ self.docs.T


def fuse(
    keyword: np.ndarray, dense: np.ndarray, weight: float, depth: int = 100
) -> np.ndarray:
    """Fuse per query as the product does (``search.fusion.fuse``, weighted method) over the
    top ``depth`` of each ranker; ``weight`` goes to the dense side. Unfused docs score -1."""
    from search.fusion import FusionConfig
    from search.fusion import fuse as product_fuse

    config = FusionConfig(
        method="weighted", keyword_weight=1 - weight, semantic_weight=weight
    )
    out = np.full(keyword.shape, -1.0, dtype=np.float32)
    depth = min(depth, keyword.shape[1])
    for i in range(keyword.shape[0]):
        kw = np.argpartition(-keyword[i], depth - 1)[:depth]
        dn = np.argpartition(-dense[i], depth - 1)[:depth]
        fused = product_fuse(
            sorted(((int(j), float(keyword[i, j])) for j in kw), key=lambda x: -x[1]),
            sorted(((int(j), float(dense[i, j])) for j in dn), key=lambda x: -x[1]),
            config=config,
        )
        for j, score in fused:
            out[i, j] = score
    return out


# --------------------------------------------------------------------------- metrics


def ranking_metrics(
    scores: np.ndarray, relevant: Sequence[set[int]]
) -> dict[str, float]:
    top = np.argsort(-scores, axis=1)[:, :100]
    r10, r100, mrr = [], [], []
    for row, rel in zip(top, relevant, strict=True):
        r10.append(len(set(row[:10].tolist()) & rel) / len(rel))
        r100.append(len(set(row.tolist()) & rel) / len(rel))
        rank = next((i for i, d in enumerate(row.tolist()) if d in rel), None)
        mrr.append(0.0 if rank is None else 1 / (rank + 1))
    return {
        "R@10": float(np.mean(r10)),
        "R@100": float(np.mean(r100)),
        "MRR": float(np.mean(mrr)),
    }


def f1_scores(gold: Sequence[set], pred: Sequence[set]) -> tuple[float, float]:
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    for g, p in zip(gold, pred, strict=True):
        for x in p & g:
            tp[x] += 1
        for x in p - g:
            fp[x] += 1
        for x in g - p:
            fn[x] += 1
    labels = set(tp) | set(fp) | set(fn)
    micro_p = sum(tp.values()) / max(1, sum(tp.values()) + sum(fp.values()))
    micro_r = sum(tp.values()) / max(1, sum(tp.values()) + sum(fn.values()))
    micro = 2 * micro_p * micro_r / max(1e-9, micro_p + micro_r)
    per = []
    for x in labels:
        p = tp[x] / max(1, tp[x] + fp[x])
        r = tp[x] / max(1, tp[x] + fn[x])
        per.append(2 * p * r / max(1e-9, p + r))
    return micro, float(np.mean(per)) if per else 0.0


# --------------------------------------------------------------------------- tasks


def knn_votes(sim: np.ndarray, labels: Sequence[Sequence], k: int = 10) -> list[dict]:
    """Similarity-weighted votes of the k nearest precedents, normalised to sum to 1."""
    votes = []
    top = np.argsort(-sim, axis=1)[:, :k]
    for i, row in enumerate(top):
        s = sim[i, row]
        w = np.exp((s - s.max()) * 10) if s.max() > 0 else np.ones_like(s)
        v: dict = defaultdict(float)
        for j, wj in zip(row, w, strict=True):
            for label in labels[j]:
                v[label] += float(wj)
        total = sum(w)
        votes.append({label: x / total for label, x in v.items()})
    return votes


def predict(votes: dict, threshold: float) -> set:
    if not votes:
        return set()
    best = max(votes.values())
    return {
        label for label, v in votes.items() if v >= threshold * best and v >= 0.25
    } or {max(votes, key=votes.get)}


def choose_weight(evaluate: Callable[[float], float]) -> float:
    return max(WEIGHTS, key=lambda w: (evaluate(w), -abs(w - 0.5)))


def run_stard(rankers: dict, articles: dict, rows_dev, rows_test) -> list[tuple]:
    ids = sorted(articles)
    index = {aid: i for i, aid in enumerate(ids)}
    docs = [article_text(articles[a]) for a in ids]
    fitted = {}
    for name, make in rankers.items():
        started = time.perf_counter()
        fitted[name] = make().fit(docs)
        print(
            f"  STARD: indexed {len(docs)} articles with {name} in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    out = []
    split_scores = {}
    for split, rows in (("dev", rows_dev), ("test", rows_test)):
        queries = [q for q, _ in rows]
        rel = [{index[a] for a in r if a in index} for _, r in rows]
        keep = [i for i, r in enumerate(rel) if r]
        queries, rel = [queries[i] for i in keep], [rel[i] for i in keep]
        split_scores[split] = (
            {name: r.scores(queries) for name, r in fitted.items()},
            rel,
        )
    dev_s, dev_rel = split_scores["dev"]
    test_s, test_rel = split_scores["test"]
    for name in fitted:
        out.append(("STARD", name, "-", ranking_metrics(test_s[name], test_rel)))
    if "dense" in fitted:
        for kw in KEYWORD_RANKERS:
            w = choose_weight(
                lambda w, kw=kw: ranking_metrics(
                    fuse(dev_s[kw], dev_s["dense"], w), dev_rel
                )["MRR"]
            )
            out.append(
                (
                    "STARD",
                    f"fusion {kw} w={w}",
                    "-",
                    ranking_metrics(fuse(test_s[kw], test_s["dense"], w), test_rel),
                )
            )
    return out


def run_cail(rankers: dict, train, dev, test, crim: dict[int, str]) -> list[tuple]:
    out = []
    numbers = sorted(crim)
    art_docs = [crim[n] for n in numbers]
    for focused in (False, True):
        prep = (lambda t: focus_query(t)) if focused else (lambda t: t)
        docs = [prep(c.fact) for c in train]
        sims = {}
        for name, make in rankers.items():
            case_r = make().fit(docs)
            art_r = make().fit(art_docs)
            sims[name] = {
                split: (
                    case_r.scores([prep(c.fact) for c in cases]),
                    art_r.scores([prep(c.fact) for c in cases]),
                )
                for split, cases in (("dev", dev), ("test", test))
            }
        # Fusion weight, vote thresholds and β are chosen on dev, then reported on test.
        variants = list(sims)
        labels = {name: name for name in sims}
        if "dense" in sims:
            for kw in KEYWORD_RANKERS:

                def fused(split: str, w: float, sims=sims, kw=kw):
                    kc, ka = sims[kw][split]
                    dc, da = sims["dense"][split]
                    return fuse(kc, dc, w), fuse(ka, da, w)

                def dev_charge_f1(w: float, fused=fused) -> float:
                    votes = knn_votes(fused("dev", w)[0], [c.charges for c in train])
                    return f1_scores(
                        [set(c.charges) for c in dev], [predict(v, 0.5) for v in votes]
                    )[0]

                w = choose_weight(dev_charge_f1)
                sims[f"fusion_{kw}"] = {
                    "dev": fused("dev", w),
                    "test": fused("test", w),
                }
                variants.append(f"fusion_{kw}")
                labels[f"fusion_{kw}"] = f"fusion {kw} w={w}"
        for name in variants:
            label = labels[name]
            thresholds = [0.3, 0.5, 0.7, 0.9]
            dev_case, dev_art = sims[name]["dev"]
            dev_votes = knn_votes(dev_case, [c.charges for c in train])
            t_charge = max(
                thresholds,
                key=lambda t: f1_scores(
                    [set(c.charges) for c in dev], [predict(v, t) for v in dev_votes]
                )[0],
            )

            def article_votes(case_sim, art_sim, beta):
                votes = knn_votes(case_sim, [c.articles for c in train])
                direct = knn_votes(art_sim, [[n] for n in numbers], k=3)
                merged = []
                for v, d in zip(votes, direct, strict=True):
                    m = defaultdict(float)
                    for key, x in v.items():
                        m[key] += (1 - beta) * x
                    for key, x in d.items():
                        m[key] += beta * x
                    merged.append(m)
                return merged

            grid = [(b, t) for b in (0.0, 0.2, 0.4, 0.6) for t in thresholds]
            beta, t_art = max(
                grid,
                key=lambda bt: f1_scores(
                    [set(c.articles) for c in dev],
                    [
                        predict(v, bt[1])
                        for v in article_votes(dev_case, dev_art, bt[0])
                    ],
                )[0],
            )
            test_case, test_art = sims[name]["test"]
            charge_pred = [
                predict(v, t_charge)
                for v in knn_votes(test_case, [c.charges for c in train])
            ]
            art_pred = [
                predict(v, t_art) for v in article_votes(test_case, test_art, beta)
            ]
            cmi, cma = f1_scores([set(c.charges) for c in test], charge_pred)
            ami, ama = f1_scores([set(c.articles) for c in test], art_pred)
            out.append(
                (
                    "CAIL2018",
                    f"{label} (art β={beta})",
                    "yes" if focused else "no",
                    {
                        "charge µF1": cmi,
                        "charge MF1": cma,
                        "article µF1": ami,
                        "article MF1": ama,
                    },
                )
            )
    return out


def run_scm(rankers: dict, triplets: list[dict]) -> list[tuple]:
    out = []
    dev = [t for t in triplets if data_split(t["A"], dev=0.5, test=0.5) == "dev"]
    test = [t for t in triplets if data_split(t["A"], dev=0.5, test=0.5) == "test"]
    for focused in (False, True):
        prep = (lambda t: focus_query(t)) if focused else (lambda t: t)

        def margins(name: str, make, rows, prep=prep):
            docs = [prep(t[k]) for t in rows for k in ("B", "C")]
            r = make().fit(docs)
            s = r.scores([prep(t["A"]) for t in rows])
            return s  # (n, 2n): row i scores B at 2i and C at 2i+1

        per = {
            name: {"dev": margins(name, make, dev), "test": margins(name, make, test)}
            for name, make in rankers.items()
        }

        def acc(s: np.ndarray) -> float:
            n = s.shape[0]
            return float(np.mean([s[i, 2 * i] > s[i, 2 * i + 1] for i in range(n)]))

        for name in per:
            out.append(
                (
                    "SCM",
                    name,
                    "yes" if focused else "no",
                    {"accuracy": acc(per[name]["test"])},
                )
            )
        if "dense" in per:
            for kw in KEYWORD_RANKERS:
                # Fuse over every candidate, so that B and C both take part.
                full = per[kw]["dev"].shape[1]
                w = choose_weight(
                    lambda w, per=per, kw=kw, full=full: acc(
                        fuse(per[kw]["dev"], per["dense"]["dev"], w, full)
                    )
                )
                out.append(
                    (
                        "SCM",
                        f"fusion {kw} w={w}",
                        "yes" if focused else "no",
                        {
                            "accuracy": acc(
                                fuse(
                                    per[kw]["test"],
                                    per["dense"]["test"],
                                    w,
                                    per[kw]["test"].shape[1],
                                )
                            )
                        },
                    )
                )
    return out


def print_table(rows: list[tuple]) -> None:
    print()
    print(f"{'task':<9} {'ranker':<36} {'focus':<5} metrics (test split)")
    for task, name, focused, metrics in rows:
        values = "  ".join(f"{k} {v:.3f}" for k, v in metrics.items())
        print(f"{task:<9} {name:<36} {focused:<5} {values}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        default=str(ROOT / "search" / "model"),
        help="sentence-transformers folder",
    )
    parser.add_argument(
        "--data", default=None, help="public data folder (default ../shared/data)"
    )
    parser.add_argument("--tasks", default="stard,cail,scm")
    parser.add_argument("--no-dense", action="store_true", help="BM25 only")
    args = parser.parse_args()
    data_dir = Path(args.data) if args.data else shared_data_dir()

    rankers: dict = {
        "bm25_jieba": lambda: BM25Ranker("bm25_jieba", jieba_tokens),
        "bm25_char12": lambda: BM25Ranker("bm25_char12", char_tokens),
    }
    if not args.no_dense:
        from sentence_transformers import SentenceTransformer

        started = time.perf_counter()
        model = SentenceTransformer(args.model, device="cpu")
        print(
            f"model {args.model} loaded in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        rankers["dense"] = lambda: DenseRanker(model)

    rows: list[tuple] = []
    tasks = args.tasks.split(",")
    articles = load_articles(data_dir)
    if "stard" in tasks:
        rows += run_stard(
            rankers, articles, load_stard(data_dir, "dev"), load_stard(data_dir, "test")
        )
        print_table(rows)
    if "cail" in tasks:
        rows += run_cail(
            rankers,
            load_cail_cases(data_dir, "train"),
            load_cail_cases(data_dir, "dev"),
            load_cail_cases(data_dir, "test"),
            criminal_law_articles(articles),
        )
        print_table(rows)
    if "scm" in tasks:
        triplets = list(
            read_jsonl(data_dir / "cail2019_scm" / "scm_stage1_sample_500.jsonl")
        )
        rows += run_scm(rankers, triplets)
    print_table(rows)


if __name__ == "__main__":
    main()
