"""Every error under /open311/v2/ as Open311's error document, whoever answers.

The views answer their own errors (`views.open311_endpoint`); this covers what happens
outside them: a body over `DATA_UPLOAD_MAX_MEMORY_SIZE` (413, checked by its declared
length before anything reads it: Open311 takes form fields, never files), Django's own
400 (too many fields) and any unhandled exception (500, logged by Django as always).
A non-Open311 error answer is rewritten into `errors/error` (XML) or the JSON list, in
the format the URL asks for (`.json`, else XML), keeping `Retry-After`. The HTML error
pages the rest of the site gets never reach an Open311 client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from jingxi.lib.limits import body_too_large
from jingxi.open311.protocol import (
    JSON_CONTENT_TYPE,
    XML_CONTENT_TYPE,
    Open311Error,
    error_response,
    format_of_path,
)

_DESCRIPTIONS: Final = {
    400: "The request is invalid",
    403: "Forbidden",
    404: "Not found; see discovery.xml for the endpoints",
    405: "Method not supported here",
    413: "The request body is too large",
}


def _description(status: int) -> str:
    if status >= 500:
        return "Internal server error; it has been logged, please try again later"
    return _DESCRIPTIONS.get(status, "The request is invalid")


def open311_error(request: HttpRequest, status: int) -> HttpResponse:
    """An Open311 error document for `status`, in the format the URL asks for."""
    error = Open311Error(status, _description(status))
    return error_response(format_of_path(request.path_info), error)


class Open311ErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._prefix = ""

    def prefix(self) -> str:
        if not self._prefix:  # the URL configuration is read on the first request
            discovery = reverse("open311:discovery", kwargs={"fmt": "xml"})
            self._prefix = discovery.removesuffix("discovery.xml")
        return self._prefix

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(self.prefix()):
            return self.get_response(request)
        if body_too_large(request, files=False):
            return open311_error(request, 413)
        response = self.get_response(request)
        content_type = str(response.get("Content-Type", ""))
        if response.status_code < 400 or content_type in (XML_CONTENT_TYPE, JSON_CONTENT_TYPE):
            return response
        shaped = open311_error(request, response.status_code)
        if "Retry-After" in response:
            shaped["Retry-After"] = response["Retry-After"]
        return shaped

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path_info.startswith(self.prefix()) and isinstance(exception, RequestDataTooBig):
            return open311_error(request, 413)
        return None  # Django answers (and logs); __call__ rewrites the answer
