"""What the HTTP benchmarks share: a PostgreSQL database, Django, gunicorn, percentiles.

Imported by the scripts beside it (`python bench/intake.py` puts bench/ on sys.path).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def percentile(sorted_values: list[float], q: float) -> float:
    """The q-th percentile (0..100) of sorted values, nearest rank."""
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def database_recreate(url: str, *, fresh: bool) -> None:
    """Create the PostgreSQL database named in `url` if missing; drop it first if fresh."""
    import psycopg
    from psycopg import sql

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if fresh:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"  created database {name}")


def django_setup(url: str) -> None:
    """Django in this process, on `url`, configured as served (DEBUG off)."""
    os.environ["JINGXI_DATABASE_URL"] = url
    os.environ["JINGXI_LOG_LEVEL"] = "WARNING"
    os.environ["JINGXI_DEBUG"] = "false"  # as served: no query log growing in memory
    warnings.filterwarnings("ignore", "No directory at", UserWarning)  # no collectstatic
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def analyze(table: str = "") -> None:
    """VACUUM ANALYZE, as autovacuum would have done in production: autovacuum may be off
    (it is on the bench machine), and then stale statistics distort the plans and the
    visibility map stays empty (no index-only scans: a COUNT reads the whole table)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}" if table else "VACUUM ANALYZE")


def processes_cpu(name: str) -> float:
    """CPU seconds (user + system) used so far by every live process called `name`
    (Linux; e.g. "postgres" for the database server's backends on this machine). A
    backend that exits between two readings drops out, so read around a steady run."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm, rest = text[text.index("(") + 1 : text.rindex(")")], text.rsplit(")", 1)[1]
        if comm == name:
            fields = rest.split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def gunicorn_start(
    url: str, port: int, workers: int, *, log_level: str = "WARNING"
) -> subprocess.Popen[bytes]:
    """gunicorn with sync workers on 127.0.0.1:port, DEBUG off, persistent connections."""
    env = dict(os.environ)
    env.update(
        JINGXI_DATABASE_URL=url,
        JINGXI_DEBUG="false",
        JINGXI_ALLOWED_HOSTS="127.0.0.1,localhost",
        JINGXI_DB_CONN_MAX_AGE="60",
        JINGXI_LOG_LEVEL=log_level,
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONWARNINGS="ignore:No directory at:UserWarning",  # no collectstatic here
    )
    cmd = [
        str(GUNICORN), "config.wsgi:application", "--workers", str(workers),
        "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        "--timeout", "60",
    ]  # fmt: skip
    return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)


def gunicorn_stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def workers_cpu(process: subprocess.Popen[bytes]) -> float:
    """CPU seconds (user + system) used so far by gunicorn's worker processes (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    total = 0.0
    for pid in children.read_text().split() if children.exists() else []:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


@dataclass
class Cpu:
    """CPU seconds so far of gunicorn's workers, the database server and this process."""

    workers: float
    database: float
    generator: float

    @classmethod
    def read(cls, process: subprocess.Popen[bytes], *, database: bool = True) -> Cpu:
        db = processes_cpu("postgres") if database else 0.0
        return cls(workers_cpu(process), db, time.process_time())
