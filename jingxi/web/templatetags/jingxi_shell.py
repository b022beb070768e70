"""Template helpers of the shell's layout."""

from __future__ import annotations

from django import template

from jingxi.web.offers import LoginOffer
from jingxi.web.selectors import demo_login_list

register = template.Library()


@register.simple_tag
def demo_logins() -> list[LoginOffer]:
    """The demo county's logins (shown in the demo and in development, never in production)."""
    return demo_login_list()
