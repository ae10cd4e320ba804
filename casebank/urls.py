from django.urls import path

from . import problem_views, views, views_amendments, views_reading

app_name = "casebank"

urlpatterns = [
    path("", views.home, name="home"),
    path("laws/", views.law_list, name="law_list"),
    path("laws/<int:pk>/", views.law_detail, name="law_detail"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
    path("lookup/", views.lookup, name="lookup"),
    path(
        "guidelines/<int:pk>/read/",
        views_reading.guideline_read_view,
        name="guideline_read",
    ),
    path("charges/", views.charge_list, name="charge_list"),
    path("charges/<int:pk>/", views.charge_detail, name="charge_detail"),
    path("flags/", views.flag_list, name="flag_list"),
    path("flags/<int:pk>/resolve/", views.flag_resolve, name="flag_resolve"),
    path("cases/feed/", views.LatestCasesFeed(), name="case_feed"),
    path("problems/", problem_views.problem_list, name="problem_list"),
    path("problems/new/", problem_views.problem_add, name="problem_add"),
    path("problems/import/", problem_views.problem_import, name="problem_import"),
    path(
        "problems/import/template.xlsx",
        problem_views.problem_import_template,
        name="problem_import_template",
    ),
    path("problems/<int:pk>/", problem_views.problem_detail, name="problem_detail"),
    path("amendments/", views_amendments.amendment_list, name="amendment_list"),
    path("amendments/new/", views_amendments.amendment_new, name="amendment_new"),
    path(
        "amendments/<int:pk>/decide/",
        views_amendments.amendment_decide,
        name="amendment_decide",
    ),
    path("articles/choose/", views_amendments.article_choose, name="article_choose"),
    path("problems/cases-handled/", problem_views.case_volumes, name="case_volumes"),
]
