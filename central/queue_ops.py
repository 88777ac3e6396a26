"""A clerk's queue operations on the unit's shared queue (issue 27): ``POST /v1/queue/act``.

Recall, hold, no-show and transfer follow :mod:`kiosk.citizen.queue_rules`, the same rules a
counter applies to its own offline tickets. Here they run under the unit's queue lock (the
one ``POST /v1/queue/call`` takes), so a recall at counter 2 of a ticket held at counter 1
and a call at counter 3 cannot both take it. The ticket's priority, recalls, hold time and
target counter live in ``queue_ticket_marks``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field

from central import queue_facts
from central.citizen import SERVICE_PATTERN, TICKET_FIELDS, WITH_MARKS
from central.db import Database
from central.models import JSON_INTEGER, JsonInt, error_responses
from central.service import ApiError, Device
from kiosk import clock
from kiosk.citizen.queue_rules import ACTIONS, apply
from kiosk.errors import KioskError
from kiosk.i18n import _


class ActIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: str = Field(pattern="^(" + "|".join(ACTIONS) + ")$")
    label: str = Field(pattern=r"^[A-Z]\d{3}$", description="today's server number, e.g. A012")
    counter: JsonInt = Field(ge=1, le=9, description="the counter doing it")
    by: str = Field(default="", max_length=200)
    noshow_after: JsonInt = Field(default=2, ge=0, le=9,
                                  description="the unit's queue.noshow_after_recalls")
    service: str | None = Field(default=None, pattern=SERVICE_PATTERN,
                                description="transfer: the group it goes to")
    to_counter: Annotated[int, Field(ge=1, le=9), JSON_INTEGER] | None = Field(
        default=None, description="transfer: the counter it goes to")


def act(db: Database, dev: Device, body: ActIn) -> dict[str, Any]:
    now = clock.now()
    day, stamp = now.date().isoformat(), now.isoformat(timespec="milliseconds")
    with db.transaction() as tx:
        tx.lock(f"queue:{dev.unit_code}:{day}")
        row = tx.one(WITH_MARKS + " WHERE t.unit_code = ? AND t.day = ? AND t.label = ?",
                     (dev.unit_code, day, body.label))
        if row is None:
            raise ApiError(404, "not_found", _("Hôm nay chưa phát số {label}.",
                                                label=body.label))
        try:
            t = apply(row, body.action, counter=body.counter, stamp=stamp, by=body.by,
                      noshow_after=body.noshow_after, to_service=body.service,
                      to_counter=body.to_counter)
        except KioskError as exc:
            raise ApiError(409, "queue_refused", exc.message) from None
        touched = [t["id"]]
        if body.action == "recall" and row["state"] == "held":
            # Called back to this counter: its current ticket is finished, as a call does.
            touched += [r["id"] for r in tx.all(
                "UPDATE queue_tickets SET state = 'done', finished_at = ? WHERE "
                "unit_code = ? AND day = ? AND state = 'called' AND called_counter = ? "
                "AND id <> ? RETURNING id", (stamp, dev.unit_code, day, body.counter, t["id"]))]
        called_device = dev.id if t["state"] == "called" else None
        tx.execute(
            "UPDATE queue_tickets SET service = ?, state = ?, called_at = ?, called_counter = ?, "
            "called_by = ?, called_device = coalesce(?, called_device), finished_at = ? "
            "WHERE id = ?", (t["service"], t["state"], t.get("called_at"),
                             t.get("called_counter"), t.get("called_by"), called_device,
                             t.get("finished_at"), t["id"]))
        tx.execute("DELETE FROM queue_ticket_marks WHERE ticket_id = ?", (t["id"],))
        tx.execute("INSERT INTO queue_ticket_marks (ticket_id, priority, recalls, held_at, "
                   "for_counter, moved_from, booked_until) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (t["id"], t.get("priority") or "", t["recalls"], t.get("held_at"),
                    t.get("for_counter"), t.get("moved_from"), t.get("booked_until")))
        queue_facts.refresh(tx, touched)
    return {"ticket": {k: t.get(k) for k in TICKET_FIELDS}}


def install(app: FastAPI, db: Database, device_dep: Any) -> None:
    auth = Depends(device_dep)

    @app.post("/v1/queue/act", tags=["queue"], responses=error_responses(400, 401, 404, 409, 422))
    def post_act(body: ActIn, dev: Device = auth) -> dict[str, Any]:
        """Recall, hold, mark as no-show or transfer one of today's tickets."""
        return act(db, dev, body)

