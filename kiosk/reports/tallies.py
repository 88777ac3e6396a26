"""The TTHC summary of the counter's own database without a record per dossier (issue 28).

:func:`kiosk.reports.summary.summary` over :func:`kiosk.reports.records.local_records`
is the definition; this module computes the very same JSON from a few SQL reads: SQLite
works out each dossier's first resolved / returned / closed / ended time, and only for
the dossiers still pending at the judging moment the status, due and open pause in force
then. Python then makes one pass over one narrow row per dossier, adding into one counter
per procedure (every figure of the report is a sum over procedures, so the unit's totals
are the sum of those). A year of a busy commune (100k dossiers) takes a fraction of a
second instead of seconds (docs/BENCHMARKS.md).

Times are compared as the stored text, as Home's overdue count
(:func:`kiosk.storage.records.overdue_clause`) does: every time the counter stores is
written by :func:`kiosk.clock.iso` (seconds, the +07:00 offset), so text order is time
order. tests/reports/test_tallies.py holds this module equal to the definition on
generated histories with every kind of status change, pause, letter and document.
"""

from __future__ import annotations

import json
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

#: Each dossier's first resolved, returned, closed and ended time (one scan of the events).
_ENDS = f"""
SELECT e.dossier_id,
       min(CASE WHEN e.to_status IN (9, 10) THEN e.at END),
       min(CASE WHEN e.to_status = 10 THEN e.at END),
       min(CASE WHEN e.to_status IN (3, 7, 8) THEN e.at END),
       min(e.at)
FROM status_events e NOT INDEXED
WHERE {_CHANGES} AND e.to_status IN (3, 7, 8, 9, 10)
GROUP BY e.dossier_id"""

#: For dossiers pending at the judging moment: waiting for a supplement then, the latest
#: letter's due issued by then, and the start of the pause open then.
_PENDING_FACTS = f"""
SELECT d.id,
       (SELECT e.to_status FROM status_events e WHERE e.dossier_id = d.id AND {_CHANGES}
        AND e.at < :judged ORDER BY e.at DESC, e.id DESC LIMIT 1) = {_SUPPLEMENT},
       (SELECT max(x.new_due_at) FROM postponements x WHERE x.dossier_id = d.id
        AND x.issued_at < :judged),
       (SELECT max(c.started_at) FROM clock_pauses c WHERE c.dossier_id = d.id
        AND c.started_at < :judged AND (c.ended_at IS NULL OR c.ended_at >= :judged))
FROM dossiers d WHERE d.id IN (SELECT value FROM json_each(:ids))"""

#: Per dossier: documents that count, of them reused, of them scanned.
_DOCUMENTS = """
SELECT c.dossier_id, count(*), sum(c.from_national_db != 0),
       sum(c.from_national_db = 0 AND EXISTS (SELECT 1 FROM pages g
           WHERE g.component_id = c.id))
FROM {source} WHERE {period} c.checked != 0 AND c.presented = 0 AND c.count > 0
GROUP BY c.dossier_id"""


def _documents_sql(most_are_new: bool) -> str:
    # A year's report reads every component: one scan beats a lookup per dossier; a
    # month's reads a few, found through its dossiers.
    if most_are_new:
        return _DOCUMENTS.format(source="components c NOT INDEXED", period="")
    return _DOCUMENTS.format(
        source="dossiers d JOIN components c ON c.dossier_id = d.id",
        period="d.received_at >= :start AND d.received_at < :end AND")


