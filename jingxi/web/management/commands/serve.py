"""`manage.py serve`: the job consumer and the web server together, for `make run`.

Starts `manage.py run_huey` as a child process, prints the demo logins and the
address, then runs Django's development server in the foreground. Ctrl-C (or
the server stopping for any reason) ends the consumer too.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from jingxi.org.models import Jurisdiction
from jingxi.web import selectors


class Command(BaseCommand):
    help = "Run the job consumer and the web server (the demo logins are printed first)."

    requires_system_checks = []  # runserver runs them

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-worker", action="store_true", help="Do not start the huey consumer."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host: str = options["host"]
        port: int = options["port"]
        url = f"http://{'localhost' if host in {'0.0.0.0', '::'} else host}:{port}/"
        # Ctrl-C, or a TERM from a process manager, stops the server and then the consumer.
        previous = {
            signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
            signal.SIGTERM: signal.signal(signal.SIGTERM, _interrupt),
        }
        worker = None if options["no_worker"] else self._start_worker()
        try:
            self._print_logins(url)
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            if worker is not None:
                self._stop_worker(worker)
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _start_worker(self) -> subprocess.Popen[bytes]:
        manage = Path(settings.BASE_DIR) / "manage.py"
        self.stdout.write("Starting the job consumer (manage.py run_huey) …")
        return subprocess.Popen([sys.executable, str(manage), "run_huey", "--quiet"])

    def _stop_worker(self, worker: subprocess.Popen[bytes]) -> None:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        self.stdout.write("Job consumer stopped.")

    def _print_logins(self, url: str) -> None:
        rows = self._demo_rows()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"jingxi 精细化管理平台 → {url}"))
        if not rows:
            if Jurisdiction.objects.exists():
                hint = "No demo logins to show: log in with an account of your jurisdiction"
            else:
                hint = "No data in the database yet: run `manage.py demo_load` (make run does)"
            self.stdout.write(f"{hint}, or create one with `manage.py createsuperuser`.")
            self.stdout.write("")
            return
        self.stdout.write("Demo logins:")
        self.stdout.write(format_table(rows))
        self.stdout.write("")

    def _demo_rows(self) -> list[list[str]]:
        logins = selectors.demo_login_list()
        if not logins:
            return []
        header = ["角色 role", "用户名 username", "密码 password", "单位 unit"]
        return [header, *([x.role_label, x.username, x.password, x.unit_name] for x in logins)]


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def format_table(rows: list[list[str]]) -> str:
    """Rows as an aligned plain-text table; the first row is the header."""
    columns = max(len(r) for r in rows)
    rows = [r + [""] * (columns - len(r)) for r in rows]
    widths = [max(_width(r[i]) for r in rows) for i in range(columns)]

    def line(row: list[str]) -> str:
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)]
        return "  " + "  ".join(cells).rstrip()

    rule = "  " + "  ".join("-" * w for w in widths)
    return "\n".join([line(rows[0]), rule, *(line(r) for r in rows[1:])])
