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
due (a letter, a supplement pause, a supplement status): for those few the report also
reads their rows in ``report_letters``, ``report_pauses`` and ``report_spans``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from central import report_months
from kiosk.dossier import Status
from kiosk.reports.records import ReportRecord, server_record
from kiosk.reports.summary import judge

SCHEMA = [
    # (unit, procedure, procedure name) by a number: the report groups a million rows by
    # one integer instead of two strings, and a procedure's name is the group's own. No
    # unique key on purpose: two writers meeting a new group at once must not wait for each
    # other's commit (the change feed's test holds one open); a duplicate row is the same
    # row (the id is a hash of the rest) and readers take DISTINCT.
    """CREATE TABLE IF NOT EXISTS report_groups (
        id BIGINT NOT NULL,
        unit_code TEXT NOT NULL,
        procedure_code TEXT NOT NULL,
        procedure_name TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS report_groups_id ON report_groups (id)",
    """CREATE TABLE IF NOT EXISTS report_facts (
        dossier_id TEXT PRIMARY KEY,
        grp BIGINT NOT NULL,
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
        digitised INTEGER NOT NULL,
        month INTEGER NOT NULL,
        compact INTEGER NOT NULL,
        result INTEGER NOT NULL,
        cur_due BIGINT,
        cur_waiting INTEGER NOT NULL,
        cur_paused_since BIGINT,
        last_change BIGINT
    )""",
    # The rows a report counts one by one: those not in report_months (central/
    # report_months.py), and a month's compact ones (its partial months).
    "CREATE INDEX IF NOT EXISTS report_facts_loose ON report_facts (received_at) "
    "WHERE compact = 0",
    "CREATE INDEX IF NOT EXISTS report_facts_month ON report_facts (grp, month) "
    "WHERE compact = 1",
    "CREATE INDEX IF NOT EXISTS report_facts_received ON report_facts (received_at)",
    # A partial month's compact rows with what the period's counts read of them: from the
    # index alone (a province's first week: 17,000 rows, 13,000 table pages otherwise). A
    # row enters it once, when its dossier ends; the open ones, written often, never do.
    "CREATE INDEX IF NOT EXISTS report_facts_compact ON report_facts (received_at, ended_at,"
    " grp, channel, back_entered, resolved_at, returned_at, closed_at, verdict, lettered,"
    " documents, scanned, reused, digitised, result) WHERE compact = 1",
    # The dossiers pending at a moment (open, or ended since) with every column the
    # pending counts and the overdue list read, so that PostgreSQL reads them from the
    # index alone (central/report_sql.py, _alive): 52,000 rows of a province's million in
    # a few hundred index pages instead of 24,000 table pages. It replaces an index on
    # ended_at alone. The few pending rows changed since the judging moment are found in
    # it too (last_change in the key): a table visit for those rows only.
    "DROP INDEX IF EXISTS report_facts_ended",
    "CREATE INDEX IF NOT EXISTS report_facts_pending ON report_facts (ended_at, received_at,"
    " last_change, grp, cur_due, cur_waiting, cur_paused_since, code)",
    # The loose rows that touch a period (open, or ended since its start) with what the
    # period's counts read of them (report_sql._LOOSE_COLUMNS): from the index alone.
    "DROP INDEX IF EXISTS report_facts_loose_end",
    "CREATE INDEX IF NOT EXISTS report_facts_loose_ended ON report_facts (ended_at,"
    " received_at, grp, channel, back_entered, resolved_at, returned_at, closed_at, verdict,"
    " lettered, documents, scanned, reused, digitised, result) WHERE compact = 0",
    # The open dossiers are few: the pending count of "now" finds them without a scan.
    "CREATE INDEX IF NOT EXISTS report_facts_open ON report_facts (received_at) "
    "WHERE ended_at IS NULL",
    "CREATE INDEX IF NOT EXISTS report_facts_unit ON report_facts (unit_code, received_at)",
    # Supplement requests (the clock's pauses): the period's requests, and the pause open
    # at a judging moment.
    # With the dossier's group, reception and end, so the period's requests are counted
    # without a join.
    """CREATE TABLE IF NOT EXISTS report_pauses (
        dossier_id TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        ended_at BIGINT,
        grp BIGINT NOT NULL,
        received_at BIGINT NOT NULL,
        dossier_ended BIGINT
    )""",
    "CREATE INDEX IF NOT EXISTS report_pauses_dossier ON report_pauses (dossier_id)",
    "CREATE INDEX IF NOT EXISTS report_pauses_started ON report_pauses (started_at)",
    # Every letter, the counter's and the province's: the due in force at a moment.
    """CREATE TABLE IF NOT EXISTS report_letters (
        dossier_id TEXT NOT NULL,
        issued_at BIGINT NOT NULL,
        new_due_at BIGINT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS report_letters_dossier ON report_letters (dossier_id)",
    # When the dossier's status was "waiting for a supplement" (5), from that history entry
    # to the next one: the status at a moment without the history.
    """CREATE TABLE IF NOT EXISTS report_spans (
        dossier_id TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        ended_at BIGINT
    )""",
    "CREATE INDEX IF NOT EXISTS report_spans_dossier ON report_spans (dossier_id)",
]
#: The side tables, one row per pause / letter / supplement span: (table, columns).
SIDE = (("report_pauses", ("dossier_id", "started_at", "ended_at", "grp", "received_at",
                           "dossier_ended")),
        ("report_letters", ("dossier_id", "issued_at", "new_due_at")),
        ("report_spans", ("dossier_id", "started_at", "ended_at")))

#: verdict column: not resolved, then :func:`kiosk.reports.summary.judge`'s answers.
VERDICTS = {"early": 1, "on_time": 2, "late": 3}
#: result column: none, or kiosk.reports.digitisation.result_kind's answers.
RESULTS = {"electronic": 1, "scanned": 2}
COLUMNS = ("dossier_id", "grp", "code", "unit_code", "procedure_code", "procedure_name", "channel",
           "back_entered", "received_at", "legal_due", "resolved_at", "returned_at",
           "closed_at", "ended_at", "verdict", "lettered", "complex", "documents", "scanned",
           "reused", "digitised", "month", "compact", "result", "cur_due", "cur_waiting",
           "cur_paused_since", "last_change")
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
    return (dossier_id, group_id(rec)[0], rec.code, rec.unit, rec.procedure_code, rec.procedure_name,
            rec.channel, int(rec.back_entered), micros(rec.received_at),
            micros(rec.legal_due), micros(rec.resolved_at), micros(rec.returned_at),
            micros(rec.closed_at), micros(rec.ended_at), verdict, int(bool(rec.postponements)),
            int(bool(rec.pauses or rec.postponements or supplement)), docs.documents,
            docs.scanned, docs.reused, int(docs.digitised), report_months.month_of(
                rec.received_at), int(report_months.is_compact(
                    rec.received_at, (rec.resolved_at, rec.returned_at, rec.closed_at,
                                      rec.ended_at), rec.ended_at)),
            RESULTS.get(rec.result or "", 0), *_current(rec))


def _current(rec: ReportRecord) -> tuple[int | None, int, int | None, int | None]:
    """The pending verdict's inputs at any moment after the dossier's last dated change
    (``last_change``: a status, a pause's start or end, a letter's issue; None for a
    dossier with none of letters, pauses or supplements, whose inputs hold at any moment):
    the due in force, waiting for a supplement, the open pause's start."""
    dues = [d for d in (rec.legal_due, *(n for _i, n in rec.postponements)) if d is not None]
    waiting = bool(rec.history) and rec.history[-1][1] == Status.SUPPLEMENT
    open_pauses = [a for a, b in rec.pauses if b is None]
    times = [at for at, _s in rec.history] + [i for i, _n in rec.postponements] + \
        [t for p in rec.pauses for t in p if t is not None]
    simple = not (rec.pauses or rec.postponements or
                  any(s == Status.SUPPLEMENT for _a, s in rec.history))
    return (micros(max(dues)) if dues else None, int(waiting),
            micros(max(open_pauses)) if open_pauses else None,
            None if simple or not times else micros(max(times)))


def group_id(rec: ReportRecord) -> tuple[int, str, str, str]:
    """The ``report_groups`` row of a record: a 63-bit hash of its unit, procedure and
    name as the id (no allocation, so bulk writers and concurrent servers agree)."""
    key = (rec.unit, rec.procedure_code, rec.procedure_name)
    digest = hashlib.sha256("\x1f".join(key).encode()).digest()
    return (int.from_bytes(digest[:8], "big") >> 1, *key)


GROUP_SQL = ("INSERT INTO report_groups (id, unit_code, procedure_code, procedure_name) "
             "SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM report_groups WHERE id = ?)")


def side_rows(dossier_id: str, rec: ReportRecord) -> tuple[list[tuple[Any, ...]], ...]:
    """The rows of :data:`SIDE` for one record, in that order."""
    grp, received, ended = group_id(rec)[0], micros(rec.received_at), micros(rec.ended_at)
    pauses = [(dossier_id, micros(a), micros(b), grp, received, ended) for a, b in rec.pauses]
    letters = [(dossier_id, micros(a), micros(b)) for a, b in rec.postponements]
    hist = rec.history
    spans = [(dossier_id, micros(at), micros(hist[k + 1][0]) if k + 1 < len(hist) else None)
             for k, (at, status) in enumerate(hist) if status == Status.SUPPLEMENT]
    return pauses, letters, spans


def _write(tx: Any, dossier_id: str, rec: ReportRecord) -> None:
    # Each statement saved counts: this runs inside every dossier PUT (issue 28 §4).
    old = tx.one(f"SELECT {', '.join(COLUMNS)} FROM report_facts WHERE dossier_id = ?",
                 (dossier_id,))
    row = facts(dossier_id, rec)
    if old is None or old["grp"] != row[1]:
        group = group_id(rec)
        tx.execute(GROUP_SQL, (*group, group[0]))
    if old is not None and old["complex"]:  # only a complex dossier has side rows
        for table, _cols in SIDE:
            tx.execute(f"DELETE FROM {table} WHERE dossier_id = ?", (dossier_id,))
    tx.execute(_UPSERT, row)
    report_months.move(tx, old, dict(zip(COLUMNS, row, strict=True)))
    for (table, cols), rows in zip(SIDE, side_rows(dossier_id, rec), strict=True):
        for row in rows:
            tx.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                       f"({', '.join('?' * len(cols))})", row)


