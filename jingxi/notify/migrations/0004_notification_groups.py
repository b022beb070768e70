"""Notifications say which state of their object they are about, clear, and count repeats."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0003_remove_notification_case"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="about",
            field=models.CharField(blank=True, default="", max_length=32, verbose_name="所涉状态"),
        ),
        migrations.AddField(
            model_name="notification",
            name="cleared_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="已过时时间"),
        ),
        migrations.AddField(
            model_name="notification",
            name="count",
            field=models.PositiveIntegerField(default=1, verbose_name="次数"),
        ),
        migrations.RemoveIndex(model_name="notification", name="notification_unread"),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("cleared_at__isnull", True), ("read_at__isnull", True)),
                fields=["recipient"],
                name="notification_pending",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(fields=["source", "object_id"], name="notification_object"),
        ),
    ]
