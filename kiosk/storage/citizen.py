"""What the citizen screen stores: check-before-save confirmations, ratings, queue tickets.

Confirmations are written in the dossier's save transaction (they are part of the dossier);
a rating is its own row plus an outbox operation (``citizen.rating``) in one transaction, so
it reaches the central server exactly like a status change does. Queue tickets are a local
record of every ticket this machine issued or called (the wait and service times of the
period report); numbers that must agree across counters come from the central server, see
``kiosk.citizen.queue``. A ticket numbered here while offline also gets an outbox operation
(``queue.ticket``) with each change of state, so it reaches the server later.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from kiosk.clock import iso, now
from kiosk.errors import InvalidInput, NotFound
from kiosk.i18n import _
from kiosk.storage import outbox
from kiosk.storage.queue_ops import set_ticket
from kiosk.storage.record_parts import confirmation
from kiosk.storage.sqlite import Database

SCHEMA = """
CREATE TABLE citizen_confirmations (
    dossier_id TEXT PRIMARY KEY REFERENCES dossiers(id),
    confirmed_at TEXT NOT NULL,
    digest TEXT NOT NULL,
    corrections INTEGER NOT NULL DEFAULT 0,
    shown TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE ratings (
    id TEXT PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers(id),
    occasion TEXT NOT NULL CHECK (occasion IN ('intake', 'return')),
    level INTEGER NOT NULL CHECK (level IN (1, 2, 3)),
    reason TEXT NOT NULL DEFAULT ''
        CHECK (reason IN ('', 'attitude', 'time', 'guidance', 'other')),
    clerk TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    counter INTEGER NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (dossier_id, occasion)
);
CREATE INDEX ratings_at ON ratings (at);
CREATE TABLE queue_tickets (
    id TEXT PRIMARY KEY,
    day TEXT NOT NULL,
    service TEXT NOT NULL,
    number INTEGER NOT NULL,
    label TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('central', 'local')),
    issued_counter INTEGER NOT NULL,
    taken_at TEXT NOT NULL,
    called_at TEXT,
    called_counter INTEGER,
    called_by TEXT,
    finished_at TEXT,
    state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'called', 'done')),
    UNIQUE (day, label)
);
CREATE INDEX queue_tickets_day ON queue_tickets (day, state);
CREATE TABLE queue_local_numbers (
    day TEXT NOT NULL,
    service TEXT NOT NULL,
    counter INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (day, service, counter)
)
"""

LEVELS = (1, 2, 3)
REASONS = ("attitude", "time", "guidance", "other")
OCCASIONS = ("intake", "return")


# --- confirmations (inside the save transaction) ---------------------------------------------

def insert_confirmation(db: Database, dossier_id: str, confirmation: dict[str, Any]) -> None:
    db.conn.execute(
        "INSERT INTO citizen_confirmations (dossier_id, confirmed_at, digest, corrections, shown) "
        "VALUES (?, ?, ?, ?, ?)",
        (dossier_id, str(confirmation["confirmed_at"]), str(confirmation["digest"]),
         int(confirmation.get("corrections", 0)),
         json.dumps(confirmation.get("shown") or {}, ensure_ascii=False)),
    )


# --- ratings -------------------------------------------------------------------------------

def add_rating(db: Database, *, rating_id: str, dossier_id: str, occasion: str, level: int,
               reason: str, clerk: str, counter: int) -> dict[str, Any]:
    """Store a rating and queue it for the server, in one transaction."""
    if occasion not in OCCASIONS:
        raise InvalidInput(_("Dịp đánh giá «{occasion}» không hợp lệ.", occasion=occasion))
    if level not in LEVELS:
        raise InvalidInput(_("Mức đánh giá phải là 1, 2 hoặc 3."))
    if level != 1:
        reason = ""
    elif reason not in REASONS:
        raise InvalidInput(_("Chọn lý do chưa hài lòng: {reasons}.", reasons=", ".join(REASONS)))
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT procedure_code, code FROM dossiers WHERE id = ?",
                           (dossier_id,)).fetchone()
        if row is None:
            raise NotFound(_("Không tìm thấy hồ sơ {code}.", code=dossier_id))
        if conn.execute("SELECT 1 FROM ratings WHERE dossier_id = ? AND occasion = ?",
                        (dossier_id, occasion)).fetchone():
            raise InvalidInput(_("Hồ sơ {code} đã được đánh giá lần này.", code=row[1]))
        rating = {"id": rating_id, "dossier_id": dossier_id, "code": row[1],
                  "occasion": occasion, "level": level, "reason": reason, "clerk": clerk,
                  "procedure_code": row[0], "counter": counter, "at": iso(now())}
        conn.execute(
            "INSERT INTO ratings (id, dossier_id, occasion, level, reason, clerk, procedure_code,"
            " counter, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (rating_id, dossier_id, occasion, level, reason, clerk, row[0], counter,
             rating["at"]))
        outbox.enqueue(db, "citizen.rating", dossier_id, rating, [])
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return rating


def ratings_between(db: Database, start: date, end: date) -> list[dict[str, Any]]:
    """Ratings given from ``start`` to ``end`` inclusive (local days)."""
    cur = db.execute(
        "SELECT r.id, r.dossier_id, r.occasion, r.level, r.reason, r.clerk, r.procedure_code, "
        "r.counter, r.at, d.procedure_name FROM ratings r JOIN dossiers d ON d.id = r.dossier_id "
        "WHERE substr(r.at, 1, 10) BETWEEN ? AND ? ORDER BY r.at",
        (start.isoformat(), end.isoformat()))
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


# --- queue tickets -------------------------------------------------------------------------

TICKET_COLUMNS = ("id", "day", "service", "number", "label", "origin", "issued_counter",
                  "taken_at", "called_at", "called_counter", "called_by", "finished_at", "state",
                  "priority", "recalls", "held_at", "for_counter", "moved_from", "booked_until")


def next_local_number(db: Database, day: str, service: str, counter: int) -> int:
    """The offline fallback's next number for this counter (never reused, like dossier codes)."""
    row = db.conn.execute(
        "INSERT INTO queue_local_numbers (day, service, counter, last) VALUES (?, ?, ?, 1) "
        "ON CONFLICT (day, service, counter) DO UPDATE SET last = last + 1 RETURNING last",
        (day, service, counter)).fetchone()
    return int(row[0])


