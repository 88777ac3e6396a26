"""What the TTHC summary needs of a dossier, kept on its row by the writes that change it
(issue 28 §2).

The report (:func:`kiosk.reports.tallies.local_summary`) counts a year of dossiers with
one grouped SQL read of ``dossiers``; what it would otherwise work out per dossier from
other tables lives in nine columns of the dossier's own row:

- ``first_resolved_at``, ``first_returned_at``, ``first_closed_at``, ``first_ended_at``,
  ``first_supplement_at``: the first status change to a resolved (9, 10), returned (10),
  closed without a result (3, 7, 8), any of those statuses, and to "waiting for a
  supplement" (5: only a dossier with one needs its history read to know whether it was
  waiting at a past moment). Every status event goes through
  :func:`add_status_event`, which moves them in the same statement's transaction; a note
  that keeps the status (a fee, a letter, a result) is not a change and moves nothing.
  They are the minimum of the changes' times, not the latest write, so an event stored
  out of time order (a pulled status with an earlier clock) gives the same answer as
  reading the history.
- ``docs_counted``, ``docs_reused``, ``docs_scanned``: the documents that count for
  digitisation (checked, not only presented, at least one copy), those taken from the
  national database, and the others with at least one scanned page. The save sets them
  from the components it inserts (:func:`documents`), in the same ``INSERT``; a supplement's
  papers recount them (:func:`recount_documents`).
- ``result_electronic``: NULL without a result, 1 when one came from the province (issued
  electronically), 0 when all were scanned here (:func:`add_result`, where a result is
  stored; results are never deleted).

They are derived facts, not part of the record: :func:`kiosk.storage.records.assemble`
drops them (:data:`COLUMNS`), so the outbox payload and the screens never see them.
Migration ``0070_dossier_facts`` adds them and fills them in SQL from the history and the
components of a database written before; :func:`backfill` is the same SQL for data
written by raw inserts (the bench loader, tests' generated histories).
"""

from __future__ import annotations

from collections.abc import Iterable

from kiosk.storage.model import ComponentInput
from kiosk.storage.sqlite import Database

#: The columns this module keeps on ``dossiers``, dropped from every record.
COLUMNS = ("first_resolved_at", "first_returned_at", "first_closed_at", "first_ended_at",
           "first_supplement_at", "docs_counted", "docs_reused", "docs_scanned",
           "result_electronic")
_TIMES = COLUMNS[:5]
_TALLIES = COLUMNS[5:8]
#: Statuses that end a dossier: resolved, returned, closed without a result.
RESOLVED = (9, 10)
RETURNED = 10
CLOSED = (3, 7, 8)
ENDING = frozenset((*CLOSED, *RESOLVED))
SUPPLEMENT = 5

#: A counting component (kiosk.reports.digitisation): checked, not only presented, copies.
_COUNTS = "c.checked != 0 AND c.presented = 0 AND c.count > 0"
_TALLY = f"""
SELECT c.dossier_id AS did, count(*) AS n, sum(c.from_national_db != 0) AS reused,
       sum(c.from_national_db = 0 AND EXISTS (SELECT 1 FROM pages g
           WHERE g.component_id = c.id)) AS scanned
FROM components c WHERE {_COUNTS}{{where}} GROUP BY c.dossier_id"""
_ENDS = """
SELECT dossier_id AS did,
       min(CASE WHEN to_status IN (9, 10) THEN at END) AS resolved,
       min(CASE WHEN to_status = 10 THEN at END) AS returned,
       min(CASE WHEN to_status IN (3, 7, 8) THEN at END) AS closed,
       min(CASE WHEN to_status != 5 THEN at END) AS ended,
       min(CASE WHEN to_status = 5 THEN at END) AS supplement
FROM status_events
WHERE (from_status IS NULL OR from_status != to_status) AND to_status IN (3, 5, 7, 8, 9, 10)
GROUP BY dossier_id"""
#: Per dossier with a result: 1 when one came from the province (issued electronically), 0
#: when all were scanned here (kiosk.reports.digitisation.result_kind).
_RESULTS = """
SELECT dossier_id AS did, max(origin = 'province') AS electronic FROM results
GROUP BY dossier_id"""

