"""Request and response bodies of the sync API (they make the OpenAPI description)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    WithJsonSchema,
)

from kiosk.limits import (
    ADDRESS_MAX,
    EMAIL_MAX,
    ID_NUMBER_MAX,
    LETTER_NUMBER_MAX,
    NOTE_MAX,
    PERSON_MAX,
    PHONE_MAX,
    REASON_MAX,
)

SHA256_PATTERN = r"^[0-9a-f]{64}$"
UNIT_PATTERN = r"^[0-9A-Z]{1,6}(\.[0-9A-Z]{1,6}){0,5}$"
#: A day of 2000-2099 as yymmdd, February 29th in leap years only.
_YYMMDD = (r"(\d\d(0[13578]|1[02])(0[1-9]|[12]\d|3[01])|\d\d(0[469]|11)(0[1-9]|[12]\d|30)"
           r"|\d\d02(0[1-9]|1\d|2[0-8])|([02468][048]|[13579][26])0229)")
#: MaHoSo as kiosk.dossier_code parses it: unit, a real day, a sequence number that is not
#: a multiple of 1000 (those start each counter's block).
CODE_PATTERN = (r"^[0-9A-Z]{1,6}(\.[0-9A-Z]{1,6}){0,5}-" + _YYMMDD
                + r"-\d(00[1-9]|0[1-9]\d|[1-9]\d\d)$")
#: Largest version or cursor number accepted: the largest integer every JSON reader keeps
#: exact (2^53 - 1; a double beyond it rounds, and the schema's bound with it).
MAX_SEQ = (1 << 53) - 1


def _json_integer(value: Any) -> Any:
    """JSON Schema's integer: 3 and 3.0 are the same number; "3" and true are not."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("not an integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("not an integer")
        return int(value)
    return value


#: The integer of a request body, as its JSON Schema says (pydantic's lax int would take
#: "3", its strict one would refuse 3.0).
JSON_INTEGER = BeforeValidator(_json_integer)
JsonInt = Annotated[int, JSON_INTEGER]


_STAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)", re.ASCII)


def _aware_stamp(value: str) -> str:
    """A moment as counters write it (kiosk.clock.iso, or with milliseconds), kept as sent:
    the stored text is compared as text, and the province page turns it into times."""
    # The extended form with seconds and an offset only: what counters write, what text
    # order keeps in time order, and what Python and PostgreSQL read as the same moment
    # (they differ on week dates, a comma, an hour alone, more than 6 decimals).
    if not _STAMP.fullmatch(value):
        raise ValueError("a moment needs its date, time to the second and UTC offset")
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("not a date and time") from None
    return value


#: A moment a counter sends as text (RFC 3339, a real date, an offset), stored as sent.
#: A free-form text here once reached the province page, whose queue figures failed on it.
Stamp = Annotated[str, AfterValidator(_aware_stamp),
                  WithJsonSchema({"type": "string", "format": "date-time", "maxLength": 40})]


class Page(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sha256: str = Field(pattern=SHA256_PATTERN)
    size: JsonInt = Field(ge=0, le=1 << 40)
    mime: str = Field(default="application/pdf", max_length=100)


class Component(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=100, description="MaThanhPhanHoSo")
    name: str = Field(default="", max_length=500)
    kind: str = Field(default="copy", pattern=r"^(original|copy|photo|certified|certified_copy)$")
    quantity: JsonInt = Field(default=1, ge=0, le=1000)
    digitised: StrictBool = True
    handed_in: StrictBool = Field(default=True, description="Handed in at reception (ticked)")
    reused: StrictBool = Field(default=False, description="DuocTaiSuDung: from a national database")
    pages: list[Page] = Field(default_factory=list, max_length=2000)


class Applicant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=PERSON_MAX, description="ChuHoSo")
    id_number: str = Field(default="", max_length=ID_NUMBER_MAX, description="SoGiayToChuHoSo")
    kind: JsonInt = Field(default=1, ge=1, le=2, description="LoaiDoiTuong: 1 citizen, 2 business")
    phone: str = Field(default="", max_length=PHONE_MAX)
    email: str = Field(default="", max_length=EMAIL_MAX)
    address: str = Field(default="", max_length=ADDRESS_MAX)


