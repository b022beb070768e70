"""DocumentCounter moves here from cases, its rows and numbers kept.

The table already exists as cases_documentcounter (cases 0004): this app takes over the
model in Django's state only, then renames the table to its own name; cases 0012 drops
the model from its state only. No row is copied, so no number is reused.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("org", "0004_user_password_changed_at"),
        ("cases", "0010_queue_and_period_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DocumentCounter",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("kind", models.CharField(max_length=16)),
                        ("year", models.PositiveIntegerField()),
                        ("last", models.PositiveIntegerField(default=0)),
                        (
                            "jurisdiction",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                to="org.jurisdiction",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_documentcounter",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("jurisdiction", "kind", "year"),
                                name="documentcounter_unique",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="documentcounter", table=None),
    ]
