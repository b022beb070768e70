"""Fetching citizens' photos: the production code path against a stand-in for WeChat's
API servers (an http.server on 127.0.0.1 started by the test; no other network)."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from conftest import World
from jingxi.cases.models import Attachment, AttachmentKind, Case
from jingxi.wechat import client, tasks
from jingxi.wechat.client import ApiConfig, access_token_get
from jingxi.wechat.media import MAX_ATTEMPTS, backoff, media_claim, media_fetch_due
from jingxi.wechat.models import PendingMedia

from .conftest import APP_ID, INSIDE_GCJ, Send, image, location, text

SECRET = "test-app-secret-0123456789"


@dataclass
class Reply:
    body: bytes
    status: int = 200
    content_type: str = "application/json; charset=utf-8"


def answer(obj: dict[str, Any]) -> Reply:
    return Reply(json.dumps(obj).encode())


def jpeg(colour: tuple[int, int, int] = (60, 120, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    return out.getvalue()


def photo_reply(data: bytes | None = None) -> Reply:
    return Reply(data or jpeg(), content_type="image/jpeg")


TOKEN_OK = answer({"access_token": "ACCESS_TOKEN_1", "expires_in": 7200})


@dataclass
class WeChatStub:
    """Answers by path, in order (the last answer repeats); records every request."""

    url: str = ""
    replies: dict[str, list[Reply]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def answer(self, path: str, *replies: Reply) -> None:
        self.replies[path] = list(replies)

    def calls(self, path: str) -> list[dict[str, str]]:
        return [query for called, query in self.requests if called == path]

    def next_reply(self, path: str) -> Reply:
        queue = self.replies.get(path)
        if not queue:
            return Reply(b"not found", status=404, content_type="text/plain")
        return queue.pop(0) if len(queue) > 1 else queue[0]


def _handler(stub: WeChatStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            stub.requests.append((parts.path, query))
            reply = stub.next_reply(parts.path)
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            return

    return Handler


@pytest.fixture
def wechat_api(settings: Any, tmp_path: Path) -> Iterator[WeChatStub]:
    stub = WeChatStub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.JINGXI_WECHAT_API_BASE = stub.url
    settings.JINGXI_WECHAT_APP_SECRET = SECRET
    settings.MEDIA_ROOT = tmp_path / "media"
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def report_with_photo(send: Send, *, media_id: str = "media_test_001") -> PendingMedia:
    """A citizen's whole report with a photo, through the endpoint; its pending photo."""
    for body in (text("上报"), location(INSIDE_GCJ), image(media_id=media_id)):
        assert send(body).status_code == 200
    assert send(text("路边有一堆暴露垃圾，两天没人清理")).status_code == 200
    return PendingMedia.objects.get(media_id=media_id)


def fresh(media: PendingMedia) -> PendingMedia:
    return PendingMedia.objects.get(pk=media.pk)


def test_a_reported_photo_is_fetched_and_stored_as_the_cases_before_photo(
    send: Send, world: World, wechat_api: WeChatStub
) -> None:
    data = jpeg()
    wechat_api.answer("/cgi-bin/token", TOKEN_OK)
    wechat_api.answer("/cgi-bin/media/get", photo_reply(data))
    pending = report_with_photo(send)
    case = Case.objects.get()
    assert pending.case == case and pending.next_attempt_at == pending.received_at

    report = media_fetch_due()

    assert (report.fetched, report.retrying, report.gave_up) == (1, 0, 0)
    pending = fresh(pending)
    attachment = Attachment.objects.get(case=case)
    assert pending.attachment == attachment and pending.fetched_at is not None
    assert (pending.attempts, pending.last_error, pending.failed_at) == (1, "", None)
    assert attachment.kind == AttachmentKind.BEFORE
    assert attachment.uploaded_by is None
    assert attachment.event == case.events.order_by("id").first()
    assert attachment.content_type == "image/jpeg"
    with default_storage.open(attachment.file.name) as stored:
        assert stored.read() == data
    assert wechat_api.calls("/cgi-bin/token") == [
        {"grant_type": "client_credential", "appid": APP_ID, "secret": SECRET}
    ]
    assert wechat_api.calls("/cgi-bin/media/get") == [
        {"access_token": "ACCESS_TOKEN_1", "media_id": "media_test_001"}
    ]
    # Done is done: the next run asks WeChat nothing.
    assert media_fetch_due().fetched == 0
    assert len(wechat_api.requests) == 2


