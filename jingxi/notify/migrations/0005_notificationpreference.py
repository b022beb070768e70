"""Each user's choice of media per kind of notification (only choices off the default)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0004_notification_groups"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="NotificationPreference",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("source", models.CharField(max_length=32, verbose_name="来源")),
                ("kind", models.CharField(max_length=32, verbose_name="类型")),
                (
                    "medium",
                    models.CharField(
                        choices=[
                            ("in_app", "站内"),
                            ("email", "电子邮件"),
                            ("sms", "短信"),
                            ("wechat", "微信"),
                        ],
                        max_length=16,
                        verbose_name="渠道",
                    ),
                ),
                ("enabled", models.BooleanField(verbose_name="接收")),
                (
                    "user",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notification_preferences",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="用户",
                    ),
                ),
            ],
            options={"verbose_name": "通知设置", "verbose_name_plural": "通知设置"},
        ),
        migrations.AddConstraint(
            model_name="notificationpreference",
            constraint=models.UniqueConstraint(
                fields=("user", "source", "kind", "medium"), name="notification_preference_unique"
            ),
        ),
    ]
