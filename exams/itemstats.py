"""Item and test statistics as Moodle's quiz statistics report defines them.

https://docs.moodle.org/dev/Quiz_statistics_calculations

For n attempts, item scores x_i (with range x_i(max) - x_i(min) = the item's points)
and test scores T:

* facility index F = 100 · mean(x_i) / max(x_i)
* standard deviation SD = 100 · sqrt(V(x_i)) / max(x_i), V with n - 1
* discrimination index D = 100 · r(x_i, X_i), X_i = T - x_i (the rest of the test)
* discriminative efficiency DE = 100 · C(x_i, X_i) / C_max(x_i, X_i), where C_max
  pairs the sorted x_i with the sorted X_i (the largest covariance the two marginal
  distributions allow)
* coefficient of internal consistency (Cronbach's alpha)
  CIC = 100 · P/(P-1) · (1 - Σ V(x_i) / V(T)), P items
* error ratio ER = 100 · sqrt(1 - CIC/100); standard error SE = ER/100 · SD(T)
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_noop

# The flags are stored (in English, as msgids) with a session's statistics and translated
# when shown (``views.manage.session_statistics``).
TOO_HARD = gettext_noop("too hard")
TOO_EASY = gettext_noop("too easy")
NEGATIVE_DISCRIMINATION = gettext_noop("negative discrimination: check the key")
WEAK_DISCRIMINATION = gettext_noop("weak discrimination")
LOW_EFFICIENCY = gettext_noop("low discriminative efficiency")

# Healthy ranges used to flag questions for the trainer (Moodle's report colours
# facility and discrimination outside similar bands).
FACILITY_LOW = 10.0
FACILITY_HIGH = 90.0
DISCRIMINATION_MIN = 20.0
EFFICIENCY_MIN = 30.0


def _var(values: Sequence[float]) -> float:
    return statistics.variance(values) if len(values) > 1 else 0.0


def _cov(a: Sequence[float], b: Sequence[float]) -> float:
    n = len(a)
    if n < 2:
        return 0.0
    ma, mb = sum(a) / n, sum(b) / n
    return sum((x - ma) * (y - mb) for x, y in zip(a, b, strict=True)) / (n - 1)


@dataclass
class ItemStats:
    key: str
    n: int
    max_points: float
    facility: float | None
    sd: float | None
    discrimination: float | None
    efficiency: float | None
    flags: list[str] = field(default_factory=list)


@dataclass
class TestStats:
    n: int
    mean: float
    median: float
    sd: float
    alpha: float | None
    error_ratio: float | None
    standard_error: float | None


def item_stats(
    *, key: str, item: Sequence[float], totals: Sequence[float], max_points: float
) -> ItemStats:
    """Return Moodle's per-question statistics for one item across attempts."""
    n = len(item)
    if n == 0 or max_points <= 0:
        return ItemStats(key, n, max_points, None, None, None, None, ["no data"])
    rest = [t - x for x, t in zip(item, totals, strict=True)]
    facility = 100 * (sum(item) / n) / max_points
    sd = 100 * math.sqrt(_var(item)) / max_points
    v_item, v_rest = _var(item), _var(rest)
    cov = _cov(item, rest)
    discrimination = (
        100 * cov / math.sqrt(v_item * v_rest) if v_item > 0 and v_rest > 0 else None
    )
    cov_max = _cov(sorted(item), sorted(rest))
    efficiency = 100 * cov / cov_max if cov_max > 0 else None
    flags = []
    if facility < FACILITY_LOW:
        flags.append(TOO_HARD)
    if facility > FACILITY_HIGH:
        flags.append(TOO_EASY)
    if discrimination is not None and discrimination < 0:
        flags.append(NEGATIVE_DISCRIMINATION)
    elif discrimination is not None and discrimination < DISCRIMINATION_MIN:
        flags.append(WEAK_DISCRIMINATION)
    if efficiency is not None and efficiency < EFFICIENCY_MIN:
        flags.append(LOW_EFFICIENCY)
    return ItemStats(
        key, n, max_points, facility, sd, discrimination, efficiency, flags
    )


def test_stats(
    *, item_matrix: Sequence[Sequence[float]], totals: Sequence[float]
) -> TestStats:
    """Return mean, median, SD and Cronbach's alpha (as Moodle's CIC, in %).

    ``item_matrix[j]`` holds the scores of item j for every attempt, in the order of
    ``totals``.
    """
    n = len(totals)
    if n == 0:
        return TestStats(0, 0.0, 0.0, 0.0, None, None, None)
    mean = sum(totals) / n
    sd = math.sqrt(_var(totals))
    alpha = error_ratio = standard_error = None
    items = len(item_matrix)
    v_total = _var(totals)
    if items > 1 and v_total > 0:
        alpha = (
            100
            * items
            / (items - 1)
            * (1 - sum(_var(col) for col in item_matrix) / v_total)
        )
        if alpha <= 100 and alpha >= 0:
            error_ratio = 100 * math.sqrt(1 - alpha / 100)
            standard_error = error_ratio / 100 * sd
    return TestStats(
        n,
        mean,
        float(statistics.median(totals)),
        sd,
        alpha,
        error_ratio,
        standard_error,
    )


test_stats.__test__ = False  # not a pytest test, despite the name
