"""``selectors.audience_session_ids`` (who sees which sessions, in three queries) agrees
with ``services.session_audience`` (the rule, in SQL) for every kind of audience and person."""

from __future__ import annotations

import itertools

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from exams.models import ExamOverride, ExamSession
from exams.selectors import audience_session_ids, sessions_for_user
from exams.services import session_audience
from tests.accounts.factories import UserFactory
from tests.base import BaseTestCase

from .factories import make_blueprint, make_session, standard_bank


class AudienceSessionIdsTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        blueprint = make_blueprint(rows=[(standard_bank(n_each=1), "single", 1, 1)])
        cls.no_unit = UserFactory(username="no_unit", unit=None, roles=[Role.OFFICER])
        cls.retired = UserFactory(
            username="retired",
            unit=cls.station_a1,
            roles=[Role.OFFICER],
            is_active=False,
        )
        cls.people = [
            cls.officer,
            cls.officer_b,
            cls.legal_officer,
            cls.leader,
            cls.unit_admin_a,
            cls.no_unit,
            cls.retired,
        ]
        unit_choices = [
            (),
            (cls.branch_a,),
            (cls.station_b1,),
            (cls.city,),
            (cls.station_a2, cls.branch_b),
        ]
        role_choices = [[], [Role.OFFICER], [Role.LEGAL_OFFICER, Role.LEADER]]
        named_choices = [(), (cls.officer_b,), (cls.retired, cls.leader)]
        cls.sessions = []
        for n, (units, roles, named) in enumerate(
            itertools.product(unit_choices, role_choices, named_choices)
        ):
            cls.sessions.append(
                make_session(
                    blueprint=blueprint,
                    units=units,
                    people=named,
                    title=f"受众组合{n}",
                    audience_roles=roles,
                    is_published=True,
                )
            )
        ExamOverride.objects.create(
            session=cls.sessions[0], user=cls.officer, extra_minutes=5
        )
        ExamOverride.objects.create(
            session=cls.sessions[1], user=cls.retired, extra_minutes=5
        )

    def test_agrees_with_the_rule_for_every_audience_and_person(self):
        sessions = list(
            ExamSession.objects.filter(
                pk__in=[s.pk for s in self.sessions]
            ).prefetch_related("audience_units")
        )
        for person in self.people:
            with self.subTest(person=person.username):
                expected = {
                    s.pk
                    for s in sessions
                    if session_audience(s).filter(pk=person.pk).exists()
                    or s.overrides.filter(user=person).exists()
                }
                self.assertEqual(audience_session_ids(person, sessions), expected)
        # The combinations are not all empty or all full: the comparison means something.
        officer_ids = audience_session_ids(self.officer, sessions)
        self.assertTrue(0 < len(officer_ids) < len(sessions))

    def test_queries_do_not_grow_with_the_number_of_sessions(self):
        with CaptureQueriesContext(connection) as queries:
            list(sessions_for_user(self.officer))
        # 7: one more than before assignment rules, for the rules of exams (however many).
        self.assertLessEqual(len(queries), 7, [q["sql"][:120] for q in queries])
        self.assertGreater(len(self.sessions), 40)
