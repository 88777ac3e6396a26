"""The citizen screen's server side: one queue per unit and day, and satisfaction ratings.

Why the queue lives here: the counters of a unit (and its self-service kiosk) already hold a
device token for this server, and a single row per unit, day and service group allocated in
one transaction is unique without any peer discovery on the commune's LAN (which is often a
single shared router with client isolation). When the server cannot be reached a counter
falls back to its own numbers, which carry the counter number and cannot collide with these
(see ``kiosk.citizen.queue``).
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from central import queue_facts
from central.db import Database, IntegrityError
from central.models import JSON_INTEGER, JsonInt, Stamp, error_responses
from central.service import ApiError, Device
from kiosk import clock
from kiosk.i18n import _

SERVICE_PATTERN = r"^[A-Z]$"
TICKET_FIELDS = ("id", "day", "service", "number", "label", "counter", "taken_at", "called_at",
                 "called_counter", "called_by", "finished_at", "state", "priority", "recalls",
                 "held_at", "for_counter", "moved_from", "booked_until")
PRIORITY_PATTERN = r"^([a-z][a-z0-9-]{0,39})?$"
#: kiosk.citizen.queue_rules writes a transfer's origin as ``A@2`` (group @ counter).
MOVED_FROM_PATTERN = r"^[A-Z]@\d$"
#: A ticket row with its marks (``queue_ticket_marks``): the queries below select from it.
WITH_MARKS = ("SELECT t.*, coalesce(m.priority, '') AS priority, coalesce(m.recalls, 0) AS "
              "recalls, m.held_at, m.for_counter, m.moved_from, m.booked_until FROM "
              "queue_tickets t LEFT JOIN queue_ticket_marks m ON m.ticket_id = t.id")


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: str = Field(pattern=SERVICE_PATTERN)
    counter: JsonInt = Field(ge=0, le=9, description="0: a self-service kiosk")
    priority: str = Field(default="", pattern=PRIORITY_PATTERN,
                          description="a queue.priorities key: called first in its group")
    booked_until: Stamp | None = Field(default=None,
                                       description="a checked-in booking: ahead until then")


class CallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    counter: JsonInt = Field(ge=1, le=9)
    services: list[str] = Field(default_factory=list, max_length=26)
    by: str = Field(default="", max_length=200)


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dossier_id: uuid.UUID
    code: str = Field(default="", max_length=60)
    occasion: str = Field(pattern=r"^(intake|return)$")
    level: JsonInt = Field(ge=1, le=3)
    reason: str = Field(default="", pattern=r"^(|attitude|time|guidance|other)$")
    clerk: str = Field(min_length=1, max_length=200)
    procedure_code: str = Field(min_length=1, max_length=60)
    counter: JsonInt = Field(ge=0, le=9)
    at: Stamp


class OfflineTicketIn(BaseModel):
    """A ticket a counter numbered while the server was out of reach (``A2-07``)."""

    model_config = ConfigDict(extra="forbid")
    day: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    service: str = Field(pattern=SERVICE_PATTERN)
    number: JsonInt = Field(ge=1, le=9999)
    label: str = Field(pattern=r"^[A-Z]\d-\d{2,4}$", description="Offline numbers carry a dash")
    issued_counter: JsonInt = Field(ge=0, le=9)
    taken_at: Stamp
    called_at: Stamp | None = None
    called_counter: Annotated[int, Field(ge=0, le=9), JSON_INTEGER] | None = None
    called_by: str | None = Field(default=None, max_length=200)
    finished_at: Stamp | None = None
    state: str = Field(pattern=r"^(waiting|called|held|done|noshow)$")
    priority: str | None = Field(default=None, pattern=PRIORITY_PATTERN)
    recalls: Annotated[int, Field(ge=0, le=99), JSON_INTEGER] | None = None
    # Sent only to a server whose /v1/health lists models.TICKET_MARKS_FEATURE: an older server
    # refuses keys it does not know, so a counter updated first leaves them out.
    moved_from: str | None = Field(default=None, pattern=MOVED_FROM_PATTERN,
                                   description="transferred: the group and counter it left")
    booked_until: Stamp | None = Field(default=None,
                                       description="a checked-in booking: ahead until then")


class OfflineTicketAck(BaseModel):
    id: str
    stored: bool
    state: str


def put_offline_ticket(db: Database, dev: Device, ticket_id: str, body: OfflineTicketIn,
                       response: Response) -> dict[str, Any]:
    """Store or advance an offline ticket: a later state wins, nothing goes back (each of
    its states is sent in order, and a repeat after a lost answer is harmless)."""
    stamp = _stamp(clock.now())
    with db.transaction() as tx:
        stored = tx.one("SELECT unit_code, label, state FROM queue_offline_tickets WHERE id = ?"
                        + tx.for_update(), (ticket_id,))
        if stored is None:
            tx.execute(
                "INSERT INTO queue_offline_tickets (id, unit_code, device_id, day, service, "
                "number, label, counter, taken_at, called_at, called_counter, called_by, "
                "finished_at, state, received_at) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ticket_id, dev.unit_code, dev.id, body.day, body.service, body.number,
                 body.label, body.issued_counter, body.taken_at, body.called_at,
                 body.called_counter, body.called_by, body.finished_at, body.state, stamp))
            _offline_marks(tx, ticket_id, body)
            queue_facts.refresh(tx, [ticket_id])
            response.status_code = 201
            return {"id": ticket_id, "stored": True, "state": body.state}
        if stored["unit_code"] != dev.unit_code or stored["label"] != body.label:
            raise ApiError(409, "ticket_mismatch",
                           _("Số {label} đã được ghi với nội dung khác.", label=body.label))
        # The counter sends each state in order; only a final one (done, no-show) sticks, as
        # a held ticket is called again and a transferred one waits again.
        state = stored["state"] if stored["state"] in ("done", "noshow") else body.state
        tx.execute(
            "UPDATE queue_offline_tickets SET service = ?, called_at = coalesce(?, called_at), "
            "called_counter = coalesce(?, called_counter), called_by = coalesce(?, called_by), "
            "finished_at = coalesce(?, finished_at), state = ? WHERE id = ?",
            (body.service, body.called_at, body.called_counter, body.called_by,
             body.finished_at, state, ticket_id))
        _offline_marks(tx, ticket_id, body)
        queue_facts.refresh(tx, [ticket_id])
    response.status_code = 200
    return {"id": ticket_id, "stored": True, "state": state}


def _offline_marks(tx: Any, ticket_id: str, body: OfflineTicketIn) -> None:
    if body.priority or body.recalls or body.moved_from or body.booked_until:
        tx.execute("DELETE FROM queue_ticket_marks WHERE ticket_id = ?", (ticket_id,))
        tx.execute("INSERT INTO queue_ticket_marks (ticket_id, priority, recalls, moved_from, "
                   "booked_until) VALUES (?, ?, ?, ?, ?)",
                   (ticket_id, body.priority or "", body.recalls or 0, body.moved_from,
                    body.booked_until))


def _stamp(at: Any) -> str:
    # Milliseconds: two calls within one second must still come out in order.
    return str(at.isoformat(timespec="milliseconds"))


def label(service: str, number: int) -> str:
    """Server numbers: ``A015``. Offline numbers carry a dash and the counter (``A2-07``)."""
    return f"{service}{number:03d}"


def _ticket(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in TICKET_FIELDS}


def _ahead(tx: Any, unit: str, day: str, service: str, number: int) -> int:
    row = tx.one("SELECT count(*) AS n FROM queue_tickets WHERE unit_code = ? AND day = ? "
                 "AND service = ? AND state = 'waiting' AND number < ?",
                 (unit, day, service, number))
    return int(row["n"]) if row else 0


def take_ticket(db: Database, dev: Device, body: TicketIn) -> dict[str, Any]:
    now = clock.now()
    day, stamp = now.date().isoformat(), _stamp(now)
    with db.transaction() as tx:
        row = tx.one(
            "INSERT INTO queue_numbers (unit_code, day, service, last) VALUES (?, ?, ?, 1) "
            "ON CONFLICT (unit_code, day, service) DO UPDATE SET last = queue_numbers.last + 1 "
            "RETURNING last", (dev.unit_code, day, body.service))
        number = int(row["last"]) if row else 1
        if number > 999:
            raise ApiError(409, "queue_full", _("Nhóm {service} đã phát hết số trong ngày.",
                                                service=body.service))
        ticket = {"id": str(uuid.uuid4()), "day": day, "service": body.service,
                  "number": number, "label": label(body.service, number),
                  "counter": body.counter, "taken_at": stamp, "called_at": None,
                  "called_counter": None, "called_by": None, "finished_at": None,
                  "state": "waiting", "priority": body.priority, "recalls": 0,
                  "held_at": None, "for_counter": None, "moved_from": None,
                  "booked_until": body.booked_until}
        tx.execute(
            "INSERT INTO queue_tickets (id, unit_code, day, service, number, label, device_id, "
            "counter, taken_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting')",
            (ticket["id"], dev.unit_code, day, body.service, number, ticket["label"], dev.id,
             body.counter, stamp))
        if body.priority or body.booked_until:
            tx.execute("INSERT INTO queue_ticket_marks (ticket_id, priority, booked_until) "
                       "VALUES (?, ?, ?)", (ticket["id"], body.priority, body.booked_until))
        queue_facts.refresh(tx, [str(ticket["id"])])
        ticket["ahead"] = _ahead(tx, dev.unit_code, day, body.service, number)
    return ticket


def call_next(db: Database, dev: Device, body: CallIn) -> dict[str, Any]:
    """Finish this counter's current ticket and call the oldest waiting one (one transaction)."""
    now = clock.now()
    day, stamp = now.date().isoformat(), _stamp(now)
    with db.transaction() as tx:
        tx.lock(f"queue:{dev.unit_code}:{day}")
        finished = tx.all(WITH_MARKS + " WHERE t.unit_code = ? AND t.day = ? AND "
                          "t.state = 'called' AND t.called_counter = ?",
                          (dev.unit_code, day, body.counter))
        for row in finished:
            tx.execute("UPDATE queue_tickets SET state = 'done', finished_at = ? WHERE id = ?",
                       (stamp, row["id"]))
            row.update(state="done", finished_at=stamp)
        # The unit's lock above serialises calls; the order is kiosk.citizen.queue_rules'
        # call_order: sent to this counter, then priority, then the oldest.
        sql = (WITH_MARKS + " WHERE t.unit_code = ? AND t.day = ? AND t.state = 'waiting' "
               "AND (m.for_counter IS NULL OR m.for_counter = ?)")
        params: list[Any] = [dev.unit_code, day, body.counter]
        if body.services:
            sql += " AND t.service IN (" + ", ".join("?" for _s in body.services) + ")"
            params += body.services
        found = tx.one(sql + " ORDER BY CASE WHEN m.for_counter = ? THEN 0 ELSE 1 END, "
                       "CASE WHEN coalesce(m.priority, '') <> '' OR m.booked_until > ? THEN 0 "
                       "ELSE 1 END, t.taken_at, t.number LIMIT 1",
                       [*params, body.counter, stamp])
        called = None
        if found is not None:
            row = found
            tx.execute("UPDATE queue_tickets SET state = 'called', called_at = ?, "
                       "called_counter = ?, called_device = ?, called_by = ? WHERE id = ?",
                       (stamp, body.counter, dev.id, body.by, row["id"]))
            row.update(state="called", called_at=stamp, called_counter=body.counter,
                       called_by=body.by)
            called = _ticket(row)
        queue_facts.refresh(tx, [r["id"] for r in finished] + ([called["id"]] if called else []))
    return {"called": called, "finished": [_ticket(r) for r in finished]}


