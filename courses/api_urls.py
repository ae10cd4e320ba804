from django.urls import path

from . import api, evaluation_api

urlpatterns = [
    path("courses/", api.CourseListView.as_view(), name="courses-api-list"),
    path(
        "courses/<int:pk>/", api.CourseDetailView.as_view(), name="courses-api-detail"
    ),
    path("my/learning", api.MyLearningView.as_view(), name="courses-api-my-learning"),
    path(
        "evaluation/units/<int:unit_id>",
        evaluation_api.UnitEvaluationView.as_view(),
        name="courses-api-evaluation-unit",
    ),
    path(
        "my/evaluation",
        evaluation_api.MyEvaluationView.as_view(),
        name="courses-api-my-evaluation",
    ),
]
