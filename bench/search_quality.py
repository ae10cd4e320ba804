"""Search quality on the public development data, against BM25 in the same run.

``--tasks dev`` (the default): lecard_dev, CAIL dev, STARD dev and the element set through
the shipped pipeline (``link_case``, ``search_documents``), beside char-BM25 in the same run;
see ``bench/_dev_pipeline.py``. The component tasks below need no database.

Tasks (all data from ``../shared/data``, never from the product's tables):

- PROXY: a development stand-in for the judged case-retrieval benchmark: a held-out CAIL2018
  case's facts → 34 candidate cases of the same split (up to 8 with the same charges, articles
  and a similar prison term: grade 3; 10 with the same charges: 2; 8 sharing a charge or the
  Criminal Law section: 1; the rest unrelated: 0), NDCG@10 and @30, random order in the same run.
- STARD: lay questions → statute articles over the 64k national articles (Recall@10/100, MRR).
- CAIL2018: case → charges and articles (micro/macro-F1). Cases of the ``train`` split are the
  precedents; a case's charges come from similarity-weighted votes of its nearest precedents;
  its articles from those votes plus direct retrieval over the Criminal Law articles.
- CAIL2019-SCM: is B closer to A than C? (accuracy; never trained on, half dev, half test).

Rankers: BM25 (bm25s) over jieba words and over character uni+bigrams, the dense model, and
weighted fusion of each BM25 with the dense model; each with and without ``focus_query`` on
case texts. Every weight and threshold is chosen on the ``dev`` split (``search.training.data_split``),
and the table reports the ``test`` split, which the shipped model never trained on.

    .venv/bin/python bench/search_quality.py [--model search/model] [--tasks proxy,stard,cail,scm]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform"), str(ROOT / "bench")]

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
DEV_TASKS = {"lecard", "cail_dev", "stard_dev", "elements"}
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


# --------------------------------------------------------------------------- case → case proxy

PROXY_MIX = {3: 8, 2: 10, 1: 8}  # per query, at most this many candidates of each grade
PROXY_MIN_GRADE3 = (
    3  # a query needs this many same-charge-and-article cases in its split
)
PROXY_CANDIDATES = 34


def article_groups(articles: dict) -> dict[int, str]:
    """Criminal Law article number → its section (节) or, without sections, its chapter."""
    groups = {}
    for art in articles.values():
        if art.get("file") == "刑法/刑法.md" and art.get("path"):
            groups[int(art["article_no"])] = art["path"][-1]
    return groups


def similar_severity(a: int | None, b: int | None) -> bool:
    """Prison terms within a factor of two (months + 1): the circumstances weigh alike."""
    if a is None or b is None:
        return False
    return abs(np.log2((a + 1) / (b + 1))) <= 1


def proxy_grade(q, c, groups: dict[int, str]) -> int:
    """Graded relevance of precedent ``c`` to query ``q``, the way the judged benchmark grades
    key elements and key circumstances: 3 same charges and articles and a similar prison term
    (the circumstances: amounts, injuries), 2 same charges, 1 a shared charge or the same
    Criminal Law section (related charge), 0 unrelated."""
    if q.charges == c.charges:
        if q.articles == c.articles and similar_severity(q.months, c.months):
            return 3
        return 2
    if set(q.charges) & set(c.charges):
        return 1
    gq = {groups[a] for a in q.articles if a in groups}
    gc = {groups[a] for a in c.articles if a in groups}
    return 1 if gq & gc else 0


def proxy_queries(
    cases, groups: dict[int, str], seed: int = 0
) -> list[tuple[int, list[int], list[int]]]:
    """Return (query index, candidate indices, grades) drawn within ``cases`` like the judged
    benchmark: up to 8 of grade 3, 10 of grade 2, 8 of grade 1, the rest unrelated (34 in all).
    Only queries with at least ``PROXY_MIN_GRADE3`` grade-3 cases in the split are kept. Seeded by the query's text."""
    import random

    out = []
    for i, q in enumerate(cases):
        by_grade: dict[int, list[int]] = defaultdict(list)
        for j, c in enumerate(cases):
            if j != i and c.fact != q.fact:
                by_grade[proxy_grade(q, c, groups)].append(j)
        if len(by_grade[3]) < PROXY_MIN_GRADE3:
            continue
        rng = random.Random(f"{seed}:{q.fact[:64]}")
        chosen: list[int] = []
        for g in (3, 2, 1):
            chosen += rng.sample(by_grade[g], min(PROXY_MIX[g], len(by_grade[g])))
        rest = PROXY_CANDIDATES - len(chosen)
        chosen += rng.sample(by_grade[0], min(rest, len(by_grade[0])))
        rng.shuffle(chosen)
        out.append((i, chosen, [proxy_grade(q, cases[j], groups) for j in chosen]))
    return out


