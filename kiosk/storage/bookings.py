"""Booked times on a counter that works without a central server (issue 27, migration
``0061_bookings``). A booking is made, checked in, cancelled or released in one transaction
that also checks the slot's places and the one-booking-per-person-per-slot rule (a partial
unique index holds the rule even against a race).

With a central server configured, bookings live there instead (``central/bookings.py``) so
every counter of the unit shares the slots; this table then stays empty.
"""

from __future__ import annotations

from typing import Any

from kiosk.storage.sqlite import Database

SCHEMA = """
CREATE TABLE bookings (
    code TEXT PRIMARY KEY,
    service TEXT NOT NULL,
    at TEXT NOT NULL,
    day TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    id_number TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'booked'
        CHECK (state IN ('booked', 'checked_in', 'cancelled', 'released')),
    made_at TEXT NOT NULL,
    made_by TEXT NOT NULL DEFAULT '',
    ticket_label TEXT,
    ended_at TEXT
);
CREATE INDEX bookings_slot ON bookings (service, at, state);
CREATE UNIQUE INDEX bookings_phone_slot ON bookings (service, at, phone)
    WHERE phone <> '' AND state IN ('booked', 'checked_in');
CREATE UNIQUE INDEX bookings_id_slot ON bookings (service, at, id_number)
    WHERE id_number <> '' AND state IN ('booked', 'checked_in')
"""

#: Migration ``0062_booking_notices``: the booking code sent to the citizen
#: (``kiosk.citizen.booking_notice``).
NOTICES_SCHEMA = """
CREATE TABLE booking_notices (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unknown')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    UNIQUE (code, channel)
);
CREATE INDEX booking_notices_due ON booking_notices (state, next_attempt_at)
"""

#: Migration ``0063_booking_published``: the revision of the unit's booking settings this
#: counter last saw on each server (``central/booking_settings.py`` compares it).
PUBLISHED_SCHEMA = """
CREATE TABLE booking_published (
    server TEXT PRIMARY KEY,
    revision INTEGER NOT NULL,
    seen_at TEXT NOT NULL
)
"""

COLUMNS = ("code", "service", "at", "day", "phone", "id_number", "state", "made_at", "made_by",
           "ticket_label", "ended_at")
#: States that hold a place in their slot.
LIVE = ("booked", "checked_in")


def release_overdue(db: Database, before: str, stamp: str) -> int:
    """Release bookings whose check-in time ran out (slot start before ``before``)."""
    cur = db.conn.execute("UPDATE bookings SET state = 'released', ended_at = ? "
                          "WHERE state = 'booked' AND at < ?", (stamp, before))
    return int(cur.rowcount)


def taken(db: Database, service: str, day: str) -> dict[str, int]:
    """Places held per slot start on ``day``."""
    rows = db.conn.execute("SELECT at, count(*) FROM bookings WHERE service = ? AND day = ? "
                           "AND state IN ('booked', 'checked_in') GROUP BY at",
                           (service, day)).fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


def same_person(db: Database, service: str, at: str, phone: str,
                id_number: str) -> str | None:
    row = db.conn.execute(
        "SELECT code FROM bookings WHERE service = ? AND at = ? AND state IN ('booked', "
        "'checked_in') AND ((phone <> '' AND phone = ?) OR (id_number <> '' AND id_number = ?))",
        (service, at, phone, id_number)).fetchone()
    return str(row[0]) if row else None


def insert(db: Database, booking: dict[str, Any]) -> None:
    db.conn.execute(f"INSERT INTO bookings ({', '.join(COLUMNS)}) VALUES "
                    f"({', '.join('?' for _c in COLUMNS)})",
                    tuple(booking.get(k) for k in COLUMNS))


def get(db: Database, code: str) -> dict[str, Any] | None:
    row = db.conn.execute(f"SELECT {', '.join(COLUMNS)} FROM bookings WHERE code = ?",
                          (code,)).fetchone()
    return dict(zip(COLUMNS, row, strict=True)) if row else None


def set_state(db: Database, code: str, state: str, stamp: str,
              ticket_label: str | None = None) -> None:
    db.conn.execute("UPDATE bookings SET state = ?, ended_at = ?, "
                    "ticket_label = coalesce(?, ticket_label) WHERE code = ?",
                    (state, stamp, ticket_label, code))


def between(db: Database, start: str, end: str) -> list[dict[str, Any]]:
    cur = db.conn.execute(f"SELECT {', '.join(COLUMNS)} FROM bookings WHERE day BETWEEN ? AND ? "
                          "ORDER BY at", (start, end))
    return [dict(zip(COLUMNS, r, strict=True)) for r in cur.fetchall()]


def published_revision(db: Database, server: str) -> int:
    if not db.has_table("booking_published"):
        return 0
    row = db.execute("SELECT revision FROM booking_published WHERE server = ?",
                     (server,)).fetchone()
    return int(row[0]) if row else 0


def set_published_revision(db: Database, server: str, revision: int, at: str) -> None:
    with db.atomic():
        db.conn.execute("INSERT OR REPLACE INTO booking_published (server, revision, seen_at)"
                        " VALUES (?, ?, ?)", (server, revision, at))
