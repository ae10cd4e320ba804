from django.urls import path

from . import api

urlpatterns = [
    path("exams/sessions/", api.SessionListView.as_view(), name="exams-api-sessions"),
    path(
        "exams/sessions/<int:pk>/start",
        api.SessionStartView.as_view(),
        name="exams-api-start",
    ),
    path(
        "exams/attempts/<int:pk>/", api.AttemptView.as_view(), name="exams-api-attempt"
    ),
    path(
        "exams/attempts/<int:pk>/answers",
        api.AttemptSaveView.as_view(),
        name="exams-api-save",
    ),
    path(
        "exams/attempts/<int:pk>/check",
        api.AttemptCheckView.as_view(),
        name="exams-api-check",
    ),
    path(
        "exams/attempts/<int:pk>/submit",
        api.AttemptSubmitView.as_view(),
        name="exams-api-submit",
    ),
]
