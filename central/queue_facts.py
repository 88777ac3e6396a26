"""One narrow row per queue ticket for the province page's queue figures (issue 26 §4).

The figures' definition is :func:`kiosk.citizen.ratings_report.queue` over the tickets
(online and offline) with their marks. What it needs of a ticket is its unit, day, group,
state, priority, whether it was booked or transferred, and two durations: the wait
(taken → called) and the service (called → finished, done tickets only). Reading those
from the stored tickets meant casting three RFC 3339 texts per ticket at every read (about
2 s of a province's year on PostgreSQL). Here every write of a ticket or of its marks keeps
``queue_facts`` in step, in the same transaction, with the durations in seconds computed by
the definition's own :func:`~kiosk.citizen.ratings_report.ticket_seconds`.

Medians do not add up across days, so there is one row per ticket, not per day: the page
reads a period's rows (``day`` is an integer ``YYYYMMDD``: integer comparisons, no
collation) and the database takes the medians. Write paths: ``central.citizen``
(take, call, offline tickets) and ``central.queue_ops`` (recall, hold, no-show, transfer).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from kiosk.citizen.ratings_report import ticket_seconds

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS queue_facts (
        ticket_id TEXT PRIMARY KEY,
        unit_code TEXT NOT NULL,
        day INTEGER NOT NULL,
        service TEXT NOT NULL,
        state TEXT NOT NULL,
        priority TEXT NOT NULL,
        booked INTEGER NOT NULL,
        moved INTEGER NOT NULL,
        wait DOUBLE PRECISION,
        served DOUBLE PRECISION
    )""",
    "CREATE INDEX IF NOT EXISTS queue_facts_day ON queue_facts (day)",
    # Every column the figures read, in unit order: PostgreSQL reads a period's rows from
    # the index alone, already grouped by unit (no heap visits, no sort of a million rows
    # by unit: 2.4 s → 0.9 s for a province's year, docs/BENCHMARKS.md).
    "CREATE INDEX IF NOT EXISTS queue_facts_unit ON queue_facts (unit_code, day, wait, served,"
    " state, priority, booked, moved)",
    # The page's other citizen figure, satisfaction, counts a period's ratings per unit and
    # level: from an index alone, the period's entries only (every unit's, or one unit's).
    "CREATE INDEX IF NOT EXISTS ratings_at ON ratings (at, unit_code, level, reason, occasion)",
    "CREATE INDEX IF NOT EXISTS ratings_unit_at ON ratings (unit_code, at, level, reason,"
    " occasion)",
]

#: The columns of a facts row, in table order.
COLUMNS = ("ticket_id", "unit_code", "day", "service", "state", "priority", "booked", "moved",
           "wait", "served")

#: Tickets numbered by the server, and those a counter numbered while offline.
TICKET_TABLES = ("queue_tickets", "queue_offline_tickets")
#: The tickets of one of :data:`TICKET_TABLES` (``{table}``) with their marks, as ``t``
#: and ``m``; a WHERE may follow.
TICKETS_WITH_MARKS = "FROM {table} t LEFT JOIN queue_ticket_marks m ON m.ticket_id = t.id"
#: A ticket with the marks the figures read.
_TICKET = ("SELECT t.id, t.unit_code, t.day, t.service, t.state, t.taken_at, t.called_at, "
           "t.finished_at, coalesce(m.priority, '') AS priority, m.moved_from, m.booked_until "
           + TICKETS_WITH_MARKS)

_UPSERT = ("INSERT INTO queue_facts (" + ", ".join(COLUMNS) + ") VALUES ("
           + ", ".join("?" for _c in COLUMNS) + ") ON CONFLICT (ticket_id) DO UPDATE SET "
           + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:]))


def day_number(day: date | str) -> int:
    """``2026-12-07`` → ``20261207``: the facts' day, ordered as the dates are."""
    text = day.isoformat() if isinstance(day, date) else day
    return int(text[:10].replace("-", ""))


def row(ticket: dict[str, Any]) -> tuple[Any, ...]:
    """The facts row of a ticket (with its marks), in :data:`COLUMNS` order."""
    wait, served = ticket_seconds(ticket)
    return (ticket["id"], ticket["unit_code"], day_number(ticket["day"]), ticket["service"],
            ticket["state"], ticket.get("priority") or "",
            1 if ticket.get("booked_until") else 0, 1 if ticket.get("moved_from") else 0,
            wait, served)


def refresh(tx: Any, ticket_ids: Iterable[str]) -> None:
    """Bring the facts rows of these tickets in step with the tickets and their marks: call
    it in the transaction that wrote them, after the writes."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return
    marks = ", ".join("?" for _i in ids)
    for table in TICKET_TABLES:
        for ticket in tx.all(_TICKET.format(table=table) + f" WHERE t.id IN ({marks})", ids):
            tx.execute(_UPSERT, row(ticket))


def backfill(tx: Any, batch: int = 5000) -> int:
    """Rows for every ticket that has none (a database from before this table): run once by
    the schema migration, in batches so memory stays flat. Returns how many."""
    done = 0
    for table in TICKET_TABLES:
        while True:
            tickets = tx.all(_TICKET.format(table=table) + " WHERE NOT EXISTS (SELECT 1 FROM"
                             " queue_facts f WHERE f.ticket_id = t.id) ORDER BY t.id LIMIT ?",
                             (batch,))
            if not tickets:
                break
            for ticket in tickets:
                tx.execute(_UPSERT, row(ticket))
            done += len(tickets)
    return done
