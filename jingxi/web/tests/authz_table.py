"""The authorization matrix: who gets what from every door, in one table.

Every URL pattern of the project has a row here: its methods and, for each actor, the
answer it must give. `test_authorization_matrix` walks every row × method × actor
against objects built once (`authz_world`), and fails for a URL without a row or a row
without its objects; `scripts/authz_docs.py` prints the table into
`docs/authorization.md`, which a test holds to this file.

Outcomes (what a request gets, judged by status and redirect):
- `ok`: it passed the door's guard: a page, a file, a redirect that is not to a login
  page, or a refusal of its input after the guard (400, 409, 413, 429);
- `login`: sent to log in (a redirect to the login page);
- `404`: the thing does not exist for this actor (the rule for what one may not see);
- `403`: seen, but not to be done by this actor (a write the role may not make);
- `401`: the API asks for credentials.

Actors: anonymous visitors; a citizen's browser holding a case's tracking token; a
logged-in user without a role; each staff role of the cast's county; a handler of
another unit (`other_unit`); a dispatcher of another county (`other_county`); and
Open311 clients with a good, a revoked or no API key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from jingxi.audit.admin_site import ADMIN_MODELS
from jingxi.org.roles import Perm

# --- actors ---------------------------------------------------------------------------

ANONYMOUS: Final = "anonymous"
CITIZEN: Final = "citizen_token"
NO_ROLE: Final = "no_role"
DISPATCHER: Final = "dispatcher"
INSPECTOR: Final = "inspector"
ROAD_CHIEF: Final = "road_chief"
HANDLER: Final = "handler"
UNIT_HEAD: Final = "unit_head"
ASSESSOR: Final = "assessor"
LEADER: Final = "leader"
OPERATOR: Final = "operator"
ADMIN: Final = "admin"
SECURITY: Final = "security_admin"
AUDITOR: Final = "auditor"
OTHER_UNIT: Final = "other_unit"
OTHER_COUNTY: Final = "other_county"
O311_GOOD: Final = "o311_good"
O311_REVOKED: Final = "o311_revoked"
O311_NONE: Final = "o311_none"

ACTORS: Final = (
    ANONYMOUS,
    CITIZEN,
    O311_GOOD,
    O311_REVOKED,
    O311_NONE,
    NO_ROLE,
    DISPATCHER,
    INSPECTOR,
    ROAD_CHIEF,
    HANDLER,
    UNIT_HEAD,
    ASSESSOR,
    LEADER,
    OPERATOR,
    ADMIN,
    SECURITY,
    AUDITOR,
    OTHER_UNIT,
    OTHER_COUNTY,
)
#: Not logged in: visitors, the citizen's browser, Open311 clients.
VISITORS: Final = frozenset({ANONYMOUS, CITIZEN, O311_GOOD, O311_REVOKED, O311_NONE})
LOGGED_IN: Final = frozenset(ACTORS) - VISITORS
#: The staff of the cast's county, by role (other_unit is a unit handler too).
STAFF: Final = frozenset(
    {
        DISPATCHER,
        INSPECTOR,
        ROAD_CHIEF,
        HANDLER,
        UNIT_HEAD,
        ASSESSOR,
        LEADER,
        OPERATOR,
        ADMIN,
        SECURITY,
        AUDITOR,
        OTHER_UNIT,
    }
)
#: Roles that see every case of the county (`Perm.CASES_ALL`).
CASES_ALL: Final = frozenset({DISPATCHER, INSPECTOR, ASSESSOR, LEADER, OPERATOR, ADMIN})
#: Who sees the open case of the matrix: it is with 环卫中心 (the handler's and the unit
#: head's unit) on 青年路 (the road chief's road).
CASE_SEEN: Final = CASES_ALL | {ROAD_CHIEF, HANDLER, UNIT_HEAD}
#: The case workbench (`Perm.CASES`): every staff role but the security administrator and
#: the auditor; a dispatcher of another county has one of their own.
WORKBENCH: Final = (STAFF - {SECURITY, AUDITOR}) | {OTHER_COUNTY}
#: The document archive (`Perm.DOCUMENTS`).
ARCHIVE: Final = frozenset(
    {DISPATCHER, LEADER, ADMIN, ROAD_CHIEF, HANDLER, UNIT_HEAD, OTHER_UNIT, OTHER_COUNTY}
)
#: Reporting from the staff pages (`Perm.REPORT`).
REPORTERS: Final = frozenset(
    {INSPECTOR, ROAD_CHIEF, ASSESSOR, DISPATCHER, OPERATOR, LEADER, OTHER_COUNTY}
)
#: The hotline (`Perm.HOTLINE`).
HOTLINE: Final = frozenset({DISPATCHER, OPERATOR, OTHER_COUNTY})
#: The portal's office pages: read (`Perm.DISCLOSURE_READ`) and write.
OFFICE_READ: Final = frozenset({DISPATCHER, LEADER, ADMIN, OTHER_COUNTY})
OFFICE_WRITE: Final = frozenset({DISPATCHER, ADMIN, OTHER_COUNTY})
#: Every staff role with a map (`Perm.MAP`).
MAPPED: Final = STAFF | {OTHER_COUNTY}
#: Daily inspection's plans and roster: read (`Perm.INSPECTION_READ`) and change
#: (`Perm.INSPECTION_PLAN`); a route: the office's readers, and its own inspector (the
#: matrix's route is the cast inspector's).
INSPECTION_READ: Final = OFFICE_READ | {INSPECTOR}
INSPECTION_PLAN: Final = OFFICE_WRITE
ROUTE_SEEN: Final = frozenset({DISPATCHER, LEADER, ADMIN, INSPECTOR})
#: Live positions of open rounds (`Perm.POSITIONS`): the office only.
POSITION_VIEWERS: Final = frozenset({DISPATCHER, LEADER, ADMIN, OTHER_COUNTY})


@dataclass(frozen=True)
class Row:
    """A URL (by name) or a family of admin URLs, its methods, and each actor's answer."""

    name: str
    methods: tuple[str, ...]
    expect: Mapping[str, str]
    note: str = ""
    # For a POST whose answer differs from the GET's (a write the reader may not make).
    post_expect: Mapping[str, str] = field(default_factory=dict)

    def outcome(self, *, method: str, actor: str) -> str:
        if method != "GET" and actor in self.post_expect:
            return self.post_expect[actor]
        return self.expect[actor]


