from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from jingxi.accounts import views as accounts_views
from jingxi.web.modes import LoginForm

urlpatterns = [
    # The admin's own login would skip the second factor: it sends to the one login page.
    path("admin/login/", accounts_views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "accounts/login/",
        # Production's refusals show as messages (jingxi/web/modes.py).
        accounts_views.JingxiLoginView.as_view(authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("jingxi.accounts.urls")),
    path("api/", include("config.api")),
    path("audit/", include("jingxi.audit.urls")),
    path("catalog/", include("jingxi.catalog.urls")),
    path("places/", include("jingxi.places.urls")),
    path("cases/", include("jingxi.cases.urls")),
    path("inspections/", include("jingxi.inspections.urls")),
    path("hotline/", include("jingxi.hotline.urls")),
    path("public/", include("jingxi.public.urls")),
    path("open311/v2/", include("jingxi.open311.urls")),
    path("wechat/", include("jingxi.wechat.urls")),
    path("", include("jingxi.web.urls")),
]

# Uploaded media (evidence photos) are never served as public static files: views that
# check access stream them from storage.

# Our own error pages, in the user's language with a way back (jingxi/web/errors.py).
handler400 = "jingxi.web.errors.bad_request"
handler403 = "jingxi.web.errors.permission_denied"
handler404 = "jingxi.web.errors.page_not_found"
handler500 = "jingxi.web.errors.server_error"
