"""`manage.py serve` starts the job consumer, prints the logins, runs the server, stops both."""

from __future__ import annotations

import io
import subprocess
from typing import Any

import pytest
from django.core.management import call_command

from conftest import Cast
from jingxi.demo.generator import DEMO_PASSWORD
from jingxi.web.management.commands import serve


class FakeWorker:
    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.terminated = False

    def poll(self) -> int | None:
        return 0 if self.terminated else None

    def terminate(self) -> None:
        self.terminated = True

    def wait(self, timeout: float | None = None) -> int:
        return 0


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def popen(argv: list[str]) -> FakeWorker:
        worker = FakeWorker(argv)
        seen["worker"] = worker
        return worker

    def runserver(name: str, addrport: str, **kwargs: Any) -> None:
        seen["runserver"] = (name, addrport, kwargs)
        raise KeyboardInterrupt  # Ctrl-C

    monkeypatch.setattr(subprocess, "Popen", popen)
    monkeypatch.setattr(serve, "call_command", runserver)
    return seen


def test_serve_runs_worker_and_server_and_stops_the_worker(fakes: dict[str, Any], db: None) -> None:
    out = io.StringIO()
    call_command("serve", "--host", "127.0.0.1", "--port", "8765", stdout=out)
    assert fakes["worker"].argv[-2:] == ["run_huey", "--quiet"]
    assert fakes["runserver"] == ("runserver", "127.0.0.1:8765", {"use_reloader": False})
    assert fakes["worker"].terminated
    text = out.getvalue()
    assert "http://127.0.0.1:8765/" in text
    assert "demo_load" in text  # no demo data: a hint instead of logins


def test_serve_prints_the_demo_logins_that_exist_as_a_table(
    fakes: dict[str, Any], cast: Cast
) -> None:
    out = io.StringIO()
    call_command("serve", "--no-worker", stdout=out)
    assert "worker" not in fakes
    text = out.getvalue()
    assert "用户名 username" in text
    lines = [line for line in text.splitlines() if " dispatcher " in f"{line} "]
    assert len(lines) == 1
    assert DEMO_PASSWORD in lines[0]
    assert " inspector " in text  # the cast has one; "head" does not exist here
    assert " head " not in text


def test_format_table_aligns_chinese_by_display_width() -> None:
    table = serve.format_table([["a", "b"], ["路长", "x"], ["abcd", "y"]])
    lines = table.splitlines()
    x_column = serve._width(lines[2][: lines[2].index("x")])
    y_column = serve._width(lines[3][: lines[3].index("y")])
    assert x_column == y_column
