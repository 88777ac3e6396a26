"""The province page's figures beyond the TTHC summary (issue 26 §3): the overdue dossiers
of each unit, citizens' satisfaction and queue waits, from the same records and the same
pure functions as the counter's period report (kiosk.reports, kiosk.citizen.ratings_report).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from central import queue_facts, queue_sql
from central.db import Database
from kiosk import clock

#: Overdue dossiers listed per unit on the page (the count is always whole).
OVERDUE_SHOWN = 50
#: A day range of tickets, online or offline, with the marks the queue block reads.
_TICKETS = ("SELECT t.unit_code, t.service, t.state, t.taken_at, t.called_at, t.finished_at,"
            " coalesce(m.priority, '') AS priority, m.moved_from, m.booked_until "
            + queue_sql.TICKETS_FROM)


def overdue(db: Database, first: date, last: date, unit: str | None = None,
            as_of: datetime | None = None, shown: int | None = None
            ) -> dict[str, list[dict[str, Any]]]:
    """Per unit, the dossiers overdue when the period is judged, most overdue first
    (counted over ``report_facts``: the same lists as :func:`overdue_from_records`); with
    ``shown``, the first ``shown`` of each unit."""
    from central import report_sql

    return report_sql.overdue(db, first, last, unit, as_of or clock.now(), shown=shown)


def overdue_from_records(db: Database, first: date, last: date, unit: str | None = None,
                         as_of: datetime | None = None) -> dict[str, list[dict[str, Any]]]:
    """The definition of the lists, from every dossier's record."""
    from central.reports import period_records
    from kiosk.reports.summary import Period, due_at, is_overdue_at

    judged = Period(first, last, as_of or clock.now()).judged_at
    out: dict[str, list[dict[str, Any]]] = {}
    for rec in period_records(db, first, last, unit):
        if rec.received_at >= judged or not is_overdue_at(rec, judged):
            continue
        due = due_at(rec, judged)
        out.setdefault(rec.unit, []).append({
            "code": rec.code, "procedure": rec.procedure_name,
            "received_at": clock.iso(rec.received_at), "due_at": clock.iso(due) if due else None})
    for rows in out.values():
        rows.sort(key=lambda r: (r["due_at"] or "", r["code"]))
    return out


def citizen(db: Database, first: date, last: date, unit: str | None = None,
            trace: list[tuple[str, tuple[Any, ...]]] | None = None, *,
            counted_by_database: bool | None = None,
            breakdown: bool = True) -> dict[str, dict[str, Any]]:
    """Per unit: ``satisfaction`` and ``queue`` blocks for the period (inclusive).

    On PostgreSQL the queue figures are counted by the database (:mod:`central.queue_sql`,
    over ``queue_facts``); ``counted_by_database=False`` reads every ticket into the
    definition instead (the tests compare the two). ``breakdown=False`` leaves out the
    queue's ``by_service``, ``by_priority`` and ``by_booking`` lists (each a sort of every
    ticket of the period on PostgreSQL) and satisfaction's ``by_clerk`` and
    ``by_procedure`` (the whole unit's and ``by_occasion`` stay). ``trace`` collects the
    statements run (the bench replays them)."""
    from central.report_sql import Traced
    from kiosk.citizen.ratings_report import queue, satisfaction
    from kiosk.reports.summary import Period

    in_sql = db.postgres if counted_by_database is None else counted_by_database
    period = Period(first, last)
    start, end = clock.iso(period.start), clock.iso(period.end)
    where = " AND unit_code = ?" if unit else ""
    ticket_where = " AND t.unit_code = ?" if unit else ""
    extra: tuple[Any, ...] = (unit,) if unit else ()
    with db.transaction(write=False) as raw:
        tx: Any = raw if trace is None else Traced(raw, trace)
        # Equal ratings counted by the database: a province's year is hundreds of thousands.
        # Without the breakdowns, no clerk or procedure: far fewer groups to count.
        keys = ("clerk, procedure_code" if breakdown else
                "'' AS clerk, '' AS procedure_code")
        ratings = tx.all(f"SELECT unit_code, level, reason, occasion, {keys}, count(*) AS n"
                         " FROM ratings WHERE at >= ? AND at < ?" + where + " GROUP BY"
                         " unit_code, level, reason, occasion" +
                         (", clerk, procedure_code" if breakdown else ""),
                         (start, end, *extra))
        queues: dict[str, dict[str, Any]] = {}
        if in_sql:
            queues = queue_sql.figures(tx, first, last, unit, breakdown)
        else:
            days = (first.isoformat(), last.isoformat(), *extra)
            # The marks carry what the queue block splits by (priority, transfer, booking):
            # without them every ticket counted as a walk-in without priority.
            tickets = [t for table in queue_facts.TICKET_TABLES
                       for t in tx.all(_TICKETS.format(table=table) + ticket_where, days)]
            # One pass to split the rows by unit: filtering the whole list once per unit
            # made a province's year (150 units, a million tickets) take minutes.
            tickets_of: dict[str, list[dict[str, Any]]] = {}
            for t in tickets:
                tickets_of.setdefault(t["unit_code"], []).append(t)
            queues = {u: queue(rows) for u, rows in tickets_of.items()}
    ratings_of: dict[str, list[dict[str, Any]]] = {}
    for r in ratings:
        ratings_of.setdefault(r["unit_code"], []).append(r)
    units = sorted(ratings_of.keys() | queues.keys())
    return {u: {"satisfaction": _shown(satisfaction(ratings_of.get(u, [])), breakdown,
                                       ("by_clerk", "by_procedure")),
                "queue": _shown(queues.get(u) or queue([]), breakdown,
                                ("by_service", "by_priority", "by_booking"))} for u in units}


def _shown(block: dict[str, Any], breakdown: bool, parts: tuple[str, ...]) -> dict[str, Any]:
    return block if breakdown else {k: v for k, v in block.items() if k not in parts}
