"""The province page's figures beyond the TTHC summary (issue 26 §3): the overdue dossiers
of each unit, citizens' satisfaction and queue waits, from the same records and the same
pure functions as the counter's period report (kiosk.reports, kiosk.citizen.ratings_report).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from central.db import Database
from kiosk import clock

#: Overdue dossiers listed per unit on the page (the count is always whole).
OVERDUE_SHOWN = 50


def overdue(db: Database, first: date, last: date, unit: str | None = None,
            as_of: datetime | None = None) -> dict[str, list[dict[str, Any]]]:
    """Per unit, the dossiers overdue when the period is judged, most overdue first
    (counted over ``report_facts``: the same lists as :func:`overdue_from_records`)."""
    from central import report_sql

    return report_sql.overdue(db, first, last, unit, as_of or clock.now())


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


def citizen(db: Database, first: date, last: date, unit: str | None = None
            ) -> dict[str, dict[str, Any]]:
    """Per unit: ``satisfaction`` and ``queue`` blocks for the period (inclusive)."""
    from kiosk.citizen.ratings_report import queue, satisfaction
    from kiosk.reports.summary import Period

    period = Period(first, last)
    start, end = clock.iso(period.start), clock.iso(period.end)
    where = " AND unit_code = ?" if unit else ""
    extra: tuple[Any, ...] = (unit,) if unit else ()
    with db.transaction(write=False) as tx:
        ratings = tx.all("SELECT unit_code, level, reason, clerk, procedure_code, occasion"
                         " FROM ratings WHERE at >= ? AND at < ?" + where, (start, end, *extra))
        tickets = tx.all("SELECT unit_code, service, state, taken_at, called_at, finished_at"
                         " FROM queue_tickets WHERE day >= ? AND day <= ?" + where,
                         (first.isoformat(), last.isoformat(), *extra))
        tickets += tx.all("SELECT unit_code, service, state, taken_at, called_at, finished_at"
                          " FROM queue_offline_tickets WHERE day >= ? AND day <= ?" + where,
                          (first.isoformat(), last.isoformat(), *extra))
    units = sorted({r["unit_code"] for r in ratings} | {t["unit_code"] for t in tickets})
    return {u: {"satisfaction": satisfaction(r for r in ratings if r["unit_code"] == u),
                "queue": queue(t for t in tickets if t["unit_code"] == u)} for u in units}
