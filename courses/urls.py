from django.urls import path

from . import views

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
    path("lessons/<int:lesson_id>/media/<str:block_id>/", views.media, name="media"),
    path(
        "lessons/<int:lesson_id>/captions/<str:block_id>.vtt",
        views.captions,
        name="captions",
    ),
    path("pre-meeting/", views.pre_meeting, name="pre_meeting"),
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
