"""The development benchmarks through the shipped pipeline (``bench/search_quality.py``).

Everything the product does runs here as in production: Django on a throwaway database,
statutes and charges loaded by the project's import commands, the embedded search backend
with ``search.text`` tokens, the shipped (or ``--model``) embedding model and the shipped
fusion weights, ``search.linking.link_case`` for cases and ``search.selectors.search_documents``
for statutes. Only the documents of the benchmark collections are built here (as the case
importer and the article adapter would build them), because importing thousands of case
pages through Wagtail would take longer than the benchmark itself.

Beside each pipeline figure, BM25 over character unigrams+bigrams of the same texts, in the
same run (``char_tokens`` of ``search_quality``).

Tasks (all on dev data; test splits and the 77 other LeCaRD queries are never read):

- ``lecard``: the 30 judged LeCaRD queries of ``lecard_dev`` → the 928 candidates; the
  scoring of ``../shared/data/README.md`` (rank the whole collection, keep the order of the
  query's pool, unretrieved pool members last; NDCG@10/@30 with the graded labels as gains,
  MAP and P@5 counting grade 3 as relevant).
- ``cail``: CAIL2018 ``dev`` split cases linked against the ``train`` split as precedents;
  top-1 suggested charge and 刑法 article (a case counts when the top suggestion is one of
  its charges / articles).
- ``stard``: STARD ``dev`` questions → the 64,670 national articles, Recall@10/@100.
- ``elements``: the hand-written element set (``tests/fixtures/link_elements.json``):
  precision and recall of "this sentence supports the element" against a legal officer's
  marks, and, as the baseline, the keyword tick that linking used before.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
ELEMENT_SET = ROOT / "tests" / "fixtures" / "link_elements.json"
CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_number(text: str) -> int | None:
    """Return the number of a Chinese numeral (二百六十四 → 264), None if it is not one."""
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for ch in text:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            total += (digit or 1) * CN_UNITS[ch]
            digit = 0
        else:
            return None
    return total + digit


def article_number(label: str) -> int | None:
    """Return N of ``第N条`` / ``第N条之一`` (CAIL counts 之一 articles as N)."""
    m = re.match(r"第(.+?)条", label or "")
    return cn_number(m.group(1)) if m else None


# --------------------------------------------------------------------------- setup


def setup(workdir: Path | None) -> Path:
    """Start Django on a throwaway SQLite database (``workdir`` keeps it for reruns)."""
    sys.path[:0] = [str(ROOT / "bench")]
    from _bootstrap import bench_django_setup

    return bench_django_setup(prefix="search-quality-", workdir=workdir)


def seed_legal_data(data: Path) -> None:
    """Import the Criminal Law and the charge table with the project's commands, and give
    the demo charges their element analyses (as ``seed_demo`` does)."""
    from django.core.management import call_command

    from casebank.demo_content.charges import CHARGES
    from casebank.models import Article, Charge, LegalElement

    if not Article.objects.exists():
        call_command(
            "import_statutes", str(data / "laws" / "core" / "刑法.md"), verbosity=0
        )
        call_command(
            "import_charges",
            str(data / "laws" / "charge_article_table.jsonl"),
            verbosity=0,
        )
    for spec in CHARGES:
        charge = Charge.objects.filter(name=spec["name"]).first()
        if charge is None or charge.elements.exists():
            continue
        for order, element in enumerate(spec["elements"]):
            LegalElement.objects.create(charge=charge, sort_order=order, **element)


def index_articles() -> int:
    """Index the statute articles in the database with the search app's own adapter."""
    from search.backends import get_search_backend
    from search.index import documents

    backend = get_search_backend()
    backend.reset("article")
    docs = list(documents("article"))
    backend.add_bulk(docs)
    return len(docs)


def case_document(doc_id: str, fact: str, charges: Sequence[str], articles=()):
    """A case as ``import_cases --format cail2018`` + the case adapter would index it."""
    from search.backends.base import SearchDocument
    from search.index import join_text

    title = "、".join(n.removesuffix("罪") for n in charges) + "案"
    fact = fact.strip()
    summary = fact[:140] + ("……" if len(fact) > 140 else "")
    return SearchDocument(
        doc_type="case",
        id=doc_id,
        title=title,
        body=join_text([summary, fact]),
        semantic_text=join_text([title, fact]),
        filters={"charge": list(charges)},
        extra={"charges": list(charges), "articles": list(articles)},
    )


def index_cases(docs) -> None:
    from search.backends import get_search_backend

    backend = get_search_backend()
    backend.reset("case")
    backend.add_bulk(docs)


