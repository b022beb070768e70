from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="web/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", include("config.api")),
    path("audit/", include("jingxi.audit.urls")),
    path("places/", include("jingxi.places.urls")),
    path("cases/", include("jingxi.cases.urls")),
    path("hotline/", include("jingxi.hotline.urls")),
    path("public/", include("jingxi.public.urls")),
    path("open311/v2/", include("jingxi.open311.urls")),
    path("wechat/", include("jingxi.wechat.urls")),
    path("", include("jingxi.web.urls")),
]

# Uploaded media (evidence photos) are never served as public static files: views that
# check access stream them from storage.
