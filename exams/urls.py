from django.urls import path

from .views import candidate, editor, manage

app_name = "exams"

urlpatterns = [
    path("", candidate.my_exams, name="my_exams"),
    path("s/<int:pk>/", candidate.session_detail, name="session"),
    path("a/<int:pk>/", candidate.attempt_take, name="attempt"),
    path("a/<int:pk>/save", candidate.attempt_save, name="attempt_save"),
    path("a/<int:pk>/state", candidate.attempt_state, name="attempt_state"),
    path("a/<int:pk>/flag", candidate.attempt_flag, name="attempt_flag"),
    path("a/<int:pk>/check", candidate.attempt_check, name="attempt_check"),
    path("a/<int:pk>/submit", candidate.attempt_submit, name="attempt_submit"),
    path("a/<int:pk>/result", candidate.attempt_result, name="attempt_result"),
    path(
        "certificate/<str:code>.pdf", candidate.certificate_download, name="certificate"
    ),
    path("verify/", candidate.certificate_verify, name="verify"),
    path("manage/", manage.manage, name="manage"),
    path("manage/questions/", manage.question_list, name="question_list"),
    path("manage/questions/new/", editor.question_new, name="question_new"),
    path("manage/questions/<int:pk>/", editor.question_edit, name="question_edit"),
    path(
        "manage/questions/<int:pk>/preview/",
        editor.question_preview,
        name="question_preview",
    ),
    path(
        "manage/questions/<int:pk>/retire/",
        editor.question_retire,
        name="question_retire",
    ),
    path("manage/questions/bulk/", editor.question_bulk, name="question_bulk"),
    path("manage/questions/import/", manage.question_import, name="question_import"),
    path(
        "manage/questions/export.xlsx", manage.question_export, name="question_export"
    ),
    path("manage/blueprints/new/", manage.blueprint_edit, name="blueprint_new"),
    path("manage/blueprints/<int:pk>/", manage.blueprint_edit, name="blueprint_edit"),
    path("manage/papers/<int:pk>/", editor.fixed_paper, name="fixed_paper"),
    path("manage/papers/<int:pk>/preview/", editor.paper_preview, name="paper_preview"),
    path("manage/sessions/new/", manage.session_edit, name="session_new"),
    path("manage/sessions/<int:pk>/edit/", manage.session_edit, name="session_edit"),
    path("manage/sessions/<int:pk>/", manage.session_manage, name="session_manage"),
    path(
        "manage/sessions/<int:pk>/statistics/",
        manage.session_statistics,
        name="session_statistics",
    ),
    path("marking/", manage.marking_queue, name="marking_queue"),
    path("marking/<int:pk>/", manage.marking_task, name="marking_task"),
]