# --------------------------------------------------------------------------- lecard_dev


def ndcg(order: Sequence[str], labels: dict[str, int], k: int) -> float:
    gains = [labels.get(d, 0) for d in order[:k]]
    dcg = sum(g / np.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted(labels.values(), reverse=True)[:k]
    idcg = sum(g / np.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def lecard_scores(
    ranked: dict[str, list[str]], pools: dict, labels: dict
) -> dict[str, float]:
    """Score per-query rankings of the collection as ``shared/data/README.md`` says."""
    out: dict[str, list[float]] = defaultdict(list)
    for qid, ranking in ranked.items():
        pool = pools[qid]
        members = set(pool)
        order = [d for d in ranking if d in members]
        seen = set(order)
        order += [d for d in pool if d not in seen]
        lab = {str(k): int(v) for k, v in labels[qid].items()}
        relevant = {d for d, g in lab.items() if g == 3}
        out["NDCG@10"].append(ndcg(order, lab, 10))
        out["NDCG@30"].append(ndcg(order, lab, 30))
        hits, ap = 0, 0.0
        for i, d in enumerate(order):
            if d in relevant:
                hits += 1
                ap += hits / (i + 1)
        out["MAP"].append(ap / len(relevant) if relevant else 0.0)
        out["P@5"].append(len([d for d in order[:5] if d in relevant]) / 5)
    return {k: float(np.mean(v)) for k, v in out.items()}


def _jsonl(path: Path) -> list[dict]:
    return [
        json.loads(line)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def load_lecard(data: Path):
    folder = data / "lecard_dev"
    queries = _jsonl(folder / "queries.jsonl")
    cands = _jsonl(folder / "candidates.jsonl")
    pools = json.loads((folder / "pools.json").read_text(encoding="utf-8"))
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    return queries, cands, pools, labels


def run_lecard(data: Path, char_bm25: Callable, variants: bool) -> list[tuple]:
    """lecard_dev through ``link_case`` and char-BM25; with ``variants``, the ablations."""
    import search.linking as linking
    from search.linking import link_case

    queries, cands, pools, labels = load_lecard(data)
    charges = {c["id"]: [_charge(n) for n in c["charges"]] for c in cands}
    started = time.perf_counter()
    index_cases(case_document(c["id"], c["fact"], charges[c["id"]]) for c in cands)
    print(
        f"lecard_dev: {len(cands)} candidates indexed in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    rows = []
    bm25 = char_bm25([c["fact"] for c in cands])
    scores = bm25([q["text"] for q in queries])
    ranked = {
        q["id"]: [cands[j]["id"] for j in np.argsort(-scores[i], kind="stable")]
        for i, q in enumerate(queries)
    }
    rows.append(
        (
            "lecard_dev",
            "BM25 char 1+2 (whole text)",
            lecard_scores(ranked, pools, labels),
        )
    )

    def through_link(**kwargs) -> dict[str, float]:
        out = {}
        for q in queries:
            result = link_case(q["text"], None, limit=50, **kwargs)
            out[q["id"]] = [p.id for p in result.precedents]
        return out

    if variants:
        saved = linking.CHARGE_AGREEMENT
        try:
            linking.CHARGE_AGREEMENT = 0.0
            rows.append(
                (
                    "lecard_dev",
                    "link, engine order only (no re-rank, no floor)",
                    lecard_scores(through_link(floor=0.0), pools, labels),
                )
            )
        finally:
            linking.CHARGE_AGREEMENT = saved
        rows.append(
            (
                "lecard_dev",
                "link, re-ranked, no floor",
                lecard_scores(through_link(floor=0.0), pools, labels),
            )
        )
    started = time.perf_counter()
    shipped = lecard_scores(through_link(), pools, labels)
    seconds = (time.perf_counter() - started) / len(queries)
    rows.append(
        ("lecard_dev", f"link_case (shipped; {1000 * seconds:.0f} ms/query)", shipped)
    )
    return rows


def _charge(name: str) -> str:
    from casebank.importers.cases import cail_charge_name

    return cail_charge_name(name)


# --------------------------------------------------------------------------- CAIL dev


def run_cail(data: Path, char_bm25: Callable, limit: int | None) -> list[tuple]:
    """CAIL2018 dev cases → top-1 charge and article via ``link_case``; precedents are the
    train split (indexed with their 刑法 citations)."""
    from casebank.models import Article
    from search.linking import link_case
    from search.training import load_cail_cases

    train = load_cail_cases(data, "train")
    dev = load_cail_cases(data, "dev")
    if limit:
        dev = dev[:limit]
    by_number: dict[int, dict] = {}
    for article in Article.objects.filter(law__short_name="刑法").select_related("law"):
        n = article_number(article.label)
        if n is not None and n not in by_number:
            by_number[n] = {
                "id": article.pk,
                "law": "刑法",
                "label": article.label,
                "source_id": article.source_id,
            }
    started = time.perf_counter()
    index_cases(
        case_document(
            f"cail-{i}",
            c.fact,
            [_charge(n) for n in c.charges],
            [by_number[n] for n in c.articles if n in by_number],
        )
        for i, c in enumerate(train)
    )
    print(
        f"cail: {len(train)} train cases indexed in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    rows = []
    # Baseline: the 10 nearest train cases by char-BM25 vote (score-weighted).
    bm25 = char_bm25([c.fact for c in train])
    sims = bm25([c.fact for c in dev])
    ok_c = ok_a = 0
    for i, case in enumerate(dev):
        top = np.argsort(-sims[i])[:10]
        cv: dict[str, float] = defaultdict(float)
        av: dict[int, float] = defaultdict(float)
        for j in top:
            for n in train[j].charges:
                cv[n] += float(sims[i, j])
            for n in train[j].articles:
                av[n] += float(sims[i, j])
        ok_c += max(cv, key=cv.get) in case.charges if cv else 0
        ok_a += max(av, key=av.get) in case.articles if av else 0
    rows.append(
        (
            "cail_dev",
            "BM25 char 1+2, 10-NN vote",
            {"charge@1": ok_c / len(dev), "article@1": ok_a / len(dev)},
        )
    )
    ok_c = ok_a = 0
    started = time.perf_counter()
    for case in dev:
        result = link_case(case.fact, None)
        gold = {_charge(n) for n in case.charges}
        ok_c += bool(result.charges) and result.charges[0].name in gold
        first = next((a for a in result.articles if a.law == "刑法"), None)
        ok_a += first is not None and article_number(first.label) in case.articles
    seconds = (time.perf_counter() - started) / len(dev)
    rows.append(
        (
            "cail_dev",
            f"link_case (shipped; {1000 * seconds:.0f} ms/case, n={len(dev)})",
            {"charge@1": ok_c / len(dev), "article@1": ok_a / len(dev)},
        )
    )
    return rows


# --------------------------------------------------------------------------- STARD dev


def law_levels(data: Path) -> dict[str, tuple[str, str]]:
    """Return file → (level, status) of each law of the national corpus, as
    ``import_statutes`` decides them (the LawRefBook catalogue, else the guess)."""
    from casebank.importers.statutes import (
        CATALOG_LEVELS,
        Catalog,
        file_date_of,
        guess_level,
    )
    from casebank.models import LawLevel

    catalog = Catalog(data / "laws" / "lawrefbook_catalog.sqlite3")
    out: dict[str, tuple[str, str]] = {}
    for row in _jsonl(data / "laws" / "national_articles.jsonl"):
        file = row.get("file", "")
        if file in out:
            continue
        found = catalog.lookup(row["law"], file_date_of(file))
        if found:
            level = CATALOG_LEVELS.get(found[0], LawLevel.OTHER)
            status = "repealed" if found[3] else "current"
        else:
            level, status = guess_level(row["law"], file), "current"
        out[file] = (str(level), status)
    return out


def run_stard(data: Path, char_bm25: Callable) -> list[tuple]:
    """STARD dev questions → the national articles through ``search_documents``."""
    from search.backends import get_search_backend
    from search.backends.base import SearchDocument
    from search.selectors import search_documents
    from search.training import article_text, load_articles, load_stard

    articles = load_articles(data)
    dev = load_stard(data, "dev")
    ids = list(articles)
    started = time.perf_counter()
    backend = get_search_backend()
    backend.reset("article")
    laws = law_levels(data)
    batch = []
    for key in ids:
        art = articles[key]
        level, status = laws.get(art.get("file", ""), ("", ""))
        batch.append(
            SearchDocument(
                doc_type="article",
                id=key,
                title=f"{art.get('law', '')}{art.get('label', '')}",
                body=art.get("text", ""),
                # As the article adapter: the law's level and status (for the prior).
                extra={
                    "law": art.get("law", ""),
                    "label": art.get("label", ""),
                    "law_level": level,
                    "law_status": status,
                },
            )
        )
        if len(batch) == 5000:
            backend.add_bulk(batch)
            batch = []
    backend.add_bulk(batch)
    print(
        f"stard: {len(ids)} articles indexed in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    rows = []
    bm25 = char_bm25([article_text(articles[k]) for k in ids])
    r10, r100 = [], []
    for query, relevant in dev:
        s = bm25([query])[0]
        top = [ids[j] for j in np.argsort(-s)[:100]]
        r10.append(len(set(top[:10]) & set(relevant)) / len(relevant))
        r100.append(len(set(top) & set(relevant)) / len(relevant))
    rows.append(
        (
            "stard_dev",
            "BM25 char 1+2",
            {"R@10": float(np.mean(r10)), "R@100": float(np.mean(r100))},
        )
    )
    r10, r100 = [], []
    for query, relevant in dev:
        hits = search_documents(
            user=None, text=query, doc_types=["article"], limit=100
        ).hits
        top = [h.id for h in hits]
        r10.append(len(set(top[:10]) & set(relevant)) / len(relevant))
        r100.append(len(set(top) & set(relevant)) / len(relevant))
    rows.append(
        (
            "stard_dev",
            f"search_documents (shipped; n={len(dev)})",
            {"R@10": float(np.mean(r10)), "R@100": float(np.mean(r100))},
        )
    )
    return rows


# --------------------------------------------------------------------------- elements


def element_marks() -> list[dict]:
    return json.loads(ELEMENT_SET.read_text(encoding="utf-8"))


def keyword_tick(element: dict, text: str) -> bool:
    """The check linking used before: any salient word of the element anywhere in the text."""
    from search.text import normalize, salient_terms

    generic = {
        "行为",
        "犯罪",
        "构成",
        "要件",
        "方面",
        "客观",
        "主观",
        "客体",
        "主体",
        "他人",
        "实施",
        "具有",
        "应当",
        "以上",
    }
    terms = salient_terms(
        f"{element['title']} {element['facts']} {element['description']}"
    )
    normalized = normalize(text)
    return any(t in normalized for t in terms if t not in generic and len(t) >= 2)


def element_scores(predict: Callable[[dict, str, str], bool]) -> dict[str, float]:
    """Precision/recall/F1 of ``predict(element, charge, text)`` over the element set."""
    from casebank.demo_content.charges import CHARGES

    specs = {c["name"]: c["elements"] for c in CHARGES}
    tp = fp = fn = 0
    for case in element_marks():
        marked = set(case["elements"])
        for element in specs[case["charge"]]:
            said = predict(element, case["charge"], case["text"])
            gold = element["title"] in marked
            tp += said and gold
            fp += said and not gold
            fn += gold and not said
    p = tp / max(1, tp + fp)
    r = tp / max(1, tp + fn)
    return {"precision": p, "recall": r, "F1": 2 * p * r / max(1e-9, p + r)}


def run_elements() -> list[tuple]:
    from types import SimpleNamespace

    from search.elements import sentences, support

    n = len(element_marks())
    return [
        (
            "elements",
            f"keyword tick (before; {n} cases)",
            element_scores(lambda e, c, t: keyword_tick(e, t)),
        ),
        (
            "elements",
            f"supporting sentence (search.elements; {n} cases)",
            element_scores(
                lambda e, c, t: (
                    support(SimpleNamespace(**e), c, sentences(t)) is not None
                )
            ),
        ),
    ]


def run(
    tasks: set[str],
    *,
    data: Path,
    char_bm25: Callable,
    workdir: Path | None,
    variants: bool,
    cail_limit: int | None,
) -> list[tuple]:
    """Run the dev tasks; return (task, ranker, {metric: value}) rows."""
    if os.environ.get("SEARCH_EMBEDDING_MODEL"):
        print(f"model: {os.environ['SEARCH_EMBEDDING_MODEL']}")
    setup(workdir)
    rows: list[tuple] = []
    if "elements" in tasks:
        rows += run_elements()
    if tasks & {"lecard", "cail"}:
        seed_legal_data(data)
        started = time.perf_counter()
        n = index_articles()
        print(
            f"{n} statute articles indexed in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    if "lecard" in tasks:
        rows += run_lecard(data, char_bm25, variants)
    if "cail" in tasks:
        rows += run_cail(data, char_bm25, cail_limit)
    if "stard" in tasks:
        rows += run_stard(data, char_bm25)
    return rows


def print_rows(rows: list[tuple]) -> None:
    print("\n| dev task | ranker | scores |\n|---|---|---|")
    for task, name, scores in rows:
        text = " / ".join(f"{k} {v:.3f}" for k, v in scores.items())
        print(f"| {task} | {name} | {text} |")
