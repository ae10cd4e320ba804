from django.urls import path

from . import api

urlpatterns = [
    path("courses/", api.CourseListView.as_view(), name="courses-api-list"),
    path(
        "courses/<int:pk>/", api.CourseDetailView.as_view(), name="courses-api-detail"
    ),
    path("my/learning", api.MyLearningView.as_view(), name="courses-api-my-learning"),
]
