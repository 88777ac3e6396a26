"""The queue's second table layout (issue 27, migration ``0060_queue_operations``) and the
writes of a clerk's queue operations.

``queue_tickets`` gains the priority a person chose, the recalls made, the time a ticket was
put on hold, the counter a ticket was sent to and where it came from, and the end of a
booking's slot window (a checked-in booking goes ahead of walk-ins until then). Its state
now also takes ``held`` and ``noshow``. SQLite cannot change a CHECK constraint in place, so
the migration copies the table; the rows keep their ids and values.
"""

from __future__ import annotations

from typing import Any

from kiosk.storage.sqlite import Database

SCHEMA = """
CREATE TABLE queue_tickets_new (
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
    state TEXT NOT NULL DEFAULT 'waiting'
        CHECK (state IN ('waiting', 'called', 'held', 'done', 'noshow')),
    priority TEXT NOT NULL DEFAULT '',
    recalls INTEGER NOT NULL DEFAULT 0,
    held_at TEXT,
    for_counter INTEGER,
    moved_from TEXT,
    booked_until TEXT,
    UNIQUE (day, label)
);
INSERT INTO queue_tickets_new (id, day, service, number, label, origin, issued_counter,
    taken_at, called_at, called_counter, called_by, finished_at, state)
    SELECT id, day, service, number, label, origin, issued_counter, taken_at, called_at,
           called_counter, called_by, finished_at, state FROM queue_tickets;
DROP TABLE queue_tickets;
ALTER TABLE queue_tickets_new RENAME TO queue_tickets;
CREATE INDEX queue_tickets_day ON queue_tickets (day, state)
"""

#: What a queue operation may change on a ticket (the rest is fixed when it is taken).
MUTABLE = ("service", "called_at", "called_counter", "called_by", "finished_at", "state",
           "recalls", "held_at", "for_counter", "moved_from")


def set_ticket(db: Database, ticket: dict[str, Any]) -> None:
    """Write a ticket's state after a clerk's operation as it is (it may go back: a held
    ticket is called again, a transferred one waits again)."""
    sets = ", ".join(f"{k} = ?" for k in MUTABLE)
    db.conn.execute(f"UPDATE queue_tickets SET {sets} WHERE id = ?",
                    (*(ticket.get(k) for k in MUTABLE), ticket["id"]))
