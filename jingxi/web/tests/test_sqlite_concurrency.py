"""Web workers and the job consumer share one SQLite file without "database is locked".

The demo (`make run`) serves SQLite through several gunicorn workers while the job
consumer writes beside them; settings open SQLite in WAL mode with IMMEDIATE
transactions and a busy timeout for that. This runs it for real: gunicorn with three
workers on a migrated SQLite file, a process running the consumer's jobs (the outbox
drain, the deadline scan) in a loop, and four clients reporting cases through the API
at the same time. Every report must be stored, every event drained, and no process may
log a locked database.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CLIENTS = 4
REPORTS_PER_CLIENT = 25
WORKERS = 3

SEED = """
import json, django
django.setup()
import conftest
from rest_framework.authtoken.models import Token
world = conftest.world.__wrapped__(None)
cast = conftest.cast.__wrapped__(world)
token = Token.objects.create(user=cast.inspector)
print(json.dumps({"token": token.key, "category": world.exposed_garbage.pk}))
"""

# The consumer's periodic jobs, run back to back until the clients are done, then once
# more to drain what is left.
CONSUMER = """
import json, sys, time, django
from pathlib import Path
django.setup()
from jingxi.cases.deadlines import deadline_scan
from jingxi.notify.models import Notification
from jingxi.notify.services import outbox_drain
stop_file, deadline = Path(sys.argv[1]), time.monotonic() + float(sys.argv[2])
runs = drained = 0
while not stop_file.exists() and time.monotonic() < deadline:
    drained += outbox_drain(batch=20)
    deadline_scan()
    runs += 1
while (n := outbox_drain(batch=1000)):
    drained += n
print(json.dumps({"runs": runs, "drained": drained, "notifications": Notification.objects.count()}))
"""

COUNT = """
import json, django
django.setup()
from jingxi.cases.models import Case, CaseEvent
print(json.dumps({"cases": Case.objects.count(), "events": CaseEvent.objects.count()}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _env(database: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JINGXI_")}
    return clean | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "JINGXI_ENV": "demo",
        "JINGXI_DATABASE_URL": f"sqlite:///{database}",
    }


def _python(code: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def _post(url: str, token: str, body: dict[str, Any]) -> tuple[int, str]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")[:300]


def _wait_until_serving(url: str, token: str, server: subprocess.Popen[bytes]) -> None:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    for _ in range(120):
        assert server.poll() is None, "gunicorn stopped"
        try:
            with urllib.request.urlopen(request, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            # (A worker's first answer imports the whole platform: on a loaded machine it
            # may take longer than one try waits.)
            time.sleep(0.5)
    raise AssertionError("gunicorn did not answer")


def test_web_workers_and_the_consumer_write_one_sqlite_file_together(tmp_path: Path) -> None:
    database = tmp_path / "load.sqlite3"
    env = _env(database)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )
    seed = _python(SEED, env)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api/v1/cases/"
    server_log = tmp_path / "gunicorn.log"
    stop_file = tmp_path / "stop"
    with server_log.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
             f"127.0.0.1:{port}", "--workers", str(WORKERS), "--no-control-socket"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        consumer = subprocess.Popen(
            [sys.executable, "-c", CONSUMER, str(stop_file), "240"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            _wait_until_serving(url, seed["token"], server)
            answers: list[tuple[int, str]] = []

            def client(n: int) -> None:
                for i in range(REPORTS_PER_CLIENT):
                    body = {
                        "category": seed["category"],
                        "lng": 113.955,
                        "lat": 34.7102,
                        "description": f"并发上报 {n}-{i}",
                        "source": "inspector",
                        "file_directly": i % 2 == 0,
                    }
                    answers.append(_post(url, seed["token"], body))

            threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=300)
            stop_file.touch()
            consumer_out, consumer_err = consumer.communicate(timeout=300)
        finally:
            stop_file.touch()
            server.terminate()
            server.wait(timeout=30)
            if consumer.poll() is None:
                consumer.kill()

    refused = [a for a in answers if a[0] != 201]
    assert refused == [], refused[:3]
    assert len(answers) == CLIENTS * REPORTS_PER_CLIENT
    assert consumer.returncode == 0, consumer_err
    jobs = json.loads(consumer_out.strip().splitlines()[-1])
    assert jobs["runs"] > 0
    stored = _python(COUNT, env)
    assert stored["cases"] == CLIENTS * REPORTS_PER_CLIENT
    assert jobs["drained"] == stored["events"]  # every event reached the outbox's cursor
    logs = server_log.read_text() + consumer_err
    assert "database is locked" not in logs
    assert "Traceback" not in logs
