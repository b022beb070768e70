"""The size limit of request bodies, checked before anything reads them."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


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