def status(db: Database, dev: Device) -> dict[str, Any]:
    day = clock.now().date().isoformat()
    with db.transaction(write=False) as tx:
        groups = tx.all("SELECT service, sum(CASE WHEN state = 'waiting' THEN 1 ELSE 0 END) AS "
                        "waiting, count(*) AS tickets FROM queue_tickets WHERE unit_code = ? "
                        "AND day = ? GROUP BY service ORDER BY service", (dev.unit_code, day))
        calls = tx.all(WITH_MARKS + " WHERE t.unit_code = ? AND t.day = ? AND "
                       "t.called_at IS NOT NULL ORDER BY t.called_at DESC LIMIT 6",
                       (dev.unit_code, day))
    return {"day": day, "services": [{"service": g["service"], "waiting": int(g["waiting"] or 0),
                                      "tickets": int(g["tickets"])} for g in groups],
            "calls": [_ticket(c) for c in calls]}


def put_rating(db: Database, dev: Device, rating_id: str, body: RatingIn,
               response: Response) -> dict[str, Any]:
    data = body.model_dump(mode="json")
    with db.transaction() as tx:
        dossier = tx.one("SELECT unit_code FROM dossiers WHERE id = ?", (data["dossier_id"],))
        if dossier is None:
            # The dossier's own upsert goes first on the same counter; retry after it.
            raise ApiError(409, "conflict", _("Máy chủ chưa có hồ sơ {code}.", code=body.code))
        if dossier["unit_code"] != dev.unit_code:
            raise ApiError(403, "wrong_unit", _("Hồ sơ {code} không thuộc đơn vị của thiết bị.",
                                                code=body.code))
        stored = tx.one("SELECT * FROM ratings WHERE id = ?", (rating_id,))
        if stored is not None:
            same = all(str(stored[k]) == str(data[k]) for k in
                       ("dossier_id", "occasion", "level", "reason", "clerk"))
            if not same:
                raise ApiError(409, "rating_mismatch", _("Đánh giá {id} đã có với nội dung khác.",
                                                         id=rating_id))
            response.status_code = 200
            return {"id": rating_id, "stored": True, "replayed": True}
        try:
            tx.execute(
                "INSERT INTO ratings (id, unit_code, dossier_id, occasion, level, reason, clerk, "
                "procedure_code, counter, at, device_id, received_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (rating_id, dev.unit_code, data["dossier_id"], body.occasion, body.level,
                 body.reason, body.clerk, body.procedure_code, body.counter, body.at, dev.id,
                 _stamp(clock.now())))
        except IntegrityError:
            raise ApiError(409, "rating_mismatch", _("Hồ sơ {code} đã có đánh giá lần này.",
                                                     code=body.code)) from None
    response.status_code = 201
    return {"id": rating_id, "stored": True, "replayed": False}


