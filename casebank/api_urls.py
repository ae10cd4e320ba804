from django.urls import path

from . import api

urlpatterns = [
    path("laws/", api.LawListView.as_view(), name="casebank-api-laws"),
    path("laws/<int:pk>", api.LawDetailView.as_view(), name="casebank-api-law"),
    path("articles/", api.ArticleListView.as_view(), name="casebank-api-articles"),
    path(
        "articles/<int:pk>",
        api.ArticleDetailView.as_view(),
        name="casebank-api-article",
    ),
    path("charges/", api.ChargeListView.as_view(), name="casebank-api-charges"),
    path(
        "charges/<int:pk>", api.ChargeDetailView.as_view(), name="casebank-api-charge"
    ),
    path("cases/", api.CaseListView.as_view(), name="casebank-api-cases"),
    path("cases/<int:pk>", api.CaseDetailView.as_view(), name="casebank-api-case"),
    path(
        "references/",
        api.ReferenceResolveView.as_view(),
        name="casebank-api-references",
    ),
]
