"""Template filters of the one masking rule (`jingxi.org.privacy`).

The view hands the template the viewer's `Masking` (from `masking_for`, or `PUBLIC`);
every name, phone and free text a template shows goes through one of these:

    {% load jingxi_privacy %}
    {{ case.reporter_name|masked_name:masking }}
    {{ case.reporter_phone|masked_phone:masking }}
    {{ case.description|masked_text:masking|linebreaksbr }}
    {{ suggestion.text|public_text|linebreaks }}   (public pages)

A template given no masking masks (`MASKED`): forgetting it never shows more.
"""

from __future__ import annotations

from django import template

from jingxi.org.privacy import MASKED, PUBLIC, Masking

register = template.Library()


def _masking(masking: object) -> Masking:
    return masking if isinstance(masking, Masking) else MASKED


@register.filter
def masked_name(value: object, masking: object = None) -> str:
    return _masking(masking).name(str(value or ""))


@register.filter
def masked_phone(value: object, masking: object = None) -> str:
    return _masking(masking).phone(str(value or ""))


@register.filter
def masked_text(value: object, masking: object = None) -> str:
    return _masking(masking).text(str(value or ""))


@register.filter
def public_text(value: object) -> str:
    """Free text on a public page: personal data masked, always (`PUBLIC`)."""
    return PUBLIC.text(str(value or ""))


@register.simple_tag
def masked_about(masking: object, value: object, name: str = "", phone: str = "") -> str:
    """Free text about one citizen, whose `name` and `phone` are masked in it too:
    ``{% masked_about masking s.text name=s.contact_name phone=s.contact_phone as text %}``."""
    return _masking(masking).about(name=name or "", phone=phone or "").text(str(value or ""))


@register.simple_tag
def public_about(value: object, name: str = "", phone: str = "") -> str:
    """`masked_about` on a public page (`PUBLIC`)."""
    return PUBLIC.about(name=name or "", phone=phone or "").text(str(value or ""))