def record_of(row: dict[str, Any], letters: Iterable[dict[str, Any]],
              origins: Iterable[str] = ()) -> ReportRecord:
    """The definition's record of a ``dossiers`` row (as :func:`central.reports
    .period_records` builds it)."""
    return server_record(json.loads(row["body"]), unit=row["unit_code"],
                         status=int(row["status"]), province_notes=json.loads(row["notes"]),
                         letters=letters, result_origins=origins)


#: What server_record reads of a letter (central.letters would import the database).
_LETTER = "letter_number, issued_at, new_due_at"
_UPSERT = (f"INSERT INTO report_facts ({', '.join(COLUMNS)}) VALUES "
           f"({', '.join('?' * len(COLUMNS))}) ON CONFLICT (dossier_id) DO UPDATE SET " +
           ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:]))


def refresh(tx: Any, dossier_id: str, row: dict[str, Any] | None = None) -> None:
    """Bring one dossier's rows in step with what is stored now (in the writer's
    transaction: the report never sees a dossier without its facts). ``row``: the
    ``dossiers`` row's ``unit_code``, ``status``, ``body`` and ``notes`` as just written,
    when the writer has them (saves reading them back)."""
    if row is None:
        row = tx.one("SELECT id, unit_code, status, body, notes FROM dossiers WHERE id = ?",
                     (dossier_id,))
        if row is None:
            return
    letters = tx.all(f"SELECT {_LETTER} FROM dossier_postponements WHERE dossier_id = ?",
                     (dossier_id,))
    origins = [r["origin"] for r in tx.all(
        "SELECT origin FROM dossier_results WHERE dossier_id = ?", (dossier_id,))]
    _write(tx, dossier_id, record_of(row, letters, origins))


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
        for table, _cols in SIDE:
            tx.execute(f"DELETE FROM {table} WHERE dossier_id IN ({marks})", ids)
        origins: dict[str, list[str]] = {}
        for r in tx.all(f"SELECT dossier_id, origin FROM dossier_results WHERE dossier_id IN "
                        f"({marks})", ids):
            origins.setdefault(r["dossier_id"], []).append(r["origin"])
        for row in rows:
            _write(tx, row["id"], record_of(row, letters.get(row["id"], []),
                                            origins.get(row["id"], [])))
        done += len(rows)
