"""RoutingRule becomes ResponsibilityRule ("route" is kept for walking routes).

A rename, not a re-creation: the table, its rows and its ids are kept; only the
names (table, related names, constraint names) change.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_alter_category_options_alter_timelimit_options"),
        ("org", "0004_user_password_changed_at"),
        ("places", "0002_alter_landmark_options_alter_road_options_and_more"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="routingrule", name="routingrule_unique_township"),
        migrations.RemoveConstraint(model_name="routingrule", name="routingrule_unique_anywhere"),
        migrations.RenameModel(old_name="RoutingRule", new_name="ResponsibilityRule"),
        migrations.AlterField(
            model_name="responsibilityrule",
            name="category",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="responsibility_rules",
                to="catalog.category",
                verbose_name="类别",
            ),
        ),
        migrations.AlterField(
            model_name="responsibilityrule",
            name="jurisdiction",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="responsibility_rules",
                to="org.jurisdiction",
                verbose_name="辖区",
            ),
        ),
        migrations.AlterField(
            model_name="responsibilityrule",
            name="township",
            field=models.ForeignKey(
                blank=True,
                help_text="留空表示全辖区",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="responsibility_rules",
                to="places.township",
                verbose_name="乡镇/街道",
            ),
        ),
        migrations.AlterField(
            model_name="responsibilityrule",
            name="unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="responsibility_rules",
                to="org.unit",
                verbose_name="责任单位",
            ),
        ),
        migrations.AddConstraint(
            model_name="responsibilityrule",
            constraint=models.UniqueConstraint(
                condition=models.Q(("township__isnull", False)),
                fields=("category", "township"),
                name="responsibilityrule_unique_township",
            ),
        ),
        migrations.AddConstraint(
            model_name="responsibilityrule",
            constraint=models.UniqueConstraint(
                condition=models.Q(("township__isnull", True)),
                fields=("category",),
                name="responsibilityrule_unique_anywhere",
            ),
        ),
    ]