def _answers(
    ok: Iterable[str], *, visitors: str, others: str, special: Mapping[str, str] | None = None
) -> dict[str, str]:
    ok = frozenset(ok)
    answers: dict[str, str] = {}
    for actor in ACTORS:
        if actor in ok:
            answers[actor] = "ok"
        elif actor in VISITORS:
            answers[actor] = visitors
        else:
            answers[actor] = others
    answers.update(special or {})
    return answers


def page(
    name: str,
    methods: str,
    ok: Iterable[str],
    note: str,
    *,
    others: str = "404",
    writers: Iterable[str] | None = None,
    special: Mapping[str, str] | None = None,
) -> Row:
    """A staff page: visitors log in, `ok` pass, other logged-in users get `others`;
    with `writers`, a POST by a reader who is not one is a 403."""
    expect = _answers(ok, visitors="login", others=others, special=special)
    post: dict[str, str] = {}
    if writers is not None:
        post = dict.fromkeys(frozenset(ok) - frozenset(writers), "403")
    return Row(name, tuple(methods.split()), expect, note, post)


def api(
    name: str,
    methods: str,
    ok: Iterable[str],
    note: str,
    *,
    others: str = "404",
    post_expect: Mapping[str, str] | None = None,
) -> Row:
    """A REST API endpoint: visitors get 401, `ok` pass, others get `others`."""
    return Row(
        name,
        tuple(methods.split()),
        _answers(ok, visitors="401", others=others),
        note,
        dict(post_expect or {}),
    )


def public(name: str, methods: str, note: str, *, special: Mapping[str, str] | None = None) -> Row:
    """A public door: everyone passes (unless `special`)."""
    return Row(
        name,
        tuple(methods.split()),
        _answers(ACTORS, visitors="ok", others="ok", special=special),
        note,
    )


ALL = frozenset(ACTORS)

