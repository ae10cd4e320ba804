"""The 执法考评 demo: plausible problems at every demo station, more in 受案立案 and
证据收集, training mapped and partly done, past months frozen; idempotent."""

from __future__ import annotations

from collections import Counter

from django.test import TestCase
from django.utils import timezone

from accounts import demo as accounts_demo
from casebank.models import EnforcementProblem, ProblemRemediation
from courses import demo, demo_evaluation
from courses.evaluation import scheme_in_force
from courses.evaluation_services import snapshot_verify
from courses.models import EvaluationSnapshot

from . import factories
from .test_demo import keyword_search_only


@keyword_search_only()
class EvaluationDemoTests(TestCase):
    def test_seed_is_plausible_and_idempotent(self):
        factories.ensure_site()
        accounts_demo.seed()
        demo.seed()
        demo_evaluation.seed()
        problems = EnforcementProblem.objects.all()
        count = problems.count()
        by_station = Counter(problems.values_list("unit__code", flat=True))
        self.assertEqual(set(by_station), set(demo_evaluation.STATIONS))
        self.assertTrue(all(4 <= n <= 12 for n in by_station.values()), by_station)
        by_category = Counter(problems.values_list("category", flat=True))
        top_two = {c for c, _n in by_category.most_common(2)}
        self.assertEqual(top_two, {"acceptance", "evidence"})
        self.assertTrue(ProblemRemediation.objects.exists())
        self.assertTrue(
            ProblemRemediation.objects.filter(assignment__status="completed").exists()
        )
        self.assertTrue(scheme_in_force(timezone.localdate().year).approved)
        months = timezone.localdate().month - 1
        snapshots = EvaluationSnapshot.objects.all()
        self.assertEqual(snapshots.count(), months)
        self.assertTrue(all(snapshot_verify(s) for s in snapshots[:2]))
        demo_evaluation.seed()
        self.assertEqual(EnforcementProblem.objects.count(), count)
        self.assertEqual(EvaluationSnapshot.objects.count(), months)
