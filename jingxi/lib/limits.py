"""Limits on requests, checked before anything reads them: the body's size, and no NUL
character in the URL."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _


def size_text(n: int) -> str:
    """A size in bytes for people: 「3.2 MB」, 「512 KB」, 「80 B」."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} B"


def declared_length(request: HttpRequest) -> int:
    """The body's length as the client declares it (0 when absent or unreadable)."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def body_too_large(request: HttpRequest, *, files: bool) -> bool:
    """Whether the body is over `DATA_UPLOAD_MAX_MEMORY_SIZE`, by its declared length.

    Django checks the limit only when `request.body` or form fields are read; DRF's JSON
    parser reads the stream and would not. With `files`, multipart bodies are not
    counted: Django streams their files to disk and the door checks each one (evidence
    photos: `JINGXI_MAX_PHOTO_BYTES`); Django still limits their other fields.
    """
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return False
    if files and str(request.META.get("CONTENT_TYPE", "")).startswith("multipart/"):
        return False
    return declared_length(request) > limit


class NulRefusalMiddleware:
    """A NUL character in the path or the query string is a 400 before any view runs.

    No URL or parameter of jingxi holds one, PostgreSQL's text cannot (a query comparing
    with it fails), and Django's form fields refuse it already; pages that read a raw
    parameter (a search box, a case number in the path) would otherwise answer 500.
    Under /api/ and /open311/v2/ the doors' middleware shapes the 400 in their format.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = str(request.META.get("QUERY_STRING", ""))
        if "\x00" in request.path_info or "%00" in query or "\x00" in query:
            return HttpResponseBadRequest(
                _("请求地址中含有空字符（NUL）"), content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)
