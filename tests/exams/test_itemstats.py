"""Moodle's quiz statistics on a 5 × 3 response matrix, against values worked by hand.

    attempt  q1 q2 q3  total
    1         1  1  0   2
    2         1  0  0   1
    3         1  1  1   3
    4         0  0  0   0
    5         0  1  0   1

q1: mean .6 → F = 60 %; V = 1.2/4 = .3 → SD = 54.77 %; rest = (1,0,2,0,1), V = .7,
C(x, rest) = .6/4 = .15 → D = .15/√(.3·.7) = 32.73; sorted pairs give C_max = 1.6/4 = .4
→ DE = 37.5. q3: F = 20, D = 53.45, DE = 100. Test: mean 1.4, median 1, V(T) = 1.3,
SD = 1.1402; α = 3/2 · (1 - (.3 + .3 + .2)/1.3) = 57.69 %.
"""

from __future__ import annotations

from unittest import TestCase

from exams.itemstats import item_stats, test_stats

MATRIX = [[1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 0, 0], [0, 1, 0]]
TOTALS = [sum(row) for row in MATRIX]


def column(j):
    return [row[j] for row in MATRIX]


class ItemStatsTests(TestCase):
    def test_first_item_matches_hand_values(self):
        s = item_stats(key="q1", item=column(0), totals=TOTALS, max_points=1)
        self.assertAlmostEqual(s.facility, 60.0)
        self.assertAlmostEqual(s.sd, 54.772, places=3)
        self.assertAlmostEqual(s.discrimination, 32.733, places=3)
        self.assertAlmostEqual(s.efficiency, 37.5)

    def test_hard_item_matches_hand_values(self):
        s = item_stats(key="q3", item=column(2), totals=TOTALS, max_points=1)
        self.assertAlmostEqual(s.facility, 20.0)
        self.assertAlmostEqual(s.sd, 44.721, places=3)
        self.assertAlmostEqual(s.discrimination, 53.452, places=3)
        self.assertAlmostEqual(s.efficiency, 100.0)

    def test_facility_scales_by_item_points(self):
        s = item_stats(
            key="q",
            item=[2 * v for v in column(0)],
            totals=[t + v for t, v in zip(TOTALS, column(0), strict=True)],
            max_points=2,
        )
        self.assertAlmostEqual(s.facility, 60.0)

    def test_flags_questions_outside_healthy_ranges(self):
        everyone_right = item_stats(
            key="e", item=[1, 1, 1, 1, 1], totals=TOTALS, max_points=1
        )
        self.assertIn("too easy", everyone_right.flags)
        self.assertIsNone(everyone_right.discrimination)
        inverted = item_stats(
            key="i", item=[0, 0, 0, 1, 1], totals=[3, 3, 3, 1, 1], max_points=1
        )
        self.assertIn("negative discrimination: check the key", inverted.flags)

    def test_test_statistics_match_hand_values(self):
        t = test_stats(item_matrix=[column(j) for j in range(3)], totals=TOTALS)
        self.assertEqual(t.n, 5)
        self.assertAlmostEqual(t.mean, 1.4)
        self.assertAlmostEqual(t.median, 1.0)
        self.assertAlmostEqual(t.sd, 1.140175, places=5)
        self.assertAlmostEqual(t.alpha, 57.6923, places=3)
        self.assertAlmostEqual(t.error_ratio, 100 * (1 - 0.576923) ** 0.5, places=3)
