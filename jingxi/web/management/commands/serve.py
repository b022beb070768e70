"""`manage.py serve`: the job consumer and the web server together, for `make run`.

Starts `manage.py run_huey` as a child process, prints the demo logins (not in
production) and the address, then serves in the foreground:

- by default (the demo, `make run`; production): gunicorn with sync workers sized to
  the machine (`JINGXI_WEB_WORKERS`, else 2 x cores + 1, at most 8), DEBUG as the mode
  says (off), static files collected and served by whitenoise;
- with `--dev` (`make dev`): Django's development server with DEBUG, which reloads on
  code changes (the consumer started here keeps running across reloads).

Ctrl-C, a TERM from a process manager, or the server stopping for any reason ends
the consumer too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType
from typing import Any, Final

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingxi.org.models import Jurisdiction
from jingxi.web import selectors

MAX_WORKERS: Final = 8
MANIFEST: Final = "staticfiles.json"


def machine_cores() -> int:
    """The cores this process may run on (a container's share, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worker_count(*, configured: int, cores: int) -> int:
    """gunicorn's sync workers: the configured number, else 2 x cores + 1, capped."""
    if configured > 0:
        return configured
    return max(1, min(2 * cores + 1, MAX_WORKERS))


def gunicorn_argv(*, host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
        # jingxi does not use gunicorn's control interface; its socket sits at one path
        # per user, which two servers on one machine would fight over.
        "--no-control-socket",
    ]


class Command(BaseCommand):
    help = (
        "Run the job consumer and the web server: gunicorn, or Django's development "
        "server with --dev (the demo logins are printed first, except in production)."
    )

    requires_system_checks = []  # runserver runs them; gunicorn's start must stay quick

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--dev",
            action="store_true",
            help="Django's development server, reloading on changes (needs DEBUG: make dev).",
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="Do not start the huey consumer."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host: str = options["host"]
        port: int = options["port"]
        dev: bool = options["dev"]
        if dev and not settings.DEBUG:
            raise CommandError("--dev needs DEBUG: run it with JINGXI_ENV=development (make dev)")
        # The development server's reloader runs this command again in a child process
        # (RUN_MAIN): the consumer and the logins belong to the first one only.
        reloaded = os.environ.get("RUN_MAIN") == "true"
        url = f"http://{'localhost' if host in {'0.0.0.0', '::'} else host}:{port}/"  # noqa: S104 a comparison, not a bind
        previous = {
            signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
            signal.SIGTERM: signal.signal(signal.SIGTERM, _interrupt),
        }
        worker = None if options["no_worker"] or reloaded else self._start_worker()
        server: subprocess.Popen[bytes] | None = None
        try:
            if not reloaded:
                self._print_logins(url)
            if dev:
                call_command("runserver", f"{host}:{port}", use_reloader=True)
            else:
                self._collect_static_if_missing()
                workers = worker_count(configured=settings.WEB_WORKERS, cores=machine_cores())
                self.stdout.write(f"Serving with gunicorn, {workers} workers …")
                server = subprocess.Popen(gunicorn_argv(host=host, port=port, workers=workers))  # noqa: S603 our own argv, no shell
                server.wait()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            if server is not None:
                _stop(server)
            if worker is not None:
                _stop(worker)
                self.stdout.write("Job consumer stopped.")
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _start_worker(self) -> subprocess.Popen[bytes]:
        manage = Path(settings.BASE_DIR) / "manage.py"
        self.stdout.write("Starting the job consumer (manage.py run_huey) …")
        return subprocess.Popen([sys.executable, str(manage), "run_huey", "--quiet"])  # noqa: S603 our own argv, no shell

    def _collect_static_if_missing(self) -> None:
        """Without DEBUG whitenoise serves the collected files by their manifest; `make
        run` collects them when they change, this only when they were never collected."""
        if settings.DEBUG or (Path(settings.STATIC_ROOT) / MANIFEST).exists():
            return
        self.stdout.write("Collecting static files (first start) …")
        call_command("collectstatic", interactive=False, verbosity=0)

    def _print_logins(self, url: str) -> None:
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"jingxi 精细化管理平台 → {url}  ({settings.JINGXI_ENV})")
        )
        if settings.JINGXI_ENV == "production":
            self.stdout.write("")
            return
        rows = self._demo_rows()
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


def _stop(process: subprocess.Popen[bytes]) -> None:
    """TERM, then KILL after 10 seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
