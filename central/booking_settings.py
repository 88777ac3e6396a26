"""A unit's booking settings as its counters publish them (issue 27), with a revision so an
older copy never overwrites a newer one, and a log the province reads.

The booking page (``central/booking_page.py``) offers a unit's slots from the settings one of
its counters sent (:mod:`kiosk.citizen.booking_publish`). The rules:

- Only a counter of the unit publishes: the unit is the device token's own, and an admin
  token (the province's scripts) is refused: the settings are the unit's.
- Each accepted change gets the next **revision**. A counter sends the revision it last
  saw (``base_revision``); settings that differ from the server's copy are accepted only
  when that is the server's current revision (compare-and-set). So a counter still holding
  an older settings file (not reconfigured, restored from a backup, a new machine with
  defaults) cannot undo a newer change: it is refused (409 ``settings_stale``, saying who
  published the current revision and when) until its settings are made the same, or a
  person decides this machine's settings are right (``kiosk booking publish --replace``,
  which first reads the current revision). Settings equal to the server's copy are always
  accepted (every counter sends them on its first booking call of a run). The unit's days
  off that have passed are left out of the comparison, as a counter only sends days from
  today on.
- Every publication, accepted or refused, is a row of ``booking_settings_log`` with the
  device, its name, the time, the revision and the settings sent: the province sees who
  published what (``GET /v1/bookings/settings/log``, admin token; ``kiosk central
  booking-settings``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field

from central.bookings import SettingsIn, published_units
from central.common import ApiError, Device
from central.db import Database
from central.models import JsonInt, error_responses
from kiosk import clock
from kiosk.citizen.booking_publish import from_published
from kiosk.errors import InvalidInput
from kiosk.i18n import _

#: ``accepted``: a new revision; ``same``: equal to the current one; ``refused``: older.
OUTCOMES = ("accepted", "same", "refused")


class PublishIn(SettingsIn):
    model_config = ConfigDict(extra="forbid")
    base_revision: JsonInt = Field(default=0, ge=0, description=(
        "the revision this counter last saw (0: none); settings that differ from the "
        "server's are accepted only on its current revision"))


def digest(settings: dict[str, Any]) -> str:
    """What is compared: the settings without the days that have passed."""
    today = clock.now().date().isoformat()
    kept = {**settings, **{k: [d for d in settings.get(k) or [] if d >= today]
                           for k in ("extra_days_off", "extra_working_days")}}
    text = json.dumps(kept, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _current(tx: Any, unit: str) -> dict[str, Any] | None:
    return tx.one("SELECT revision, digest, device_name, device_id, published_at FROM "
                  "booking_settings_log WHERE unit_code = ? AND outcome = 'accepted' "
                  "ORDER BY revision DESC LIMIT 1", (unit,))


def publish(db: Database, dev: Device, body: PublishIn) -> dict[str, Any]:
    if dev.role != "device":
        raise ApiError(403, "forbidden", _("Chỉ quầy của đơn vị được gửi cấu hình đặt hẹn của "
                                           "đơn vị đó."))
    settings = body.model_dump(mode="json", exclude={"base_revision"})
    try:
        from_published(settings)
    except InvalidInput as exc:  # what the schema cannot say (a calendar refusing them)
        raise ApiError(409, "bad_settings", exc.message) from None
    mine = digest(settings)
    text = json.dumps(settings, ensure_ascii=False, sort_keys=True)
    with db.transaction(write=False) as tx:
        named = tx.one("SELECT name FROM devices WHERE id = ?", (dev.id,))
    name = str(named["name"]) if named else ""
    refused: dict[str, Any] | None = None
    with db.transaction() as tx:
        tx.lock(f"booking_settings:{dev.unit_code}")
        current = _current(tx, dev.unit_code)
        now = clock.iso(clock.now())
        if current is not None and current["digest"] == mine:
            outcome, revision = "same", int(current["revision"])
        elif current is None or int(current["revision"]) == body.base_revision:
            outcome, revision = "accepted", (int(current["revision"]) if current else 0) + 1
        else:
            outcome, revision, refused = "refused", int(current["revision"]), current
        tx.execute("INSERT INTO booking_settings_log (unit_code, device_id, device_name, "
                   "published_at, outcome, revision, base_revision, digest, settings) VALUES "
                   "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (dev.unit_code, dev.id, name, now, outcome, revision, body.base_revision,
                    mine, text))
        if refused is None:  # the copy the booking page reads
            tx.execute("DELETE FROM booking_settings WHERE unit_code = ?", (dev.unit_code,))
            tx.execute("INSERT INTO booking_settings (unit_code, settings, device_id, "
                       "published_at) VALUES (?, ?, ?, ?)", (dev.unit_code, text, dev.id, now))
    if refused is not None:
        at = clock.to_local(clock.parse_iso(str(refused["published_at"])))
        raise ApiError(409, "settings_stale", _(
            "Máy chủ đang giữ cấu hình đặt hẹn bản {revision} do {device} gửi lúc {at}, khác "
            "cấu hình của máy này (máy này mới biết bản {base}): cấu hình cũ hơn không được "
            "ghi đè bản mới hơn.", revision=refused["revision"],
            device=refused["device_name"] or refused["device_id"], at=f"{at:%H:%M %d/%m/%Y}",
            base=body.base_revision))
    return {"unit_code": dev.unit_code, "published": True, "revision": revision,
            "changed": outcome == "accepted"}


def current(db: Database, unit: str) -> dict[str, Any] | None:
    """The unit's settings with their revision and who published them."""
    found = published_units(db).get(unit)
    if found is None:
        return None
    with db.transaction(write=False) as tx:
        row = _current(tx, unit)
    return {**found, "revision": int(row["revision"]) if row else 0,
            "published_by": (row["device_name"] or row["device_id"]) if row else "",
            "published_at": row["published_at"] if row else ""}


