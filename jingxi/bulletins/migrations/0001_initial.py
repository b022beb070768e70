"""Bulletin moves here from public, its rows and table kept.

The table exists as public_bulletin (public 0003): this app takes over the model in
Django's state only, then renames the table to its own name; public 0004 drops the
model from its state only. No row is copied.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("org", "0004_user_password_changed_at"),
        ("public", "0003_bulletin"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Bulletin",
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
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("monthly", "月度通报"),
                                    ("special", "专项通报"),
                                    ("announcement", "公告"),
                                ],
                                max_length=16,
                                verbose_name="类型",
                            ),
                        ),
                        (
                            "number",
                            models.CharField(blank=True, max_length=64, verbose_name="文号"),
                        ),
                        ("title", models.CharField(max_length=200, verbose_name="标题")),
                        (
                            "period_start",
                            models.DateField(blank=True, null=True, verbose_name="通报期间起"),
                        ),
                        (
                            "period_end",
                            models.DateField(blank=True, null=True, verbose_name="通报期间止"),
                        ),
                        ("body", models.TextField(verbose_name="正文")),
                        (
                            "pdf",
                            models.FileField(
                                blank=True, upload_to="bulletins/", verbose_name="PDF 文件"
                            ),
                        ),
                        (
                            "pdf_size",
                            models.PositiveIntegerField(default=0, verbose_name="PDF 大小（字节）"),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("draft", "草稿"),
                                    ("published", "已发布"),
                                    ("withdrawn", "已撤回"),
                                ],
                                default="draft",
                                max_length=16,
                                verbose_name="状态",
                            ),
                        ),
                        ("created_at", models.DateTimeField(verbose_name="创建时间")),
                        ("updated_at", models.DateTimeField(verbose_name="修改时间")),
                        (
                            "published_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="发布时间"),
                        ),
                        (
                            "withdrawn_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="撤回时间"),
                        ),
                        (
                            "withdraw_reason",
                            models.CharField(blank=True, max_length=200, verbose_name="撤回原因"),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="撰稿人",
                            ),
                        ),
                        (
                            "jurisdiction",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="bulletins",
                                to="org.jurisdiction",
                                verbose_name="辖区",
                            ),
                        ),
                        (
                            "published_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="发布人",
                            ),
                        ),
                        (
                            "withdrawn_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="撤回人",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "public_bulletin",
                        "verbose_name": "通报公告",
                        "verbose_name_plural": "通报公告",
                        "ordering": ["-published_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["jurisdiction", "status", "-published_at"],
                                name="bulletin_published",
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("number", ""), _negated=True),
                                fields=("jurisdiction", "number"),
                                name="bulletin_unique_number",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="bulletin", table=None),
    ]