ROWS: Final[tuple[Row, ...]] = (
    # --- the shell and accounts ---------------------------------------------------------
    public("set_language", "POST", "switch the language"),
    public("login", "GET POST", "the one login page"),
    page("accounts:security", "GET", LOGGED_IN, "one's own account security"),
    page("accounts:password-change", "GET POST", LOGGED_IN, "change one's own password"),
    page("accounts:totp-enrol", "GET POST", LOGGED_IN, "enrol one's own second factor"),
    page("accounts:totp-remove", "POST", LOGGED_IN, "remove one's own second factor (a code)"),
    Row(
        "accounts:login-code",
        ("GET", "POST"),
        _answers((), visitors="login", others="login"),
        "the code step of a login in progress; without one, back to the login page",
    ),
    page("web:home", "GET", LOGGED_IN, "the workbench home"),
    page("web:map", "GET", MAPPED, "the staff map"),
    page("web:map-layer", "GET", MAPPED, "the staff map's GeoJSON layers (cases: those one sees)"),
    page("web:notification-list", "GET", LOGGED_IN, "one's own notifications"),
    page("web:notification-badge", "GET", LOGGED_IN, "one's own unread count"),
    page(
        "web:notification-preferences",
        "GET POST",
        LOGGED_IN,
        "one's own choice of media per kind of notification",
    ),
    page("web:notification-read-all", "POST", LOGGED_IN, "mark one's own notifications read"),
    page(
        "web:notification-read",
        "POST",
        {HANDLER},
        "mark one notification read: its owner only (the matrix's is the handler's)",
    ),
    # --- cases: pages ----------------------------------------------------------------------
    page("cases:case-list", "GET", WORKBENCH, "the work queues (rows: cases.access)"),
    page("cases:case-export", "GET", WORKBENCH, "a work queue as XLSX (rows: cases.access)"),
    page("cases:case-report", "GET POST", REPORTERS, "report a problem (sources by role)"),
    page("cases:case-detail", "GET", CASE_SEEN, "the case page (cases.access)"),
    page("cases:case-act", "POST", CASE_SEEN, "an action on a case (the workflow decides)"),
    page(
        "cases:attachment-upload",
        "POST",
        CASE_SEEN,
        "add a photo to a case one sees (who may add: cases.evidence)",
    ),
    page("cases:attachment-file", "GET", CASE_SEEN, "a case's photo"),
    page("cases:attachment-thumbnail", "GET", CASE_SEEN, "a case's photo, small"),
    page("cases:notice-list", "GET", ARCHIVE, "the notice archive (rows: who may see each)"),
    page("cases:notice-issue", "GET POST", {DISPATCHER, OTHER_COUNTY}, "issue a notice"),
    page(
        "cases:notice-detail",
        "GET",
        CASE_SEEN,
        "a notice: its issuer, its unit, whoever sees every case it lists",
    ),
    page("cases:notice-pdf", "GET", CASE_SEEN, "a notice as PDF (as its page)"),
    page(
        "cases:notice-sign",
        "POST",
        CASE_SEEN,
        "sign for a notice: the unit's staff; others who see it may not (403)",
        writers={HANDLER, UNIT_HEAD},
    ),
    page("cases:supervision-list", "GET", ARCHIVE, "the supervision orders one may see"),
    page("cases:supervision-detail", "GET", CASE_SEEN, "a supervision order (as notices)"),
    page("cases:supervision-pdf", "GET", CASE_SEEN, "a supervision order as PDF"),
    page(
        "cases:supervision-sign",
        "POST",
        CASE_SEEN,
        "sign for a supervision order: the unit's staff",
        writers={HANDLER, UNIT_HEAD},
    ),
    # --- the REST API --------------------------------------------------------------------
    api(
        "api-case-list",
        "GET POST",
        LOGGED_IN,
        "cases one may see; POST reports (staff of a county; sources by role)",
        post_expect={NO_ROLE: "403"},
    ),
    api("api-case-detail", "GET", CASE_SEEN, "a case"),
    api("api-case-action", "POST", CASE_SEEN, "an action (the workflow decides)"),
    api("api-case-duplicates", "GET", CASE_SEEN, "a case's possible duplicates"),
    api("api-case-attachments", "GET POST", CASE_SEEN, "a case's photos"),
    api(
        "api-notice-list",
        "GET POST",
        LOGGED_IN,
        "notices one may see; POST issues (dispatchers)",
        post_expect=dict.fromkeys(LOGGED_IN - {DISPATCHER, OTHER_COUNTY}, "403"),
    ),
    api("api-notice-detail", "GET", CASE_SEEN, "a notice"),
    api(
        "api-notice-sign",
        "POST",
        CASE_SEEN,
        "sign for a notice (its unit's staff)",
        post_expect=dict.fromkeys(CASE_SEEN - {HANDLER, UNIT_HEAD}, "403"),
    ),
    api(
        "api-supervision-list",
        "GET POST",
        LOGGED_IN,
        "supervision orders one may see; POST flags a case one sees (dispatchers, leaders)",
        post_expect=dict.fromkeys(LOGGED_IN - {DISPATCHER, LEADER, OTHER_COUNTY}, "403"),
    ),
    api("api-supervision-detail", "GET", CASE_SEEN, "a supervision order"),
    api(
        "api-supervision-sign",
        "POST",
        CASE_SEEN,
        "sign for a supervision order (its unit's staff)",
        post_expect=dict.fromkeys(CASE_SEEN - {HANDLER, UNIT_HEAD}, "403"),
    ),
    # --- the rounds' API (inspections: Perm.ROUND, one's own rounds only) ----------------
    api(
        "api-inspection-today", "GET", {INSPECTOR}, "one's duty, route and open round", others="403"
    ),
    api(
        "api-round-list", "GET POST", {INSPECTOR}, "one's own rounds; POST starts one", others="403"
    ),
    api("api-round-detail", "GET", {INSPECTOR}, "one's own round (another's: 404)"),
    api("api-round-points", "POST", {INSPECTOR}, "track points of one's own round"),
    api("api-round-findings", "POST", {INSPECTOR}, "a problem found on one's own round"),
    api("api-round-ticks", "POST", {INSPECTOR}, "a checklist tick on one's own round"),
    api("api-round-end", "POST", {INSPECTOR}, "end one's own round"),
    public("api-schema", "GET", "the OpenAPI schema (no data: what a client may call)"),
    public("api-docs", "GET", "the API's documentation page"),
    # --- places ----------------------------------------------------------------------------
    page("catalog:category-suggest", "GET", REPORTERS, "categories for a report's words"),
    page("places:point-responsibility", "GET", MAPPED, "what is at a point (forms and the map)"),
    page("places:address-geocode", "GET", MAPPED, "an address's point"),
    page("places:point-describe", "GET", MAPPED, "a point's address"),
    page("places:grid-quality", "GET", {DISPATCHER, LEADER, ADMIN, OTHER_COUNTY}, "data quality"),
    # --- inspections: planning ----------------------------------------------------------------
    page(
        "inspections:plan-day",
        "GET POST",
        INSPECTION_READ,
        "the day's plan; regenerate it (planners)",
        writers=INSPECTION_PLAN,
    ),
    page(
        "inspections:roster-week",
        "GET POST",
        INSPECTION_READ,
        "the roster's week; absences, returns and swaps (planners)",
        writers=INSPECTION_PLAN,
    ),
    page("inspections:route-detail", "GET", ROUTE_SEEN, "a walking route: the office's, one's own"),
    page("inspections:route-gpx", "GET", ROUTE_SEEN, "a walking route as GPX (as its page)"),
    # --- inspections: the office's pages (Perm.INSPECTION_READ; positions: Perm.POSITIONS) --
    page("inspections:overview", "GET", INSPECTION_READ, "today's inspection progress"),
    page("inspections:coverage", "GET", INSPECTION_READ, "coverage and frequency reports"),
    page("inspections:coverage-export", "GET", INSPECTION_READ, "the coverage report as XLSX"),
    page("inspections:coverage-map", "GET", INSPECTION_READ, "the day's coverage map"),
    page("inspections:coverage-geojson", "GET", INSPECTION_READ, "the coverage map's data"),
    page("inspections:gaps", "GET", INSPECTION_READ, "the gap list (planned, not walked)"),
    page("inspections:positions", "GET", POSITION_VIEWERS, "live positions (personal data)"),
    page(
        "inspections:positions-data",
        "GET",
        POSITION_VIEWERS,
        "last position of each open round (personal data)",
    ),
    # --- end of the office's inspection block -------------------------------------------------
    # --- inspections: the inspector's phone (Perm.ROUND) -----------------------------------
    page("inspections:round", "GET", {INSPECTOR}, "the inspector's round page (today's route)"),
    page(
        "inspections:service-worker",
        "GET",
        {INSPECTOR},
        "the round page's service worker (keeps the page for a reload without signal)",
    ),
    # --- hotline ----------------------------------------------------------------------------
    page("hotline:console", "GET", HOTLINE, "the operator's console"),
    page("hotline:call-take", "POST", HOTLINE, "a call that reports a problem"),
    page("hotline:call-attach", "POST", HOTLINE - {OTHER_COUNTY}, "a call about a known case"),
    page("hotline:call-log", "POST", HOTLINE, "a call without a case"),
    page("hotline:call-history", "GET", HOTLINE, "a caller's earlier calls"),
    page("hotline:category-suggest", "GET", HOTLINE, "categories for a caller's words"),
    page("hotline:case-nearby", "GET", HOTLINE, "cases near the caller's place"),
    page("hotline:callback-list", "GET", HOTLINE, "the callback (回访) queue"),
    page("hotline:callback-record", "POST", HOTLINE, "record a callback"),
    # --- audit -------------------------------------------------------------------------------
    page("audit:entry-list", "GET", {AUDITOR}, "the audit trail"),
    page("audit:entry-export", "GET", {AUDITOR}, "the audit trail as XLSX/CSV"),
    page("audit:entry-detail", "GET", {AUDITOR}, "an audit entry"),
    # --- the public site ------------------------------------------------------------------
    public("public:report", "GET POST", "a citizen reports a problem"),
    public(
        "public:report-done",
        "GET",
        "the receipt of a report for the browser that made it; others go to the track page",
    ),
    public("public:geocode", "GET", "an address's point"),
    public("public:place-describe", "GET", "a point's address"),
    public("public:map-context", "GET", "what is near a point"),
    public("public:category-suggest", "GET", "categories for a citizen's words"),
    public("public:track-search", "GET", "find a case by number"),
    public("public:track", "GET", "a case's public page (more for the token's browser)"),
    public(
        "public:track-photo",
        "GET",
        "a case's photo, re-encoded, to the browser holding its token",
        special={a: "404" for a in ACTORS if a != CITIZEN},
    ),
    public("public:feedback", "POST", "rate a closed case (the token decides)"),
    public("public:not-fixed", "POST", "say a closed case is not fixed (the token decides)"),
    page("public:reopen-list", "GET", {DISPATCHER, OTHER_COUNTY}, "citizens' not-fixed requests"),
    page("public:reopen-decide", "POST", {DISPATCHER}, "decide a not-fixed request"),
    public("public:portal", "GET", "the disclosure portal"),
    public("public:figures", "GET", "the figures"),
    public("public:grid-map", "GET", "the grid map"),
    public("public:grid-map-data", "GET", "the grid map's data"),
    public("public:typical-list", "GET", "typical cases"),
    public("public:typical-detail", "GET", "a published typical case"),
    public("public:typical-photo", "GET", "a published typical case's photo"),
    public("public:road-boards", "GET", "the road chiefs' boards"),
    public("public:consultation-list", "GET", "consultations"),
    public("public:consultation-detail", "GET POST", "a consultation (comments while open)"),
    public("public:suggestion-list", "GET", "answered suggestions"),
    public("public:suggestion-new", "GET POST", "make a suggestion"),
    public("public:bulletin-list", "GET", "published bulletins"),
    public("public:bulletin-detail", "GET", "a published bulletin"),
    public("public:bulletin-pdf", "GET", "a published bulletin's PDF"),
    page("public:staff-home", "GET", OFFICE_READ, "the portal's office home"),
    page("public:staff-suggestion-list", "GET", OFFICE_READ, "suggestions to answer"),
    page(
        "public:staff-suggestion-new",
        "GET POST",
        OFFICE_WRITE,
        "record a suggestion received elsewhere (a form to write)",
        special={LEADER: "403"},
    ),
    page(
        "public:staff-suggestion-detail",
        "GET POST",
        OFFICE_READ - {OTHER_COUNTY},
        "a suggestion and its answer",
        writers=OFFICE_WRITE,
    ),
    page(
        "public:staff-suggestion-publish",
        "POST",
        OFFICE_READ - {OTHER_COUNTY},
        "publish a suggestion",
        writers=OFFICE_WRITE,
    ),
    page("public:staff-media-list", "GET", OFFICE_READ, "media exposures"),
    page(
        "public:staff-media-new",
        "GET POST",
        OFFICE_WRITE,
        "record a media exposure (it reports a case) (a form to write)",
        special={LEADER: "403"},
    ),
    page("public:staff-consultation-list", "GET", OFFICE_READ, "consultations"),
    page(
        "public:staff-consultation-new",
        "GET POST",
        OFFICE_WRITE,
        "open a consultation (a form to write)",
        special={LEADER: "403"},
    ),
    page(
        "public:staff-consultation-detail",
        "GET",
        OFFICE_READ - {OTHER_COUNTY},
        "a consultation's comments",
    ),
    page(
        "public:staff-consultation-act",
        "POST",
        OFFICE_READ - {OTHER_COUNTY},
        "open, close or conclude a consultation",
        writers=OFFICE_WRITE,
    ),
    page(
        "public:staff-comment-moderate",
        "POST",
        OFFICE_READ - {OTHER_COUNTY},
        "moderate a comment",
        writers=OFFICE_WRITE,
    ),
    page(
        "public:staff-hearing-new",
        "GET POST",
        OFFICE_WRITE,
        "record a hearing (座谈会) (a form to write)",
        special={LEADER: "403"},
    ),
    page("public:staff-typical-list", "GET", OFFICE_READ, "typical cases"),
    page(
        "public:staff-typical-new",
        "GET POST",
        OFFICE_WRITE - {OTHER_COUNTY},
        "make a typical case of a closed case (a form to write)",
        special={LEADER: "403"},
    ),
    page(
        "public:staff-typical-toggle",
        "POST",
        OFFICE_READ - {OTHER_COUNTY},
        "publish or withdraw a typical case",
        writers=OFFICE_WRITE,
    ),
    page("public:staff-trace", "GET", OFFICE_READ, "the cases behind a published figure"),
    page("public:staff-bulletin-list", "GET", OFFICE_READ, "bulletins, drafts included"),
    page(
        "public:staff-bulletin-new",
        "GET POST",
        OFFICE_WRITE,
        "draft a bulletin (a form to write: the leader reads, 403)",
        special={LEADER: "403"},
    ),
    page(
        "public:staff-bulletin-detail",
        "GET",
        OFFICE_READ - {OTHER_COUNTY},
        "a bulletin, any state",
    ),
    page(
        "public:staff-bulletin-edit",
        "GET POST",
        OFFICE_WRITE - {OTHER_COUNTY},
        "edit a draft (a form to write)",
        special={LEADER: "403"},
    ),
    page(
        "public:staff-bulletin-act",
        "POST",
        OFFICE_READ - {OTHER_COUNTY},
        "publish or withdraw a bulletin",
        writers=OFFICE_WRITE,
    ),
    page(
        "public:staff-bulletin-pdf",
        "GET",
        OFFICE_READ - {OTHER_COUNTY},
        "a bulletin's PDF, any state",
    ),
    # --- Open311 and WeChat -----------------------------------------------------------------
    public("open311:discovery", "GET", "Open311 discovery"),
    public("open311:services", "GET", "Open311 service list"),
    public("open311:service-definition", "GET", "Open311 service definition"),
    Row(
        "open311:requests",
        ("GET", "POST"),
        _answers(ACTORS, visitors="ok", others="ok"),
        "Open311 requests: anyone reads; a POST needs a good API key (else 403)",
        {a: "403" for a in ACTORS if a != O311_GOOD},
    ),
    public("open311:request-detail", "GET", "an Open311 request"),
    public("open311:token-detail", "GET", "an Open311 token's request"),
    public("open311:updates", "GET", "Open311 updates"),
    public("open311:invalid", "GET", "anything else under Open311: its error document (400)"),
    Row(
        "wechat:endpoint",
        ("GET", "POST"),
        _answers((), visitors="403", others="403"),
        "WeChat's server endpoint: only a request signed with the account's token passes",
    ),
    # --- the admin site (三员分立) ------------------------------------------------------------
    Row(
        "admin:index",
        ("GET",),
        _answers({ADMIN, SECURITY}, visitors="login", others="404"),
        "the admin site: the system and security administrators",
    ),
    Row(
        "admin-login",
        ("GET",),
        _answers((), visitors="login", others="403"),
        "the admin's own login sends to the one login page; a logged-in user may not use it",
    ),
    Row(
        "admin:login",
        ("GET",),
        _answers((), visitors="login", others="403"),
        "(shadowed by admin-login)",
    ),
    Row(
        "admin:logout",
        ("POST",),
        _answers((), visitors="ok", others="404", special={ADMIN: "login", SECURITY: "login"}),
        "leave the admin site, back to the login page (walked last)",
    ),
    Row(
        "admin:jsi18n",
        ("GET",),
        _answers({ADMIN, SECURITY}, visitors="login", others="404"),
        "the admin's translations for its scripts",
    ),
    Row(
        "admin:autocomplete",
        ("GET",),
        _answers((), visitors="login", others="404", special={ADMIN: "403", SECURITY: "403"}),
        "the admin's search-as-you-type: a field the asker may not read is refused",
    ),
    Row(
        "admin:app_list",
        ("GET",),
        _answers({ADMIN}, visitors="login", others="404"),
        "an app's models (the matrix asks for places: master data)",
    ),
    Row(
        "admin:view_on_site",
        ("GET",),
        _answers((), visitors="login", others="404"),
        "an object's page on the site (units have none)",
    ),
    Row(
        "admin:password_change",
        ("GET", "POST"),
        _answers({ADMIN, SECURITY}, visitors="login", others="404"),
        "sends to the one password page (accounts:password-change)",
    ),
    Row(
        "admin:password_change_done",
        ("GET",),
        _answers({ADMIN, SECURITY}, visitors="login", others="404"),
        "sends to the account's security page",
    ),
    Row(
        "admin:catch_all",
        ("GET",),
        _answers((), visitors="login", others="404"),
        "anything else under /admin/",
    ),
    Row(
        "logout",
        ("POST",),
        _answers((), visitors="login", others="login"),
        "log out, back to the login page (walked last)",
    ),
)

