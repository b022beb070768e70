"""What views hand the audit trail from a request: the client's address, and the
personal data a page or response shows.

`client_address` gives the address through the one proxy-aware reader,
`jingxi.lib.client.client_address`. Both take Django's and DRF's requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from jingxi.audit.services import audit_personal_data
from jingxi.lib.client import client_address as lib_client_address


class RequestLike(Protocol):
    """A Django HttpRequest or a DRF Request (whose user is the API's)."""

    @property
    def user(self) -> Any: ...

    @property
    def META(self) -> Mapping[str, Any]: ...  # Django's name


def client_address(request: RequestLike | None) -> str:
    """The address the request came from; "" without a request."""
    if request is None:
        return ""
    return lib_client_address(request) or ""  # type: ignore[arg-type]  # reads META only


def personal_data_shown(
    request: RequestLike,
    *,
    surface: str,
    subject_type: str,
    subject_ids: Iterable[int | str],
    fields: Iterable[str],
    exported: bool = False,
) -> None:
    """Record, for the user of `request`, that `surface` shows (or exports) the personal
    data `fields` of the rows `subject_ids` unmasked: one entry, none without rows.
    The caller decides that it does (the viewer's roles grant `Perm.CONTACTS` and the
    rows hold some)."""
    audit_personal_data(
        actor=request.user,
        client_address=client_address(request),
        surface=surface,
        subject_type=subject_type,
        subject_ids=subject_ids,
        fields=fields,
        exported=exported,
    )
