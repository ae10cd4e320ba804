from django.urls import path

from . import api

urlpatterns = [
    path("search", api.SearchView.as_view(), name="search-api"),
    path("link", api.LinkView.as_view(), name="search-api-link"),
]
