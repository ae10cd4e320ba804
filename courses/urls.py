from django.urls import path

from . import evaluation_views, remediation_views, views, views_pre_meeting

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
    path("evaluation/", evaluation_views.evaluation_unit, name="evaluation"),
    path("evaluation/my/", evaluation_views.my_evaluation, name="my_evaluation"),
    path(
        "evaluation/people/<int:person_id>/",
        evaluation_views.evaluation_person,
        name="evaluation_person",
    ),
    path(
        "evaluation/export.xlsx",
        evaluation_views.evaluation_export,
        name="evaluation_export",
    ),
    path(
        "evaluation/schemes/",
        evaluation_views.evaluation_schemes,
        name="evaluation_schemes",
    ),
    path(
        "evaluation/schemes/<int:pk>/approve/",
        evaluation_views.evaluation_scheme_approve,
        name="evaluation_scheme_approve",
    ),
    path(
        "evaluation/freeze/",
        evaluation_views.evaluation_freeze,
        name="evaluation_freeze",
    ),
    path(
        "problem-training/",
        remediation_views.problem_training,
        name="problem_training",
    ),
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
