"""Bulletin now belongs to jingxi.bulletins (its 0001 took the table over)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("public", "0003_bulletin"),
        ("bulletins", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Bulletin")],
            database_operations=[],
        ),
    ]
