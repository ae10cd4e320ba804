from django.urls import path

from . import views, views_pre_meeting

app_name = "courses"

urlpatterns = [
    path("", views.my_learning, name="my_learning"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("courses/<int:course_id>/enrol/", views.course_enrol, name="course_enrol"),
    path(
        "lessons/<int:lesson_id>/heartbeat/",
        views.lesson_heartbeat,
        name="lesson_heartbeat",
    ),
    path("lessons/<int:lesson_id>/video/", views.lesson_video, name="lesson_video"),
    path(
        "lessons/<int:lesson_id>/practice/<str:block_id>/",
        views.lesson_practice,
        name="lesson_practice",
    ),
    path("pre-meeting/", views.pre_meeting, name="pre_meeting"),
    path("pre-meeting/new/", views_pre_meeting.pre_meeting_new, name="pre_meeting_new"),
    path(
        "pre-meeting/<int:session_id>/",
        views_pre_meeting.pre_meeting_session,
        name="pre_meeting_session",
    ),
    path(
        "pre-meeting/<int:session_id>/attend/",
        views_pre_meeting.pre_meeting_attend,
        name="pre_meeting_attend",
    ),
    path(
        "pre-meeting/<int:session_id>/confirm/",
        views.pre_meeting_confirm,
        name="pre_meeting_confirm",
    ),
    path(
        "pre-meeting/<int:session_id>/absence/",
        views.pre_meeting_absence,
        name="pre_meeting_absence",
    ),
]
