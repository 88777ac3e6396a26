"""The TTHC summary of the counter's own database in one grouped SQL read (issue 28).

:func:`kiosk.reports.summary.summary` over :func:`kiosk.reports.records.local_records`
is the definition; this module computes the very same JSON without a record per dossier.
What the definition works out per dossier from other tables (the first resolved /
returned / closed / ended time, the documents tally, the results' kind) is kept on the
dossier's own row by the writes that change it (:mod:`kiosk.storage.dossier_facts`), so
SQLite classifies every dossier of the period in one scan of ``dossiers``: each row gets
one integer whose bits say which figures it adds to (:data:`_KEY`), and the read groups by
procedure and that integer. Python then expands a few hundred groups into one counter per
procedure (every figure of the report is a sum over procedures, so the unit's totals are
the sum of those). Only the dossiers still pending at the judging moment need more than
their row: the due in force then (a letter), whether they waited for a supplement then
and since when the clock stood still, looked up for those few rows only, inside the same
read. A year of a busy commune (100k dossiers) takes about a tenth of a second
(docs/BENCHMARKS.md).

Times are compared as the stored text, as Home's overdue count
(:func:`kiosk.storage.records.overdue_clause`) does: every time the counter stores is
written by :func:`kiosk.clock.iso` (seconds, the +07:00 offset), so text order is time
order. tests/reports/test_tallies.py holds this module equal to the definition on
generated histories with every kind of status change, pause, letter and document, and on
dossiers written through the real write paths.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from kiosk.clock import iso
from kiosk.dossier import Status
from kiosk.reports.summary import Period
from kiosk.storage.sqlite import Database

_SUPPLEMENT = int(Status.SUPPLEMENT)
#: Status changes only (a repeated status is a note, not a change), as local_records reads.
_CHANGES = "(e.from_status IS NULL OR e.from_status != e.to_status)"

# Counter slots of one procedure (or of the unit).
(_NEW, _CARRIED, _ONLINE, _DIRECT, _POSTAL, _OTHER, _BACK, _RESOLVED, _EARLY, _ON_TIME,
 _LATE, _RETURNED, _APOLOGY, _CLOSED, _NOT_DUE, _OVERDUE, _REQUESTED, _AWAITING,
 _DIGITISED, _WITH_DOCS, _DOCS, _SCANNED, _REUSED, _RES_ELECTRONIC, _RES_SCANNED) = range(25)
_SLOTS = 25
#: The slots by name, in order: the list :func:`block` reads (central/report_sql.py fills
#: one from SQL).
SLOT_NAMES = ("new", "carried", "online", "direct", "postal", "other", "back", "resolved",
              "early", "on_time", "late", "returned", "apology", "closed", "not_due",
              "overdue", "requested", "awaiting", "digitised", "with_docs", "docs", "scanned",
              "reused", "res_electronic", "res_scanned")
_CHANNEL_SLOT = {1: _DIRECT, 2: _ONLINE, 3: _POSTAL, 4: _OTHER}

# The bits of a dossier's key. Received in the period ("new"), with its channel (1-4, in
# bits 1-3) and whether it was entered afterwards, its documents; otherwise carried over.
_K_NEW, _K_BACK, _K_DOCS, _K_DIGITISED = 1, 16, 32, 64
# Resolved in the period, and how against its legal due; else closed without a result.
_K_RESOLVED, _K_EARLY, _K_LATE, _K_APOLOGY, _K_CLOSED = 128, 256, 512, 1024, 2048
_K_RETURNED, _K_ELECTRONIC, _K_SCANNED = 4096, 8192, 16384
_K_PENDING, _K_AWAITING, _K_OVERDUE = 32768, 65536, 131072

_IN = "d.{col} >= :start AND d.{col} < :end"
_LEGAL = "coalesce(d.legal_due_at, d.due_at)"
#: Waiting for a supplement at the judging moment: the last status change before it was
#: to 5 (looked up only for a dossier asked for one before then).
_WAITING = (f"CASE WHEN d.first_supplement_at < :judged THEN (SELECT e.to_status = "
            f"{_SUPPLEMENT} FROM status_events e WHERE e.dossier_id = d.id AND {_CHANGES} "
            "AND e.at < :judged ORDER BY e.at DESC, e.id DESC LIMIT 1) ELSE 0 END")
#: The due of the latest letter issued by the judging moment.
_LETTER_DUE = ("(SELECT max(x.new_due_at) FROM postponements x WHERE x.dossier_id = d.id "
               "AND x.issued_at < :judged)")
#: Since when the clock stood still at the judging moment (the supplement pause open then).
_PAUSED_SINCE = ("(SELECT max(c.started_at) FROM clock_pauses c WHERE c.dossier_id = d.id "
                 "AND c.started_at < :judged AND (c.ended_at IS NULL OR c.ended_at >= "
                 ":judged))")
#: A dossier pending at the judging moment: awaiting a supplement then, and overdue as
#: kiosk.reports.summary.is_overdue_at judges (the due in force against the moment, or
#: against the start of the pause for one waiting). Each inner row is computed once (a
#: LIMIT keeps SQLite from flattening it, which would copy a lookup into every use).
_PENDING = f"""CASE WHEN d.received_at < :judged AND (d.first_ended_at IS NULL
    OR d.first_ended_at >= :judged) THEN (SELECT max({_K_PENDING} + {_K_AWAITING} * w
        + {_K_OVERDUE} * coalesce(due < CASE WHEN w THEN coalesce(ps, :judged)
                                       ELSE :judged END, 0))
    FROM (SELECT w, CASE WHEN ld IS NULL OR lg >= ld THEN lg ELSE ld END AS due,
                 CASE WHEN w THEN {_PAUSED_SINCE} END AS ps
          FROM (SELECT {_WAITING} AS w, {_LETTER_DUE} AS ld, {_LEGAL} AS lg LIMIT 1) LIMIT 1))
    ELSE 0 END"""
#: Every figure a dossier adds to, as bits. A resolved (or closed, or returned) time is
#: after the ended time, so a dossier not ended before the period's end skips them all.
_KEY = f"""CASE WHEN d.received_at >= :start THEN {_K_NEW}
        + CASE WHEN d.channel BETWEEN 1 AND 4 THEN d.channel * 2 ELSE 0 END
        + (d.entered_at IS NOT NULL) * {_K_BACK}
        + CASE WHEN d.docs_counted > 0 THEN {_K_DOCS} + {_K_DIGITISED}
               * (d.docs_scanned + d.docs_reused = d.docs_counted) ELSE 0 END ELSE 0 END
    + CASE WHEN d.first_ended_at IS NULL OR d.first_ended_at >= :end THEN 0 ELSE
        CASE WHEN {_IN.format(col="first_resolved_at")} THEN {_K_RESOLVED}
            + CASE WHEN d.first_resolved_at < substr({_LEGAL}, 1, 10) THEN {_K_EARLY}
                   WHEN d.first_resolved_at > {_LEGAL} THEN {_K_LATE} + {_K_APOLOGY}
                       * EXISTS (SELECT 1 FROM postponements p WHERE p.dossier_id = d.id)
                   ELSE 0 END
             WHEN d.first_resolved_at IS NULL AND {_IN.format(col="first_closed_at")}
             THEN {_K_CLOSED} ELSE 0 END
        + CASE WHEN {_IN.format(col="first_returned_at")} THEN {_K_RETURNED}
            + CASE d.result_electronic WHEN 1 THEN {_K_ELECTRONIC} WHEN 0 THEN {_K_SCANNED}
                   ELSE 0 END ELSE 0 END END
    + {_PENDING}"""
#: Received by the period's end and not ended before its start (summary._relevant).
_RELEVANT = ("d.received_at < :end AND (d.first_ended_at IS NULL OR "
             "d.first_ended_at >= :start)")
#: The period's dossiers by procedure and key. Each key is computed once, in the inner
#: select (its LIMIT keeps SQLite from flattening it): grouped by the expression itself,
#: SQLite would sort every column the expression reads and compute it again per group.
_GROUPS = f"""
SELECT code, k, count(*), min(received), total(docs), total(scanned), total(reused) FROM (
    SELECT d.procedure_code AS code, {_KEY} AS k, d.received_at AS received,
           d.docs_counted AS docs, d.docs_scanned AS scanned, d.docs_reused AS reused
    FROM dossiers d WHERE {_RELEVANT}{{procedure}} LIMIT -1)
