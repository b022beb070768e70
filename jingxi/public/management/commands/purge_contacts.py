"""`manage.py purge_contacts`: erase reporters' contact details past the retention period."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jingxi.public.privacy import contact_retention_days, reporter_contact_purge


class Command(BaseCommand):
    help = "删除结案超过保存期限的案卷中反映人的姓名和电话（通常由后台任务每天执行）"

    def handle(self, *args: Any, **options: Any) -> None:
        count = reporter_contact_purge()
        self.stdout.write(
            f"已删除 {count} 件案卷的反映人联系方式（保存期限 {contact_retention_days()} 天）"
        )
