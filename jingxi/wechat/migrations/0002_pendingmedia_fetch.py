import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """Photo fetching: attempts, the next try, the last error and giving up."""

    dependencies = [
        ("wechat", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="pendingmedia",
            name="wechat_media_pending",
        ),
        migrations.AddField(
            model_name="pendingmedia",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="尝试次数"),
        ),
        migrations.AddField(
            model_name="pendingmedia",
            name="failed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="放弃时间"),
        ),
        migrations.AddField(
            model_name="pendingmedia",
            name="last_error",
            field=models.TextField(blank=True, verbose_name="最近错误"),
        ),
        migrations.AddField(
            model_name="pendingmedia",
            name="next_attempt_at",
            # Photos already waiting are due at once.
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="下次尝试时间"
            ),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="pendingmedia",
            index=models.Index(
                condition=models.Q(("failed_at__isnull", True), ("fetched_at__isnull", True)),
                fields=["next_attempt_at"],
                name="wechat_media_due",
            ),
        ),
    ]