def ndcg(order_grades: Sequence[int], all_grades: Sequence[int], k: int) -> float:
    discounts = 1 / np.log2(np.arange(2, k + 2))
    dcg = float(
        np.sum(
            np.asarray(order_grades[:k], dtype=float)
            * discounts[: len(order_grades[:k])]
        )
    )
    ideal = sorted(all_grades, reverse=True)[:k]
    idcg = float(np.sum(np.asarray(ideal, dtype=float) * discounts[: len(ideal)]))
    return dcg / idcg if idcg else 0.0


def proxy_metrics(cand_scores: Sequence[np.ndarray], queries) -> dict[str, float]:
    """NDCG@10 and @30 over the candidate lists; ``cand_scores[n]`` scores query n's candidates."""
    n10, n30 = [], []
    for scores, (_, _, grades) in zip(cand_scores, queries, strict=True):
        # Ties (e.g. random or empty texts) break by candidate position, which is shuffled.
        order = np.argsort(-np.asarray(scores), kind="stable")
        ranked = [grades[k] for k in order]
        n10.append(ndcg(ranked, grades, 10))
        n30.append(ndcg(ranked, grades, 30))
    return {"NDCG@10": float(np.mean(n10)), "NDCG@30": float(np.mean(n30))}


def fuse_candidates(kw: np.ndarray, dn: np.ndarray, weight: float) -> np.ndarray:
    """Fuse one query's candidate scores as the product does (``search.fusion.fuse``, weighted)."""
    from search.fusion import FusionConfig
    from search.fusion import fuse as product_fuse

    config = FusionConfig(
        method="weighted", keyword_weight=1 - weight, semantic_weight=weight
    )
    idx = range(len(kw))
    fused = dict(
        product_fuse(
            sorted(((j, float(kw[j])) for j in idx), key=lambda x: -x[1]),
            sorted(((j, float(dn[j])) for j in idx), key=lambda x: -x[1]),
            config=config,
        )
    )
    return np.array([fused.get(j, -1.0) for j in idx], dtype=np.float32)


