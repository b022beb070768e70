"""三员分立 on the admin site: which administrator reaches which models, and no one holds
two administrator roles in production."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core import checks
from django.test import Client, RequestFactory
from django.urls import reverse

from conftest import Cast, World
from jingxi.audit.admin_site import ADMIN_MODELS, RolePermissionBackend
from jingxi.audit.tests.conftest import Administrators, client_for
from jingxi.lib.tabular import ImportRejected, xlsx_write
from jingxi.org.choices import Role
from jingxi.org.imports import STAFF_COLUMNS, staff_import_xlsx
from jingxi.org.models import Membership, User
from jingxi.org.roles import Perm, roles_for

pytestmark = pytest.mark.django_db


def registered() -> list[tuple[str, Any]]:
    """Every model admin of the site and every inline model they edit."""
    found: list[tuple[str, Any]] = []
    for model, model_admin in admin.site._registry.items():
        found.append((model._meta.label_lower, model_admin))
        for inline in model_admin.inlines:
            found.append((inline.model._meta.label_lower, inline(model, admin.site)))
    return found


def request_for(user: User) -> Any:
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_every_model_on_the_admin_site_has_a_row_in_the_table() -> None:
    missing = sorted({label for label, _admin in registered() if label not in ADMIN_MODELS})
    assert missing == []


def test_each_administrator_reaches_exactly_the_models_of_their_permission(
    admins: Administrators,
) -> None:
    for user, perm in ((admins.system, Perm.MASTER_DATA), (admins.security, Perm.SECURITY)):
        request = request_for(user)
        for label, model_admin in registered():
            assert model_admin.has_view_permission(request) == (ADMIN_MODELS[label] == perm), (
                user.username,
                label,
            )
    request = request_for(admins.auditor)
    assert not any(model_admin.has_view_permission(request) for _label, model_admin in registered())
    assert not admin.site.has_permission(request)


@pytest.mark.parametrize("who", ["auditor", "dispatcher", "leader", "handler_a"])
def test_roles_without_an_admin_permission_find_no_admin_site(
    cast: Cast, admins: Administrators, who: str
) -> None:
    user = getattr(admins, who, None) or getattr(cast, who)
    client = client_for(user)
    for url in ("/admin/", reverse("admin:org_unit_changelist"), "/admin/org/user/"):
        assert client.get(url).status_code == 404, url


def test_a_visitor_goes_to_the_one_login_page(db: None) -> None:
    response = Client().get("/admin/", follow=True)
    assert str(response.redirect_chain[-1][0]).startswith(f"{reverse('login')}?next=")


def test_the_system_administrator_edits_master_data_but_not_users(
    admins: Administrators,
) -> None:
    client = client_for(admins.system)
    assert client.get(reverse("admin:places_road_changelist")).status_code == 200
    assert client.get(reverse("admin:org_user_changelist")).status_code == 403
    index = client.get("/admin/").content.decode()
    assert "/admin/places/road/" in index and "/admin/org/user/" not in index


def test_the_security_administrator_edits_users_but_not_master_data(
    admins: Administrators,
) -> None:
    client = client_for(admins.security)
    assert client.get(reverse("admin:org_membership_changelist")).status_code == 200
    assert client.get(reverse("admin:open311_apiclient_changelist")).status_code == 200
    assert client.get(reverse("admin:places_road_changelist")).status_code == 403


def test_groups_and_per_user_permissions_grant_nothing(cast: Cast) -> None:
    cast.leader.user_permissions.add(Permission.objects.get(codename="change_road"))
    leader = User.objects.get(pk=cast.leader.pk)
    assert not leader.has_perm("places.change_road")
    assert RolePermissionBackend().get_all_permissions(leader) == set()


def test_the_security_administrator_cannot_make_anyone_a_superuser(
    cast: Cast, admins: Administrators
) -> None:
    response = client_for(admins.security).get(
        reverse("admin:org_user_change", args=[cast.leader.pk])
    )
    fields = response.context["adminform"].form.fields
    assert "is_superuser" not in fields
    assert "user_permissions" not in fields and "groups" not in fields


# --- no one holds two administrator roles in production -----------------------------------


def membership_form(user: User, world: World, role: str) -> dict[str, Any]:
    return {"user": user.pk, "unit": world.office.pk, "role": role, "title": ""}


def test_production_refuses_a_second_administrator_role_in_the_admin(
    world: World, admins: Administrators, settings: Any
) -> None:
    settings.JINGXI_ENV = "production"
    client = client_for(admins.security, second_factor=True)
    response = client.post(
        reverse("admin:org_membership_add"), membership_form(admins.system, world, Role.AUDITOR)
    )
    assert response.status_code == 200
    assert "三员分立" in str(response.context["adminform"].form.errors["role"])
    assert not Membership.objects.filter(user=admins.system, role=Role.AUDITOR).exists()


def test_development_allows_one_person_to_try_every_role(
    world: World, admins: Administrators
) -> None:
    client = client_for(admins.security)
    response = client.post(
        reverse("admin:org_membership_add"), membership_form(admins.system, world, Role.AUDITOR)
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user=admins.system, role=Role.AUDITOR).exists()


def test_production_refuses_a_second_administrator_role_on_the_users_page(
    world: World, admins: Administrators, settings: Any
) -> None:
    settings.JINGXI_ENV = "production"
    own = Membership.objects.get(user=admins.auditor)
    response = client_for(admins.security, second_factor=True).post(
        reverse("admin:org_user_change", args=[admins.auditor.pk]),
        {
            "username": "auditor",
            "full_name": "审计员小吴",
            "jurisdiction": world.jurisdiction.pk,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "08:00:00",
            "memberships-TOTAL_FORMS": 2,
            "memberships-INITIAL_FORMS": 1,
            "memberships-0-id": own.pk,
            "memberships-0-user": admins.auditor.pk,
            "memberships-0-unit": world.office.pk,
            "memberships-0-role": Role.AUDITOR,
            "memberships-1-user": admins.auditor.pk,
            "memberships-1-unit": world.office.pk,
            "memberships-1-role": Role.ADMIN,
        },
    )
    assert response.status_code == 200
    assert "三员分立" in response.content.decode()
    assert set(roles_for(user=admins.auditor).held) == {Role.AUDITOR}


def test_production_refuses_a_second_administrator_role_in_the_staff_import(
    world: World, admins: Administrators, settings: Any
) -> None:
    settings.JINGXI_ENV = "production"
    source = xlsx_write(
        [("人员", STAFF_COLUMNS, [("secadmin", "安全管理员老孙", "", "JXB", "安全审计员", "", "")])]
    )
    with pytest.raises(ImportRejected, match="第2行「角色」：三员分立"):
        staff_import_xlsx(jurisdiction=world.jurisdiction, source=source)
    assert set(roles_for(user=admins.security).held) == {Role.SECURITY_ADMIN}


def test_the_check_reports_users_holding_two_administrator_roles_in_production(
    world: World, admins: Administrators, settings: Any
) -> None:
    Membership.objects.create(user=admins.system, unit=world.office, role=Role.SECURITY_ADMIN)
    assert [m for m in checks.run_checks() if m.id == "audit.E002"] == []  # development
    settings.JINGXI_ENV = "production"
    found = [m for m in checks.run_checks() if m.id == "audit.E002"]
    assert len(found) == 1
    assert "'sysadmin'" in found[0].msg and "admin, security_admin" in found[0].msg


def test_the_check_refuses_a_short_retention_in_production(settings: Any) -> None:
    settings.JINGXI_AUDIT_RETENTION_DAYS = 90
    assert [m for m in checks.run_checks() if m.id == "audit.E001"] == []
    settings.JINGXI_ENV = "production"
    assert [m.id for m in checks.run_checks() if (m.id or "").startswith("audit.")] == [
        "audit.E001"
    ]