def local_summary(db: Database, date_from: date, date_to: date, *, unit: str = "",
                  procedure: str | None = None, as_of: datetime | None = None
                  ) -> dict[str, Any]:
    """:func:`kiosk.reports.summary.summary` of this counter's dossiers, same JSON."""
    period = Period(date_from, date_to, as_of)
    start, end, judged = iso(period.start), iso(period.end), iso(period.judged_at)
    params: dict[str, Any] = {"start": start, "end": end, "judged": judged}
    sql = ("SELECT d.id, d.procedure_code, d.procedure_name, d.channel, d.received_at, "
           "d.entered_at IS NOT NULL, coalesce(d.legal_due_at, d.due_at) FROM dossiers d "
           "WHERE d.received_at < :end")
    if procedure:
        sql += " AND d.procedure_code = :procedure"
        params["procedure"] = procedure
    ends = {row[0]: row for row in db.execute(_ENDS)}
    requested = dict(db.execute(
        "SELECT dossier_id, count(*) FROM clock_pauses WHERE started_at >= ? AND "
        "started_at < ? GROUP BY dossier_id", (start, end)).fetchall())
    lettered = {did for (did,) in db.execute("SELECT DISTINCT dossier_id FROM postponements")}
    # Per dossier with a result: True when one was issued electronically, False when only
    # scanned here (kiosk.reports.digitisation.result_kind).
    result_kinds: dict[str, bool] = {} if not db.has_table("results") else {
        did: bool(electronic) for did, electronic in db.execute(
            "SELECT dossier_id, max(origin = 'province') FROM results GROUP BY dossier_id")}
    # A procedure's name is the one its earliest received dossier carries (the catalog's
    # name may change between versions), as the records' order gives the definition.
    names: dict[str, tuple[str, str]] = {}
    groups: dict[str, list[int]] = {}
    new_ones: dict[str, list[int]] = {}
    pending: dict[str, tuple[list[int], str | None]] = {}
    never = (None, None, None, None, None)
    read = 0
    for did, code, name, channel, received, back, legal in db.execute(sql, params):
        read += 1
        _did, resolved, returned, closed, ended = ends.get(did, never)
        if ended is not None and ended < start:
            continue
        acc = groups.get(code)
        if acc is None:
            acc = groups[code] = [0] * _SLOTS
            names[code] = (received, name)
        elif received < names[code][0]:
            names[code] = (received, name)
        if received >= start:
            acc[_NEW] += 1
            slot = _CHANNEL_SLOT.get(channel)
            if slot is not None:
                acc[slot] += 1
            if back:
                acc[_BACK] += 1
            new_ones[did] = acc
        else:
            acc[_CARRIED] += 1
        if resolved is not None:
            if start <= resolved < end:
                acc[_RESOLVED] += 1
                if legal is None or resolved <= legal:
                    acc[_EARLY if legal is not None and resolved[:10] < legal[:10]
                        else _ON_TIME] += 1
                else:
                    acc[_LATE] += 1
                    if did in lettered:
                        acc[_APOLOGY] += 1
            if returned is not None and start <= returned < end:
                acc[_RETURNED] += 1
                kind = result_kinds.get(did)
                if kind is not None:
                    acc[_RES_ELECTRONIC if kind else _RES_SCANNED] += 1
        elif closed is not None and start <= closed < end:
            acc[_CLOSED] += 1
        if did in requested:
            acc[_REQUESTED] += requested[did]
        if received < judged and (ended is None or ended >= judged):
            pending[did] = (acc, legal)
    if pending:
        for did, waiting, letter_due, paused_since in db.execute(
                _PENDING_FACTS, {"judged": judged, "ids": json.dumps(list(pending))}):
            acc, legal = pending[did]
            due = legal if letter_due is None or (legal is not None and legal >= letter_due) \
                else letter_due
            moment = judged
            if waiting:
                acc[_AWAITING] += 1
                if paused_since is not None:
                    moment = paused_since
            acc[_OVERDUE if due is not None and due < moment else _NOT_DUE] += 1
    if new_ones:
        for did, n, reused, scanned in db.execute(
                _documents_sql(3 * len(new_ones) > read), params):
            acc = new_ones.get(did)
            if acc is None:
                continue
            acc[_WITH_DOCS] += 1
            acc[_DOCS] += n
            acc[_SCANNED] += scanned
            acc[_REUSED] += reused
            if scanned + reused == n:
                acc[_DIGITISED] += 1
    total = [sum(col) for col in zip(*groups.values(), strict=True)] if groups else [0] * _SLOTS
    out: dict[str, Any] = {"from": date_from.isoformat(), "to": date_to.isoformat(),
                           "unit": unit, "judged_at": judged}
    out.update(block(total))
    out["by_procedure"] = [{"code": code, "name": names[code][1], **block(groups[code])}
                           for code in sorted(groups)]
    return out


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
