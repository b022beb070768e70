"""Who holds which role, and what each role may do: the one answer.

Every door (pages, the REST API and its direct path, the hotline, the portal's office
pages, the admin site, navigation) asks here, and nowhere else:

- `roles_for(user=...)` reads the roles a user holds in their own jurisdiction, with the
  units where they hold each, in one fixed statement. Staff of another jurisdiction hold
  no role in this one; a user without a jurisdiction holds none at all.
- `PERMISSIONS` says which roles grant each `Perm`; `RoleSet.may(perm)` answers it.
  Navigation shows an entry only to whom its page's `Perm` admits, so no menu offers a
  page that answers 404 or 403.
- The role groups below are the only definitions of their sets; a test fails if a module
  elsewhere writes a set of roles of its own (the case workflow's per-action table
  `cases.workflow.ACTION_ROLES` is the one other table of roles, and it is about actions).

Superusers hold every role in their jurisdiction. They exist for development only:
production mode refuses them (see `jingxi.web.checks`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Final

from django.db import connection
from django.http import HttpRequest

from jingxi.lib.prepared import fetch_all
from jingxi.org.choices import Role
from jingxi.org.models import Membership, Unit, User

# --- role groups ----------------------------------------------------------------------

#: Roles that act for their units only (cases, documents and queues of those units).
UNIT_ROLES: Final = frozenset({Role.UNIT_HANDLER, Role.UNIT_HEAD})
#: Roles that see every case of their jurisdiction.
CASE_READ_ALL_ROLES: Final = frozenset(
    {Role.DISPATCHER, Role.INSPECTOR, Role.ASSESSOR, Role.LEADER, Role.OPERATOR, Role.ADMIN}
)
#: Roles that call citizens back, and so see their names and phones unmasked.
CONTACT_ROLES: Final = frozenset({Role.DISPATCHER, Role.OPERATOR, Role.ADMIN})
#: The office's desk: the roles that read the disclosure portal's office pages, the data
#: quality report and the county's figures live.
OFFICE_ROLES: Final = frozenset({Role.DISPATCHER, Role.LEADER, Role.ADMIN})
#: The three separate administrator roles of 三员分立 (GB/T 22239-2019 level 3): system
#: administration (master data), security administration (users, roles, keys) and audit
#: (reading the audit trail). No one holds two of them in production.
ADMINISTRATOR_ROLES: Final = frozenset({Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})
#: Roles that must log in with a second factor in production (the administrators and
#: the office that dispatches).
SECOND_FACTOR_ROLES: Final = frozenset({*ADMINISTRATOR_ROLES, Role.DISPATCHER})
#: Roles that find problems in the street and report them as their own patrol.
PATROL_ROLES: Final = frozenset({Role.INSPECTOR, Role.ROAD_CHIEF, Role.ASSESSOR})
#: Roles that enter reports received at the office's desk (hotline, media, leaders …).
DESK_ROLES: Final = frozenset({Role.DISPATCHER, Role.OPERATOR})
#: Roles that answer for lateness and watch the overdue queue.
OVERSIGHT_ROLES: Final = frozenset({Role.DISPATCHER, Role.LEADER, *UNIT_ROLES})
#: Roles told about cases (the deadline ladder and the notifications name them).
CASE_AUDIENCE_ROLES: Final = frozenset({Role.DISPATCHER, Role.INSPECTOR, *UNIT_ROLES})
#: Every staff role.
STAFF_ROLES: Final = frozenset(Role)


class Perm(enum.StrEnum):
    """What a user may do or open, beyond the case-by-case rule of `cases.access`."""

    CASES = "cases"  # the case workbench (which cases: `cases.access`)
    CASES_ALL = "cases_all"  # every case of the jurisdiction
    CONTACTS = "contacts"  # citizens' names and phones unmasked
    REPORT = "report"  # report a problem from the staff pages or the API
    HOTLINE = "hotline"  # the hotline console and the callback queue
    REOPEN_DECIDE = "reopen_decide"  # decide citizens' "not fixed" requests
    DOCUMENTS = "documents"  # the notice and supervision-order archive (rows: access)
    DOCUMENT_ISSUE = "document_issue"  # issue notices and overdue supervision orders
    SUPERVISE = "supervise"  # issue a leader's supervision order (领导督办)
    EVIDENCE_ADD = "evidence_add"  # add photos to any case they see (else: own unit's)
    DISCLOSURE_READ = "disclosure_read"  # the portal's office pages
    DISCLOSURE_WRITE = "disclosure_write"  # publish on the portal
    QUALITY = "quality"  # the data-quality report
    MAP = "map"  # the staff map of the jurisdiction
    MASTER_DATA = "master_data"  # the admin site's master data
    SECURITY = "security"  # users, memberships, API tokens, Open311 keys
    AUDIT = "audit"  # read and export the audit trail
    ROUND = "round"  # walk inspection rounds: today's route, the round page and its API
    INSPECTION_READ = "inspection_read"  # plans, routes, coverage reports and gap lists
    INSPECTION_PLAN = "inspection_plan"  # roster, areas, scope, frequencies; (re)generate plans
    POSITIONS = "positions"  # staff's live positions during open rounds (personal data)


PERMISSIONS: Final[Mapping[Perm, frozenset[Role]]] = {
    Perm.CASES: STAFF_ROLES - {Role.SECURITY_ADMIN, Role.AUDITOR},
    Perm.CASES_ALL: CASE_READ_ALL_ROLES,
    Perm.CONTACTS: CONTACT_ROLES,
    Perm.REPORT: PATROL_ROLES | DESK_ROLES | {Role.LEADER},
    Perm.HOTLINE: DESK_ROLES,
    Perm.REOPEN_DECIDE: frozenset({Role.DISPATCHER}),
    Perm.DOCUMENTS: frozenset(
        {Role.DISPATCHER, Role.LEADER, Role.ADMIN, Role.ROAD_CHIEF, *UNIT_ROLES}
    ),
    Perm.DOCUMENT_ISSUE: frozenset({Role.DISPATCHER}),
    Perm.SUPERVISE: frozenset({Role.DISPATCHER, Role.LEADER}),
    Perm.EVIDENCE_ADD: frozenset({Role.DISPATCHER, Role.INSPECTOR}),
    Perm.DISCLOSURE_READ: OFFICE_ROLES,
    Perm.DISCLOSURE_WRITE: frozenset({Role.DISPATCHER, Role.ADMIN}),
    Perm.QUALITY: OFFICE_ROLES,
    Perm.MAP: STAFF_ROLES,
    Perm.MASTER_DATA: frozenset({Role.ADMIN}),
    Perm.SECURITY: frozenset({Role.SECURITY_ADMIN}),
    Perm.AUDIT: frozenset({Role.AUDITOR}),
    Perm.ROUND: frozenset({Role.INSPECTOR}),
    Perm.INSPECTION_READ: OFFICE_ROLES | {Role.INSPECTOR},
    Perm.INSPECTION_PLAN: frozenset({Role.DISPATCHER, Role.ADMIN}),
    # A staff member's position is personal data: the dispatcher, the leader and the admin.
    Perm.POSITIONS: OFFICE_ROLES,
}


# --- the roles a user holds -----------------------------------------------------------


@dataclass(frozen=True)
class RoleSet:
    """The roles a user holds in one jurisdiction, with the units where they hold each."""

    jurisdiction_id: int | None
    units: Mapping[str, frozenset[int]] = field(default_factory=dict)

    @property
    def held(self) -> frozenset[str]:
        return frozenset(self.units)

    @property
    def is_staff(self) -> bool:
        """Whether the user holds any role (is staff of `jurisdiction_id`)."""
        return bool(self.units)

    def has(self, *roles: str) -> bool:
        """Whether the user holds at least one of `roles`."""
        return any(role in self.units for role in roles)

    def has_any(self, roles: frozenset[Role] | frozenset[str]) -> bool:
        return not self.held.isdisjoint(roles)

    def may(self, perm: Perm) -> bool:
        return self.has_any(PERMISSIONS[perm])

    def unit_ids(self, roles: frozenset[Role] = UNIT_ROLES) -> frozenset[int]:
        """The units where the user holds one of `roles` (by default: the unit roles)."""
        ids: set[int] = set()
        for role in roles:
            ids |= self.units.get(role, frozenset())
        return frozenset(ids)

    def holds_in(self, role: str, unit_id: int | None) -> bool:
        return unit_id is not None and unit_id in self.units.get(role, frozenset())

    def __contains__(self, role: object) -> bool:
        return role in self.units

    def __iter__(self) -> Iterator[str]:
        return iter(self.units)

    def __len__(self) -> int:
        return len(self.units)

    def __and__(self, other: AbstractSet[str]) -> frozenset[str]:
        return self.held & other


NO_ROLES: Final = RoleSet(jurisdiction_id=None)


def _roles_sql() -> str:
    quote = connection.ops.quote_name
    return (  # asked on most requests: a fixed statement, not a queryset to compile
        f"SELECT m.role, m.unit_id FROM {quote(Membership._meta.db_table)} m "  # noqa: S608 quoted table names, %s params
        f"JOIN {quote(Unit._meta.db_table)} u ON u.id = m.unit_id "
        "WHERE m.user_id = %s AND u.jurisdiction_id = %s"
    )


def roles_for(*, user: User | object, jurisdiction_id: int | None = None) -> RoleSet:
    """The roles `user` holds in their jurisdiction (or in `jurisdiction_id`, which must
    be theirs: staff hold no role in another jurisdiction). One query; none for
    anonymous users and users without a jurisdiction."""
    if not isinstance(user, User) or not user.is_authenticated or user.jurisdiction_id is None:
        return NO_ROLES
    if jurisdiction_id is not None and jurisdiction_id != user.jurisdiction_id:
        return RoleSet(jurisdiction_id=jurisdiction_id)
    jid = user.jurisdiction_id
    if user.is_superuser:
        return RoleSet(jurisdiction_id=jid, units=_superuser_units(jid))
    units: dict[str, set[int]] = {}
    for role, unit_id in fetch_all(_roles_sql(), [user.pk, jid]):
        units.setdefault(role, set()).add(unit_id)
    return RoleSet(jurisdiction_id=jid, units={r: frozenset(u) for r, u in units.items()})


def roleset_from_names(
    *, jurisdiction_id: int | None, roles: str | None, unit_ids: frozenset[int] = frozenset()
) -> RoleSet:
    """A RoleSet from role names read elsewhere (the direct report path reads them with
    the token, joined by commas); units are not known there and are left empty."""
    names = {name for name in (roles or "").split(",") if name}
    return RoleSet(jurisdiction_id=jurisdiction_id, units=dict.fromkeys(names, unit_ids))


def _superuser_units(jurisdiction_id: int) -> dict[str, frozenset[int]]:
    ids = frozenset(
        Unit.objects.filter(jurisdiction_id=jurisdiction_id).values_list("pk", flat=True)
    )
    return dict.fromkeys(Role.values, ids)


def roles_of(request: HttpRequest) -> RoleSet:
    """`roles_for(request.user)`, read once per request."""
    cached: RoleSet | None = getattr(request, "_jingxi_roles", None)
    if cached is None:
        cached = roles_for(user=request.user)
        request._jingxi_roles = cached  # type: ignore[attr-defined]  # per-request memo
    return cached


def unit_member_ids(*, unit_id: int, roles: frozenset[Role]) -> list[int]:
    """The active users who hold one of `roles` in the unit (whom to tell about it)."""
    return list(
        Membership.objects.filter(unit_id=unit_id, role__in=roles, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
