"""A property-based fuzz run of the REST API against its own schema (schemathesis).

Every operation of /api/schema/ is called with requests generated from the schema:
valid ones, and invalid ones (values past their ranges, wrong types, missing fields,
other media types), by its coverage phase (each parameter's boundaries and just past
them) and its fuzzing phase. The caller is the dispatcher with a token, on the world
and cast fixtures, with cases in several states, a photo, a notice and a supervision
order, whose ids the generated path parameters and bodies use some of the time.

Every answer must be no 5xx and conform to the schema: a documented status, content
type and headers, a body matching the documented shape (`Error` for every error); an
invalid request must be refused; a request without the token must be refused; a method
the path does not have must answer 405 with `Allow`. The run is derandomized with a
fixed seed, so a failure reproduces; it takes about a minute per database on a 2-core
machine (the figure is printed at the end of the run).
"""

from __future__ import annotations

import datetime as dt
import io
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, connection
from django.utils import timezone
from hypothesis import strategies as st
from PIL import Image
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from conftest import Cast, World
from jingxi.cases.choices import Action, Source
from jingxi.cases.documents import notice_issue, supervision_order_issue
from jingxi.cases.evidence import attachment_add
from jingxi.cases.models import AttachmentKind, Case
from jingxi.cases.services import case_report, case_transition
from jingxi.inspections.models import Round

SEED = 20261125
# Generated requests per operation in the fuzzing phase (the coverage phase adds its
# boundary cases): about a minute for the 15 operations on a busy 2-core machine.
MAX_EXAMPLES = 60
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            "with-security-parameters": False,  # the token is the fixture's
        },
        "phases": {"stateful": {"enabled": False}},
    }
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
    unsupported_method,
    allow_header_conformance,
]


@dataclass
class FuzzWorld:
    """What the generated requests can find: ids by path parameter and body field."""

    headers: dict[str, str]
    ids: dict[str, list[int]]
    # The rounds' API (/api/v1/inspections/) is the inspector's own: called with theirs.
    inspector_headers: dict[str, str] = field(default_factory=dict)
    round_ids: list[str] = field(default_factory=list)
    calls: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


def _jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "JPEG")
    return SimpleUploadedFile("before.jpg", out.getvalue(), content_type="image/jpeg")


def _cases_in_several_states(world: World, cast: Cast) -> list[Case]:
    def report(source: str = Source.INSPECTOR, **extra: Any) -> Case:
        return case_report(
            jurisdiction=world.jurisdiction,
            category=world.exposed_garbage,
            lng=113.955,
            lat=34.7102,
            description="青年路暴露垃圾",
            source=source,
            **extra,
        )

    def walk(case: Case, *steps: tuple[Action, Any]) -> Case:
        for action, actor in steps:
            note = "理由" if action in (Action.REJECT, Action.RETURN) else ""
            case = case_transition(case_id=case.pk, action=action, actor=actor, note=note)
        return case

    d, h, i = cast.dispatcher, cast.handler_a, cast.inspector
    reported = report(Source.CITIZEN_WEB, reporter_name="王小明", reporter_phone="13812341234")
    filed = walk(report(), (Action.FILE, d))
    dispatched = walk(report(), (Action.FILE, d), (Action.DISPATCH, d))
    handling = walk(report(), (Action.FILE, d), (Action.DISPATCH, d), (Action.ACCEPT, h))
    handled = walk(handling, (Action.REPORT_BACK, h))
    closed = walk(
        report(),
        (Action.FILE, d),
        (Action.DISPATCH, d),
        (Action.ACCEPT, h),
        (Action.REPORT_BACK, h),
        (Action.VERIFY_PASS, i),
    )
    rejected = walk(report(Source.CITIZEN_WEB), (Action.REJECT, d))
    return [reported, filed, dispatched, handled, closed, rejected]


