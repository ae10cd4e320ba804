"""Fusion of keyword and vector rankings: the one place both engines use, so they rank
alike. Each engine produces two ranked lists (BM25 and nearest neighbours) and hands them
to :func:`fuse`.

Settings (``SEARCH_FUSION``)::

    {"METHOD": "weighted" | "rrf", "KEYWORD_WEIGHT": 0.35, "SEMANTIC_WEIGHT": 0.65, "RRF_K": 60}

Equal-weight fusion did not beat the dense model alone in our measurements, so the
weights are settings, chosen on development data (``bench/search_quality.py``).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
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


def rank(
    keyword: list[tuple[Any, float]],
    semantic: list[tuple[Any, float]],
    *,
    mode: str,
    browse: bool = False,
) -> list[tuple[Any, float]]:
    """Sort both rankings best first (in place) and return the one ``mode`` asks for:
    keyword, semantic, or their fusion. Every engine calls this, so all rank alike.

    ``browse`` (no query text, filters only) always ranks by the keyword side.
    """
    keyword.sort(key=lambda kv: (-kv[1], kv[0]))
    semantic.sort(key=lambda kv: (-kv[1], kv[0]))
    if mode == "keyword" or browse:
        return keyword
    if mode == "semantic":
        return semantic
    return fuse(keyword, semantic)
