"""The staff's category suggestions: description text → the categories its words point
at, as JSON for the report form's category picker (catalog/static/catalog/category_pick.js).
The citizens' page has its own door to the same selector (public:category-suggest),
rate-limited and for the public jurisdiction.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jingxi.catalog.selectors import category_suggest
from jingxi.org.models import User
from jingxi.org.roles import Perm, roles_of

SUGGESTIONS = 4


@require_GET
@login_required
def category_suggest_view(request: HttpRequest) -> HttpResponse:
    """For whoever may report (`Perm.REPORT`) in their own jurisdiction; 404 for others."""
    user = request.user
    assert isinstance(user, User)
    if user.jurisdiction is None or not roles_of(request).may(Perm.REPORT):
        raise Http404(_("没有找到该页面"))
    text = request.GET.get("q", "")[:2000]
    suggestions = category_suggest(jurisdiction=user.jurisdiction, text=text, limit=SUGGESTIONS)
    return JsonResponse(
        {
            "suggestions": [
                {"id": s.category.pk, "name": s.category.name, "code": s.category.code}
                for s in suggestions
            ]
        },
        json_dumps_params={"ensure_ascii": False},
    )