# --- reports (issue 13): apology letters, pauses, history -------------------------------

class Postponement(BaseModel):
    """An apology letter (Mẫu 04) with its new due: the counter's or the province's."""

    model_config = ConfigDict(extra="forbid")
    letter_number: str = Field(min_length=1, max_length=LETTER_NUMBER_MAX)
    issued_at: datetime
    previous_due_at: datetime | None = None
    new_due_at: datetime
    reason: str = Field(default="", max_length=REASON_MAX)
    clerk: str = Field(default="", max_length=PERSON_MAX)
    origin: str = Field(default="counter", pattern=r"^(counter|central)$")


class Pause(BaseModel):
    """A supplement request (Mẫu 02): the legal clock stops from ``started_at``."""

    model_config = ConfigDict(extra="forbid")
    started_at: datetime
    ended_at: datetime | None = None
    note: str = Field(default="", max_length=2000)


class HistoryItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: datetime
    status: JsonInt = Field(ge=1, le=10)


class SupplementRound(BaseModel):
    """A supplement round (Mẫu 02 asked, papers received): the portal's DanhSachHoSoBoSung."""

    model_config = ConfigDict(extra="forbid")
    round: JsonInt = Field(ge=1, le=1000)
    asked_at: datetime
    asked_by: str = Field(default="", max_length=200, description="NguoiYeuCauBoSung")
    items: list[Annotated[str, Field(max_length=1000)]] = Field(
        default_factory=list, max_length=100, description="NoiDungBoSung")
    contact: str = Field(default="", max_length=500)
    rule: str = Field(default="pause", pattern=r"^(pause|restart)$")
    previous_due_at: datetime | None = Field(default=None, description="NgayHenTraTruoc")
    received_at: datetime | None = Field(default=None, description="NgayTiepNhanBoSung")
    received_by: str = Field(default="", max_length=200, description="NguoiTiepNhanBoSung")
    new_due_at: datetime | None = Field(default=None, description="NgayHenTraMoi")
    components: list[dict[str, Any]] = Field(default_factory=list, max_length=200)


class PostponeIn(BaseModel):
    """The province postpones a dossier (the counter learns it from the change feed)."""

    model_config = ConfigDict(extra="forbid")
    new_due_at: datetime
    reason: str = Field(min_length=1, max_length=REASON_MAX)
    letter_number: str = Field(min_length=1, max_length=LETTER_NUMBER_MAX)
    by: str = Field(default="", max_length=PERSON_MAX)


class GroupRef(BaseModel):
    """The interconnected group (liên thông) a dossier was taken in with (issue 25 §3)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[0-9a-f-]{36}$", description="The group's id (UUID)")
    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{1,31}$",
                      description="The catalog's group code, e.g. KS-TT-BHYT")
    name: str = Field(default="", max_length=500)
    dossiers: list[Annotated[str, Field(pattern=CODE_PATTERN)]] = Field(
        min_length=2, max_length=8, description="MaHoSo of every dossier of the group")


class DossierIn(BaseModel):
    """A dossier as the counter knows it. ``base_version`` is the server version the edit
    was made on (absent or 0 when the dossier is new)."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=CODE_PATTERN, description="MaHoSo")
    procedure_code: str = Field(min_length=1, max_length=50, description="MaTTHC")
    procedure_name: str = Field(default="", max_length=500, description="TenTTHC")
    field_code: str = Field(default="", max_length=50, description="MaLinhVuc")
    channel: JsonInt = Field(default=1, ge=1, le=3, description="KenhThucHien")
    applicant: Applicant
    summary: str = Field(default="", max_length=2000, description="TrichYeuHoSo")
    received_at: datetime = Field(description="NgayTiepNhan")
    due_at: datetime | None = Field(default=None, description="NgayHenTra")
    status: JsonInt = Field(ge=1, le=10, description="TrangThaiHoSo")
    # Bounds before the validator: pydantic then states them in the schema of the union.
    base_version: Annotated[int, Field(ge=0, le=MAX_SEQ), JSON_INTEGER] | None = None
    status_note: str = Field(default="", max_length=2000,
                             description="Why the status changed (some steps require it)")
    components: list[Component] = Field(default_factory=list, max_length=200)
    extra: dict[str, Any] = Field(default_factory=dict)
    # reports (issue 13)
    legal_due_at: datetime | None = Field(
        default=None, description="Due by law (pauses included, letters not)")
    reception_channel: Annotated[int, Field(ge=1, le=4), JSON_INTEGER] | None = Field(
        default=None, description="1–3 as channel; 4 other (e.g. by chat)")
    return_method: str = Field(default="counter", pattern=r"^(counter|post)$")
    entered_at: datetime | None = Field(
        default=None, description="Back-entry: when a paper dossier was typed in")
    entered_by: str = Field(default="", max_length=200)
    postponements: list[Postponement] = Field(default_factory=list, max_length=100)
    pauses: list[Pause] = Field(default_factory=list, max_length=100)
    history: list[HistoryItem] = Field(default_factory=list, max_length=500)
    supplements: list[SupplementRound] = Field(default_factory=list, max_length=100)
    group: GroupRef | None = Field(default=None, description="Liên thông: the group")


