"""django.contrib.admin's app config with jingxi's site (kept apart from `apps.py`, where
Django picks the audit app's own config)."""

from django.contrib.admin.apps import AdminConfig


class JingxiAdminConfig(AdminConfig):
    """django.contrib.admin with the role-driven site of 三员分立 as `admin.site`."""

    default_site = "jingxi.audit.admin_site.JingxiAdminSite"
