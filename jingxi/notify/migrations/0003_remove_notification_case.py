"""Notifications are no longer tied to a case: 0002 moved the case into source and id."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0002_notification_sources"),
    ]

    operations = [
        migrations.RemoveField(model_name="notification", name="case"),
    ]
