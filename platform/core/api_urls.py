"""/api/v1/: each app contributes its own ``api_urls``."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api_urls")),
    path("", include("search.api_urls")),
    path("", include("casebank.api_urls")),
    path("", include("courses.api_urls")),
    path("", include("exams.api_urls")),
    path("", include("records.api_urls")),
]
