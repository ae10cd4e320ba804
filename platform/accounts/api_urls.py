from django.urls import path

from .api import MeView, PersonListView, UnitListView

urlpatterns = [
    path("me", MeView.as_view(), name="accounts-me"),
    path("units/", UnitListView.as_view(), name="accounts-units"),
    path("people/", PersonListView.as_view(), name="accounts-people"),
]
