"""The error of the rounds' services, with a machine-readable code the API answers."""

from __future__ import annotations

from typing import Any, Final

#: The codes a RoundError carries, with the HTTP status the API answers them with.
ROUND_ERROR_STATUS: Final = {
    "invalid": 400,  # a value is wrong (a time before the start, an unknown segment …)
    "round_open": 409,  # another round of the inspector is still open
    "round_closed": 409,  # the round ended: too late, or timed after its end
}


class RoundError(ValueError):
    """Bad input to a round service; the message says what is wrong, in Chinese.

    `code` is one of `ROUND_ERROR_STATUS`; `extra` goes into the API's error body
    (e.g. the open round's `client_id` with `round_open`).
    """

    def __init__(self, message: str, *, code: str = "invalid", **extra: Any) -> None:
        super().__init__(message)
        assert code in ROUND_ERROR_STATUS, code
        self.code = code
        self.extra = extra

    @property
    def status(self) -> int:
        return ROUND_ERROR_STATUS[self.code]