def history(db: Database, unit: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Who published what, newest first (the settings as sent)."""
    with db.transaction(write=False) as tx:
        rows = tx.all("SELECT * FROM booking_settings_log WHERE ? IS NULL OR unit_code = ? "
                      "ORDER BY id DESC LIMIT ?", (unit, unit, limit))
    return [{**{k: r[k] for k in ("unit_code", "device_id", "device_name", "published_at",
                                  "outcome", "revision", "base_revision")},
             "settings": json.loads(str(r["settings"]))} for r in rows]


class Published(BaseModel):
    unit_code: str
    published: bool
    revision: int
    changed: bool


def install(app: FastAPI, db: Database, device_dep: Any, admin_dep: Any) -> None:
    auth, admin = Depends(device_dep), Depends(admin_dep)

    @app.get("/v1/bookings/settings", tags=["bookings"], responses=error_responses(401, 404))
    def get_settings(dev: Device = auth) -> dict[str, Any]:
        """The unit's booking settings as the booking page uses them, with their revision,
        who published them and when."""
        found = current(db, dev.unit_code)
        if found is None:
            raise ApiError(404, "not_found", _("Đơn vị {unit} chưa gửi cấu hình đặt hẹn.",
                                               unit=dev.unit_code))
        return found

    @app.put("/v1/bookings/settings", tags=["bookings"], response_model=Published,
             responses=error_responses(400, 401, 403, 409, 422))
    def put_settings(body: PublishIn, dev: Device = auth) -> dict[str, Any]:
        """The unit's booking settings (kiosk/citizen/booking_publish.py) for the booking
        page; a change is accepted only on the current revision (``base_revision``)."""
        return publish(db, dev, body)

    @app.get("/v1/bookings/settings/log", tags=["bookings"],
             responses=error_responses(401, 403, 422))
    def get_log(unit: Annotated[str | None, Query(max_length=40)] = None,
                _admin: Device = admin) -> dict[str, Any]:
        """Every publication of booking settings (accepted, same, refused), newest first."""
        return {"publications": history(db, unit)}
