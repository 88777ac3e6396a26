"""The booking code sent to the citizen (issue 27 with the notices of issue 25 §5).

A booking made at the self-service screen is sent to the phone (SMS) and/or e-mail the
citizen gave, only when they agreed on the screen. A booking is not a dossier, so these
notices have their own outbox (``booking_notices``, migration ``0062_booking_notices``) with
the same states and rules as the dossiers' ``notices``: ``pending`` → ``sending`` (committed
before the send) → ``sent``, a failure retried with a growing wait, ``failed`` after
``notify.max_attempts``, a send cut off by a crash ``unknown`` and never repeated by itself.
They go through the same senders (:mod:`kiosk.notices`), right after the booking and in
every notice pass after that (the app's sync thread, ``kiosk notify --once``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from kiosk.clock import iso, now, parse_iso
from kiosk.errors import KioskError
from kiosk.storage.notices import backoff
from kiosk.storage.sqlite import Database

EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
#: Never translated: the citizen reads Vietnamese.
SUBJECT = "Lịch hẹn {code} tại {unit}"
BODY = ("Mã hẹn {code}: {service}, {time} ngày {day} tại {unit}. Mời đến trước giờ hẹn và "
        "đưa mã QR trên phiếu (hoặc đọc mã) vào đầu đọc để nhận số; quá {release} phút sau "
        "giờ hẹn lịch sẽ bị huỷ.")


def text(booking: dict[str, Any], service_name: str, unit: str,
         release_minutes: int) -> tuple[str, str]:
    at = parse_iso(str(booking["at"]))
    values = {"code": booking["code"], "service": service_name or booking["service"],
              "time": f"{at:%H:%M}", "day": f"{at:%d/%m/%Y}", "unit": unit,
              "release": release_minutes}
    return SUBJECT.format(**values), BODY.format(**values)


def queue(db: Database, booking: dict[str, Any], *, phone: str, email: str,
          subject: str, body: str) -> int:
    """One notice per channel the citizen agreed to (an empty address: that channel not)."""
    made = 0
    with db.atomic():
        for channel, address in (("sms", phone), ("email", email)):
            if not address:
                continue
            made += db.conn.execute(
                "INSERT OR IGNORE INTO booking_notices (code, channel, address, subject, body,"
                " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (booking["code"], channel, address, subject, body, iso(now()),
                 iso(now()))).rowcount
    return made


def _due(db: Database) -> list[dict[str, Any]]:
    if not db.has_table("booking_notices"):
        return []
    return list(db.query("SELECT * FROM booking_notices WHERE state = 'pending' AND "
                         "next_attempt_at <= ? ORDER BY id LIMIT 50", (iso(now()),)))


def _mark(db: Database, notice_id: int, state: str, error: str | None = None,
          retry_at: datetime | None = None) -> None:
    with db.atomic():
        if state == "sending":
            db.conn.execute("UPDATE booking_notices SET state = 'sending', attempts = "
                            "attempts + 1 WHERE id = ? AND state = 'pending'", (notice_id,))
        elif state == "sent":
            db.conn.execute("UPDATE booking_notices SET state = 'sent', sent_at = ?, "
                            "last_error = NULL WHERE id = ?", (iso(now()), notice_id))
        else:
            db.conn.execute("UPDATE booking_notices SET state = ?, last_error = ?, "
                            "next_attempt_at = ? WHERE id = ?",
                            (state, error, iso(retry_at or now()), notice_id))


def recover(db: Database) -> int:
    """A send cut off by a crash is never repeated by itself (as for dossier notices)."""
    if not db.has_table("booking_notices"):
        return 0
    with db.atomic():
        return db.conn.execute("UPDATE booking_notices SET state = 'unknown', last_error = "
                               "'interrupted' WHERE state = 'sending'").rowcount


def send_due(store: Any, senders: dict[str, Any], max_attempts: int) -> dict[str, int]:
    """Send what is due by the channels set up here; each notice on its own."""
    counts = {"sent": 0, "failed": 0, "waiting": 0}
    for notice in store.read(_due):
        sender = senders.get(notice["channel"])
        if sender is None:
            counts["waiting"] += 1
            continue
        store.call(lambda db, n=notice: _mark(db, n["id"], "sending"))
        try:
            # The senders' ids: "notice-b7" never equals a dossier notice's "notice-7".
            sender.send({**notice, "id": f"b{notice['id']}", "dossier_id": notice["code"]})
        except Exception as exc:  # one notice's failure never stops the others
            error = exc.message if isinstance(exc, KioskError) else repr(exc)
            attempts = int(notice["attempts"]) + 1
            store.call(lambda db, n=notice, e=error, a=attempts: _mark(
                db, n["id"], "failed" if a >= max_attempts else "pending", e, backoff(a)))
            counts["failed"] += 1
            continue
        store.call(lambda db, n=notice: _mark(db, n["id"], "sent"))
        counts["sent"] += 1
    return counts


def of_booking(db: Database, code: str) -> list[dict[str, Any]]:
    return list(db.query("SELECT channel, address, state, attempts, last_error, sent_at FROM "
                         "booking_notices WHERE code = ? ORDER BY id", (code,)))

