"""Month totals of the dossiers that live and end within one month (issue 26 §4, 28 §2).

A year's report at a province (a million dossiers) cannot count row by row within its
second on a shared two-core machine. Most dossiers are received, resolved, returned or
closed within one calendar month (``compact`` in ``report_facts``). For a month that lies
wholly inside the report's period and ended before the judging moment, such a dossier adds
the same to the report whatever the period is: it is new, relevant, never carried over or
pending, and each of its events falls inside the period. So ``report_months`` keeps, per
group (unit, procedure, name) and month, the sum of those dossiers' figures, and the
report reads these rows for its whole months and counts only the other dossiers (the
period's partial months, and those that cross a month's end or are still open) row by row.

Kept by every write in the writer's transaction (the old facts row's figures taken out,
the new one's added), built in bulk by the bench's writer and by the one-time fill.
Supplement requests are not kept here: they are counted from ``report_pauses``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from kiosk.clock import to_local

#: The figures a compact dossier adds, named as kiosk.reports.tallies.SLOT_NAMES names them.
FIGURES = ("new", "online", "direct", "postal", "other", "back", "resolved", "early",
           "on_time", "late", "returned", "apology", "closed", "digitised", "with_docs",
           "docs", "scanned", "reused", "res_electronic", "res_scanned")

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS report_months (grp BIGINT NOT NULL, month INTEGER NOT NULL, "
    "first_received BIGINT NOT NULL, " + ", ".join(f"f_{f} BIGINT NOT NULL" for f in FIGURES) +
    ", PRIMARY KEY (grp, month))",
]

#: The columns of :data:`FIGURES` (``f_new``...: some names are SQL words).
COLUMNS = tuple(f"f_{f}" for f in FIGURES)
ADD_SQL = ("INSERT INTO report_months (grp, month, first_received, " + ", ".join(COLUMNS) +
        ") VALUES (" + ", ".join("?" * (len(FIGURES) + 3)) + ") ON CONFLICT (grp, month) DO "
        "UPDATE SET first_received = CASE WHEN excluded.first_received < "
        "report_months.first_received THEN excluded.first_received ELSE "
        "report_months.first_received END, " +
        ", ".join(f"{f} = report_months.{f} + excluded.{f}" for f in COLUMNS))


def month_of(at: datetime) -> int:
    """The local calendar month as one integer (year × 12 + month − 1)."""
    local = to_local(at)
    return local.year * 12 + local.month - 1


def month_start(month: int) -> datetime:
    from kiosk.clock import TZ

    return datetime(month // 12, month % 12 + 1, 1, tzinfo=TZ)


def is_compact(received: datetime, events: Iterable[datetime | None], ended: datetime | None
               ) -> bool:
    """Ended, and every event in the month it was received in."""
    month = month_of(received)
    return ended is not None and all(at is None or month_of(at) == month for at in events)


def figures(f: dict[str, Any]) -> tuple[int, ...]:
    """What one ``report_facts`` row (as a dict) adds to its month, in :data:`FIGURES`
    order."""
    new_ = 1
    verdict = f["verdict"]
    return (new_, int(f["channel"] == 2), int(f["channel"] == 1), int(f["channel"] == 3),
            int(f["channel"] == 4), int(bool(f["back_entered"])),
            int(f["resolved_at"] is not None), int(verdict == 1), int(verdict == 2),
            int(verdict == 3), int(f["returned_at"] is not None),
            int(verdict == 3 and bool(f["lettered"])), int(f["closed_at"] is not None),
            int(bool(f["digitised"])), int(f["documents"] > 0), int(f["documents"]),
            int(f["scanned"]), int(f["reused"]),
            int(f["returned_at"] is not None and f["result"] == 1),
            int(f["returned_at"] is not None and f["result"] == 2))


def bucket_rows(facts: Iterable[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Month rows of many compact facts rows (a bulk writer's batch), summed."""
    out: dict[tuple[int, int], list[int]] = {}
    for f in facts:
        if not f["compact"]:
            continue
        key = (f["grp"], f["month"])
        have = out.get(key)
        add = figures(f)
        if have is None:
            out[key] = [f["received_at"], *add]
        else:
            have[0] = min(have[0], f["received_at"])
            for i, v in enumerate(add, 1):
                have[i] += v
    return [(grp, month, *vals) for (grp, month), vals in out.items()]


def add(tx: Any, rows: Iterable[tuple[Any, ...]]) -> None:
    for row in rows:
        tx.execute(ADD_SQL, row)


def move(tx: Any, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """One dossier's facts changed from ``old`` to ``new``: its month rows follow."""
    if old is None or not old["compact"]:
        if new["compact"]:
            tx.execute(ADD_SQL, (new["grp"], new["month"], new["received_at"], *figures(new)))
        return
    if new["compact"] and (old["grp"], old["month"]) == (new["grp"], new["month"]):
        delta = tuple(b - a for a, b in zip(figures(old), figures(new), strict=True))
        if any(delta) or old["received_at"] != new["received_at"]:
            tx.execute(ADD_SQL, (new["grp"], new["month"], new["received_at"], *delta))
        if old["received_at"] != new["received_at"]:
            _first_again(tx, (new["grp"], new["month"]))
        return
    minus = tuple(-v for v in figures(old))
    tx.execute(ADD_SQL, (old["grp"], old["month"], old["received_at"], *minus))
    if new["compact"]:
        tx.execute(ADD_SQL, (new["grp"], new["month"], new["received_at"], *figures(new)))
    # The month's earliest dossier may have left it (a procedure renamed, the dossier
    # reopened): the month's first received time is read again from the rows that stay.
    key = (old["grp"], old["month"])
    tx.execute("DELETE FROM report_months WHERE grp = ? AND month = ? AND f_new = 0", key)
    _first_again(tx, key)


def _first_again(tx: Any, key: tuple[int, int]) -> None:
    tx.execute("UPDATE report_months SET first_received = (SELECT min(f.received_at) "
               "FROM report_facts f WHERE f.grp = report_months.grp AND f.month = "
               "report_months.month AND f.compact = 1) WHERE grp = ? AND month = ?", key)