GROUP BY code, k"""
#: Supplement requests made in the period, of the period's dossiers.
_REQUESTS = f"""
SELECT d.procedure_code, count(*) FROM clock_pauses c JOIN dossiers d ON d.id = c.dossier_id
WHERE c.started_at >= :start AND c.started_at < :end AND {_RELEVANT}{{procedure}}
GROUP BY 1"""
#: A procedure's name is the one its earliest received dossier carries (the catalog's name
#: may change between versions), the first stored of those received at that second.
_NAME = ("SELECT procedure_name FROM dossiers d WHERE {day}d.received_at = :at AND "
         f"d.procedure_code = :code AND {_RELEVANT} ORDER BY d.num LIMIT 1")


def local_summary(db: Database, date_from: date, date_to: date, *, unit: str = "",
                  procedure: str | None = None, as_of: datetime | None = None
                  ) -> dict[str, Any]:
    """:func:`kiosk.reports.summary.summary` of this counter's dossiers, same JSON."""
    period = Period(date_from, date_to, as_of)
    params: dict[str, Any] = {"start": iso(period.start), "end": iso(period.end),
                              "judged": iso(period.judged_at)}
    where = ""
    if procedure:
        where = " AND d.procedure_code = :procedure"
        params["procedure"] = procedure
    groups: dict[str, list[int]] = {}
    first: dict[str, str] = {}
    for code, k, n, received, docs, scanned, reused in db.execute(
            _GROUPS.format(procedure=where), params):
        acc = groups.get(code)
        if acc is None:
            acc = groups[code] = [0] * _SLOTS
            first[code] = received
        elif received < first[code]:
            first[code] = received
        _add(acc, k, n)
        if k & _K_NEW:
            acc[_DOCS] += int(docs)
            acc[_SCANNED] += int(scanned)
            acc[_REUSED] += int(reused)
    for code, n in db.execute(_REQUESTS.format(procedure=where), params):
        groups[code][_REQUESTED] += n
    names = {code: _name(db, code, at, params) for code, at in first.items()}
    total = [sum(col) for col in zip(*groups.values(), strict=True)] if groups else [0] * _SLOTS
    out: dict[str, Any] = {"from": date_from.isoformat(), "to": date_to.isoformat(),
                           "unit": unit, "judged_at": params["judged"]}
    out.update(block(total))
    out["by_procedure"] = [{"code": code, "name": names[code], **block(groups[code])}
                           for code in sorted(groups)]
    return out


