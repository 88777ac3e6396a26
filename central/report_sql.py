"""The period report and the overdue list counted in SQL over ``report_facts`` (issue 28 §2).

The same JSON as :func:`kiosk.reports.summary.summary` over every dossier's record (the
definition, :func:`central.reports.summary_from_records`), without reading a body: one
grouped count per (unit, procedure) of the dossiers that touch the period, one of the
pending ones at the judging moment, one of the supplement requests in the period; the few
pending then whose verdict needs their letters, pauses or supplement status (``complex``)
are judged from their rows in the side tables (the due in force, the status, the open
pause), never from a body. tests/central/test_report_sql.py holds
this equal to the definition on generated histories, period edges included, on SQLite and
on PostgreSQL.

The period's bounds are inlined as integers (microseconds, computed here, never text from
a request): PostgreSQL then plans the one query it runs, not a generic one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from central import report_facts, report_months
from central.db import Database, Tx
from kiosk.clock import iso
from kiosk.reports.summary import Period
from kiosk.reports.tallies import SLOT_NAMES, block

_SLOT = {name: i for i, name in enumerate(SLOT_NAMES)}
_WIDTH = len(SLOT_NAMES)


def _counts(s: int, e: int) -> list[tuple[str, str]]:
    new = f"received_at >= {s}"
    resolved = f"resolved_at >= {s} AND resolved_at < {e}"
    return [
        ("new", new), ("carried", f"received_at < {s}"),
        ("online", f"{new} AND channel = 2"), ("direct", f"{new} AND channel = 1"),
        ("postal", f"{new} AND channel = 3"), ("other", f"{new} AND channel = 4"),
        ("back", f"{new} AND back_entered = 1"), ("resolved", resolved),
        ("early", f"{resolved} AND verdict = 1"), ("on_time", f"{resolved} AND verdict = 2"),
        ("late", f"{resolved} AND verdict = 3"),
        ("returned", f"returned_at >= {s} AND returned_at < {e}"),
        ("apology", f"{resolved} AND verdict = 3 AND lettered = 1"),
        ("closed", f"closed_at >= {s} AND closed_at < {e}"),
        ("digitised", f"{new} AND digitised = 1"), ("with_docs", f"{new} AND documents > 0"),
        ("res_electronic", f"returned_at >= {s} AND returned_at < {e} AND result = 1"),
        ("res_scanned", f"returned_at >= {s} AND returned_at < {e} AND result = 2"),
    ]


def _sums(s: int, e: int) -> str:
    parts = [f"count(*) FILTER (WHERE {cond}) AS {name}" for name, cond in _counts(s, e)]
    parts += [f"sum(CASE WHEN received_at >= {s} THEN {col} ELSE 0 END) AS {name}"
              for name, col in (("docs", "documents"), ("scanned", "scanned"),
                                ("reused", "reused"))]
    return ", ".join(parts)


def _where(unit: str | None, alias: str = "") -> tuple[str, tuple[Any, ...]]:
    return (f" AND {alias}unit_code = ?", (unit,)) if unit else ("", ())


def _relevant(s: int, e: int, alias: str = "") -> str:
    """Received by the period's end and not ended before its start (summary._relevant)."""
    a = alias
    return f"{a}received_at < {e} AND ({a}ended_at IS NULL OR {a}ended_at >= {s})"


def _pending(j: int, a: str = "") -> str:
    """Pending at the judging moment ``j``: received before it, not ended before it."""
    return f"{a}received_at < {j} AND ({a}ended_at IS NULL OR {a}ended_at >= {j})"


def _alive(columns: str, since: int, cond: str, where: str) -> str:
    """The rows with ``cond`` (and one unit's ``where``) not ended before ``since``.

    For every unit: the open ones and those ended since, one after the other (disjoint).
    Each half is one range of an index led by ``ended_at`` that holds every column read
    (report_facts_pending, report_facts_loose_ended): PostgreSQL answers it from the index
    alone, where ``ended_at IS NULL OR ended_at >= x`` in one condition is a bitmap of both
    halves and a visit of every row's table page (about 24,000 pages for a province's
    52,000 open or recently ended dossiers, each time). For one unit: one read of the
    unit's rows by its index (split in two, each half would read them again)."""
    if where:
        return (f"SELECT {columns} FROM report_facts WHERE (ended_at IS NULL OR ended_at >= "
                f"{since}) AND {cond}{where}")
    return (f"SELECT {columns} FROM report_facts WHERE ended_at IS NULL AND {cond} "
            f"UNION ALL SELECT {columns} FROM report_facts WHERE ended_at >= {since} AND "
            f"{cond}")


