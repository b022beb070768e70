"""`manage.py audit_verify`: walk the audit trail's hash chain; name the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jingxi.audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = (
        "校验审计记录的哈希链：逐条重算哈希并核对前后链接，报告第一处断裂（有断裂时以非零状态退出）"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_verify()
        if report.broken is not None:
            raise CommandError(
                f"audit trail broken after {report.checked - 1} good entries: {report.broken}"
            )
        if report.checked == 0:
            self.stdout.write("audit trail is empty")
            return
        self.stdout.write(
            f"audit trail intact: {report.checked} entries, #{report.first_id} to #{report.last_id}"
        )
