from django.core.exceptions import PermissionDenied
from django.test import TestCase

from accounts.models import Role
from casebank.models import Charge
from casebank.services import casebank_review_setup
from tests.accounts.factories import UserFactory
from tests.base import PersonasMixin
from tests.casebank.factories import (
    ChargeFactory,
    LegalElementFactory,
    case_index,
    guideline_index,
)


class ElementReviewTests(PersonasMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.workflow = casebank_review_setup(sections=[case_index(), guideline_index()])
        cls.second_legal = UserFactory(
            username="legal_b", unit=cls.branch_b, roles=[Role.LEGAL_OFFICER]
        )
        cls.charge = ChargeFactory(name="盗窃罪", summary="旧的定义")
        LegalElementFactory(charge=cls.charge, kind="objective", title="窃取行为")

    def submit(self, user):
        charge = Charge.objects.get(pk=self.charge.pk)
        charge.summary = "经复核的新定义"
        charge.save_revision(user=user)
        return self.workflow.start(charge, user)

    def test_a_draft_is_not_shown_until_a_second_person_approves(self):
        state = self.submit(self.legal_officer)
        self.assertEqual(Charge.objects.get(pk=self.charge.pk).summary, "旧的定义")
        task_state = state.current_task_state
        task = task_state.task.specific
        charge = Charge.objects.get(pk=self.charge.pk)
        self.assertEqual(task.get_actions(charge, self.legal_officer), [])
        with self.assertRaises(PermissionDenied):
            task.on_action(task_state, self.legal_officer, "approve")
        self.assertIn(
            "approve",
            [name for name, *_ in task.get_actions(charge, self.second_legal)],
        )
        task.on_action(task_state, self.second_legal, "approve")
        state.refresh_from_db()
        charge = Charge.objects.get(pk=self.charge.pk)
        self.assertEqual(charge.summary, "经复核的新定义")
        self.assertEqual(charge.elements.count(), 1)

    def test_officers_cannot_review(self):
        state = self.submit(self.legal_officer)
        task = state.current_task_state.task.specific
        self.assertEqual(
            task.get_actions(Charge.objects.get(pk=self.charge.pk), self.officer), []
        )


class AdminSnippetTests(PersonasMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        casebank_review_setup(sections=[case_index(), guideline_index()])
        cls.charge = ChargeFactory(name="诈骗罪")
        LegalElementFactory(charge=cls.charge, kind="subjective", title="非法占有目的")

    def test_legal_officer_opens_the_charge_editor_with_its_elements(self):
        self.login(self.legal_officer)
        response = self.client.get(
            f"/admin/snippets/casebank/charge/edit/{self.charge.pk}/"
        )
        self.assertContains(response, "非法占有目的")
        self.assertEqual(
            self.client.get(
                "/admin/snippets/casebank/charge/", {"q": "诈骗"}
            ).status_code,
            200,
        )


class DraftPreviewTests(PersonasMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        casebank_review_setup(sections=[case_index(), guideline_index()])

    def test_reviewer_previews_a_draft_case_that_readers_cannot_open(self):
        from tests.casebank.factories import make_case

        draft = make_case("待审核的案例", live=False, facts="草稿中的案情")
        revision = draft.save_revision(user=self.legal_officer)
        url = f"/admin/pages/{draft.pk}/revisions/{revision.pk}/view/"
        self.login(self.legal_officer)
        self.assertContains(self.client.get(url), "草稿中的案情")
        self.login(self.officer)
        self.assertNotContains(self.client.get(url), "草稿中的案情", status_code=302)
        self.assertEqual(
            self.client.get(draft.url).status_code, 404
        )  # drafts are not routed


class TwoPersonReviewBypassTests(PersonasMixin, TestCase):
    """Issue 13, finding "two-person review bypassed": a legal officer edited a case
    another had submitted, then approved it. Whoever edited the revision under review
    cannot approve it either."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.workflow = casebank_review_setup(sections=[case_index(), guideline_index()])
        cls.second_legal = UserFactory(
            username="legal_b2", unit=cls.branch_b, roles=[Role.LEGAL_OFFICER]
        )
        cls.charge = ChargeFactory(name="抢劫罪", summary="旧的定义")

    def test_two_person_review_editor_of_the_submitted_revision_cannot_approve(self):
        charge = Charge.objects.get(pk=self.charge.pk)
        charge.summary = "提交的定义"
        charge.save_revision(user=self.legal_officer)
        state = self.workflow.start(charge, self.legal_officer)
        # A second legal officer edits the submitted draft, then tries to approve it.
        charge = Charge.objects.get(pk=self.charge.pk)
        charge.summary = "第二人改过的定义"
        charge.save_revision(user=self.second_legal)
        task_state = state.current_task_state
        task = task_state.task.specific
        self.assertEqual(task.get_actions(charge, self.second_legal), [])
        with self.assertRaises(PermissionDenied):
            task.on_action(task_state, self.second_legal, "approve")
        self.assertEqual(Charge.objects.get(pk=self.charge.pk).summary, "旧的定义")
        # A third person, who edited nothing, approves.
        self.assertIn(
            "approve", [name for name, *_ in task.get_actions(charge, self.trainer)]
        )
