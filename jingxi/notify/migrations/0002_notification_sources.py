"""Notifications from any source: a source name, object id and link instead of a case.

Every existing notification came from the case events: it becomes source "cases" with
its case's id and the case page's link. The cursor "case_events" becomes the cursor of
the source "cases" at the same position, so no event is delivered twice or skipped.
The case column is dropped in the next migration: PostgreSQL refuses to alter a table
whose rows were updated earlier in the same transaction (pending deferred FK checks).
"""

from django.db import migrations, models
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse

PROBE = 987654321


def forwards(apps, schema_editor):
    Notification = apps.get_model("notify", "Notification")
    OutboxCursor = apps.get_model("notify", "OutboxCursor")
    prefix, suffix = reverse("cases:case-detail", args=[PROBE]).split(str(PROBE))
    Notification.objects.update(source="cases")
    Notification.objects.filter(case__isnull=False).update(
        object_id=Cast("case_id", CharField()),
        url=Concat(Value(prefix), Cast("case_id", CharField()), Value(suffix)),
    )
    OutboxCursor.objects.filter(source="case_events").update(source="cases")


def backwards(apps, schema_editor):
    Notification = apps.get_model("notify", "Notification")
    OutboxCursor = apps.get_model("notify", "OutboxCursor")
    OutboxCursor.objects.filter(source="cases").update(source="case_events")
    for row in Notification.objects.filter(source="cases").exclude(object_id=""):
        row.case_id = int(row.object_id)
        row.save(update_fields=["case"])


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="source",
            field=models.CharField(default="", max_length=32, verbose_name="来源"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="notification",
            name="object_id",
            field=models.CharField(blank=True, max_length=64, verbose_name="对象编号"),
        ),
        migrations.AddField(
            model_name="notification",
            name="url",
            field=models.CharField(blank=True, max_length=255, verbose_name="链接"),
        ),
        migrations.RenameField(model_name="outboxcursor", old_name="name", new_name="source"),
        migrations.AlterField(
            model_name="outboxcursor",
            name="source",
            field=models.CharField(max_length=32, unique=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
