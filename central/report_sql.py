"""The period report and the overdue list counted in SQL over ``report_facts`` (issue 28 §2).

The same JSON as :func:`kiosk.reports.summary.summary` over every dossier's record (the
definition, :func:`central.reports.summary_from_records`), without reading a body: one
grouped count per (unit, procedure) of the dossiers that touch the period, one of the
pending ones at the judging moment, one of the supplement requests in the period. Only the
dossiers pending at that moment whose verdict needs their letters or pauses
(``complex``, a few) have their full record read. tests/central/test_report_sql.py holds
this equal to the definition on generated histories, period edges included, on SQLite and
on PostgreSQL.

The period's bounds are inlined as integers (microseconds, computed here, never text from
a request): PostgreSQL then plans the one query it runs, not a generic one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from central import report_facts
from central.db import Database, Tx
from kiosk.clock import iso
from kiosk.reports.records import ReportRecord
from kiosk.reports.summary import Period, due_at, is_overdue_at, status_at
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
    ]


def _sums(s: int, e: int) -> str:
    parts = [f"sum(CASE WHEN {cond} THEN 1 ELSE 0 END) AS {name}" for name, cond in _counts(s, e)]
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


def _pending(j: int) -> str:
    """Pending at the judging moment ``j``: received before it, not ended before it."""
    return f"received_at < {j} AND (ended_at IS NULL OR ended_at >= {j})"


def records_of(tx: Tx, ids: list[str]) -> dict[str, ReportRecord]:
    """The definition's records of a few dossiers (by id)."""
    out: dict[str, ReportRecord] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        marks = ", ".join("?" * len(chunk))
        letters: dict[str, list[dict[str, Any]]] = {}
        for letter in tx.all("SELECT dossier_id, letter_number, issued_at, new_due_at FROM "
                             f"dossier_postponements WHERE dossier_id IN ({marks})", chunk):
            letters.setdefault(letter.pop("dossier_id"), []).append(letter)
        for row in tx.all("SELECT id, unit_code, status, body, notes FROM dossiers "
                          f"WHERE id IN ({marks})", chunk):
            out[row["id"]] = report_facts.record_of(row, letters.get(row["id"], []))
    return out


def _complex_pending(tx: Tx, j: int, unit: str | None) -> dict[str, ReportRecord]:
    where, params = _where(unit)
    ids = [r["dossier_id"] for r in tx.all(
        f"SELECT dossier_id FROM report_facts WHERE complex = 1 AND {_pending(j)}{where}",
        params)]
    return records_of(tx, ids)


