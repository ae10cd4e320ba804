"""Issue 13, finding "restricted cases leak through the Wagtail admin": a case restricted
to branch A renders to a legal officer of branch B and to every trainer through
view_draft, revisions, compare, preview, history, workflow history, lock and the admin
API; copy made the copier the owner of a full copy. Each answers 404 now, and successful
reads of restricted material are audited."""

from __future__ import annotations

from django.test import TestCase

from audit.models import AuditEntry
from casebank.models import CasePage
from casebank.services import casebank_review_setup
from tests.accounts.factories import UserFactory
from tests.accounts.helpers import login_verified
from tests.base import PersonasMixin
from tests.casebank.factories import case_index, guideline_index, make_case

SECRET_FACTS = "SECMARK-RESTRICTED-FACTS-4411"


class RestrictedAdminTestCase(PersonasMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        casebank_review_setup(sections=[case_index(), guideline_index()])
        from django.contrib.auth.models import Group

        cls.legal_west = UserFactory(
            username="legal_west", unit=cls.branch_b, roles=["legal_officer"]
        )
        cls.legal_east = UserFactory(
            username="legal_east", unit=cls.station_a1, roles=["legal_officer"]
        )
        legal = Group.objects.get(name="legal_officer")
        for person in (cls.legal_west, cls.legal_east, cls.legal_officer):
            person.groups.add(legal)
        cls.trainer.groups.add(Group.objects.get(name="trainer"))
        cls.case = make_case(
            "东城专案（限阅）",
            restricted_units=[cls.branch_a],
            facts=SECRET_FACTS,
            owner=cls.legal_officer,
        )
        page = CasePage.objects.get(pk=cls.case.pk)
        page.facts = SECRET_FACTS + " 修订"
        cls.revision = page.save_revision(user=cls.legal_officer)
        cls.first_revision = page.revisions.order_by("pk").first()

    def urls(self) -> dict[str, str]:
        pk = self.case.pk
        return {
            "view_draft": f"/admin/pages/{pk}/view_draft/",
            "revisions_index": f"/admin/pages/{pk}/revisions/",
            "revisions_view": f"/admin/pages/{pk}/revisions/{self.revision.pk}/view/",
            "revisions_compare": (
                f"/admin/pages/{pk}/revisions/compare/"
                f"{self.first_revision.pk}...{self.revision.pk}/"
            ),
            "history": f"/admin/pages/{pk}/history/",
            "workflow_history": f"/admin/pages/{pk}/workflow_history/",
            "usage": f"/admin/pages/{pk}/usage/",
            "copy": f"/admin/pages/{pk}/copy/",
            "edit_preview": f"/admin/pages/{pk}/edit/preview/",
            "admin_api_detail": f"/admin/api/main/pages/{pk}/",
        }


class RestrictedAdminReadTests(RestrictedAdminTestCase):
    def test_restricted_case_admin_views_answer_404_to_another_units_legal_officer(
        self,
    ):
        login_verified(self.client, self.legal_west)
        for name, url in self.urls().items():
            with self.subTest(name):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 404, f"{name} {url}")
                self.assertNotIn(SECRET_FACTS, response.content.decode())

    def test_restricted_case_admin_views_answer_404_to_a_trainer_outside(self):
        login_verified(self.client, self.trainer)
        for name, url in self.urls().items():
            with self.subTest(name):
                self.assertEqual(self.client.get(url).status_code, 404, name)

    def test_restricted_case_admin_views_answer_404_to_the_system_admin(self):
        """三员分立: the system admin runs the platform and reads no restricted case."""
        from django.contrib.auth.models import Group, Permission

        group, _ = Group.objects.get_or_create(name="system_admin")
        group.permissions.add(Permission.objects.get(codename="access_admin"))
        self.system_admin.groups.add(group)
        login_verified(self.client, self.system_admin)
        self.assertEqual(self.client.get(self.urls()["view_draft"]).status_code, 404)

    def test_lock_of_restricted_case_refused_to_outsiders(self):
        login_verified(self.client, self.legal_west)
        response = self.client.post(f"/admin/pages/{self.case.pk}/lock/")
        self.assertEqual(response.status_code, 404)
        self.assertFalse(CasePage.objects.get(pk=self.case.pk).locked)

    def test_insider_reads_the_draft_and_the_read_is_audited(self):
        login_verified(self.client, self.legal_east)
        before = AuditEntry.objects.filter(action="casebank.restricted_read").count()
        response = self.client.get(self.urls()["view_draft"])
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, SECRET_FACTS)
        entries = AuditEntry.objects.filter(action="casebank.restricted_read")
        self.assertEqual(entries.count(), before + 1)
        entry = entries.order_by("-pk").first()
        self.assertEqual(entry.actor_id, self.legal_east.pk)
        self.assertEqual(entry.target_id, str(self.case.pk))
        self.assertEqual(entry.details["view"], "wagtailadmin_pages:view_draft")


class RestrictedCopyTests(RestrictedAdminTestCase):
    def test_copy_refused_to_outsider(self):
        login_verified(self.client, self.legal_west)
        count = CasePage.objects.count()
        response = self.client.post(
            f"/admin/pages/{self.case.pk}/copy/",
            {
                "new_title": "副本",
                "new_slug": "copy-x",
                "new_parent_page": case_index().pk,
            },
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(CasePage.objects.count(), count)

    def test_copy_of_a_parent_with_restricted_children_refused_to_outsider(self):
        """Copying the case library with its sub-pages would copy the restricted case."""
        from casebank.permissions import copy_would_expose

        self.assertTrue(copy_would_expose(self.legal_west, case_index()))
        self.assertFalse(copy_would_expose(self.legal_east, case_index()))

    def test_copier_does_not_become_owner_of_a_restricted_copy(self):
        login_verified(self.client, self.legal_east)
        response = self.client.post(
            f"/admin/pages/{self.case.pk}/copy/",
            {
                "new_title": "副本",
                "new_slug": "copy-east",
                "new_parent_page": case_index().pk,
                "publish_copies": "",
            },
        )
        self.assertEqual(response.status_code, 302, response.content[:500])
        copy = CasePage.objects.get(slug="copy-east")
        self.assertEqual(copy.owner_id, self.legal_officer.pk)
