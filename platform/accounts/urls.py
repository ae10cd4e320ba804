from django.urls import path

from . import manage_views, views, vocabulary_views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    # Administration (behind the two-factor gate, see middleware.py)
    path("manage/units/", manage_views.unit_tree, name="unit_tree"),
    path("manage/units/<int:pk>/move/", manage_views.unit_move_view, name="unit_move"),
    path("manage/people/", manage_views.people_list, name="people"),
    path(
        "manage/people/export.csv",
        manage_views.people_export,
        {"fmt": "csv"},
        name="people_export_csv",
    ),
    path(
        "manage/people/export.xlsx",
        manage_views.people_export,
        {"fmt": "xlsx"},
        name="people_export_xlsx",
    ),
    path("manage/people/<int:pk>/", manage_views.person_detail, name="person_detail"),
    path(
        "manage/people/<int:pk>/post/",
        vocabulary_views.person_post,
        name="person_post",
    ),
    path("manage/vocabularies/", vocabulary_views.vocabularies, name="vocabularies"),
    path(
        "manage/people/<int:pk>/roles/", manage_views.person_roles, name="person_roles"
    ),
    path(
        "manage/people/<int:pk>/password/",
        manage_views.person_reset_password,
        name="person_reset_password",
    ),
    path(
        "manage/people/<int:pk>/active/",
        manage_views.person_set_active,
        name="person_set_active",
    ),
    path(
        "manage/people/<int:pk>/two-factor/",
        manage_views.person_reset_two_factor,
        name="person_reset_two_factor",
    ),
    path(
        "manage/people/<int:pk>/unlock/",
        manage_views.person_unlock,
        name="person_unlock",
    ),
    path("manage/import/", manage_views.import_people, name="import_people"),
    path(
        "manage/import/template.csv",
        manage_views.import_template,
        name="import_template",
    ),
    path(
        "manage/import/passwords.csv",
        manage_views.import_credentials,
        name="import_credentials",
    ),
]
