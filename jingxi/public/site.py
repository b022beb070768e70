"""The deployment's public jurisdiction: the county whose citizens this site serves.

`settings.JINGXI_PUBLIC_JURISDICTION` names it by code; when unset, the only
jurisdiction, or else the first by code. The public pages (reporting, tracking,
disclosure) all ask here, so a deployment serving one county needs no setting.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest

from jingxi.org.models import Jurisdiction

_REQUEST_ATTR = "_jingxi_public_jurisdiction"


def public_jurisdiction_find() -> Jurisdiction | None:
    """The configured jurisdiction, or the default one; None when there is none."""
    code: str = getattr(settings, "JINGXI_PUBLIC_JURISDICTION", "")
    if code:
        return Jurisdiction.objects.filter(code=code).first()
    return Jurisdiction.objects.order_by("code").first()


def public_jurisdiction(request: HttpRequest | None = None) -> Jurisdiction:
    """The public jurisdiction (looked up once per request); 404 when none exists."""
    if request is not None and hasattr(request, _REQUEST_ATTR):
        found: Jurisdiction | None = getattr(request, _REQUEST_ATTR)
    else:
        found = public_jurisdiction_find()
        if request is not None:
            setattr(request, _REQUEST_ATTR, found)
    if found is None:
        raise Http404("no public jurisdiction")
    return found
