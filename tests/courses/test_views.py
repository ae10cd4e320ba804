from __future__ import annotations

import json

from django.utils import timezone

import time_machine

from accounts.models import Role
from courses import services
from courses.models import LessonProgress
from records.models import CreditEntry
from tests.base import BaseTestCase

from . import factories


class LearnerPagesTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.index = factories.course_index()
        cls.course = factories.course(
            cls.index,
            title="电信网络诈骗案件办理",
            hours="2",
            rules=[{"role": Role.OFFICER, "unit": cls.branch_a}],
        )
        cls.video = factories.video_document()
        cls.lesson = factories.lesson(
            cls.course,
            title="取证要点",
            blocks=[
                factories.text_block("<p>电子数据的提取</p>"),
                factories.video_block(cls.video),
                factories.practice_block(
                    "冻结涉案账户应当经谁批准？",
                    correct=(2,),
                    choices=("办案民警", "所长", "县级以上公安机关负责人"),
                ),
            ],
        )
        cls.elective = factories.course(
            cls.index,
            title="执法办案中的人权保障",
            required=False,
            category="enforcement",
        )
        cls.elective_lesson = factories.lesson(cls.elective)
        services.course_assignments_sync(course=cls.course)

    def _post(self, url, data, client=None):
        return (client or self.client).post(
            url, data=json.dumps(data), content_type="application/json"
        )

    def test_anonymous_visitors_are_sent_to_sign_in(self):
        response = self.client.get(self.lesson.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])

    def test_lesson_page_never_contains_the_answer_key(self):
        self.login(self.officer)
        response = self.client.get(self.lesson.url)
        self.assertContains(response, "冻结涉案账户应当经谁批准")
        self.assertContains(response, "县级以上公安机关负责人")
        body = response.content.decode()
        self.assertNotIn('"correct"', body)
        self.assertNotIn(
            "依据《公安机关办理刑事案件程序规定》", body
        )  # the explanation comes after answering

    def test_practice_feedback_comes_from_the_server(self):
        self.login(self.officer)
        block_id = self.lesson.body[2].id
        url = f"/learn/lessons/{self.lesson.pk}/practice/{block_id}/"
        wrong = self._post(url, {"choices": [0]}).json()
        # The analysis after a wrong try, never the right option.
        self.assertEqual((wrong["correct"], wrong["correct_choices"]), (False, []))
        self.assertIn("依据", wrong["explanation"])
        locked = self._post(url, {"choices": [2]})
        self.assertEqual(locked.status_code, 400)
        self.assertIn("再", locked.json()["error"]["message"])
        LessonProgress.objects.filter(user=self.officer).update(seconds_spent=600)
        self.assertTrue(self._post(url, {"choices": [2]}).json()["correct"])
        self.assertEqual(self._post(url, {"choices": []}).status_code, 400)
        self.assertEqual(
            self.client.post(
                url, data="not json", content_type="application/json"
            ).status_code,
            400,
        )
        self.assertEqual(
            self._post(
                f"/learn/lessons/{self.lesson.pk}/practice/unknown/", {"choices": [1]}
            ).status_code,
            400,
        )

    def test_video_position_survives_a_reload_and_a_second_device(self):
        self.login(self.officer)
        block_id = self.lesson.body[1].id
        response = self._post(
            f"/learn/lessons/{self.lesson.pk}/video/",
            {"block_id": block_id, "start": 40, "end": 45, "duration": 120},
        )
        self.assertEqual(response.status_code, 200)
        phone = self.client_class()
        phone.force_login(self.officer)
        page = phone.get(self.lesson.url)
        self.assertEqual(page.context["video_positions"][block_id]["position"], 45)
        self.assertContains(page, '"position": 45')
        course_page = phone.get(self.course.url)
        self.assertEqual(course_page.context["resume_lesson"].pk, self.lesson.pk)

    def test_heartbeat_adds_the_server_measured_time_capped(self):
        self.login(self.officer)
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:
            self.client.get(self.lesson.url)
            clock.shift(30)
            self._post(f"/learn/lessons/{self.lesson.pk}/heartbeat/", {"seconds": 30})
            clock.shift(5)
            self._post(f"/learn/lessons/{self.lesson.pk}/heartbeat/", {"seconds": 5000})
        self.assertEqual(
            LessonProgress.objects.get(
                user=self.officer, lesson=self.lesson
            ).seconds_spent,
            35,
        )

    def test_my_learning_lists_required_course_and_hours(self):
        self.login(self.officer)
        response = self.client.get("/learn/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            [r.course.pk for r in response.context["learning"].required],
            [self.course.pk],
        )
        self.assertContains(response, "电信网络诈骗案件办理")

    def test_officer_outside_the_audience_sees_it_only_in_the_catalogue(self):
        self.login(self.officer_b)
        self.assertEqual(self.client.get("/learn/").context["learning"].required, [])
        response = self.client.get("/learn/catalogue/", {"q": "诈骗"})
        self.assertEqual(
            [r["course"].pk for r in response.context["rows"]], [self.course.pk]
        )
        response = self.client.get(
            "/learn/catalogue/", {"kind": "elective", "category": "enforcement"}
        )
        self.assertEqual(
            [r["course"].pk for r in response.context["rows"]], [self.elective.pk]
        )

    def test_elective_self_enrolment_and_completion(self):
        self.login(self.officer_b)
        response = self.client.post(f"/learn/courses/{self.elective.pk}/enrol/")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            len(self.client.get("/learn/").context["learning"].in_progress), 1
        )
        self.client.get(self.elective_lesson.url)
        learning = self.client.get("/learn/").context["learning"]
        self.assertEqual([r.course.pk for r in learning.completed], [self.elective.pk])
        self.assertEqual(CreditEntry.objects.get(user=self.officer_b).hours, 2)

    def test_home_page_shows_due_courses(self):
        self.login(self.officer)
        response = self.client.get("/")
        self.assertContains(response, "电信网络诈骗案件办理")


class ApiTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.index = factories.course_index()
        cls.course = factories.course(
            cls.index, title="受案立案规范", rules=[{"role": Role.OFFICER}]
        )
        factories.lesson(cls.course)
        services.course_assignments_sync(course=cls.course)

    def test_course_list_and_my_learning(self):
        self.login(self.officer)
        courses = self.client.get("/api/v1/courses/").json()
        self.assertEqual(courses["results"][0]["title"], "受案立案规范")
        mine = self.client.get("/api/v1/my/learning").json()
        self.assertEqual(mine["required"][0]["course"]["id"], self.course.pk)
        self.assertEqual(
            self.client.get(f"/api/v1/courses/{self.course.pk}/").json()["lessons"][0][
                "completed"
            ],
            False,
        )

    def test_api_needs_authentication(self):
        self.assertEqual(self.client.get("/api/v1/my/learning").status_code, 401)

    def test_schema_lists_the_course_endpoints(self):
        self.login(self.system_admin)
        schema = self.client.get("/api/v1/schema/", {"format": "json"}).json()
        self.assertIn("/api/v1/courses/", schema["paths"])
        self.assertIn("/api/v1/my/learning", schema["paths"])
