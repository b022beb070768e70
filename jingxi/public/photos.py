"""Case photos as the public sees them: re-encoded JPEGs without metadata.

The stored file is never changed (it is evidence, kept with its EXIF); what leaves for a
public page is a fresh JPEG, turned upright, scaled down, with no EXIF (the camera's
position and owner live there). The views that call this decide which photo may be
served: the two chosen for a published typical case (`portal.typical_photo`), or the
before/after photos of the reporter's own case (`citizen.track_photo`).
"""

from __future__ import annotations

import io
from typing import Final

from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from jingxi.cases.models import Attachment

PUBLIC_PHOTO_PX: Final = 1280
THUMBNAIL_PX: Final = 480


def public_jpeg(attachment: Attachment, *, size: int) -> bytes:
    """The photo re-encoded without its metadata, at most `size` pixels on its long side."""
    name = attachment.file.name
    if not name or not default_storage.exists(name):
        raise Http404(_("照片文件不存在"))
    with default_storage.open(name, "rb") as f, Image.open(f) as image:
        picture = ImageOps.exif_transpose(image)
        if picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
        picture.thumbnail((size, size))
        out = io.BytesIO()
        picture.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def public_photo_response(
    request: HttpRequest, attachment: Attachment, *, cache_control: str
) -> HttpResponse:
    """The JPEG response; `?size=small` asks for a thumbnail."""
    size = THUMBNAIL_PX if request.GET.get("size") == "small" else PUBLIC_PHOTO_PX
    response = HttpResponse(public_jpeg(attachment, size=size), content_type="image/jpeg")
    response["Cache-Control"] = cache_control
    return response
