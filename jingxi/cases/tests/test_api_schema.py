"""The API's schema shows the loop and every answer (issue 9, defect 8)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from drf_spectacular.validation import validate_schema

from jingxi.cases.choices import Action
from jingxi.lib.drf import MAX_PAGE_SIZE, PAGE_SIZE

ERROR_REF = "#/components/schemas/Error"


@pytest.fixture
def schema(db: None) -> dict[str, Any]:
    response = Client().get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


def test_the_served_schema_validates_as_openapi_3(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # type: ignore[no-untyped-call]  # drf-spectacular: untyped


def test_the_case_action_is_an_enum_of_the_workflows_actions_with_their_meaning(
    schema: dict[str, Any],
) -> None:
    operation = schema["paths"]["/api/v1/cases/{case_id}/actions/{action}/"]["post"]
    (action,) = [p for p in operation["parameters"] if p["name"] == "action"]
    assert sorted(action["schema"]["enum"]) == sorted(Action.values)
    for value in Action.values:
        assert f"`{value}`" in action["description"]
    assert "立案" in action["description"] and "409" in action["description"]
    assert "409" in operation["responses"]


def test_every_operation_documents_its_errors_in_the_one_shape(schema: dict[str, Any]) -> None:
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "code"]
    for method, path, operation in operations(schema):
        responses = operation["responses"]
        expected = {"401", "406", "500"}
        if "{" in path:
            expected.add("404")
        if method == "post":
            expected |= {"400", "403", "413"}
        assert expected <= set(responses), (method, path, sorted(responses))
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                content = response["content"]["application/json"]["schema"]
                assert content == {"$ref": ERROR_REF}, (method, path, code)


def test_pages_are_documented_with_their_cap(schema: dict[str, Any]) -> None:
    listed = [
        (path, op)
        for method, path, op in operations(schema)
        if method == "get" and any(p["name"] == "limit" for p in op.get("parameters", []))
    ]
    assert {path for path, _op in listed} >= {
        "/api/v1/cases/",
        "/api/v1/notices/",
        "/api/v1/supervision-orders/",
        "/api/v1/cases/{case_id}/attachments/",
    }
    for _path, operation in listed:
        (limit,) = [p for p in operation["parameters"] if p["name"] == "limit"]
        assert limit["schema"]["maximum"] == MAX_PAGE_SIZE
        assert limit["schema"]["default"] == PAGE_SIZE


def test_path_ids_and_body_ids_are_bounded_integers(schema: dict[str, Any]) -> None:
    detail = schema["paths"]["/api/v1/cases/{case_id}/"]["get"]
    (case_id,) = detail["parameters"]
    assert case_id["schema"]["type"] == "integer"
    assert case_id["schema"]["maximum"] == 2**63 - 1
    create = schema["components"]["schemas"]["CaseCreateRequest"]["properties"]["category"]
    assert (create["minimum"], create["maximum"]) == (1, 2**63 - 1)


def test_the_idempotency_key_is_documented_as_the_callers_own(schema: dict[str, Any]) -> None:
    operation = schema["paths"]["/api/v1/cases/"]["post"]
    (key,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["schema"]["maxLength"] == 64
    assert "调用者" in key["description"]
    assert {"201", "409"} <= set(operation["responses"])