class DossierAck(BaseModel):
    id: str
    code: str
    server_version: int
    server_seq: int
    status: int


class DossierState(BaseModel):
    id: str
    code: str
    unit_code: str
    status: int
    server_version: int
    notes: list[dict[str, Any]]
    finished_at: str | None = None
    returned_at: str | None = None
    refused_at: str | None = None
    updated_at: str
    dossier: dict[str, Any]
    postponements: list[dict[str, Any]] = Field(
        default_factory=list, description="Apology letters, the province's included")


class Change(BaseModel):
    seq: int
    dossier_id: str
    code: str
    kind: str
    status: int
    server_version: int
    origin_device: str | None = None
    operation_id: str | None = Field(
        default=None, description="The Idempotency-Key of the counter request that made it")
    note: str | None = None
    at: str
    postponement: dict[str, Any] | None = Field(
        default=None, description="kind 'postponed': the letter the province issued")
    result: dict[str, Any] | None = Field(
        default=None, description="kind 'result': the result document's facts (issue 24)")


class ChangeFeed(BaseModel):
    changes: list[Change]
    next: int = Field(description="Cursor to pass as `since` next time")
    more: bool


#: Named in /v1/health's ``features``: an offline ticket may carry its transfer and booking.
TICKET_MARKS_FEATURE = "offline-ticket-marks"
#: What this server takes beyond the first release's API; a counter uses each only then.
FEATURES = (TICKET_MARKS_FEATURE,)


class Health(BaseModel):
    status: str
    time: str
    version: str
    features: list[str] = Field(
        default_factory=list,
        description="additions to the API this server takes (a counter uses one only then)")


class ApiErrorBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    error: str
    message: str


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entry for the error statuses a route can answer."""
    return {c: {"model": ApiErrorBody} for c in codes}


class DeviceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit_code: str = Field(pattern=UNIT_PATTERN)
    name: str = Field(default="", max_length=200)


class DeviceOut(BaseModel):
    device_id: str
    unit_code: str
    token: str


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: JsonInt = Field(ge=1, le=10)
    note: str = Field(default="", max_length=NOTE_MAX)
    by: str = Field(default="", max_length=PERSON_MAX)


class ReportOut(BaseModel):
    """``kiosk report summary``'s structure (kiosk.reports.summary), per unit or all."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    date_from: str = Field(alias="from")
    to: str
    unit: str
    received: dict[str, int]
    resolved: dict[str, int]
    pending: dict[str, int]
    returned: int
    late_with_apology: int
    digitised: int
    online_share: float | None
    digitised_share: float | None
    on_time_rate: float | None
    #: Issue 24: results issued electronically or scanned at hand-over, of those returned;
    #: reused documents, of those that count.
    results_digitised_share: float | None = None
    reused_share: float | None = None
    by_procedure: list[dict[str, Any]]
    units: list[dict[str, Any]] = Field(default_factory=list)
