"""Booked times shared by a unit's counters (issue 27): the slots' places live here, so two
counters (or a counter and a self-service kiosk) never give away the same place.

The counter checks what its settings and working calendar decide (the group, the slot grid,
holidays, the horizon: ``kiosk.citizen.booking_rules``) and sends the slot's capacity and
the release limit with the request; the server holds what must be decided in one place: the
places left, one booking per person per slot, the code's state (a booking is checked in
once). All of a unit's counters are configured alike, as for ``queue.services``.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Response
from fastapi import Path as PathParam
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool

from central.db import Database, IntegrityError
from central.models import JSON_INTEGER, JsonInt, error_responses
from central.service import ApiError, Device
from kiosk import clock
from kiosk.citizen.booking_rules import full_error, twice_error
from kiosk.i18n import _

COLUMNS = ("code", "service", "at", "day", "phone", "id_number", "state", "made_at", "made_by",
           "ticket_label", "ended_at")
CODE = r"^H[2-9A-HJKMNP-Z]{6}$"
#: Module level: with postponed annotations FastAPI resolves names in the module's globals.
CodeParam = Annotated[str, PathParam(pattern=CODE)]


class BookingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=CODE)
    service: str = Field(pattern=r"^[A-Z]$")
    at: AwareDatetime = Field(description="the slot's start")
    day: date
    phone: str = Field(default="", pattern=r"^(0\d{9})?$")
    id_number: str = Field(default="", pattern=r"^(\d{12})?$")
    made_by: str = Field(default="", max_length=200)
    capacity: JsonInt = Field(ge=1, le=999, description="places of this slot (booking.groups)")
    release_before: AwareDatetime = Field(description="release bookings of slots before")


Name = Annotated[str, Field(max_length=200)]
Places = Annotated[int, Field(ge=0, le=999), JSON_INTEGER]
Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
HHMM = r"([01]\d|2[0-3]):[0-5]\d"


class SettingsIn(BaseModel):
    """What :func:`kiosk.citizen.booking_publish.published` sends."""
    model_config = ConfigDict(extra="forbid")
    version: JsonInt = Field(default=1, ge=1, le=1)
    unit_name: str = Field(default="", max_length=200)
    # Keys are checked by from_published (a key's pattern is not part of the schema).
    groups: dict[str, Name] = Field(max_length=26)
    services: dict[str, Name] = Field(default_factory=dict, max_length=26)
    capacities: dict[str, dict[str, Places]] = Field(max_length=26)
    slot_minutes: JsonInt = Field(ge=5, le=240)
    horizon_days: JsonInt = Field(ge=0, le=366)
    release_minutes: JsonInt = Field(ge=0, le=240)
    checkin_early_minutes: JsonInt = Field(ge=0, le=240)
    office_hours: list[Annotated[str, Field(pattern=f"^{HHMM}-{HHMM}$")]] = Field(
        min_length=1, max_length=6)
    extra_days_off: list[Day] = Field(default_factory=list, max_length=2000)
    extra_working_days: list[Day] = Field(default_factory=list, max_length=2000)
    working_saturday: StrictBool = False


class StateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: str = Field(pattern=r"^(booked|checked_in|cancelled)$")
    ticket_label: str | None = Field(default=None, max_length=20)


def _stamp(at: datetime | None) -> str | None:
    """A time as stored (the unit's zone, seconds); None for one the zone cannot hold
    (near year 1 or 9999): then nothing is released, which is harmless."""
    try:
        return clock.iso(at) if at is not None else None
    except (OverflowError, ValueError):
        return None


def _release(tx: Any, unit: str, before: str | None) -> None:
    if before:
        tx.execute("UPDATE bookings SET state = 'released', ended_at = ? WHERE unit_code = ? "
                   "AND state = 'booked' AND at < ?", (clock.iso(clock.now()), unit, before))


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in COLUMNS if k not in ("phone", "id_number")}


def make(db: Database, dev: Device, body: BookingIn, response: Response) -> dict[str, Any]:
    try:  # an aware time near year 1 or 9999 may not exist in the unit's zone
        at = clock.to_local(body.at)
    except (OverflowError, ValueError):
        raise ApiError(409, "booking_time", _("Giờ hẹn không hợp lệ.")) from None
    release = _stamp(body.release_before)
    at_text, day = clock.iso(at), at.date().isoformat()
    if at <= clock.now():
        raise ApiError(409, "booking_past", _("Giờ hẹn {at} đã qua.", at=f"{at:%H:%M %d/%m/%Y}"))
    if not body.phone and not body.id_number:
        # 409, not 422: the schema cannot say "one of the two" to a client.
        raise ApiError(409, "contact_missing", _("Cần số điện thoại hoặc số CCCD để đặt hẹn."))
    with db.transaction() as tx:
        tx.lock(f"bookings:{dev.unit_code}:{body.service}:{at_text}")
        _release(tx, dev.unit_code, release)
        twice = tx.one("SELECT code FROM bookings WHERE unit_code = ? AND service = ? AND at = ? "
                       "AND state IN ('booked', 'checked_in') AND ((phone <> '' AND phone = ?) "
                       "OR (id_number <> '' AND id_number = ?))",
                       (dev.unit_code, body.service, at_text, body.phone, body.id_number))
        if twice:
            raise ApiError(409, "booking_twice", twice_error(str(twice["code"]), at).message)
        used = tx.one("SELECT count(*) AS n FROM bookings WHERE unit_code = ? AND service = ? "
                      "AND at = ? AND state IN ('booked', 'checked_in')",
                      (dev.unit_code, body.service, at_text))
        if used and int(used["n"]) >= body.capacity:
            raise ApiError(409, "slot_full", full_error(body.service, at, body.capacity).message)
        try:
            tx.execute("INSERT INTO bookings (code, unit_code, service, at, day, phone, "
                       "id_number, state, made_at, made_by, device_id) VALUES "
                       "(?, ?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?)",
                       (body.code, dev.unit_code, body.service, at_text, day, body.phone,
                        body.id_number, clock.iso(clock.now()), body.made_by, dev.id))
        except IntegrityError:
            raise ApiError(409, "code_taken", _("Mã hẹn {code} đã có.", code=body.code)) from None
    response.status_code = 201
    return {"code": body.code, "service": body.service, "at": at_text}


def taken(db: Database, unit: str, service: str, day: str,
          release_before: datetime | None) -> dict[str, int]:
    """Places held per slot start (the unit's time, as stored) of a group on a day."""
    with db.transaction() as tx:
        _release(tx, unit, _stamp(release_before))
        rows = tx.all("SELECT at, count(*) AS n FROM bookings WHERE unit_code = ? AND "
                      "service = ? AND day = ? AND state IN ('booked', 'checked_in') "
                      "GROUP BY at", (unit, service, day))
    return {str(r["at"]): int(r["n"]) for r in rows}


def lookup(db: Database, unit: str | None, code: str) -> dict[str, Any] | None:
    """A booking without the person's numbers (any unit when ``unit`` is None)."""
    with db.transaction(write=False) as tx:
        row = tx.one("SELECT * FROM bookings WHERE code = ?", (code,)) if unit is None else \
            tx.one("SELECT * FROM bookings WHERE code = ? AND unit_code = ?", (code, unit))
    return None if row is None else {**_public(row), "unit_code": row["unit_code"]}


def published_units(db: Database) -> dict[str, dict[str, Any]]:
    """Unit code → the booking settings its counters published."""
    with db.transaction(write=False) as tx:
        rows = tx.all("SELECT unit_code, settings FROM booking_settings ORDER BY unit_code")
    return {str(r["unit_code"]): json.loads(str(r["settings"])) for r in rows}


def install(app: FastAPI, db: Database, device_dep: Any) -> None:
    auth = Depends(device_dep)

    @app.get("/v1/bookings/taken", tags=["bookings"], responses=error_responses(401, 422))
    def get_taken(service: Annotated[str, Query(pattern=r"^[A-Z]$")],
                  day: Annotated[str, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")],
                  release_before: Annotated[AwareDatetime | None, Query()] = None,
                  dev: Device = auth) -> dict[str, Any]:
        """Places held per slot start of a group on a day."""
        return {"taken": taken(db, dev.unit_code, service, day, release_before)}

    @app.post("/v1/bookings", status_code=201, tags=["bookings"],
              responses=error_responses(400, 401, 409, 422))
    def post_booking(body: BookingIn, response: Response,
                     dev: Device = auth) -> dict[str, Any]:
        """Book a place in a slot (one per person per slot, while places are left)."""
        return make(db, dev, body, response)

    @app.get("/v1/bookings/{code}", tags=["bookings"],
             responses=error_responses(401, 404, 409, 422))
    def get_booking(code: CodeParam,
                    release_before: Annotated[AwareDatetime | None, Query()] = None,
                    dev: Device = auth) -> dict[str, Any]:
        with db.transaction() as tx:
            _release(tx, dev.unit_code, _stamp(release_before))
            row = tx.one("SELECT * FROM bookings WHERE unit_code = ? AND code = ?",
                         (dev.unit_code, code))
        if row is None:
            elsewhere = lookup(db, None, code)
            if elsewhere is not None:  # a slip of another unit read here: say where to go
                unit = str(elsewhere["unit_code"])
                name = str(published_units(db).get(unit, {}).get("unit_name") or unit)
                raise ApiError(409, "other_unit", _(
                    "Lịch hẹn {code} được đặt tại {unit}, không phải đơn vị này: mời đến "
                    "đúng nơi đã hẹn.", code=code, unit=name))
            raise ApiError(404, "not_found", _("Không tìm thấy lịch hẹn {code}.", code=code))
        return _public(row)

    @app.post("/v1/bookings/{code}/claim", tags=["bookings"],
              responses=error_responses(400, 401, 422))
    def claim(code: CodeParam, dev: Device = auth) -> dict[str, Any]:
        """Check-in starts: booked → checked_in once, whichever counter comes first."""
        with db.transaction() as tx:
            n = tx.execute("UPDATE bookings SET state = 'checked_in', ended_at = ? WHERE "
                           "unit_code = ? AND code = ? AND state = 'booked'",
                           (clock.iso(clock.now()), dev.unit_code, code))
        return {"code": code, "claimed": n == 1}

    @app.post("/v1/bookings/{code}/state", tags=["bookings"],
              responses=error_responses(400, 401, 404, 422))
    def set_state(code: CodeParam, body: StateIn, dev: Device = auth) -> dict[str, Any]:
        with db.transaction() as tx:
            n = tx.execute("UPDATE bookings SET state = ?, ended_at = ?, ticket_label = "
                           "coalesce(?, ticket_label) WHERE unit_code = ? AND code = ?",
                           (body.state, clock.iso(clock.now()), body.ticket_label,
                            dev.unit_code, code))
        if n != 1:
            raise ApiError(404, "not_found", _("Không tìm thấy lịch hẹn {code}.", code=code))
        return {"code": code, "state": body.state}

    @app.get("/v1/bookings", tags=["bookings"], responses=error_responses(401, 422))
    def list_bookings(start: Annotated[str, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")],
                      end: Annotated[str, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")],
                      dev: Device = auth) -> dict[str, Any]:
        """The unit's bookings of a period, without the people's phone and CCCD numbers."""
        with db.transaction(write=False) as tx:
            rows = tx.all("SELECT * FROM bookings WHERE unit_code = ? AND day BETWEEN ? AND ? "
                          "ORDER BY at", (dev.unit_code, start, end))
        return {"bookings": [_public(r) for r in rows]}