def upsert_ticket(db: Database, ticket: dict[str, Any]) -> None:
    """Record a ticket this machine issued or called; later states win, nothing goes back."""
    values = {k: ticket.get(k) for k in TICKET_COLUMNS}
    values["state"] = values["state"] or "waiting"
    values["priority"] = values["priority"] or ""
    values["recalls"] = int(values["recalls"] or 0)
    cols = ", ".join(TICKET_COLUMNS)
    marks = ", ".join("?" for _c in TICKET_COLUMNS)
    db.conn.execute(
        f"INSERT INTO queue_tickets ({cols}) VALUES ({marks}) ON CONFLICT (id) DO UPDATE SET "
        "service = excluded.service, "
        "priority = CASE WHEN excluded.priority <> '' THEN excluded.priority ELSE priority END, "
        "recalls = max(recalls, excluded.recalls), "
        "moved_from = coalesce(excluded.moved_from, moved_from), "
        "called_at = coalesce(excluded.called_at, called_at), "
        "called_counter = coalesce(excluded.called_counter, called_counter), "
        "called_by = coalesce(excluded.called_by, called_by), "
        "finished_at = coalesce(excluded.finished_at, finished_at), "
        "state = CASE WHEN state IN ('done', 'noshow') THEN state "
        "WHEN excluded.state IN ('done', 'noshow', 'called', 'held') THEN excluded.state "
        "WHEN state IN ('called', 'held') THEN state ELSE 'waiting' END",
        tuple(values[k] for k in TICKET_COLUMNS))


#: The outbox kind that takes a ticket this machine numbered offline to the server.
TICKET_KIND = "queue.ticket"


def queue_for_server(db: Database, ticket_id: str) -> None:
    """A ticket numbered here while offline (``origin = 'local'``) goes to the central server
    with every change of its state, in the same transaction (the unit's queue figures there
    must count it too); the server's own tickets are already there."""
    cur = db.execute(f"SELECT {', '.join(TICKET_COLUMNS)} FROM queue_tickets WHERE id = ?",
                     (ticket_id,))
    row = cur.fetchone()
    if row is None:
        return
    ticket = dict(zip(TICKET_COLUMNS, row, strict=True))
    if ticket["origin"] == "local":
        outbox.enqueue(db, TICKET_KIND, None, ticket, [])


def tickets(db: Database, *, day: str | None = None, start: date | None = None,
            end: date | None = None, state: str | None = None,
            label: str | None = None) -> list[dict[str, Any]]:
    sql = f"SELECT {', '.join(TICKET_COLUMNS)} FROM queue_tickets WHERE 1 = 1"
    params: list[Any] = []
    if label:
        sql += " AND label = ?"
        params.append(label)
    if day:
        sql += " AND day = ?"
        params.append(day)
    if start and end:
        sql += " AND day BETWEEN ? AND ?"
        params += [start.isoformat(), end.isoformat()]
    if state:
        sql += " AND state = ?"
        params.append(state)
    cur = db.execute(sql + " ORDER BY taken_at, number", tuple(params))
    return [dict(zip(TICKET_COLUMNS, r, strict=True)) for r in cur.fetchall()]


class CitizenStore:
    """The citizen screen's storage calls over a :class:`kiosk.storage.Store`."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def add_rating(self, **kw: Any) -> dict[str, Any]:
        return self.store.call(lambda db: add_rating(db, **kw))

    def ratings_between(self, start: date, end: date) -> list[dict[str, Any]]:
        return self.store.read(lambda db: ratings_between(db, start, end))

    def confirmation(self, dossier_id: str) -> dict[str, Any] | None:
        return self.store.read(lambda db: confirmation(db, dossier_id))

    def local_ticket(self, day: str, service: str, counter: int,
                     make: Any) -> dict[str, Any]:
        """Allocate the offline number and record the ticket in one transaction."""

        def work(db: Database) -> dict[str, Any]:
            with db.atomic():
                number = next_local_number(db, day, service, counter)
                ticket: dict[str, Any] = make(number)
                upsert_ticket(db, ticket)
                queue_for_server(db, ticket["id"])
                return ticket

        return self.store.call(work)

    def record_ticket(self, ticket: dict[str, Any]) -> None:
        def work(db: Database) -> None:
            with db.atomic():
                upsert_ticket(db, ticket)
                queue_for_server(db, ticket["id"])

        self.store.call(work)

    def apply_ticket(self, ticket: dict[str, Any]) -> None:
        """A clerk's queue operation on a ticket (``kiosk.citizen.queue_rules``)."""
        def work(db: Database) -> None:
            with db.atomic():
                set_ticket(db, ticket)
                queue_for_server(db, ticket["id"])

        self.store.call(work)

    def tickets(self, **kw: Any) -> list[dict[str, Any]]:
        return self.store.read(lambda db: tickets(db, **kw))

    def stamp(self) -> str:
        return iso(now())