#: The admin site's per-model pages: their answers follow `audit.admin_site.ADMIN_MODELS`
#: (the model's `Perm`): its administrator passes, the other administrator of the site
#: gets 403, every other logged-in user 404, visitors log in.
ADMIN_MODEL_PAGES: Final = (
    ("changelist", ("GET", "POST")),
    ("add", ("GET", "POST")),
    ("change", ("GET", "POST")),
    ("history", ("GET",)),
    ("delete", ("GET", "POST")),
    ("import", ("GET", "POST")),
    ("export", ("GET",)),
)


#: Pages a model's own administrator is refused too (403), and why.
ADMIN_REFUSED: Final[Mapping[str, tuple[frozenset[str], str]]] = {
    "axes.accessattempt": (frozenset({"add"}), "lockouts are recorded by logins, not typed"),
    "axes.accessfailurelog": (frozenset({"add"}), "failures are recorded by logins"),
    "axes.accesslog": (frozenset({"add"}), "logins are recorded by logins"),
    "open311.open311request": (
        frozenset({"add", "change-post"}),
        "requests come from Open311 clients and are read only",
    ),
    "otp_totp.totpdevice": (
        frozenset({"config", "qrcode"}),
        "a device's key is never shown (OTP_ADMIN_HIDE_SENSITIVE_DATA)",
    ),
    "bulletins.bulletin": (
        frozenset({"add", "delete", "change-post"}),
        "written by the office's bulletin pages, which check and number them",
    ),
    **{
        f"public.{model}": (
            frozenset({"add", "delete", "change-post"}),
            "written by the portal's office pages, which check and number them",
        )
        for model in (
            "consultation",
            "hearing",
            "mediaexposure",
            "suggestion",
            "typicalcase",
        )
    },
    **{
        f"wechat.{model}": (
            frozenset({"add", "delete", "change-post"}),
            "written by WeChat's conversation",
        )
        for model in ("conversation", "pendingmedia")
    },
}