def ratings(db: Database, dev: Device, start: str, end: str) -> list[dict[str, Any]]:
    with db.transaction(write=False) as tx:
        rows = tx.all("SELECT id, dossier_id, occasion, level, reason, clerk, procedure_code, "
                      "counter, at FROM ratings WHERE unit_code = ? AND substr(at, 1, 10) "
                      "BETWEEN ? AND ? ORDER BY at", (dev.unit_code, start, end))
    return [json.loads(json.dumps(r)) for r in rows]


def install(app: FastAPI, db: Database, device_dep: Any) -> None:
    """Add the queue and rating routes to the sync API."""
    # A default rather than an Annotated alias: with postponed annotations FastAPI resolves
    # names in the module's globals, where a local alias does not exist.
    auth = Depends(device_dep)

    @app.post("/v1/queue/tickets", status_code=201, tags=["queue"],
              responses=error_responses(400, 401, 409, 422))
    def post_ticket(body: TicketIn, dev: Device = auth) -> dict[str, Any]:
        """Take the next number of a service group for the device's unit, today."""
        return take_ticket(db, dev, body)

    @app.post("/v1/queue/call", tags=["queue"], responses=error_responses(400, 401, 422))
    def post_call(body: CallIn, dev: Device = auth) -> dict[str, Any]:
        """Call the oldest waiting ticket to a counter (finishing that counter's last one)."""
        return call_next(db, dev, body)

    @app.get("/v1/queue/status", tags=["queue"], responses=error_responses(401))
    def get_status(dev: Device = auth) -> dict[str, Any]:
        return status(db, dev)

    @app.put("/v1/ratings/{rating_id}", status_code=201, tags=["sync"],
             responses={200: {"description": "already stored (replay)"},
                        **error_responses(400, 401, 403, 409, 422)})
    def put_rating_route(rating_id: Annotated[str, PathParam(max_length=64)], body: RatingIn,
                         response: Response, dev: Device = auth) -> dict[str, Any]:
        """Store a satisfaction rating once (the rating id is its idempotency key)."""
        return put_rating(db, dev, rating_id, body, response)

    @app.put("/v1/queue/tickets/{ticket_id}", status_code=201, tags=["queue"],
             response_model=OfflineTicketAck,
             responses={200: {"model": OfflineTicketAck,
                              "description": "already stored (advanced, or a replay)"},
                        **error_responses(400, 401, 409, 422)})
    def put_offline_ticket_route(ticket_id: Annotated[str, PathParam(max_length=64)],
                                 body: OfflineTicketIn, response: Response,
                                 dev: Device = auth) -> dict[str, Any]:
        """A ticket the counter numbered while offline, sent later by its sync worker."""
        return put_offline_ticket(db, dev, ticket_id, body, response)

    @app.get("/v1/ratings", tags=["sync"], responses=error_responses(401, 422))
    def get_ratings(start: str, end: str, dev: Device = auth) -> list[dict[str, Any]]:
        return ratings(db, dev, start, end)
