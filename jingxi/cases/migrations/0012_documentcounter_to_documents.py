"""DocumentCounter now belongs to jingxi.documents (its 0001 took the table over)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_caseevent_action_at"),
        ("documents", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DocumentCounter")],
            database_operations=[],
        ),
    ]
