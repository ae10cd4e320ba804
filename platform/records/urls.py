from django.urls import path
from django.views.generic import RedirectView

from . import assignment_views, views

app_name = "records"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="records:my_record"), name="index"),
    path("me/", views.my_record, name="my_record"),
    path("me/pdf/", views.my_record_pdf, name="my_record_pdf"),
    path("people/<int:pk>/", views.person_record, name="person_record"),
    path("people/<int:pk>/pdf/", views.person_record_pdf, name="person_record_pdf"),
    path("reports/", views.report_dashboard, name="reports"),
    path("reports/people/", views.report_people, name="report_people"),
    path("reports/overdue/", views.report_overdue, name="report_overdue"),
    path("reports/at-risk/", views.report_at_risk, name="report_at_risk"),
    path("reports/remind/", views.report_remind, name="report_remind"),
    path("reports/export/<slug:report>/", views.report_export, name="report_export"),
    path("exports/", views.export_list, name="exports"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("offline/", views.offline_list, name="offline"),
    path("offline/review/", views.offline_review_list, name="offline_review_list"),
    path("offline/<int:pk>/review/", views.offline_review, name="offline_review"),
    path("offline/<int:pk>/evidence/", views.offline_evidence, name="offline_evidence"),
    path("offline/group/", views.offline_group, name="offline_group"),
    path("requirements/", views.requirement_list, name="requirements"),
    path("assignments/", assignment_views.assignment_rules, name="assignment_rules"),
    path(
        "assignments/<int:pk>/delete/",
        assignment_views.assignment_rule_delete,
        name="assignment_rule_delete",
    ),
    path(
        "assignments/exemption/<int:pk>/",
        assignment_views.assignment_exemption,
        name="assignment_exemption",
    ),
    path("certifications/add/", views.certification_add, name="certification_add"),
    path("notifications/", views.notification_list, name="notifications"),
]