#: The columns, then their values for every dossier written before (one pass over the
#: final status events, one over the counting components: seconds at a million).
SCHEMA = "".join(
    f"ALTER TABLE dossiers ADD COLUMN {c} TEXT;\n" for c in _TIMES) + "".join(
    f"ALTER TABLE dossiers ADD COLUMN {c} INTEGER NOT NULL DEFAULT 0;\n"
    for c in _TALLIES) + f"""ALTER TABLE dossiers ADD COLUMN result_electronic INTEGER;
UPDATE dossiers SET first_resolved_at = e.resolved, first_returned_at = e.returned,
    first_closed_at = e.closed, first_ended_at = e.ended, first_supplement_at = e.supplement
FROM ({_ENDS}) AS e WHERE e.did = dossiers.id;
UPDATE dossiers SET docs_counted = t.n, docs_reused = t.reused, docs_scanned = t.scanned
FROM ({_TALLY.format(where="")}) AS t WHERE t.did = dossiers.id;
UPDATE dossiers SET result_electronic = r.electronic
FROM ({_RESULTS}) AS r WHERE r.did = dossiers.id
"""

# The earlier of the stored time and this change's: min() of SQLite is NULL with a NULL.
_EARLIER = "coalesce(min({col}, :at), :at)"
_MOVE_ENDS = (
    "UPDATE dossiers SET first_ended_at = " + _EARLIER.format(col="first_ended_at") +
    ", first_resolved_at = CASE WHEN :to IN (9, 10) THEN " +
    _EARLIER.format(col="first_resolved_at") + " ELSE first_resolved_at END"
    ", first_returned_at = CASE WHEN :to = 10 THEN " +
    _EARLIER.format(col="first_returned_at") + " ELSE first_returned_at END"
    ", first_closed_at = CASE WHEN :to IN (3, 7, 8) THEN " +
    _EARLIER.format(col="first_closed_at") + " ELSE first_closed_at END WHERE id = :id")
_MOVE_SUPPLEMENT = ("UPDATE dossiers SET first_supplement_at = " +
                    _EARLIER.format(col="first_supplement_at") + " WHERE id = :id")


def add_status_event(db: Database, dossier_id: str, at: str, from_status: int | None,
                     to_status: int, actor: str, note: str = "",
                     due_at: str | None = None) -> None:
    """Write one line of a dossier's timeline (a status change, or a note that keeps the
    status: ``from_status == to_status``), inside the caller's transaction, and move the
    dossier's end times (or its first supplement time) when it is a change to an ending
    status (or to 5). The one writer of
    ``status_events`` after a dossier's first event (the save writes that one with the
    dossier: status 1 or 2, never an end)."""
    db.conn.execute(
        "INSERT INTO status_events (dossier_id, at, from_status, to_status, actor, note, "
        "due_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (dossier_id, at, from_status, to_status, actor, note, due_at))
    if from_status == to_status:
        return
    if to_status in ENDING:
        db.conn.execute(_MOVE_ENDS, {"at": at, "to": to_status, "id": dossier_id})
    elif to_status == SUPPLEMENT:
        db.conn.execute(_MOVE_SUPPLEMENT, {"at": at, "id": dossier_id})


def add_result(db: Database, dossier_id: str, origin: str) -> None:
    """Note one more result of the dossier (a row just inserted into ``results``)."""
    db.conn.execute("UPDATE dossiers SET result_electronic = max(coalesce(result_electronic, "
                    "0), ?) WHERE id = ?", (int(origin == "province"), dossier_id))


def documents(components: Iterable[ComponentInput]) -> tuple[int, int, int]:
    """``(docs_counted, docs_reused, docs_scanned)`` of components about to be inserted,
    as :data:`SCHEMA`'s SQL counts them once stored."""
    counted = reused = scanned = 0
    for comp in components:
        if comp.checked and not comp.presented and comp.count > 0:
            counted += 1
            if comp.from_national_db:
                reused += 1
            elif comp.pages:
                scanned += 1
    return counted, reused, scanned


def recount_documents(db: Database, dossier_id: str) -> None:
    """Count one dossier's documents again from its stored components (after papers were
    added to it), in the caller's transaction."""
    row = db.execute(_TALLY.format(where=" AND c.dossier_id = ?"), (dossier_id,)).fetchone()
    db.conn.execute("UPDATE dossiers SET docs_counted = ?, docs_reused = ?, docs_scanned = ? "
                    "WHERE id = ?", (*(row[1:] if row else (0, 0, 0)), dossier_id))


def backfill(db: Database) -> None:
    """Every dossier's columns from its history and components, as migration
    ``0070_dossier_facts`` fills them: for rows written without :func:`add_status_event`
    and :func:`documents` (a bulk loader, a test's generated history). In one transaction."""
    reset = ", ".join([*(f"{c} = NULL" for c in _TIMES), *(f"{c} = 0" for c in _TALLIES),
                       "result_electronic = NULL"])
    with db.atomic():
        db.execute(f"UPDATE dossiers SET {reset}")
        for statement in SCHEMA.split(";\n")[len(COLUMNS):]:
            if statement.strip():
                db.execute(statement)