def run_case_proxy(
    rankers: dict, dev, test, groups: dict[int, str], extra: dict | None = None
) -> list[tuple]:
    """Case → precedent ranking over ~34 graded candidates per query (a dev proxy for the
    judged benchmark). Candidates come from the same held-out split as the query, so the
    model never saw either side. Fusion weights are chosen on dev, reported on test."""
    out = []
    splits = {"dev": dev, "test": test}
    queries = {name: proxy_queries(cases, groups) for name, cases in splits.items()}
    for split, qs in queries.items():
        graded = np.bincount([g for _, _, gr in qs for g in gr], minlength=4)
        print(
            f"  proxy {split}: {len(qs)} queries, grades 0-3 {graded.tolist()}",
            flush=True,
        )
    rng = np.random.default_rng(0)
    out.append(
        (
            "PROXY",
            "random",
            "-",
            proxy_metrics(
                [rng.random(len(c)) for _, c, _ in queries["test"]], queries["test"]
            ),
        )
    )
    for focused in (False, True):
        prep = (lambda t: focus_query(t)) if focused else (lambda t: t)
        cand: dict[str, dict[str, list[np.ndarray]]] = {}
        all_rankers = dict(rankers)
        all_rankers.update(extra or {})
        for name, make in all_rankers.items():
            cand[name] = {}
            for split, cases in splits.items():
                docs = [prep(c.fact) for c in cases]
                r = make().fit(docs)
                qi = [i for i, _, _ in queries[split]]
                sims = r.scores([docs[i] for i in qi])
                cand[name][split] = [
                    sims[n, c] for n, (_, c, _) in enumerate(queries[split])
                ]
        for name in cand:
            out.append(
                (
                    "PROXY",
                    name,
                    "yes" if focused else "no",
                    proxy_metrics(cand[name]["test"], queries["test"]),
                )
            )
        dense_names = [n for n in cand if n not in KEYWORD_RANKERS]
        for dn in dense_names:
            for kw in KEYWORD_RANKERS:
                if kw not in cand:
                    continue

                def fused(split, w, kw=kw, dn=dn, cand=cand):
                    return [
                        fuse_candidates(a, b, w)
                        for a, b in zip(cand[kw][split], cand[dn][split], strict=True)
                    ]

                w = choose_weight(
                    lambda w, fused=fused: proxy_metrics(
                        fused("dev", w), queries["dev"]
                    )["NDCG@10"]
                )
                out.append(
                    (
                        "PROXY",
                        f"fusion {kw}+{dn} w={w}",
                        "yes" if focused else "no",
                        proxy_metrics(fused("test", w), queries["test"]),
                    )
                )
    return out


def run_scm(rankers: dict, triplets: list[dict]) -> list[tuple]:
    out = []
    # No SCM triplet is trained on: its 500 triplets reuse 227 texts, so no split of them
    # keeps training texts out of the test triplets. Half for dev, half for test.
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
    parser.add_argument(
        "--tasks",
        default="dev",
        help="dev (= lecard,cail_dev,stard_dev,elements: the shipped pipeline) and/or the "
        "component tasks proxy,stard,cail,scm",
    )
    parser.add_argument("--no-dense", action="store_true", help="BM25 only")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="dev tasks: keep the database and index here between runs",
    )
    parser.add_argument(
        "--variants", action="store_true", help="dev tasks: also the ablations"
    )
    parser.add_argument(
        "--cail-limit", type=int, default=None, help="dev tasks: first N CAIL dev cases"
    )
    args = parser.parse_args()
    data_dir = Path(args.data) if args.data else shared_data_dir()
    # "dev" as a whole name only ("stard_dev" alone must not become every dev task).
    tasks = {
        name
        for task in args.tasks.split(",")
        for name in (
            ["lecard", "cail_dev", "stard_dev", "elements"] if task == "dev" else [task]
        )
    }
    dev_tasks = {t.removesuffix("_dev") for t in tasks & DEV_TASKS}
    if dev_tasks:
        import _dev_pipeline

        if args.model != str(ROOT / "search" / "model"):
            os.environ["SEARCH_EMBEDDING_MODEL"] = args.model
        rows = _dev_pipeline.run(
            dev_tasks,
            data=data_dir,
            char_bm25=lambda docs: (
                BM25Ranker("bm25_char12", char_tokens).fit(docs).scores
            ),
            workdir=args.workdir,
            variants=args.variants,
            cail_limit=args.cail_limit,
        )
        _dev_pipeline.print_rows(rows)
        tasks -= DEV_TASKS
        if not tasks:
            return

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
    articles = load_articles(data_dir)
    if "proxy" in tasks:
        rows += run_case_proxy(
            rankers,
            load_cail_cases(data_dir, "dev"),
            load_cail_cases(data_dir, "test"),
            article_groups(articles),
        )
        print_table(rows)
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
