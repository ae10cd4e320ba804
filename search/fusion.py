"""Fusion of keyword and vector rankings: the one place both engines use, so they rank
alike. Each engine produces two ranked lists (BM25 and nearest neighbours) and hands them
to :func:`fuse`.

Settings (``SEARCH_FUSION``)::

    {"METHOD": "weighted" | "rrf", "KEYWORD_WEIGHT": 0.35, "SEMANTIC_WEIGHT": 0.65, "RRF_K": 60}

Equal-weight fusion did not beat the dense model alone in our measurements, so the
weights are settings, chosen on development data (``bench/search_quality.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "METHOD": "weighted",
    "KEYWORD_WEIGHT": 0.35,
    "SEMANTIC_WEIGHT": 0.65,
    "RRF_K": 60,
}
UNKNOWN_METHOD = "Unknown fusion method {method!r}; use 'rrf' or 'weighted'."

# A statute article's score is multiplied by a prior for the level of its law (the
# ``law_level`` its document carries) and, for a repealed law, by ``REPEALED``: a question
# in plain words is answered far more often by a law or a judicial interpretation than by
# one of the many more regulations and rules (on STARD's training questions 81 % of the
# relevant articles are in laws, which hold 38 % of the national articles, and 4.5 % in
# administrative regulations, which hold 40 %). Chosen on STARD dev (docs/embedder.md).
# ``SEARCH_LAW_LEVEL_PRIOR`` overrides any of them (all 1.0 turns the prior off).
LAW_LEVEL_PRIOR: dict[str, float] = {
    "constitution": 1.0,
    "law": 1.0,
    "judicial_interpretation": 0.7,
    "administrative_regulation": 0.7,
    "departmental_rule": 0.7,
    "local_regulation": 0.7,
    "other": 0.7,
    "repealed": 0.7,
}


@dataclass(frozen=True)
class FusionConfig:
    method: str = "weighted"
    keyword_weight: float = 0.35
    semantic_weight: float = 0.65
    rrf_k: int = 60


def fusion_config() -> FusionConfig:
    """Return the fusion settings, defaults filled in."""
    raw = {**DEFAULTS, **(getattr(settings, "SEARCH_FUSION", None) or {})}
    if raw["METHOD"] not in {"rrf", "weighted"}:
        raise ValueError(UNKNOWN_METHOD.format(method=raw["METHOD"]))
    return FusionConfig(
        method=raw["METHOD"],
        keyword_weight=float(raw["KEYWORD_WEIGHT"]),
        semantic_weight=float(raw["SEMANTIC_WEIGHT"]),
        rrf_k=int(raw["RRF_K"]),
    )


def rrf(
    rankings: Sequence[Sequence[Hashable]],
    *,
    weights: Sequence[float] | None = None,
    k: int = 60,
) -> dict[Hashable, float]:
    """Return reciprocal-rank-fusion scores: sum of ``w / (k + rank)`` (rank from 1)."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[Hashable, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, key in enumerate(ranking, start=1):
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
    return scores


def _minmax(scores: Mapping[Hashable, float]) -> dict[Hashable, float]:
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high - low < 1e-12:
        return dict.fromkeys(scores, 1.0)
    return {key: (value - low) / (high - low) for key, value in scores.items()}


def weighted(
    score_maps: Sequence[Mapping[Hashable, float]], *, weights: Sequence[float]
) -> dict[Hashable, float]:
    """Return the weighted sum of min-max normalised scores (absent keys count 0)."""
    fused: dict[Hashable, float] = {}
    for scores, weight in zip(score_maps, weights, strict=True):
        for key, value in _minmax(scores).items():
            fused[key] = fused.get(key, 0.0) + weight * value
    return fused


def fuse(
    keyword: Sequence[tuple[Hashable, float]],
    semantic: Sequence[tuple[Hashable, float]],
    *,
    config: FusionConfig | None = None,
) -> list[tuple[Hashable, float]]:
    """Fuse two rankings of (key, score), each best first; return (key, score) best first.

    Ties break on the key so that every engine returns the same order.
    """
    config = config or fusion_config()
    if not semantic:
        return list(keyword)
    if not keyword:
        return list(semantic)
    if config.method == "rrf":
        scores = rrf(
            [[key for key, _ in keyword], [key for key, _ in semantic]],
            weights=[config.keyword_weight, config.semantic_weight],
            k=config.rrf_k,
        )
    else:
        scores = weighted(
            [dict(keyword), dict(semantic)],
            weights=[config.keyword_weight, config.semantic_weight],
        )
    return sorted(scores.items(), key=lambda item: (-item[1], str(item[0])))


def law_level_prior() -> dict[str, float]:
    """Return the prior of each law level (and ``repealed``), settings applied."""
    return {
        **LAW_LEVEL_PRIOR,
        **(getattr(settings, "SEARCH_LAW_LEVEL_PRIOR", None) or {}),
    }


def document_prior(extra: Mapping[str, Any], priors: Mapping[str, float]) -> float:
    """Return the factor for a document's score: 1.0 unless it is a statute article
    (its ``extra`` names ``law_level``), else the prior of its law's level, times the
    ``repealed`` prior when its law is repealed."""
    level = extra.get("law_level")
    if not level:
        return 1.0
    factor = priors.get(str(level), priors.get("other", 1.0))
    if extra.get("law_status") == "repealed":
        factor *= priors.get("repealed", 1.0)
    return factor


def rank(
    keyword: list[tuple[Any, float]],
    semantic: list[tuple[Any, float]],
    *,
    mode: str,
    browse: bool = False,
    extra: Callable[[Any], Mapping[str, Any]] | None = None,
) -> list[tuple[Any, float]]:
    """Sort both rankings best first (in place) and return the one ``mode`` asks for:
    keyword, semantic, or their fusion. Every engine calls this, so all rank alike.

    ``browse`` (no query text, filters only) always ranks by the keyword side. With
    ``extra`` (key → the document's ``extra``), positive scores of statute articles are
    multiplied by their ``document_prior`` and the ranking re-sorted.
    """
    keyword.sort(key=lambda kv: (-kv[1], kv[0]))
    semantic.sort(key=lambda kv: (-kv[1], kv[0]))
    if mode == "keyword" or browse:
        ranked = keyword
        if browse:
            return ranked
    elif mode == "semantic":
        ranked = semantic
    else:
        ranked = fuse(keyword, semantic)
    priors = law_level_prior()
    if extra is None or all(v == 1.0 for v in priors.values()):
        return ranked
    weighted_ranked = [
        (key, score * document_prior(extra(key), priors) if score > 0 else score)
        for key, score in ranked
    ]
    return sorted(weighted_ranked, key=lambda item: (-item[1], str(item[0])))
