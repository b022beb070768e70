"""The demo logins, one per role, that the login page shows and `manage.py serve` prints
at start: offered to the shell through `jingxi.web.offers` (`DemoConfig.ready`)."""

from __future__ import annotations

from jingxi.demo.names import STREETS
from jingxi.demo.plan import DEMO_PASSWORD, DEPARTMENTS
from jingxi.org.choices import Role
from jingxi.web.offers import LoginOffer

_UNIT_NAME = {code: name for code, name, *_ in DEPARTMENTS}
# The first township is always the first street; its unit is the street's office.
_FIRST_STREET_UNIT = f"{STREETS[0]}办事处"

# (role, username, unit code or None for the first street)
_LOGINS: tuple[tuple[Role, str, str | None], ...] = (
    (Role.ADMIN, "admin", "JXB"),
    (Role.SECURITY_ADMIN, "secadmin", "JXB"),
    (Role.AUDITOR, "auditor", "JXB"),
    (Role.DISPATCHER, "dispatcher", "JXB"),
    (Role.INSPECTOR, "inspector", "JXB"),
    (Role.ROAD_CHIEF, "roadchief", None),
    (Role.UNIT_HANDLER, "handler", "HW"),
    (Role.UNIT_HEAD, "head", "HW"),
    (Role.ASSESSOR, "assessor", "DSF"),
    (Role.LEADER, "leader", "JXB"),
    (Role.OPERATOR, "operator", "JXB"),
)


def demo_logins() -> list[LoginOffer]:
    """Every role's demo login."""
    return [
        LoginOffer(
            role_label=str(role.label),
            username=username,
            password=DEMO_PASSWORD,
            unit_name=_UNIT_NAME[unit] if unit else _FIRST_STREET_UNIT,
        )
        for role, username, unit in _LOGINS
    ]