def _add(acc: list[int], k: int, n: int) -> None:
    """Add ``n`` dossiers of key ``k`` (:data:`_KEY`) to one procedure's counters."""
    if k & _K_NEW:
        acc[_NEW] += n
        slot = _CHANNEL_SLOT.get((k >> 1) & 7)
        if slot is not None:
            acc[slot] += n
        if k & _K_BACK:
            acc[_BACK] += n
        if k & _K_DOCS:
            acc[_WITH_DOCS] += n
            if k & _K_DIGITISED:
                acc[_DIGITISED] += n
    else:
        acc[_CARRIED] += n
    if k & _K_RESOLVED:
        acc[_RESOLVED] += n
        acc[_EARLY if k & _K_EARLY else _LATE if k & _K_LATE else _ON_TIME] += n
        if k & _K_APOLOGY:
            acc[_APOLOGY] += n
    elif k & _K_CLOSED:
        acc[_CLOSED] += n
    if k & _K_RETURNED:
        acc[_RETURNED] += n
        if k & _K_ELECTRONIC:
            acc[_RES_ELECTRONIC] += n
        elif k & _K_SCANNED:
            acc[_RES_SCANNED] += n
    if k & _K_PENDING:
        acc[_OVERDUE if k & _K_OVERDUE else _NOT_DUE] += n
        if k & _K_AWAITING:
            acc[_AWAITING] += n


def _name(db: Database, code: str, at: str, params: dict[str, Any]) -> str:
    # The day column (indexed) is the received time's date; a row written otherwise is
    # still found by the scan without it.
    for day in ("d.day = substr(:at, 1, 10) AND ", ""):
        row = db.execute(_NAME.format(day=day), {**params, "at": at, "code": code}).fetchone()
        if row is not None:
            return str(row[0])
    raise AssertionError(f"no dossier of {code} received at {at}")


def received_any(db: Database, procedure: str, end: datetime) -> bool:
    """Whether any dossier of ``procedure`` was received before ``end``."""
    return db.execute("SELECT 1 FROM dossiers WHERE procedure_code = ? AND received_at < ? "
                      "LIMIT 1", (procedure, iso(end))).fetchone() is not None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def block(a: list[int]) -> dict[str, Any]:
    """One group's figures, keys in the order of kiosk.reports.summary.SECTIONS."""
    return {
        "received": {"total": a[_CARRIED] + a[_NEW], "carried_over": a[_CARRIED],
                     "new": a[_NEW], "online": a[_ONLINE], "direct": a[_DIRECT],
                     "postal": a[_POSTAL], "other": a[_OTHER], "back_entered": a[_BACK]},
        "resolved": {"total": a[_RESOLVED], "early": a[_EARLY], "on_time": a[_ON_TIME],
                     "late": a[_LATE]},
        "returned": a[_RETURNED],
        "late_with_apology": a[_APOLOGY],
        "closed_without_result": a[_CLOSED],
        "pending": {"total": a[_NOT_DUE] + a[_OVERDUE], "not_due": a[_NOT_DUE],
                    "overdue": a[_OVERDUE]},
        "supplement": {"requested": a[_REQUESTED], "awaiting": a[_AWAITING]},
        "digitised": a[_DIGITISED],
        "digitisation": {"dossiers": a[_WITH_DOCS], "documents": a[_DOCS],
                         "scanned": a[_SCANNED], "reused": a[_REUSED]},
        "online_share": _share(a[_ONLINE], a[_NEW]),
        "digitised_share": _share(a[_DIGITISED], a[_WITH_DOCS]),
        "on_time_rate": _share(a[_EARLY] + a[_ON_TIME], a[_RESOLVED]),
        "results": {"returned": a[_RETURNED], "electronic": a[_RES_ELECTRONIC],
                    "scanned": a[_RES_SCANNED],
                    "unscanned": a[_RETURNED] - a[_RES_ELECTRONIC] - a[_RES_SCANNED]},
        "results_digitised_share": _share(a[_RES_ELECTRONIC] + a[_RES_SCANNED], a[_RETURNED]),
        "reused_share": _share(a[_REUSED], a[_DOCS]),
    }
