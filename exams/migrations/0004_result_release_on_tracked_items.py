"""Write each exam session's review policy onto its training-record item, so the record
surfaces (the person's record page, PDF, API, xAPI) follow it for sessions saved before
the release existed. Reversing leaves the items as they are."""

from django.db import migrations


def write_release(apps, schema_editor):
    ExamSession = apps.get_model("exams", "ExamSession")
    TrackedItem = apps.get_model("records", "TrackedItem")
    for session in ExamSession.objects.only("pk", "review_score", "closes_at"):
        if session.review_score == "after_submit":
            release, at = "always", None
        elif session.review_score == "after_close":
            release, at = "from", session.closes_at
        else:
            release, at = "never", None
        TrackedItem.objects.filter(item_type="exam", item_id=str(session.pk)).update(
            result_release=release, result_release_at=at
        )


class Migration(migrations.Migration):
    dependencies = [
        ("exams", "0003_submit_ip_practice_check_withdrawn"),
        ("records", "0006_credit_reversals_and_result_release"),
    ]

    operations = [migrations.RunPython(write_release, migrations.RunPython.noop)]
