"""`manage.py audit_purge`: delete audit entries past the retention period (daily job)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jingxi.audit.services import audit_purge, audit_retention_days


class Command(BaseCommand):
    help = "删除超过保存期限的审计记录并写入检查点（通常由后台任务每天执行）"

    def handle(self, *args: Any, **options: Any) -> None:
        count = audit_purge()
        self.stdout.write(f"deleted {count} audit entries older than {audit_retention_days()} days")