def admin_model_answers(*, label: str, holder: str, page: str) -> dict[str, str]:
    """Each actor's answer on the `page` of model `label` whose administrator is
    `holder` (`change-post`: a POST to the change page): the unnamed `redirect` to the
    change page is followed by both administrators (the change page then decides)."""
    other = SECURITY if holder == ADMIN else ADMIN
    if page == "redirect":
        return _answers({holder, other}, visitors="login", others="404")
    refused = ADMIN_REFUSED.get(label, (frozenset(), ""))[0]
    if page in refused:
        return _answers((), visitors="login", others="404", special={holder: "403", other: "403"})
    return _answers({holder}, visitors="login", others="404", special={other: "403"})


# --- the URL configuration, row by row ----------------------------------------------------


@dataclass(frozen=True)
class Door:
    route: str  # the pattern, as the docs show it
    name: str  # the URL's name with its namespaces ("" for an unnamed admin redirect)
    params: tuple[str, ...]


def _walk(patterns: list[Any], prefix: str = "", ns: str = "") -> Iterator[Door]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            space = ns + (f"{entry.namespace}:" if entry.namespace else "")
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), space)
        elif isinstance(entry, URLPattern):
            name = f"{ns}{entry.name}" if entry.name else ""
            params = tuple(entry.pattern.regex.groupindex)
            yield Door(prefix + str(entry.pattern), name, params)