class Traced:
    """A transaction that notes each statement it runs: the bench replays them bare, so
    its baseline is the very SQL of the report (bench/central_report.py)."""

    def __init__(self, tx: Tx, trace: list[tuple[str, tuple[Any, ...]]]) -> None:
        self.tx, self.trace = tx, trace

    def all(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        self.trace.append((sql, tuple(params)))
        return self.tx.all(sql, params)

    def one(self, sql: str, params: Any = ()) -> dict[str, Any] | None:
        self.trace.append((sql, tuple(params)))
        return self.tx.one(sql, params)


def _traced(tx: Tx, trace: list[tuple[str, tuple[Any, ...]]] | None) -> Any:
    return tx if trace is None else Traced(tx, trace)


def _months(period: Period) -> tuple[tuple[int, int] | None, list[tuple[int, int]]]:
    """The months wholly inside the period and over by its judging moment (read from
    report_months), and the received-time ranges of the rest of the period's months."""
    first = report_months.month_of(period.start)
    last = report_months.month_of(period.end - timedelta(microseconds=1))
    whole = [m for m in range(first, last + 1)
             if report_months.month_start(m) >= period.start
             and report_months.month_start(m + 1) <= min(period.end, period.judged_at)]
    lo = report_facts.micros(report_months.month_start(first))
    end = report_facts.micros(period.end)
    assert lo is not None and end is not None
    if not whole:
        return None, [(lo, end)]
    a, b = whole[0], whole[-1]  # contiguous: a suffix of one condition, a prefix of the other
    cut_a = report_facts.micros(report_months.month_start(a))
    cut_b = report_facts.micros(report_months.month_start(b + 1))
    assert cut_a is not None and cut_b is not None
    return (a, b), [(x, y) for x, y in ((lo, cut_a), (cut_b, end)) if x < y]


#: Pending rows whose verdict's inputs hold at ``j`` (no dated change at or after it).
_SETTLED = "(last_change IS NULL OR last_change < {j})"
#: What the period's counts read of a row (report_facts_loose_ended and report_facts_compact
#: hold them all, so PostgreSQL counts from those indexes alone).
_LOOSE_COLUMNS = ("grp, received_at, channel, back_entered, resolved_at, returned_at, "
                  "closed_at, verdict, lettered, documents, scanned, reused, digitised, result")
#: is_overdue_at for those: the due against the moment the clock stopped, or ``j``.
_OVERDUE = ("cur_due < CASE WHEN cur_waiting = 1 AND cur_paused_since IS NOT NULL THEN "
            "cur_paused_since ELSE {j} END")


def _unsettled_pending(tx: Any, j: int, unit: str | None) -> list[dict[str, Any]]:
    """The pending dossiers at ``j`` with a letter, pause or status dated at or after it
    (a past period's moment: few), judged from their side rows with ``due`` (in force at
    ``j``), ``waiting`` (for a supplement then) and ``overdue``, as
    :func:`kiosk.reports.summary.is_overdue_at` judges."""
    where, params = _where(unit, "f.")
    rows = tx.all(
        "SELECT f.grp, f.unit_code, f.code, f.procedure_name, f.received_at, "
        "f.legal_due, (SELECT max(x.new_due_at) FROM report_letters x WHERE x.dossier_id = "
        f"f.dossier_id AND x.issued_at < {j}) AS letter_due, (SELECT count(*) FROM "
        f"report_spans x WHERE x.dossier_id = f.dossier_id AND x.started_at < {j} AND "
        f"(x.ended_at IS NULL OR x.ended_at >= {j})) AS waiting, (SELECT max(x.started_at) "
        f"FROM report_pauses x WHERE x.dossier_id = f.dossier_id AND x.started_at < {j} AND "
        f"(x.ended_at IS NULL OR x.ended_at >= {j})) AS paused_since FROM report_facts f "
        f"WHERE f.last_change >= {j} AND {_pending(j, 'f.')}{where}", params)
    for row in rows:
        dues = [d for d in (row["legal_due"], row["letter_due"]) if d is not None]
        row["due"] = max(dues) if dues else None
        moment = j
        if row["waiting"] and row["paused_since"] is not None:
            moment = row["paused_since"]  # the clock stopped when the supplement was asked
        row["overdue"] = row["due"] is not None and row["due"] < moment
    return rows


def summary(db: Database, date_from: date, date_to: date, unit: str | None, as_of: datetime,
            trace: list[tuple[str, tuple[Any, ...]]] | None = None) -> dict[str, Any]:
    """:func:`central.reports.summary`'s JSON: one unit's, or all with ``units``."""
    period = Period(date_from, date_to, as_of)
    s, e, j = (report_facts.micros(t) for t in (period.start, period.end, period.judged_at))
    assert s is not None and e is not None and j is not None
    where, params = _where(unit)
    by_grp: dict[int, list[int]] = {}
    first: dict[int, int] = {}
    with db.transaction(write=False) as real:
        tx = _traced(real, trace)
        def add(row: dict[str, Any], names: Iterable[str]) -> None:
            acc = by_grp.get(row["grp"])
            if acc is None:
                acc = by_grp[row["grp"]] = [0] * _WIDTH
                first[row["grp"]] = int(row["first"])
            else:
                first[row["grp"]] = min(first[row["grp"]], int(row["first"]))
            for name in names:
                acc[_SLOT[name]] += int(row[name] or 0)

        whole, rest = _months(period)
        gwhere = " AND grp IN (SELECT id FROM report_groups WHERE unit_code = ?)" \
            if unit else ""
        if whole:
            for row in tx.all(
                    "SELECT grp, first_received AS first, " + ", ".join(
                        f"{c} AS {n}" for c, n in zip(report_months.COLUMNS,
                                                      report_months.FIGURES, strict=True)) +
                    f" FROM report_months WHERE month >= {whole[0]} AND month <= {whole[1]}"
                    + gwhere, params):
                add(row, report_months.FIGURES)
        counted = [name for name, _cond in _counts(s, e)] + ["docs", "scanned", "reused"]
        # The rest one by one: the compact dossiers of the period's partial months (by the
        # time received), and every dossier not compact.
        for lo, hi in rest:
            for row in tx.all(
                    f"SELECT grp, min(received_at) AS first, {_sums(s, e)} FROM report_facts "
                    f"WHERE compact = 1 AND received_at >= {lo} AND received_at < {hi} AND "
                    f"{_relevant(s, e)}{where} GROUP BY grp", params):
                add(row, counted)
        loose = _alive(_LOOSE_COLUMNS, s, f"compact = 0 AND received_at < {e}", where)
        for row in tx.all(
                f"SELECT grp, min(received_at) AS first, {_sums(s, e)} FROM ({loose}) AS f "
                "GROUP BY grp", params):
            add(row, counted)
        pending = _alive("grp, cur_due, cur_waiting, cur_paused_since", j,
                         f"received_at < {j} AND {_SETTLED.format(j=j)}", where)
        for row in tx.all(
                f"SELECT grp, count(*) AS n, count(*) FILTER (WHERE {_OVERDUE.format(j=j)}) AS "
                "overdue, count(*) FILTER (WHERE cur_waiting = 1) AS waiting FROM "
                f"({pending}) AS f GROUP BY grp", params):
            acc = by_grp[row["grp"]]
            acc[_SLOT["overdue"]] += int(row["overdue"])
            acc[_SLOT["not_due"]] += int(row["n"]) - int(row["overdue"])
            acc[_SLOT["awaiting"]] += int(row["waiting"])
        for row in _unsettled_pending(tx, j, unit):
            acc = by_grp[row["grp"]]
            acc[_SLOT["overdue" if row["overdue"] else "not_due"]] += 1
            if row["waiting"]:
                acc[_SLOT["awaiting"]] += 1
        gwhere = " AND grp IN (SELECT id FROM report_groups WHERE unit_code = ?)" \
            if unit else ""
        for row in tx.all(
                f"SELECT grp, count(*) AS n FROM report_pauses WHERE started_at >= {s} AND "
                f"started_at < {e} AND received_at < {e} AND (dossier_ended IS NULL OR "
                f"dossier_ended >= {s}){gwhere} GROUP BY grp", params):
            by_grp[row["grp"]][_SLOT["requested"]] += int(row["n"])
        keys = {r["id"]: (r["unit_code"], r["procedure_code"], r["procedure_name"])
                for r in tx.all("SELECT DISTINCT id, unit_code, procedure_code, procedure_name "
                                "FROM report_groups" + (" WHERE unit_code = ?" if unit else ""),
                                params)}
    # Groups of one (unit, procedure) under several names: summed; the procedure is named
    # as its earliest received dossier is (the name breaks a tie, as the definition's order).
    groups: dict[tuple[str, str], list[int]] = {}
    names: dict[tuple[str, str], tuple[int, str]] = {}
    for grp, acc in by_grp.items():
        unit_code, code, name = keys[grp]
        key = (unit_code, code)
        have = groups.get(key)
        groups[key] = acc if have is None else [a + b for a, b in zip(have, acc, strict=True)]
        names[key] = min(names.get(key, (first[grp], name)), (first[grp], name))
    head = {"from": date_from.isoformat(), "to": date_to.isoformat(),
            "judged_at": iso(period.judged_at)}
    report = _report(head, unit or "", groups, names)
    if not unit:
        units = sorted({u for u, _p in groups})
        report["units"] = [_report(head, u, {k: v for k, v in groups.items() if k[0] == u},
                                   names) for u in units]
    return report


def _report(head: dict[str, Any], unit: str, groups: dict[tuple[str, str], list[int]],
            first: dict[tuple[str, str], tuple[int, str]]) -> dict[str, Any]:
    """One report from per-(unit, procedure) slots: procedures summed over the units."""
    by_code: dict[str, list[int]] = {}
    names: dict[str, tuple[int, str]] = {}
    for key, acc in groups.items():
        code = key[1]
        have = by_code.get(code)
        by_code[code] = list(acc) if have is None else [a + b for a, b in zip(have, acc,
                                                                              strict=True)]
        names[code] = min(names.get(code, first[key]), first[key])
    total = [sum(col) for col in zip(*by_code.values(), strict=True)] if by_code \
        else [0] * _WIDTH
    out = {"from": head["from"], "to": head["to"], "unit": unit, "judged_at": head["judged_at"]}
    out.update(block(total))
    out["by_procedure"] = [{"code": code, "name": names[code][1], **block(by_code[code])}
                           for code in sorted(by_code)]
    return out


def overdue(db: Database, first: date, last: date, unit: str | None, as_of: datetime,
            trace: list[tuple[str, tuple[Any, ...]]] | None = None, shown: int | None = None
            ) -> dict[str, list[dict[str, Any]]]:
    """:func:`central.province_figures.overdue`'s lists: per unit, the dossiers overdue
    when the period is judged, most overdue first; with ``shown``, each unit's first
    ``shown`` only (the province's month had 41,000: turning them all into text took
    longer than counting them)."""
    judged = Period(first, last, as_of).judged_at
    j = report_facts.micros(judged)
    assert j is not None
    where, params = _where(unit)
    found: dict[str, list[tuple[int, str, str, int]]] = {}
    with db.transaction(write=False) as real:
        tx = _traced(real, trace)
        # The unit and the procedure's name by the group (its key): the index the rows are
        # read from holds the group, not those texts.
        groups = {r["id"]: (r["unit_code"], r["procedure_name"]) for r in tx.all(
            "SELECT DISTINCT id, unit_code, procedure_name FROM report_groups"
            + (" WHERE unit_code = ?" if unit else ""), params)}
        for row in tx.all(_alive("grp, code, received_at, cur_due", j, (
                f"received_at < {j} AND {_SETTLED.format(j=j)} AND {_OVERDUE.format(j=j)}"),
                where), params):
            unit_code, name = groups[row["grp"]]
            found.setdefault(unit_code, []).append(
                (int(row["cur_due"]), row["code"], name, int(row["received_at"])))
        for row in _unsettled_pending(tx, j, unit):
            if row["overdue"]:
                found.setdefault(row["unit_code"], []).append(
                    (int(row["due"]), row["code"], row["procedure_name"],
                     int(row["received_at"])))
    out: dict[str, list[dict[str, Any]]] = {}
    for u, rows in found.items():
        # By due second, then code: the order of the definition's (due_at text, code), as
        # every due is rendered to the second in the one local offset.
        rows.sort(key=lambda r: (r[0] // 1_000_000, r[1]))
        out[u] = [{"code": code, "procedure": name,
                   "received_at": iso(report_facts.from_micros(received)),
                   "due_at": iso(report_facts.from_micros(due))}
                  for due, code, name, received in rows[:shown]]
    return out
