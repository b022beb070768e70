"""A URL configuration for the error-page tests: the site's, plus views that fail."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def view_that_raises(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internals: /etc/jingxi and a traceback")


def view_that_refuses(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("只有派遣员可以签发整改通知单")


def view_that_is_suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("tampered input")


urlpatterns = [
    path("test-errors/raise/", view_that_raises),
    path("public/test-errors/raise/", view_that_raises),
    path("test-errors/refuse/", view_that_refuses),
    path("test-errors/suspicious/", view_that_is_suspicious),
    *urlpatterns,
]
