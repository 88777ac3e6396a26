"""The citizen side of the period report: ``satisfaction`` and ``queue`` blocks.

Pure functions over rows read from storage (``kiosk.storage.citizen``), so the report
command, the Reports screen and the central server can all call them; :func:`period_blocks`
reads and summarises in one call.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from statistics import median
from typing import Any

from kiosk.citizen.ratings import LEVELS, REASONS

_LEVEL_KEYS = {3: "very_satisfied", 2: "satisfied", 1: "unsatisfied"}


def _empty() -> dict[str, Any]:
    return {"ratings": 0, "very_satisfied": 0, "satisfied": 0, "unsatisfied": 0,
            "reasons": {r: 0 for r in REASONS}}


def _add(block: dict[str, Any], rating: dict[str, Any]) -> None:
    # ``n``: a row standing for that many equal ratings (the province counts them in SQL).
    n = int(rating.get("n", 1))
    block["ratings"] += n
    block[_LEVEL_KEYS[int(rating["level"])]] += n
    if int(rating["level"]) == 1 and rating.get("reason") in block["reasons"]:
        block["reasons"][rating["reason"]] += n


def _finish(block: dict[str, Any]) -> dict[str, Any]:
    n = block["ratings"]
    # The satisfaction index of the one-stop reports: satisfied or better over all ratings.
    block["satisfied_percent"] = round(100 * (block["very_satisfied"] + block["satisfied"]) / n,
                                       1) if n else None
    return block


def satisfaction(ratings: Iterable[dict[str, Any]],
                 clerk_names: dict[str, str] | None = None) -> dict[str, Any]:
    """Counts overall, per clerk and per procedure (levels and reasons); a rating row may
    carry ``n``, the number of equal ratings it stands for."""
    names = clerk_names or {}
    total = _empty()
    by_clerk: dict[str, dict[str, Any]] = {}
    by_procedure: dict[str, dict[str, Any]] = {}
    by_occasion = {"intake": _empty(), "return": _empty()}
    for r in ratings:
        if int(r["level"]) not in LEVELS:
            continue
        _add(total, r)
        clerk = by_clerk.setdefault(r["clerk"], {"clerk": r["clerk"],
                                                 "name": names.get(r["clerk"], r["clerk"]),
                                                 **_empty()})
        _add(clerk, r)
        proc = by_procedure.setdefault(r["procedure_code"], {
            "procedure_code": r["procedure_code"], "procedure_name": r.get("procedure_name", ""),
            **_empty()})
        _add(proc, r)
        if r.get("occasion") in by_occasion:
            _add(by_occasion[r["occasion"]], r)
    return {**_finish(total),
            "by_occasion": {k: _finish(v) for k, v in by_occasion.items()},
            "by_clerk": [_finish(v) for _k, v in sorted(by_clerk.items())],
            "by_procedure": [_finish(v) for _k, v in sorted(by_procedure.items())]}


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


#: A ticket with its wait and its service in seconds (None: not called, or not served).
_Timed = tuple[dict[str, Any], float | None, float | None]


def ticket_seconds(t: dict[str, Any]) -> tuple[float | None, float | None]:
    """A ticket's wait (taken → called) and service (called → finished, done tickets only)
    in seconds; None when it has none or the clocks went backwards. The central server
    stores these per ticket (central/queue_facts.py) and counts its medians over them."""
    taken, called = _moment(t.get("taken_at")), _moment(t.get("called_at"))
    wait = (called - taken).total_seconds() if taken and called else None
    served = None
    if t.get("state") == "done" and called:  # a no-show's finish is not a service
        finished = _moment(t.get("finished_at"))
        served = (finished - called).total_seconds() if finished else None
    return (wait if wait is not None and wait >= 0 else None,
            served if served is not None and served >= 0 else None)


def _timed(t: dict[str, Any]) -> _Timed:
    # Each time is parsed once per ticket: the blocks below group the same tickets four
    # ways, and a province's year is a million tickets (docs/BENCHMARKS.md).
    return (t, *ticket_seconds(t))


def _median_minutes(values: list[float]) -> float | None:
    return round(median(values) / 60, 1) if values else None


def _figures(rows: list[_Timed]) -> dict[str, Any]:
    waits = [wait for _t, wait, _s in rows if wait is not None]
    services = [served for _t, _w, served in rows if served is not None]
    noshow = sum(1 for t, _w, _s in rows if t.get("state") == "noshow")
    return {"tickets": len(rows), "called": len(waits),
            "priority": sum(1 for t, _w, _s in rows if t.get("priority")),
            "booked": sum(1 for t, _w, _s in rows if t.get("booked_until")),
            "noshow": noshow,
            "noshow_percent": round(100 * noshow / len(waits), 1) if waits else None,
            "median_wait_minutes": _median_minutes(waits),
            "median_service_minutes": _median_minutes(services)}


def queue(tickets: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Tickets, the median wait (taken → called) and median service (called → finished), for
    the whole unit, per group and per priority (``""``: no priority); no-shows (issue 27)
    count among the called and their share is of the called tickets."""
    rows = [_timed(t) for t in tickets]
    by_service: dict[str, list[_Timed]] = {}
    by_priority: dict[str, list[_Timed]] = {}
    by_booking: dict[bool, list[_Timed]] = {True: [], False: []}
    for row in rows:
        t = row[0]
        by_service.setdefault(t["service"], []).append(row)
        by_priority.setdefault(t.get("priority") or "", []).append(row)
        by_booking[bool(t.get("booked_until"))].append(row)
    return {
        **_figures(rows),
        "waiting": sum(1 for t, _w, _s in rows if t.get("state") == "waiting"),
        "held": sum(1 for t, _w, _s in rows if t.get("state") == "held"),
        "transferred": sum(1 for t, _w, _s in rows if t.get("moved_from")),
        "by_service": [{"service": k, **_figures(v)} for k, v in sorted(by_service.items())],
        "by_priority": [{"key": k, **_figures(v)} for k, v in sorted(by_priority.items())],
        # Checked-in bookings (issue 27) against walk-ins: what booking does to the wait.
        "by_booking": [{"booked": b, **_figures(by_booking[b])} for b in (True, False)
                       if by_booking[b]],
    }


def period_blocks(store: Any, start: date, end: date,
                  clerk_names: dict[str, str] | None = None) -> dict[str, Any]:
    """``{"satisfaction": ..., "queue": ...}`` for ``start``–``end`` (inclusive) from storage."""
    from kiosk.storage.citizen import CitizenStore

    cs = CitizenStore(store)
    return {"satisfaction": satisfaction(cs.ratings_between(start, end), clerk_names),
            "queue": queue(cs.tickets(start=start, end=end))}


def report_blocks(store: Any, start: date, end: date, clerk_names: dict[str, str] | None = None,
                  procedure: str | None = None) -> dict[str, Any]:
    """The blocks the period report carries (``kiosk report summary``, the Reports screen
    and its exports): with ``procedure``, satisfaction per procedure keeps only that one."""
    blocks = period_blocks(store, start, end, clerk_names)
    if getattr(store, "config", None) is not None:  # slot use of booked times (issue 27)
        from kiosk.citizen.booking import period_block

        blocks["booking"] = period_block(store, start, end)
    if procedure:
        blocks["satisfaction"]["by_procedure"] = [
            p for p in blocks["satisfaction"]["by_procedure"]
            if p.get("procedure_code") == procedure]
    return blocks
