from django.urls import path

from jingxi.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.security, name="security"),
    path("login/code/", views.login_code, name="login-code"),
    path("password/", views.JingxiPasswordChangeView.as_view(), name="password-change"),
    path("two-factor/enrol/", views.totp_enrol, name="totp-enrol"),
    path("two-factor/remove/", views.totp_remove_view, name="totp-remove"),
]
