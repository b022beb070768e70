"""`manage.py serve` starts the job consumer, prints the logins, runs gunicorn (or the
development server when asked for), and stops everything it started."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import Cast
from jingxi.demo.plan import DEMO_PASSWORD
from jingxi.web.management.commands import serve


class FakeProcess:
    """A child process that runs until terminated; a server's wait() is a Ctrl-C."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.terminated = False

    @property
    def is_server(self) -> bool:
        return "gunicorn" in self.argv

    def poll(self) -> int | None:
        return 0 if self.terminated else None

    def terminate(self) -> None:
        self.terminated = True

    def wait(self, timeout: float | None = None) -> int:
        if self.is_server and not self.terminated:
            raise KeyboardInterrupt  # Ctrl-C while serving
        return 0


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> dict[str, Any]:
    seen: dict[str, Any] = {"processes": [], "commands": []}

    def popen(argv: list[str]) -> FakeProcess:
        process = FakeProcess(argv)
        seen["processes"].append(process)
        return process

    def command(name: str, *args: Any, **kwargs: Any) -> None:
        seen["commands"].append((name, args, kwargs))
        if name == "runserver":
            raise KeyboardInterrupt  # Ctrl-C

    monkeypatch.setattr(subprocess, "Popen", popen)
    monkeypatch.setattr(serve, "call_command", command)
    monkeypatch.delenv("RUN_MAIN", raising=False)
    settings.STATIC_ROOT = tmp_path / "staticfiles"  # never collected
    settings.WEB_WORKERS = 0
    return seen


def _by_role(seen: dict[str, Any]) -> tuple[FakeProcess | None, FakeProcess | None]:
    servers = [p for p in seen["processes"] if p.is_server]
    workers = [p for p in seen["processes"] if "run_huey" in p.argv]
    return (servers[0] if servers else None, workers[0] if workers else None)


def test_serve_runs_gunicorn_and_the_consumer_and_stops_both(
    fakes: dict[str, Any], db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serve, "machine_cores", lambda: 2)
    out = io.StringIO()
    call_command("serve", "--host", "127.0.0.1", "--port", "8765", stdout=out)
    server, worker = _by_role(fakes)
    assert worker is not None and worker.argv[-2:] == ["run_huey", "--quiet"]
    assert server is not None
    argv = server.argv
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8765"
    assert argv[argv.index("--workers") + 1] == "5"  # 2 cores: 2 x 2 + 1
    assert "config.wsgi:application" in argv
    assert server.terminated and worker.terminated
    text = out.getvalue()
    assert "http://127.0.0.1:8765/" in text
    assert "demo_load" in text  # no demo data: a hint instead of logins


def test_serve_collects_static_files_when_they_were_never_collected(
    fakes: dict[str, Any], db: None
) -> None:
    call_command("serve", "--no-worker", stdout=io.StringIO())
    assert [name for name, *_ in fakes["commands"]] == ["collectstatic"]


def test_serve_does_not_collect_again_once_the_manifest_is_there(
    fakes: dict[str, Any], db: None, settings: Any
) -> None:
    root = Path(settings.STATIC_ROOT)
    root.mkdir()
    (root / "staticfiles.json").write_text("{}")
    call_command("serve", "--no-worker", stdout=io.StringIO())
    assert fakes["commands"] == []


def test_serve_dev_runs_the_development_server_with_its_reloader(
    fakes: dict[str, Any], db: None, settings: Any
) -> None:
    settings.DEBUG = True
    call_command("serve", "--dev", "--port", "8766", stdout=io.StringIO())
    assert fakes["commands"] == [("runserver", ("127.0.0.1:8766",), {"use_reloader": True})]
    server, worker = _by_role(fakes)
    assert server is None
    assert worker is not None and worker.terminated


def test_the_reloaded_development_server_starts_no_second_consumer(
    fakes: dict[str, Any], db: None, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DEBUG = True
    monkeypatch.setenv("RUN_MAIN", "true")
    out = io.StringIO()
    call_command("serve", "--dev", stdout=out)
    assert fakes["processes"] == []
    assert out.getvalue() == ""


def test_serve_dev_refuses_without_debug(fakes: dict[str, Any], db: None) -> None:
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("serve", "--dev", stdout=io.StringIO())
    assert fakes["processes"] == []


def test_serve_prints_the_demo_logins_that_exist_as_a_table(
    fakes: dict[str, Any], cast: Cast
) -> None:
    out = io.StringIO()
    call_command("serve", "--no-worker", stdout=out)
    assert _by_role(fakes)[1] is None
    text = out.getvalue()
    assert "用户名 username" in text
    lines = [line for line in text.splitlines() if " dispatcher " in f"{line} "]
    assert len(lines) == 1
    assert DEMO_PASSWORD in lines[0]
    assert " inspector " in text  # the cast has one; "head" does not exist here
    assert " head " not in text


def test_serve_prints_no_logins_in_production(
    fakes: dict[str, Any], cast: Cast, settings: Any
) -> None:
    settings.JINGXI_ENV = "production"
    out = io.StringIO()
    call_command("serve", "--no-worker", stdout=out)
    text = out.getvalue()
    assert "(production)" in text
    assert DEMO_PASSWORD not in text
    assert "dispatcher" not in text


@pytest.mark.parametrize(
    ("configured", "cores", "expected"),
    [(0, 1, 3), (0, 2, 5), (0, 3, 7), (0, 64, serve.MAX_WORKERS), (3, 64, 3), (12, 1, 12)],
)
def test_workers_are_sized_to_the_machine_unless_configured(
    configured: int, cores: int, expected: int
) -> None:
    assert serve.worker_count(configured=configured, cores=cores) == expected


def test_format_table_aligns_chinese_by_display_width() -> None:
    table = serve.format_table([["a", "b"], ["路长", "x"], ["abcd", "y"]])
    lines = table.splitlines()
    x_column = serve._width(lines[2][: lines[2].index("x")])
    y_column = serve._width(lines[3][: lines[3].index("y")])
    assert x_column == y_column