def doors() -> list[Door]:
    return list(_walk(get_resolver().url_patterns))


ADMIN_SUFFIXES = tuple(f"_{page}" for page, _methods in ADMIN_MODEL_PAGES)


def admin_model(door: Door) -> tuple[str, str, str] | None:
    """(app label, model name, page) of an admin model page, or None."""
    if not door.route.startswith("admin/"):
        return None
    parts = door.route.split("/")
    if len(parts) < 4:
        return None
    app_label, model_name = parts[1], parts[2]
    label = f"{app_label}.{model_name}"
    if label not in {m._meta.label_lower for m in admin.site._registry}:
        return None
    if not door.name:  # the <path:object_id>/ redirect to the change page
        return app_label, model_name, "redirect"
    for suffix in ADMIN_SUFFIXES:
        if door.name == f"admin:{app_label}_{model_name}{suffix}":
            return app_label, model_name, suffix[1:]
    return app_label, model_name, door.name.removeprefix(f"admin:{app_label}_{model_name}_")


ROWS_BY_NAME = {row.name: row for row in ROWS}


def row_for(door: Door) -> Row | None:
    if door.route == "admin/(?P<url>.*)$":
        return ROWS_BY_NAME["admin:catch_all"]
    model = admin_model(door)
    if model is not None:
        app_label, model_name, page = model
        perm = ADMIN_MODELS[f"{app_label}.{model_name}"]
        holder = ADMIN if perm == Perm.MASTER_DATA else SECURITY
        label = f"{app_label}.{model_name}"
        methods = dict(ADMIN_MODEL_PAGES).get(page, ("GET",))
        post = admin_model_answers(label=label, holder=holder, page=f"{page}-post")
        return Row(
            f"admin:{app_label}_{model_name}_{page}",
            methods,
            admin_model_answers(label=label, holder=holder, page=page),
            post_expect=post if page == "change" else {},
        )
    return ROWS_BY_NAME.get(door.name)