@pytest.fixture
def fuzz_world(world: World, cast: Cast, request: pytest.FixtureRequest) -> Iterator[FuzzWorld]:
    cases = _cases_in_several_states(world, cast)
    reported, _filed, dispatched, handled, _closed, _rejected = cases
    attachment = attachment_add(
        case=dispatched,
        file=_jpeg(),
        name="before.jpg",
        kind=AttachmentKind.BEFORE,
        actor=cast.inspector,
    )
    deadline = timezone.now() + dt.timedelta(days=2)
    notice = notice_issue(
        jurisdiction=world.jurisdiction,
        unit=world.sanitation,
        cases=[dispatched],
        content="请限期整改",
        deadline=deadline,
        actor=cast.dispatcher,
    )
    order = supervision_order_issue(
        case=handled, reason="leader", content="督办", deadline=deadline, actor=cast.leader
    )
    token, _created = Token.objects.get_or_create(user=cast.dispatcher)
    inspector_token, _created = Token.objects.get_or_create(user=cast.inspector)
    walked = Round.objects.create(
        jurisdiction=world.jurisdiction,
        inspector=cast.inspector,
        client_id=uuid.UUID("00000000-0000-4000-8000-0000000f0220"),
        day=timezone.localdate(),
        travel_mode="foot",
        started_at=timezone.now() - dt.timedelta(hours=1),
    )
    case_ids = [c.pk for c in cases]
    found = FuzzWorld(
        headers={"Authorization": f"Token {token.key}"},
        ids={
            "case_id": case_ids,
            "notice_id": [notice.pk],
            "order_id": [order.pk],
            "category": [world.exposed_garbage.pk, world.illegal_parking.pk],
            "unit": [world.sanitation.pk, world.traffic.pk],
            "merge_into": [reported.pk],
            "case": case_ids,
            "cases": case_ids,
            "event": list(dispatched.events.values_list("pk", flat=True)),
            "attachment": [attachment.pk],
            "segment": [s.pk for s in world.segments.values()],
        },
        inspector_headers={"Authorization": f"Token {inspector_token.key}"},
        round_ids=[str(walked.client_id)],
    )
    # As Django's test client does: a request must not close the test's connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    started = time.monotonic()
    try:
        yield found
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
        seconds = time.monotonic() - started
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(found.statuses.items()))
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        assert capture is not None
        with capture.global_and_fixture_disabled():  # the run's figure, even with -q
            print(  # noqa: T201 the run's figure, shown on purpose
                f"\nschemathesis fuzz run ({connection.vendor}): {found.calls} requests "
                f"in {seconds:.1f} s ({statuses})"
            )


def _some_of_the_time(value: Any, known: list[Any]) -> st.SearchStrategy[Any]:
    """The generated value, or (if it has the type of an id) one that exists."""
    if isinstance(value, str) and known and all(isinstance(k, str) for k in known):
        return st.sampled_from([value, *known])
    if isinstance(value, bool) or not isinstance(value, int) or not known:
        return st.just(value)
    return st.sampled_from([value, *known])


@pytest.fixture
def api_schema(fuzz_world: FuzzWorld) -> Any:
    from config.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)

    @schema.hook("flatmap_path_parameters")
    def existing_ids(context: Any, parameters: dict[str, Any]) -> st.SearchStrategy[Any]:
        if not isinstance(parameters, dict):
            return st.just(parameters)
        known: dict[str, list[Any]] = {**fuzz_world.ids, "client_id": fuzz_world.round_ids}
        return st.fixed_dictionaries(
            {
                name: _some_of_the_time(value, known.get(name, []))
                for name, value in parameters.items()
            }
        )

    @schema.hook("flatmap_body")
    def existing_references(context: Any, body: Any) -> st.SearchStrategy[Any]:
        if not isinstance(body, dict):
            return st.just(body)
        parts: dict[str, st.SearchStrategy[Any]] = {}
        for name, value in body.items():
            if name == "cases" and isinstance(value, list) and value:
                parts[name] = st.sampled_from([value, fuzz_world.ids["cases"][:2]])
            elif name in ("lng", "lat") and isinstance(value, float):
                parts[name] = st.sampled_from([value, 113.955 if name == "lng" else 34.7102])
            else:
                parts[name] = _some_of_the_time(value, fuzz_world.ids.get(name, []))
        return st.fixed_dictionaries(parts)

    @schema.hook("after_call")
    def counted(context: Any, case: Any, response: Any) -> None:
        fuzz_world.calls += 1
        code = int(response.status_code)
        fuzz_world.statuses[code] = fuzz_world.statuses.get(code, 0) + 1

    return schema


fuzzed = schemathesis.pytest.from_fixture("api_schema")


@fuzzed.parametrize()
def test_the_api_answers_every_generated_request_within_its_schema(
    case: Any, fuzz_world: FuzzWorld
) -> None:
    rounds = str(case.operation.path).startswith("/api/v1/inspections/")
    headers = fuzz_world.inspector_headers if rounds else fuzz_world.headers
    case.call_and_validate(headers=headers, checks=CHECKS)
