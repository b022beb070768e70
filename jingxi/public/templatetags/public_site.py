"""Template helpers of the public site's layout."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import Http404

from jingxi.public.site import public_jurisdiction

register = template.Library()


@register.simple_tag(takes_context=True)
def public_jurisdiction_name(context: Any) -> str:
    """The name of the jurisdiction the public site serves, or "" when none exists."""
    try:
        return public_jurisdiction(context.get("request")).name
    except Http404:
        return ""