# --- the published table ------------------------------------------------------------------

SHORT: Final[Mapping[str, str]] = {
    ANONYMOUS: "visitor",
    CITIZEN: "token",
    O311_GOOD: "key",
    O311_REVOKED: "revoked",
    O311_NONE: "no key",
    NO_ROLE: "no role",
    DISPATCHER: "disp.",
    INSPECTOR: "insp.",
    ROAD_CHIEF: "chief",
    HANDLER: "handler",
    UNIT_HEAD: "head",
    ASSESSOR: "assessor",
    LEADER: "leader",
    OPERATOR: "operator",
    ADMIN: "sys adm.",
    SECURITY: "sec adm.",
    AUDITOR: "auditor",
    OTHER_UNIT: "other unit",
    OTHER_COUNTY: "other county",
}
MARK: Final[Mapping[str, str]] = {"ok": "✓", "login": "→", "404": "404", "403": "403", "401": "401"}


def _cell(row: Row, actor: str) -> str:
    seen = []
    for method in row.methods:
        mark = MARK[row.outcome(method=method, actor=actor)]
        if mark not in seen:
            seen.append(mark)
    return "/".join(seen)


def markdown() -> str:
    """`docs/authorization.md`: the table, one line per URL (admin model pages by model)."""
    lines = [
        "# Authorization matrix",
        "",
        "Generated by `scripts/authz_docs.py` from `jingxi/web/tests/authz_table.py`; "
        "`test_authorization_matrix` asks every cell of it of the running code and holds this "
        "file to the table. Do not edit by hand.",
        "",
        "✓ passes the door's guard (a page, a file, a redirect not to a login page, or a "
        "refusal of its input: 400, 409, 413, 415, 429); → sent to log in; 404 does not exist "
        "for this actor; 403 seen but not to be done; 401 the API asks for credentials. "
        "Two marks (✓/403): the GET's answer, then the write's.",
        "",
        "Actors: a visitor; a citizen's browser holding a case's tracking token (token); "
        "Open311 clients with a good, a revoked or no API key; a logged-in user without a "
        "role; each staff role of the county; a handler of another unit; a dispatcher of "
        "another county. The case, notice and supervision order asked about are with the "
        "handler's unit, on the road chief's road.",
        "",
        "| URL | methods | " + " | ".join(SHORT[a] for a in ACTORS) + " | what |",
        "|" + "---|" * (len(ACTORS) + 3),
    ]
    admin_done: set[str] = set()
    for door in doors():
        row = row_for(door)
        assert row is not None, door.route
        model = admin_model(door)
        if model is not None:
            label = f"{model[0]}.{model[1]}"
            if label in admin_done:
                continue
            admin_done.add(label)
            route = f"admin/{model[0]}/{model[1]}/…"
            note = "admin pages of the model (" + ADMIN_MODELS[label].value + ")"
            refused = ADMIN_REFUSED.get(label)
            if refused:
                note += "; " + ", ".join(sorted(refused[0])) + " refused to all: " + refused[1]
            row = Row(row.name, ("GET", "POST"), row_for_page(label, "changelist").expect, note)
        else:
            route, note = door.route, row.note
        cells = " | ".join(_cell(row, a) for a in ACTORS)
        lines.append(f"| `{route}` | {' '.join(row.methods)} | {cells} | {note} |")
    return "\n".join(lines) + "\n"


def row_for_page(label: str, page: str) -> Row:
    perm = ADMIN_MODELS[label]
    holder = ADMIN if perm == Perm.MASTER_DATA else SECURITY
    return Row(label, ("GET",), admin_model_answers(label=label, holder=holder, page=page))
