"""What the client accepts from the server: every answer is checked before it is acted on.

The models say what the protocol promises (docs/SYNC-IMPL.md); anything else — an HTML page
from a captive portal, truncated JSON, a list, ``"next": "abc"``, a naive server time, an
empty ack — is a :class:`BadResponse` (retried with backoff), never stored as a cursor or
taken as an acknowledgement.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kiosk.i18n import _
from kiosk.sync.errors import BadResponse

_SEQ = Field(ge=0, le=(1 << 63) - 1)
_STATUS = Field(ge=1, le=10)
_VERSION = Field(ge=1, le=(1 << 63) - 1)


class _Wire(BaseModel):
    # Strict: "1" is not 1, true is not 1 (a mistyped answer is a broken server).
    model_config = ConfigDict(strict=True, extra="ignore")


class Health(_Wire):
    status: str = Field(max_length=100)
    time: datetime
    version: str = Field(default="", max_length=100)
    #: Additions a counter may use only once its server has them (a server older than the
    #: list sends none, and gets only what it has always taken).
    features: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list,
                                                                    max_length=100)

    @field_validator("time", mode="before")
    @classmethod
    def _aware(cls, value: Any) -> datetime:
        if not isinstance(value, str):
            raise ValueError("time must be an ISO 8601 string")
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise ValueError("time has no UTC offset")
        return parsed


class Publication(_Wire):
    """A catalog or calendar the province published (issue 26); its content is checked
    again by the counter's own rules before it is used."""
    kind: str = Field(max_length=40)
    version: str = Field(min_length=1, max_length=40)
    state: str = Field(max_length=20)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    content: str = Field(max_length=60 << 20)


class Ack(_Wire):
    id: str = Field(min_length=1, max_length=100)
    server_version: int = _VERSION
    server_seq: int = _SEQ
    status: int = _STATUS


class Change(_Wire):
    seq: int = _SEQ
    dossier_id: str = Field(min_length=1, max_length=100)
    kind: str = Field(default="", max_length=100)
    #: The Idempotency-Key of the counter request that made the change: this counter's own
    #: changes are recognised by it and never applied a second time.
    operation_id: str | None = Field(default=None, max_length=100)
    status: int = _STATUS
    server_version: int = _VERSION
    note: str | None = Field(default=None, max_length=10_000)
    # A province's postponement (Mẫu 04) travelling with the change; its fields are checked
    # one by one where it is applied (kiosk.storage.late.apply_remote).
    postponement: dict[str, Any] | None = None
    # A result the province attached (issue 24), checked in kiosk.sync.results_sync.
    result: dict[str, Any] | None = None


class ChangeFeed(_Wire):
    changes: list[Change] = Field(max_length=10_000)
    next: int = _SEQ
    more: bool


class DossierCurrent(_Wire):
    """``GET /v1/dossiers/{id}`` and the ``current`` of a 409 stale_version."""

    id: str = Field(min_length=1, max_length=100)
    status: int = _STATUS
    server_version: int = _VERSION
    postponements: list[dict[str, Any]] | None = Field(default=None, max_length=1000)


class AuditPage(_Wire):
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    present: bool


class AuditDossier(_Wire):
    id: str = Field(min_length=1, max_length=100)
    code: str = Field(min_length=1, max_length=100)
    status: int = _STATUS
    server_version: int = _VERSION
    pages: list[AuditPage] = Field(max_length=100_000)


class AuditDay(_Wire):
    """``GET /v1/audit?day=``: the server's dossiers of the device's unit for one day."""

    unit_code: str = Field(max_length=100)
    day: date
    dossiers: list[AuditDossier] = Field(max_length=100_000)


class MissingBlobs(_Wire):
    error: str
    missing: list[str] = Field(max_length=100_000)


M = TypeVar("M", bound=_Wire)


def parse(r: httpx.Response, model: type[M], what: str) -> M:
    """The answer as ``model``, or :class:`BadResponse` naming ``what`` was wrong."""
    kind = r.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise BadResponse(_("{what}: kiểu nội dung «{kind}» thay vì JSON", what=what,
                            kind=kind[:60] or "?"))
    try:
        return model.model_validate_json(r.content)
    except ValidationError as exc:
        errors = exc.errors()
        where = ".".join(str(x) for x in errors[0]["loc"]) if errors else ""
        raise BadResponse(_("{what}: {where} không hợp lệ", what=what,
                            where=where or "JSON")) from None


def validate(data: Any, model: type[M], what: str) -> M:
    """A value already decoded (a field of an error body) as ``model``."""
    try:
        return model.model_validate(data)
    except ValidationError:
        raise BadResponse(_("{what}: nội dung không hợp lệ", what=what)) from None


def error_body(r: httpx.Response) -> dict[str, Any]:
    """A JSON object error body, or ``{}`` (a proxy's page, a list, nothing)."""
    try:
        data = r.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def error_code(r: httpx.Response) -> str:
    """The ``error`` of a JSON error body, or "" (plain-text error bodies are allowed)."""
    try:
        body = r.json()
    except ValueError:
        return ""
    code = body.get("error") if isinstance(body, dict) else None
    return code if isinstance(code, str) else ""


def error_field(r: httpx.Response, key: str) -> Any:
    try:
        body = r.json()
    except ValueError:
        return None
    return body.get(key) if isinstance(body, dict) else None


def int_header(r: httpx.Response, name: str, what: str, low: int = 0,
               high: int = (1 << 63) - 1) -> int:
    """A tus offset/length header as an integer within ``[low, high]``."""
    value = r.headers.get(name, "")
    if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
        raise BadResponse(_("{what}: tiêu đề {name} «{value}» không hợp lệ", what=what,
                            name=name, value=value[:40]))
    return int(value)


def require_tus(r: httpx.Response, what: str) -> None:
    """tus servers answer ``Tus-Resumable`` on everything but OPTIONS: a page without it
    (a captive portal's 200) is no tus answer, whatever its status."""
    if r.headers.get("Tus-Resumable") != "1.0.0":
        raise BadResponse(_("{what}: thiếu tiêu đề Tus-Resumable", what=what))