def summary(db: Database, date_from: date, date_to: date, unit: str | None, as_of: datetime
            ) -> dict[str, Any]:
    """:func:`central.reports.summary`'s JSON: one unit's, or all with ``units``."""
    period = Period(date_from, date_to, as_of)
    s, e, j = (report_facts.micros(t) for t in (period.start, period.end, period.judged_at))
    assert s is not None and e is not None and j is not None
    where, params = _where(unit)
    groups: dict[tuple[str, str], list[int]] = {}
    first: dict[tuple[str, str], tuple[int, str]] = {}
    with db.transaction(write=False) as tx:
        undecided = []
        for row in tx.all(
                "SELECT unit_code, procedure_code, min(procedure_name) AS name_lo, "
                f"max(procedure_name) AS name_hi, min(received_at) AS first, {_sums(s, e)} "
                f"FROM report_facts WHERE {_relevant(s, e)}{where} "
                "GROUP BY unit_code, procedure_code", params):
            key = (row["unit_code"], row["procedure_code"])
            acc = groups[key] = [0] * _WIDTH
            for name, slot in _SLOT.items():
                if name in row:
                    acc[slot] = int(row[name] or 0)
            first[key] = (int(row["first"]), row["name_lo"])
            if row["name_lo"] != row["name_hi"]:
                undecided.append(key)
        # A procedure's name is the one its earliest received dossier carries.
        for key in undecided:
            found = tx.one(f"SELECT received_at, procedure_name FROM report_facts WHERE "
                           f"{_relevant(s, e)} AND unit_code = ? AND procedure_code = ? "
                           "ORDER BY received_at, procedure_name LIMIT 1", key)
            assert found is not None
            first[key] = (int(found["received_at"]), found["procedure_name"])
        for row in tx.all(
                "SELECT unit_code, procedure_code, count(*) AS n, sum(CASE WHEN legal_due IS "
                f"NOT NULL AND legal_due < {j} THEN 1 ELSE 0 END) AS overdue FROM report_facts"
                f" WHERE complex = 0 AND {_pending(j)}{where} GROUP BY unit_code, "
                "procedure_code", params):
            acc = groups[(row["unit_code"], row["procedure_code"])]
            acc[_SLOT["overdue"]] += int(row["overdue"])
            acc[_SLOT["not_due"]] += int(row["n"]) - int(row["overdue"])
        for rec in _complex_pending(tx, j, unit).values():
            acc = groups[(rec.unit, rec.procedure_code)]
            acc[_SLOT["overdue" if is_overdue_at(rec, period.judged_at) else "not_due"]] += 1
            if status_at(rec, period.judged_at) == 5:  # Status.SUPPLEMENT
                acc[_SLOT["awaiting"]] += 1
        fwhere, fparams = _where(unit, "f.")
        for row in tx.all(
                "SELECT f.unit_code, f.procedure_code, count(*) AS n FROM report_pauses p "
                "JOIN report_facts f ON f.dossier_id = p.dossier_id WHERE p.started_at >= "
                f"{s} AND p.started_at < {e} AND {_relevant(s, e, 'f.')}{fwhere} "
                "GROUP BY f.unit_code, f.procedure_code", fparams):
            groups[(row["unit_code"], row["procedure_code"])][_SLOT["requested"]] += \
                int(row["n"])
    head = {"from": date_from.isoformat(), "to": date_to.isoformat(),
            "judged_at": iso(period.judged_at)}
    report = _report(head, unit or "", groups, first)
    if not unit:
        units = sorted({u for u, _p in groups})
        report["units"] = [_report(head, u, {k: v for k, v in groups.items() if k[0] == u},
                                   first) for u in units]
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


def overdue(db: Database, first: date, last: date, unit: str | None, as_of: datetime
            ) -> dict[str, list[dict[str, Any]]]:
    """:func:`central.province_figures.overdue`'s lists: per unit, the dossiers overdue
    when the period is judged, most overdue first."""
    judged = Period(first, last, as_of).judged_at
    j = report_facts.micros(judged)
    assert j is not None
    where, params = _where(unit)
    out: dict[str, list[dict[str, Any]]] = {}
    with db.transaction(write=False) as tx:
        for row in tx.all(
                "SELECT code, procedure_name, unit_code, received_at, legal_due FROM "
                f"report_facts WHERE complex = 0 AND {_pending(j)} AND legal_due IS NOT NULL "
                f"AND legal_due < {j}{where}", params):
            out.setdefault(row["unit_code"], []).append({
                "code": row["code"], "procedure": row["procedure_name"],
                "received_at": iso(report_facts.from_micros(int(row["received_at"]))),
                "due_at": iso(report_facts.from_micros(int(row["legal_due"])))})
        complex_ones: Iterable[ReportRecord] = _complex_pending(tx, j, unit).values()
    for rec in complex_ones:
        if not is_overdue_at(rec, judged):
            continue
        due = due_at(rec, judged)
        out.setdefault(rec.unit, []).append({
            "code": rec.code, "procedure": rec.procedure_name,
            "received_at": iso(rec.received_at), "due_at": iso(due) if due else None})
    for rows in out.values():
        rows.sort(key=lambda r: (r["due_at"] or "", r["code"]))
    return out