def test_the_access_token_is_cached_until_shortly_before_it_expires(
    wechat_api: WeChatStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    wechat_api.answer("/cgi-bin/token", TOKEN_OK)
    timeouts: list[int] = []
    real_set = cache.set

    def spy(key: str, value: Any, timeout: int) -> None:
        timeouts.append(timeout)
        real_set(key, value, timeout=timeout)

    monkeypatch.setattr(cache, "set", spy)
    config = ApiConfig(base=wechat_api.url, app_id=APP_ID, app_secret=SECRET)
    assert access_token_get(config=config) == "ACCESS_TOKEN_1"
    assert access_token_get(config=config) == "ACCESS_TOKEN_1"
    assert len(wechat_api.calls("/cgi-bin/token")) == 1
    assert timeouts == [7200 - client.TOKEN_EARLY_S]
    assert SECRET not in repr(config)


def test_two_photos_share_one_access_token(
    send: Send, world: World, wechat_api: WeChatStub
) -> None:
    wechat_api.answer("/cgi-bin/token", TOKEN_OK)
    wechat_api.answer("/cgi-bin/media/get", photo_reply(jpeg((1, 2, 3))), photo_reply())
    report_with_photo(send, media_id="first")
    report_with_photo(send, media_id="second")
    assert media_fetch_due().fetched == 2
    assert len(wechat_api.calls("/cgi-bin/token")) == 1
    assert Attachment.objects.count() == 2


def test_an_expired_access_token_is_fetched_anew_and_the_download_made_again(
    send: Send, world: World, wechat_api: WeChatStub
) -> None:
    wechat_api.answer(
        "/cgi-bin/token", TOKEN_OK, answer({"access_token": "ACCESS_TOKEN_2", "expires_in": 7200})
    )
    wechat_api.answer(
        "/cgi-bin/media/get",
        answer({"errcode": 42001, "errmsg": "access_token expired"}),
        photo_reply(),
    )
    pending = report_with_photo(send)
    assert media_fetch_due().fetched == 1
    assert fresh(pending).attempts == 1
    tokens = [query["access_token"] for query in wechat_api.calls("/cgi-bin/media/get")]
    assert tokens == ["ACCESS_TOKEN_1", "ACCESS_TOKEN_2"]


def test_a_wechat_error_is_recorded_and_tried_again_after_a_doubling_delay(
    send: Send, world: World, wechat_api: WeChatStub, caplog: pytest.LogCaptureFixture
) -> None:
    wechat_api.answer("/cgi-bin/token", TOKEN_OK)
    wechat_api.answer("/cgi-bin/media/get", answer({"errcode": -1, "errmsg": "system error"}))
    pending = report_with_photo(send)
    now = timezone.now()

    with caplog.at_level(logging.WARNING, logger="jingxi.wechat"):
        assert media_fetch_due(now=now).retrying == 1
    pending = fresh(pending)
    assert pending.attempts == 1 and pending.failed_at is None and pending.fetched_at is None
    assert pending.last_error == "微信接口错误 -1：system error"
    assert pending.next_attempt_at == now + dt.timedelta(minutes=1)
    assert "attempt 1 of" in caplog.text

    assert media_fetch_due(now=now + dt.timedelta(seconds=59)).retrying == 0  # not yet due
    assert media_fetch_due(now=now + dt.timedelta(minutes=1)).retrying == 1
    pending = fresh(pending)
    assert pending.attempts == 2
    assert pending.next_attempt_at == now + dt.timedelta(minutes=1) + dt.timedelta(minutes=2)


def test_after_max_attempts_the_photo_is_given_up_with_its_error(
    send: Send, world: World, wechat_api: WeChatStub, caplog: pytest.LogCaptureFixture
) -> None:
    wechat_api.answer("/cgi-bin/token", TOKEN_OK)
    wechat_api.answer("/cgi-bin/media/get", Reply(b"busy", status=503, content_type="text/plain"))
    pending = report_with_photo(send)
    now = timezone.now()
    with caplog.at_level(logging.WARNING, logger="jingxi.wechat"):
        for attempt in range(1, MAX_ATTEMPTS + 1):
            report = media_fetch_due(now=now)
            assert report.gave_up == (attempt == MAX_ATTEMPTS)
            now += backoff(attempt)
    pending = fresh(pending)
    assert pending.attempts == MAX_ATTEMPTS
    assert pending.failed_at is not None and pending.fetched_at is None
    assert pending.last_error == "微信接口 HTTP 503"
    assert f"given up after {MAX_ATTEMPTS} attempt(s)" in caplog.text
    asked = len(wechat_api.requests)
    assert media_fetch_due(now=now + dt.timedelta(days=1)).gave_up == 0
    assert len(wechat_api.requests) == asked
    assert backoff(1) == dt.timedelta(minutes=1) and backoff(30) == dt.timedelta(hours=1)


def test_an_expired_media_id_is_given_up_at_once(
    send: Send, world: World, wechat_api: WeChatStub
) -> None:
    wechat_api.answer("/cgi-bin/token", TOKEN_OK)
    wechat_api.answer(
        "/cgi-bin/media/get", answer({"errcode": 40007, "errmsg": "invalid media_id"})
    )
    pending = report_with_photo(send)
    assert media_fetch_due().gave_up == 1
    pending = fresh(pending)
    assert pending.attempts == 1 and pending.failed_at is not None
    assert "40007" in pending.last_error


def test_a_file_that_is_not_a_photo_is_given_up_at_once(
    send: Send, world: World, wechat_api: WeChatStub
) -> None:
    wechat_api.answer("/cgi-bin/token", TOKEN_OK)
    page = Reply(b"<!DOCTYPE html><html><body>hi</body></html>", content_type="image/jpeg")
    wechat_api.answer("/cgi-bin/media/get", page)
    pending = report_with_photo(send)
    assert media_fetch_due().gave_up == 1
    assert "HTML" in fresh(pending).last_error
    assert not Attachment.objects.exists()


def test_a_json_answer_without_an_error_is_not_a_photo(
    send: Send, world: World, wechat_api: WeChatStub
) -> None:
    wechat_api.answer("/cgi-bin/token", TOKEN_OK)
    wechat_api.answer("/cgi-bin/media/get", answer({"video_url": "http://example.invalid/v"}))
    pending = report_with_photo(send)
    assert media_fetch_due().gave_up == 1
    assert fresh(pending).last_error == "微信接口返回的不是文件"


def test_a_photo_over_the_size_limit_is_given_up(
    send: Send, world: World, wechat_api: WeChatStub, settings: Any
) -> None:
    settings.JINGXI_MAX_PHOTO_BYTES = 100
    wechat_api.answer("/cgi-bin/token", TOKEN_OK)
    wechat_api.answer("/cgi-bin/media/get", photo_reply())
    pending = report_with_photo(send)
    assert media_fetch_due().gave_up == 1
    assert "响应过大" in fresh(pending).last_error


def test_a_token_refusal_is_recorded_without_the_secret(
    send: Send, world: World, wechat_api: WeChatStub, caplog: pytest.LogCaptureFixture
) -> None:
    refusal = {"errcode": 40164, "errmsg": "invalid ip 203.0.113.9, not in whitelist"}
    wechat_api.answer("/cgi-bin/token", answer(refusal))
    pending = report_with_photo(send)
    with caplog.at_level(logging.DEBUG):
        assert media_fetch_due().retrying == 1
    pending = fresh(pending)
    assert "40164" in pending.last_error and "whitelist" in pending.last_error
    assert SECRET not in pending.last_error and SECRET not in caplog.text
    assert not wechat_api.calls("/cgi-bin/media/get")


def test_an_unreachable_api_is_tried_again_later(
    send: Send, world: World, wechat_api: WeChatStub, settings: Any
) -> None:
    with socket.socket() as probe:  # a port on this machine that nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings.JINGXI_WECHAT_API_BASE = f"http://127.0.0.1:{closed}"
    pending = report_with_photo(send)
    assert media_fetch_due().retrying == 1
    assert fresh(pending).last_error.startswith("无法连接微信接口")


def test_without_the_secret_nothing_is_fetched_and_the_log_says_so(
    send: Send, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    pending = report_with_photo(send)
    with caplog.at_level(logging.INFO, logger="jingxi.wechat"):
        report = media_fetch_due()
    assert not report.configured and report.fetched == 0
    assert "1 photo(s) waiting" in caplog.text and "JINGXI_WECHAT_APP_SECRET" in caplog.text
    assert fresh(pending).attempts == 0


def test_a_claimed_photo_is_not_claimed_again_until_its_lease_runs_out(
    send: Send, world: World, wechat_api: WeChatStub
) -> None:
    report_with_photo(send)
    now = timezone.now()
    claimed = media_claim(now=now)
    assert claimed is not None and claimed.attempts == 1
    assert media_claim(now=now) is None
    again = media_claim(now=now + dt.timedelta(hours=1))
    assert again is not None and again.pk == claimed.pk and again.attempts == 2


def test_the_periodic_job_fetches_the_waiting_photos(
    send: Send, world: World, wechat_api: WeChatStub
) -> None:
    wechat_api.answer("/cgi-bin/token", TOKEN_OK)
    wechat_api.answer("/cgi-bin/media/get", photo_reply())
    report_with_photo(send)
    assert tasks.media_fetch_periodic.call_local() == 1
    assert PendingMedia.objects.get().fetched_at is not None


def test_an_api_address_that_is_not_http_fetches_nothing_and_says_why(
    send: Send,
    world: World,
    wechat_api: WeChatStub,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.JINGXI_WECHAT_API_BASE = "file:///etc"
    pending = report_with_photo(send)
    with caplog.at_level(logging.ERROR, logger="jingxi.wechat"):
        assert not media_fetch_due().configured
    assert "JINGXI_WECHAT_API_BASE" in caplog.text
    assert fresh(pending).attempts == 0


def test_a_photo_reported_in_safe_mode_is_fetched_the_same_way(
    send_safe: Send, world: World, wechat_api: WeChatStub
) -> None:
    wechat_api.answer("/cgi-bin/token", TOKEN_OK)
    wechat_api.answer("/cgi-bin/media/get", photo_reply())
    pending = report_with_photo(send_safe)
    assert media_fetch_due().fetched == 1
    assert fresh(pending).attachment is not None
