"""What every part of the server shares: an error answered to the client, the device a
request was authenticated as, and the answer to an idempotent write."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import Response


class ApiError(Exception):
    """An error answered to the client as ``{"error": code, "message": ..., **extra}``."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.extra}


@dataclass(frozen=True)
class Device:
    id: str
    unit_code: str
    role: str


def idempotent_reply(response: Response, result: tuple[int, dict[str, Any], bool]
                     ) -> dict[str, Any]:
    """The answer to a PUT keyed by ``Idempotency-Key``: ``(status, body, replayed)`` from
    the write; a repeat is marked so the counter can tell it from a first store."""
    status, body, replayed = result
    response.status_code = status
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return body
