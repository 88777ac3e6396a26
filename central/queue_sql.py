"""The province page's queue figures counted by PostgreSQL (issue 26 §4).

:func:`kiosk.citizen.ratings_report.queue` is the definition: per unit, the tickets, the
called ones, the median wait (taken → called) and service (called → finished, tickets
done only), no-shows, for the whole unit and per group, priority and booking. Over a
province's year (a million tickets) reading every ticket into Python took tens of seconds;
here one grouped statement over ``queue_facts`` (one narrow row per ticket with its two
durations in seconds, kept by every ticket write: central/queue_facts.py) returns a row per
unit and grouping, medians included (``percentile_cont(0.5)`` is the median of
:mod:`statistics`: the middle value, or the mean of the two middle ones; it skips the NULL
durations as the definition skips the missing ones). Minutes are rounded in Python, as the
definition does.

The breakdowns (per group, priority, booking) cost a sort each over every ticket of the
period; ``breakdown=False`` counts the whole-unit figures only (what the province's table
shows for every unit).

SQLite has no ``percentile_cont``; a SQLite central server serves one commune, whose
tickets the definition reads quickly. tests/central/test_province_figures.py holds the
two equal on generated tickets and on tickets written through the server's own routes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from central.queue_facts import TICKETS_WITH_MARKS, day_number

#: The tickets of a day range in one of queue_facts.TICKET_TABLES, with their marks (``t``,
#: ``m``): the rows the definition's path reads.
TICKETS_FROM = TICKETS_WITH_MARKS + " WHERE t.day >= ? AND t.day <= ?"

_FIGURES = """
SELECT unit_code, {keys}, {level} AS level,
       count(*) AS tickets,
       count(wait) AS called,
       count(*) FILTER (WHERE priority <> '') AS priority_n,
       sum(booked) AS booked_n,
       count(*) FILTER (WHERE state = 'noshow') AS noshow,
       count(*) FILTER (WHERE state = 'waiting') AS waiting,
       count(*) FILTER (WHERE state = 'held') AS held,
       sum(moved) AS moved,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY wait) AS median_wait,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY served) AS median_served
FROM queue_facts WHERE day >= ? AND day <= ?{unit}
GROUP BY {groups}"""
_BREAKDOWN = ("service, priority, booked", "grouping(service, priority, booked)",
              "GROUPING SETS ((unit_code), (unit_code, service), (unit_code, priority),"
              " (unit_code, booked))")
_WHOLE_ONLY = ("NULL AS service, NULL AS priority, NULL AS booked", "7", "unit_code")

#: ``grouping(service, priority, booked)``: a bit set for each column left out.
_WHOLE, _BY_SERVICE, _BY_PRIORITY, _BY_BOOKING = 0b111, 0b011, 0b101, 0b110


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    called, noshow = int(row["called"]), int(row["noshow"])
    return {"tickets": int(row["tickets"]), "called": called,
            "priority": int(row["priority_n"]), "booked": int(row["booked_n"]),
            "noshow": noshow,
            "noshow_percent": round(100 * noshow / called, 1) if called else None,
            "median_wait_minutes": _minutes(row["median_wait"]),
            "median_service_minutes": _minutes(row["median_served"])}


def statement(first: date, last: date, unit: str | None, breakdown: bool = True
              ) -> tuple[str, tuple[Any, ...]]:
    """The one statement and its parameters (the bench replays it bare)."""
    keys, level, groups = _BREAKDOWN if breakdown else _WHOLE_ONLY
    sql = _FIGURES.format(keys=keys, level=level, groups=groups,
                          unit=" AND unit_code = ?" if unit else "")
    return sql, (day_number(first), day_number(last), *((unit,) if unit else ()))


def figures(tx: Any, first: date, last: date, unit: str | None, breakdown: bool = True
            ) -> dict[str, dict[str, Any]]:
    """Per unit with tickets in ``first``–``last``: the queue block, as the definition's
    (without ``by_service``, ``by_priority`` and ``by_booking`` unless ``breakdown``)."""
    sql, params = statement(first, last, unit, breakdown)
    whole: dict[str, dict[str, Any]] = {}
    parts: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in tx.all(sql, params):
        u, level = row["unit_code"], int(row["level"])
        lists = parts.setdefault(u, {"by_service": [], "by_priority": [], "by_booking": []})
        if level == _WHOLE:
            whole[u] = {**_figures(row), "waiting": int(row["waiting"]),
                        "held": int(row["held"]), "transferred": int(row["moved"])}
        elif level == _BY_SERVICE:
            lists["by_service"].append({"service": row["service"], **_figures(row)})
        elif level == _BY_PRIORITY:
            lists["by_priority"].append({"key": row["priority"], **_figures(row)})
        elif level == _BY_BOOKING:
            lists["by_booking"].append({"booked": bool(row["booked"]), **_figures(row)})
    out: dict[str, dict[str, Any]] = {}
    for u, block in whole.items():
        lists = parts[u]
        lists["by_service"].sort(key=lambda b: b["service"])
        lists["by_priority"].sort(key=lambda b: b["key"])
        lists["by_booking"].sort(key=lambda b: not b["booked"])  # booked first
        out[u] = {**block, **lists} if breakdown else block
    return out

