"""One narrow row per dossier for the period report at a province's scale (issue 28 §2).

The report's definition is :func:`kiosk.reports.summary.summary` over
:func:`kiosk.reports.records.server_record`, which needs every dossier's JSON body, its
province notes and its letters: a second per hundred thousand dossiers. What the figures
need of a dossier is mostly fixed once the dossier is written (when it was received and
ended, its verdict, its documents), so every write keeps ``report_facts`` (and
``report_pauses``, one row per supplement request) in step, in the same transaction, from
the very record the definition builds. :mod:`central.report_sql` counts over these rows.

Times are microseconds since the epoch (BIGINT): exact, engine-independent comparisons,
and integer comparisons are what make a million rows cheap on PostgreSQL (text would go
through the collation).

``complex`` marks the dossiers whose pending verdict at a moment needs more than the legal
due (a letter, a supplement pause, a supplement status): the report reads the full record
of those few when they are pending at the judging moment.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from kiosk.dossier import Status
from kiosk.reports.records import ReportRecord, server_record
from kiosk.reports.summary import judge

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS report_facts (
        dossier_id TEXT PRIMARY KEY,
        code TEXT NOT NULL,
        unit_code TEXT NOT NULL,
        procedure_code TEXT NOT NULL,
        procedure_name TEXT NOT NULL,
        channel INTEGER NOT NULL,
        back_entered INTEGER NOT NULL,
        received_at BIGINT NOT NULL,
        legal_due BIGINT,
        resolved_at BIGINT,
        returned_at BIGINT,
        closed_at BIGINT,
        ended_at BIGINT,
        verdict INTEGER NOT NULL,
        lettered INTEGER NOT NULL,
        complex INTEGER NOT NULL,
        documents INTEGER NOT NULL,
        scanned INTEGER NOT NULL,
        reused INTEGER NOT NULL,
        digitised INTEGER NOT NULL
    )""",
    # The open dossiers are few: the pending count of "now" finds them without a scan.
    "CREATE INDEX IF NOT EXISTS report_facts_open ON report_facts (received_at) "
    "WHERE ended_at IS NULL",
    "CREATE INDEX IF NOT EXISTS report_facts_unit ON report_facts (unit_code, received_at)",
    """CREATE TABLE IF NOT EXISTS report_pauses (
        dossier_id TEXT NOT NULL,
        started_at BIGINT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS report_pauses_dossier ON report_pauses (dossier_id)",
    "CREATE INDEX IF NOT EXISTS report_pauses_started ON report_pauses (started_at)",
]

#: verdict column: not resolved, then :func:`kiosk.reports.summary.judge`'s answers.
VERDICTS = {"early": 1, "on_time": 2, "late": 3}
COLUMNS = ("dossier_id", "code", "unit_code", "procedure_code", "procedure_name", "channel",
           "back_entered", "received_at", "legal_due", "resolved_at", "returned_at",
           "closed_at", "ended_at", "verdict", "lettered", "complex", "documents", "scanned",
           "reused", "digitised")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def micros(at: datetime | None) -> int | None:
    """An aware time as exact integer microseconds since the epoch."""
    return None if at is None else (at - _EPOCH) // _MICRO


def from_micros(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


def facts(dossier_id: str, rec: ReportRecord) -> tuple[Any, ...]:
    """The ``report_facts`` row of one record, in :data:`COLUMNS` order."""
    verdict = VERDICTS[judge(rec)] if rec.resolved_at is not None else 0
    supplement = any(s == Status.SUPPLEMENT for _at, s in rec.history)
    docs = rec.documents
    return (dossier_id, rec.code, rec.unit, rec.procedure_code, rec.procedure_name,
            rec.channel, int(rec.back_entered), micros(rec.received_at),
            micros(rec.legal_due), micros(rec.resolved_at), micros(rec.returned_at),
            micros(rec.closed_at), micros(rec.ended_at), verdict, int(bool(rec.postponements)),
            int(bool(rec.pauses or rec.postponements or supplement)), docs.documents,
            docs.scanned, docs.reused, int(docs.digitised))


def record_of(row: dict[str, Any], letters: Iterable[dict[str, Any]]) -> ReportRecord:
    """The definition's record of a ``dossiers`` row (as :func:`central.reports
    .period_records` builds it)."""
    return server_record(json.loads(row["body"]), unit=row["unit_code"],
                         status=int(row["status"]), province_notes=json.loads(row["notes"]),
                         letters=letters)


#: What server_record reads of a letter (central.letters would import the database).
_LETTER = "letter_number, issued_at, new_due_at"
_UPSERT = (f"INSERT INTO report_facts ({', '.join(COLUMNS)}) VALUES "
           f"({', '.join('?' * len(COLUMNS))}) ON CONFLICT (dossier_id) DO UPDATE SET " +
           ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:]))


def refresh(tx: Any, dossier_id: str) -> None:
    """Bring one dossier's rows in step with what is stored now (in the writer's
    transaction: the report never sees a dossier without its facts)."""
    row = tx.one("SELECT id, unit_code, status, body, notes FROM dossiers WHERE id = ?",
                 (dossier_id,))
    if row is None:
        return
    letters = tx.all(f"SELECT {_LETTER} FROM dossier_postponements WHERE dossier_id = ?",
                     (dossier_id,))
    rec = record_of(row, letters)
    tx.execute(_UPSERT, facts(dossier_id, rec))
    tx.execute("DELETE FROM report_pauses WHERE dossier_id = ?", (dossier_id,))
    for started, _ended in rec.pauses:
        tx.execute("INSERT INTO report_pauses (dossier_id, started_at) VALUES (?, ?)",
                   (dossier_id, micros(started)))


def backfill(tx: Any, batch: int = 2000) -> int:
    """Rows for every dossier that has none (a database from before these tables): run
    once by the schema migration, in batches so memory stays flat. Returns how many."""
    done = 0
    while True:
        rows = tx.all("SELECT d.id, d.unit_code, d.status, d.body, d.notes FROM dossiers d "
                      "WHERE NOT EXISTS (SELECT 1 FROM report_facts f WHERE f.dossier_id = d.id)"
                      " ORDER BY d.id LIMIT ?", (batch,))
        if not rows:
            return done
        ids = [r["id"] for r in rows]
        marks = ", ".join("?" * len(ids))
        letters: dict[str, list[dict[str, Any]]] = {}
        for letter in tx.all(f"SELECT dossier_id, {_LETTER} FROM dossier_postponements "
                             f"WHERE dossier_id IN ({marks})", ids):
            letters.setdefault(letter.pop("dossier_id"), []).append(letter)
        tx.execute(f"DELETE FROM report_pauses WHERE dossier_id IN ({marks})", ids)
        for row in rows:
            rec = record_of(row, letters.get(row["id"], []))
            tx.execute(_UPSERT, facts(row["id"], rec))
            for started, _ended in rec.pauses:
                tx.execute("INSERT INTO report_pauses (dossier_id, started_at) VALUES (?, ?)",
                           (row["id"], micros(started)))
        done += len(rows)
