"""Link a new case: from a description, find the precedents that match and say why,
suggest the charges and articles that apply (each with a confidence), and list the legal
elements of each suggested charge with the evidence each needs, marking the elements the
description already speaks to.

Votes for a charge come from three places, weighted by ``LINK_WEIGHTS``:
precedents (each precedent's charges, weighted by its similarity), direct statute
retrieval (the charges attached to the articles that match the description), and the
charge named outright in the description. Articles get votes from the suggested charges
(the charge → article table), from direct retrieval and from the precedents' citations.
Confidences are each candidate's share of the votes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from . import highlight
from .adapters import article_url
from .backends import get_search_backend
from .backends.base import SearchHit, SearchQuery
from .elements import NO_FACT, sentences, support
from .selectors import viewer_units
from .text import normalize, salient_terms

LINK_WEIGHTS = {
    "precedent_charge": 1.0,
    "article_charge": 1.0,
    "named_charge": 0.8,
    "charge_article": 1.0,
    "retrieved_article": 0.5,
    "cited_article": 0.4,
}
MAX_CHARGES = 5
MAX_ARTICLES = 8
ELEMENT_CHARGES = 3
# Two-stage precedent ranking (chosen on lecard_dev, see docs/embedder.md).
RERANK_DEPTH = 50
VOTE_DEPTH = 10
# A precedent's vote is its similarity relative to the best, to this power (4 and article
# votes at 1.0, chosen on CAIL dev: charge@1 0.852 → 0.862 with the distinction below 0.876).
VOTE_POWER = 4.0
# Neighbouring charges that one decisive fact tells apart (the distinctions of the element
# analyses): when the two best suggestions are such a pair and the second has at least
# DISTINCTION_MARGIN of the first's votes, a sentence of the text holding the fact decides
# for the second charge of the pair, its absence for the first.
DISTINCTIONS = (
    # 合同诈骗罪 is fraud in signing or performing a contract (刑法第二百二十四条).
    ("诈骗罪", "合同诈骗罪", re.compile(r"合同|协议|签订|订立|签约|租赁|承包|购销")),
)
DISTINCTION_MARGIN = 0.3
CHARGE_AGREEMENT = 0.5
SUGGESTED_SHARE = 0.2
PRECEDENT_FLOOR = 0.3
# Relative strength (1.0 = the strongest suggestion) → the word shown.
STRENGTH_LEVELS = ((0.75, "strong"), (0.4, "moderate"), (0.0, "weak"))
MAX_SENTENCES = 3
TEXT_TOO_SHORT = "Describe the case in at least {n} characters."
MIN_TEXT = 6


@dataclass
class Precedent:
    id: str
    title: str
    url: str
    source_id: str
    score: float
    snippet: str
    charges: list[str]
    articles: list[dict[str, Any]]
    shared_terms: list[str]
    shared_charges: list[str]
    reasons: list[str]
    strength: str = ""
    sentences: list[str] = field(default_factory=list)


@dataclass
class ChargeSuggestion:
    name: str
    score: float
    id: int | None = None
    articles: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    strength: str = ""
    precedents: list[dict[str, str]] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)


@dataclass
class ArticleSuggestion:
    id: str
    law: str
    label: str
    source_id: str
    score: float
    url: str = ""
    snippet: str = ""
    reasons: list[str] = field(default_factory=list)
    strength: str = ""
    charges: list[str] = field(default_factory=list)
    precedents: list[dict[str, str]] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)


@dataclass
class ElementCheck:
    charge: str
    kind: str
    kind_label: str
    title: str
    description: str
    facts: str
    evidence: list[str]
    common_mistakes: str
    mentioned: bool
    matched_terms: list[str]
    sentence: str = ""
    status: str = NO_FACT


@dataclass
class LinkResult:
    text: str
    focused_text: str
    precedents: list[Precedent]
    charges: list[ChargeSuggestion]
    articles: list[ArticleSuggestion]
    elements: list[ElementCheck]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def focus(text: str) -> str:
    """Return the fact-bearing part of a long description (``search.focus``), or the text."""
    try:
        from .focus import focus_query
    except ImportError:
        return text
    try:
        focused = focus_query(text)
    except Exception:  # noqa: BLE001 - focusing is an optimisation; never lose the query
        return text
    return focused or text


def _relative(hits: list[SearchHit]) -> list[float]:
    if not hits:
        return []
    top = max(h.score for h in hits) or 1.0
    return [max(h.score, 0.0) / top for h in hits]


def _share(votes: dict[Any, float]) -> dict[Any, float]:
    total = sum(votes.values())
    return {k: (v / total if total else 0.0) for k, v in votes.items()}


def _split_items(text: str) -> list[str]:
    return [
        item.strip()
        for item in re.split(r"[、，,；;\n。]+", text or "")
        if item.strip()
    ]


def strength(relative: float) -> str:
    """Return the word for a relative strength (1.0 = the strongest suggestion)."""
    for floor, word in STRENGTH_LEVELS:
        if relative >= floor:
            return word
    return STRENGTH_LEVELS[-1][1]


def _relative_to_top(values: dict[Any, float]) -> dict[Any, float]:
    top = max(values.values(), default=0.0) or 1.0
    return {k: v / top for k, v in values.items()}


def _ref(hit: SearchHit) -> dict[str, str]:
    return {"id": hit.id, "title": hit.title, "url": hit.url}


def _best_sentences(text_sentences: list[str], terms: list[str]) -> list[str]:
    """Return up to ``MAX_SENTENCES`` sentences holding the most of ``terms`` (two or
    more), in text order."""
    scored = []
    for i, sentence in enumerate(text_sentences):
        norm = normalize(sentence)
        n = len({t for t in terms if t in norm})
        if n >= 2:
            scored.append((n, i))
    keep = sorted(
        i for _, i in sorted(scored, key=lambda x: (-x[0], x[1]))[:MAX_SENTENCES]
    )
    return [text_sentences[i] for i in keep]


def distinguish(
    votes: dict[str, float], text_sentences: list[str]
) -> tuple[str, str] | None:
    """Apply ``DISTINCTIONS`` to ``votes`` (in place): when the two best charges are a
    pair and close enough, the one the decisive fact points to gets the larger vote.
    Return (that charge, the sentence holding the fact, or "" when its absence decided),
    or None when no distinction applied."""
    ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    if len(ranked) < 2 or ranked[1][1] < DISTINCTION_MARGIN * ranked[0][1]:
        return None
    top = {ranked[0][0], ranked[1][0]}
    for without, with_fact, fact in DISTINCTIONS:
        if top != {without, with_fact}:
            continue
        sentence = next((x for x in text_sentences if fact.search(x)), "")
        winner = with_fact if sentence else without
        if winner != ranked[0][0]:
            votes[winner], votes[ranked[0][0]] = ranked[0][1], ranked[1][1]
        return winner, sentence
    return None


def rerank_precedents(
    case_hits: list[SearchHit], suggested: set[str], *, weight: float | None = None
) -> list[tuple[SearchHit, float]]:
    """Return ``case_hits`` re-ranked: the engine's score relative to the best, plus
    ``weight`` (default ``CHARGE_AGREEMENT``) × the Jaccard overlap of each precedent's
    charges with ``suggested``; each with its strength relative to the best (1.0), best
    first."""
    weight = CHARGE_AGREEMENT if weight is None else weight
    scored = []
    for hit, rel in zip(case_hits, _relative(case_hits), strict=True):
        charges = set(hit.extra.get("charges", []))
        union = charges | suggested
        agreement = len(charges & suggested) / len(union) if union else 0.0
        scored.append((hit, rel + weight * agreement))
    scored.sort(key=lambda x: -x[1])
    top = scored[0][1] if scored and scored[0][1] > 0 else 1.0
    return [(hit, score / top) for hit, score in scored]


def link_case(
    text: str, user: Any, limit: int = 10, *, floor: float = PRECEDENT_FLOOR
) -> LinkResult:
    """Return precedents, suggested charges and articles, and element checklists for a new
    case ``text``, seen as ``user`` sees (restricted cases of other units never appear).
    Precedents weaker than ``floor`` × the best are not listed.
    Raise ValueError when the text is too short to link."""
    text = (text or "").strip()
    if len(text) < MIN_TEXT:
        raise ValueError(TEXT_TOO_SHORT.format(n=MIN_TEXT))
    limit = max(1, min(int(limit), 50))
    focused = focus(text)
    backend = get_search_backend()
    units = viewer_units(user)
    case_hits = backend.search(
        SearchQuery(
            text=focused,
            doc_types=["case"],
            viewer_units=units,
            limit=max(limit, RERANK_DEPTH),
            highlight=False,
        )
    ).hits
    article_hits = backend.search(
        SearchQuery(
            text=focused,
            doc_types=["article"],
            viewer_units=units,
            limit=10,
            highlight=False,
        )
    ).hits
    normalized = normalize(text)
    query_terms = salient_terms(focused)
    text_sentences = sentences(text)
    voters = case_hits[:VOTE_DEPTH]

    # Charges --------------------------------------------------------------------------
    votes: dict[str, float] = defaultdict(float)
    why: dict[str, list[str]] = defaultdict(list)
    voted_by: dict[str, list[dict[str, str]]] = defaultdict(list)
    for hit, rel in zip(voters, _relative(voters), strict=True):
        for name in hit.extra.get("charges", []):
            votes[name] += LINK_WEIGHTS["precedent_charge"] * rel**VOTE_POWER
            if len(why[name]) < 3:
                why[name].append(f"precedent:{hit.title}")
                voted_by[name].append(_ref(hit))
    for hit, rel in zip(article_hits, _relative(article_hits), strict=True):
        for name in hit.extra.get("charges", []):
            votes[name] += LINK_WEIGHTS["article_charge"] * rel
            why[name].append(f"article:{hit.title}")
    named = _named_charges(normalized)
    charge_rows = _charges_by_name(set(votes) | named)
    for name in named:
        votes[name] += LINK_WEIGHTS["named_charge"]
        why[name].append("named")
    decisive = distinguish(votes, text_sentences)
    if decisive:
        name, sentence = decisive
        why[name].append("distinction")
    shares = _share(votes)
    ranked = sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_CHARGES]
    relative = _relative_to_top(dict(ranked))
    charges = []
    supports: dict[str, list[tuple[Any, Any]]] = {}
    for name, _share_of_votes in ranked:
        row = charge_rows.get(name)
        checks = (
            [(e, support(e, name, text_sentences)) for e in row.elements.all()]
            if row
            else []
        )
        supports[name] = checks
        supporting = [s.sentence for _, s in checks if s is not None]
        if decisive and decisive[0] == name and decisive[1]:
            supporting.insert(0, decisive[1])
        if not supporting:
            supporting = _best_sentences(text_sentences, salient_terms(name))
        charges.append(
            ChargeSuggestion(
                name=name,
                score=round(relative[name], 4),
                id=row.pk if row else None,
                articles=[
                    f"{a.law.short_name or a.law.name}{a.label}"
                    for a in row.articles.all()
                ]
                if row
                else [],
                reasons=list(dict.fromkeys(why[name]))[:5],
                strength=strength(relative[name]),
                precedents=voted_by.get(name, []),
                sentences=list(dict.fromkeys(supporting))[:MAX_SENTENCES],
            )
        )

    # Articles -------------------------------------------------------------------------
    a_votes: dict[str, float] = defaultdict(float)
    a_info: dict[str, dict[str, Any]] = {}
    a_why: dict[str, list[str]] = defaultdict(list)
    a_charges: dict[str, list[str]] = defaultdict(list)
    a_precedents: dict[str, list[dict[str, str]]] = defaultdict(list)
    a_sentences: dict[str, list[str]] = {}
    for suggestion in charges:
        row = charge_rows.get(suggestion.name)
        for article in row.articles.all() if row else []:
            key = str(article.pk)
            a_votes[key] += LINK_WEIGHTS["charge_article"] * suggestion.score
            a_info.setdefault(
                key,
                {
                    "law": article.law.short_name or article.law.name,
                    "label": article.label,
                    "source_id": article.source_id,
                    "url": article_url(article),
                },
            )
            a_why[key].append(f"charge:{suggestion.name}")
            a_charges[key].append(suggestion.name)
            a_sentences.setdefault(key, suggestion.sentences)
    for hit, rel in zip(article_hits, _relative(article_hits), strict=True):
        a_votes[hit.id] += LINK_WEIGHTS["retrieved_article"] * rel
        a_info.setdefault(
            hit.id,
            {
                "law": hit.extra.get("law", ""),
                "label": hit.extra.get("label", ""),
                "source_id": hit.source_id,
                "url": hit.url,
            },
        )
        a_info[hit.id]["snippet"] = highlight.snippet(hit.body, focused, chars=120)
        a_why[hit.id].append("retrieved")
        if hit.id not in a_sentences:
            a_sentences[hit.id] = _best_sentences(
                text_sentences, salient_terms(hit.body)
            )
    for hit, rel in zip(voters, _relative(voters), strict=True):
        for cited in hit.extra.get("articles", []):
            key = str(cited["id"])
            a_votes[key] += (
                LINK_WEIGHTS["cited_article"]
                * rel
                / max(1, len(hit.extra.get("articles", [])))
            )
            a_info.setdefault(
                key,
                {
                    "law": cited.get("law", ""),
                    "label": cited.get("label", ""),
                    "source_id": cited.get("source_id", ""),
                    "url": "",
                },
            )
            a_why[key].append(f"cited:{hit.title}")
            if len(a_precedents[key]) < 3:
                a_precedents[key].append(_ref(hit))
    a_ranked = sorted(a_votes.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_ARTICLES]
    a_relative = _relative_to_top(dict(a_ranked))
    articles = [
        ArticleSuggestion(
            id=key,
            score=round(a_relative[key], 4),
            reasons=list(dict.fromkeys(a_why[key]))[:5],
            strength=strength(a_relative[key]),
            charges=list(dict.fromkeys(a_charges.get(key, []))),
            precedents=a_precedents.get(key, []),
            sentences=a_sentences.get(key, []),
            **{
                k: a_info[key].get(k, "")
                for k in ("law", "label", "source_id", "url", "snippet")
            },
        )
        for key, _ in a_ranked
    ]

    # Precedents -----------------------------------------------------------------------
    top_charges = {c.name for c in charges[:ELEMENT_CHARGES]}
    suggested = {name for name, share in ranked if share >= SUGGESTED_SHARE}
    precedents = []
    for hit, rel in rerank_precedents(case_hits, suggested)[:limit]:
        if rel < floor:
            break
        body = normalize(hit.body)
        shared = [t for t in query_terms if t in body]
        shared = sorted(shared, key=lambda t: (-len(t), query_terms.index(t)))[:8]
        shared_charges = [c for c in hit.extra.get("charges", []) if c in top_charges]
        reasons = []
        if shared:
            reasons.append("shared_facts")
        if shared_charges:
            reasons.append("shared_charges")
        precedents.append(
            Precedent(
                id=hit.id,
                title=hit.title,
                url=hit.url,
                source_id=hit.source_id,
                score=round(rel, 4),
                snippet=highlight.snippet(
                    hit.body,
                    focused,
                    terms=sorted(shared, key=len, reverse=True) or None,
                ),
                charges=list(hit.extra.get("charges", [])),
                articles=list(hit.extra.get("articles", [])),
                shared_terms=shared,
                shared_charges=shared_charges,
                reasons=reasons,
                strength=strength(rel),
                sentences=_best_sentences(text_sentences, shared),
            )
        )

    # Elements -------------------------------------------------------------------------
    elements = []
    for suggestion in charges[:ELEMENT_CHARGES]:
        row = charge_rows.get(suggestion.name)
        if row is None:
            continue
        for element, found in supports.get(suggestion.name, []):
            elements.append(
                ElementCheck(
                    charge=row.name,
                    kind=element.kind,
                    kind_label=element.kind_label,
                    title=element.title,
                    description=element.description,
                    facts=element.facts,
                    evidence=_split_items(element.evidence_guide),
                    common_mistakes=element.common_mistakes,
                    mentioned=found is not None,
                    matched_terms=list(found.matched) if found else [],
                    sentence=found.sentence if found else "",
                    status=found.sentence if found else NO_FACT,
                )
            )
    return LinkResult(
        text=text,
        focused_text=focused,
        precedents=precedents,
        charges=charges,
        articles=articles,
        elements=elements,
    )


def _named_charges(normalized_text: str) -> set[str]:
    """Return the live charges whose name (with or without 罪) the text mentions."""
    try:
        from casebank.models import Charge
    except ImportError:
        return set()
    names = set()
    for name in Charge.objects.filter(live=True).values_list("name", flat=True):
        stem = name[:-1] if name.endswith("罪") and len(name) > 2 else name
        if len(stem) >= 2 and stem in normalized_text:
            names.add(name)
    return names


def _charges_by_name(names: set[str]) -> dict[str, Any]:
    try:
        from casebank.models import Charge
    except ImportError:
        return {}
    rows = Charge.objects.filter(name__in=names, live=True).prefetch_related(
        "articles__law", "elements"
    )
    return {c.name: c for c in rows}
