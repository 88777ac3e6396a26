"""Reading dossiers: the full record, summaries, search, lists and the home-screen counts.

Functions take any connection (the writer's inside a transaction, or a reader's). Results
are plain dicts ready for JSON. Only tables of migration 0001 are read by
:func:`dossier_record`, because migration 0003 calls it to fill the outbox.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import Any

from kiosk.clock import iso, now, parse_iso
from kiosk.dossier import CLOCK_RUNNING, PENDING, Status, is_overdue
from kiosk.storage import dossier_facts, name_search, record_parts
from kiosk.storage.sqlite import Database
from kiosk.text import fold

#: Statuses whose legal clock runs ("due today", "due soon").
RUNNING_STATUSES = tuple(sorted(int(s) for s in CLOCK_RUNNING))
#: Statuses of a dossier still being handled: only these can be overdue.
PENDING_STATUSES = tuple(sorted(int(s) for s in PENDING))
#: When the open supplement pause of dossier ``d`` started, as of the bound moment.
_PAUSED_SINCE = (
    "(SELECT max(p.started_at) FROM clock_pauses p WHERE p.dossier_id = d.id "
    "AND p.started_at < ? AND (p.ended_at IS NULL OR p.ended_at >= ?))")


def overdue_clause(at: datetime) -> tuple[str, list[Any]]:
    """SQL condition (on ``dossiers d``) and its parameters: overdue at ``at``.

    The same rule as :func:`kiosk.dossier.is_overdue` and the report's pending split
    (:func:`kiosk.reports.summary.is_overdue_at`): pending, and the due in force has passed
    — for a dossier waiting for a supplement, passed when its clock stopped. Home's count,
    the overdue list and ``kiosk dossier list --overdue`` all use it, so at one moment they
    agree with the Reports screen."""
    stamp = iso(at)
    waiting = int(Status.SUPPLEMENT)
    running = [s for s in PENDING_STATUSES if s != waiting]
    marks = ", ".join("?" for _ in running)
    # Two branches, each a range on the (status, due_at) index.
    sql = (f"(d.received_at < ? AND ((d.status IN ({marks}) AND d.due_at < ?) OR "
           f"(d.status = {waiting} AND d.due_at < coalesce({_PAUSED_SINCE}, ?))))")
    return sql, [stamp, *running, stamp, stamp, stamp, stamp]


def paused_since_column(at: datetime) -> tuple[str, list[Any]]:
    """A select-list item ``paused_since`` (the open pause's start at ``at``) for ``d``."""
    return f"{_PAUSED_SINCE} AS paused_since", [iso(at), iso(at)]

_SUMMARY = (
    "SELECT d.id, d.code, d.procedure_code, d.procedure_name, d.status, d.channel, "
    "d.received_at, d.due_at, a.name, a.id_number, a.phone "
    "FROM dossiers d JOIN applicants a ON a.dossier_id = d.id AND a.role = 'owner' "
)


def _rows(db: Database, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[dict[str, Any]]:
    return list(db.query(sql, params))


def summary_sql(at: datetime) -> tuple[str, list[Any]]:
    """The summary select (with ``paused_since`` for the overdue mark) and its parameters."""
    column, params = paused_since_column(at)
    return _SUMMARY.replace("SELECT ", f"SELECT {column}, ", 1), params


def _summaries(db: Database, where: str, params: list[Any], order: str, limit: int,
               at: datetime | None = None) -> list[dict[str, Any]]:
    at = at or now()
    select, head = summary_sql(at)
    rows = _rows(db, f"{select} {where} {order} LIMIT ?", [*head, *params, limit])
    mark_overdue(rows, at)
    return rows


def mark_overdue(rows: list[dict[str, Any]], at: datetime | None) -> None:
    """Set each row's ``overdue`` (rows from :func:`summary_sql`; drops ``paused_since``)."""
    at = at or now()
    for row in rows:
        paused = row.pop("paused_since", None)
        row["overdue"] = bool(row["due_at"]) and is_overdue(
            Status(row["status"]), parse_iso(row["due_at"]), at,
            parse_iso(paused) if paused else None)


def dossier_record(db: Database, dossier_id: str, *, with_procedure: bool = True
                   ) -> dict[str, Any]:
    """The whole dossier as one dict.

    Without the procedure snapshot it is the outbox payload for the server, which knows the
    catalog version and procedure code and has no use for a copy per dossier.
    """
    found = _rows(db, "SELECT * FROM dossiers WHERE id = ?", (dossier_id,))
    if not found:
        raise KeyError(dossier_id)
    d = found[0]
    d.pop("num")
    if with_procedure:
        snapshot = db.execute(
            "SELECT snapshot FROM procedures WHERE catalog_version = ? AND code = ?",
            (d["catalog_version"], d["procedure_code"]),
        ).fetchone()
        d["procedure"] = json.loads(snapshot[0]) if snapshot else None
    people = _rows(db, "SELECT * FROM applicants WHERE dossier_id = ? ORDER BY id", (dossier_id,))
    comps = _rows(
        db,
        "SELECT id, position, code, name, copy_kind, count, checked, from_national_db"
        # Migrations before 0013 (the outbox back-fill of 0003) read records without it.
        + (", presented" if _has_column(db, "components", "presented") else "")
        + " FROM components WHERE dossier_id = ? ORDER BY position",
        (dossier_id,),
    )
    pdfa = ", p.pdfa, p.pdfa_problems" if _has_column(db, "pages", "pdfa") else ""
    for comp in comps:
        comp["pages"] = [_page(row) for row in _rows(
            db,
            f"SELECT p.position, p.sha256, f.size, f.mime{pdfa} FROM pages p "
            "JOIN files f ON f.sha256 = p.sha256 WHERE p.component_id = ? ORDER BY p.position",
            (comp.pop("id"),),
        )]
    attach_signatures(db, dossier_id, comps)
    events = _rows(
        db,
        "SELECT at, from_status, to_status, actor, note, due_at FROM status_events "
        "WHERE dossier_id = ? ORDER BY id",
        (dossier_id,),
    )
    later: dict[str, Any] = {}
    if "legal_due_at" in d:  # migrations 0007_reports_* applied
        later = {"postponements": record_parts.postponements(db, dossier_id),
                 "pauses": record_parts.pauses(db, dossier_id),
                 "supplements": record_parts.supplements(db, dossier_id)}
    record = assemble(d, people, comps, events, later,
                      record_parts.confirmation(db, dossier_id))
    group = record_parts.group_of(db, dossier_id)
    if group is not None:  # only a dossier of a group has the key (kiosk.storage.groups)
        record["group"] = group
    return record


def assemble(dossier: dict[str, Any], people: list[dict[str, Any]],
             comps: list[dict[str, Any]], events: list[dict[str, Any]],
             later: dict[str, Any], citizen_confirmation: dict[str, Any] | None
             ) -> dict[str, Any]:
    """One record from its rows, in the one shape the server and the screens read.

    The save builds the outbox payload from the rows it has just inserted (their
    ``RETURNING`` values) instead of reading the dossier back; both paths come here, and
    tests/storage/test_saved_record.py holds them equal."""
    for person in people:
        person.pop("id", None)
        person.pop("dossier_id", None)
    dossier["applicant"] = next((p for p in people if p["role"] == "owner"), None)
    dossier["proxy"] = next((p for p in people if p["role"] == "proxy"), None)
    for column in dossier_facts.COLUMNS:  # the report's, not the record's
        dossier.pop(column, None)
    for comp in comps:
        comp["checked"] = bool(comp["checked"])
        comp["from_national_db"] = bool(comp["from_national_db"])
        comp["presented"] = bool(comp.get("presented", False))
    dossier["components"] = comps
    dossier["events"] = events
    dossier.update(later)
    dossier["citizen_confirmation"] = citizen_confirmation
    return dossier


def attach_signatures(db: Database, dossier_id: str, comps: list[dict[str, Any]]) -> None:
    found = record_parts.signature_rows(db, dossier_id)
    for comp in comps:
        if comp["position"] in found:
            comp["signature"] = found[comp["position"]]


def page_hashes(record: dict[str, Any]) -> list[str]:
    return [p["sha256"] for c in record["components"] for p in c["pages"]]


def id_for_code(db: Database, code: str) -> str | None:
    row = db.execute("SELECT id FROM dossiers WHERE code = ?", (code.strip(),)).fetchone()
    return row[0] if row else None


def find_by_id_number(db: Database, id_number: str, limit: int = 100) -> list[dict[str, Any]]:
    """Dossiers whose applicant has this CCCD number, or this old 9/12-digit CMND number."""
    number = id_number.strip()
    if not number:
        return []
    return _summaries(
        db,
        "WHERE d.id IN (SELECT dossier_id FROM applicants WHERE role = 'owner' AND "
        "id_number = ? UNION SELECT dossier_id FROM applicants WHERE role = 'owner' AND "
        "old_id_number = ? AND old_id_number != '')",
        [number, number],
        "ORDER BY d.num DESC",
        limit,
    )


_TOKEN = re.compile(r"[0-9a-z]+")


def fts_query(text: str) -> str | None:
    """A safe FTS5 query: every folded word must appear in some column.

    As in search-as-you-type, the words before the last are taken as typed in full and the
    last as a prefix (``nguyen thi h``): exact words keep the doclists short on a million
    rows, where ``thi*`` would also pull in every ``thinh``. Tokens are quoted, so user input
    can never be read as FTS5 syntax; a dossier code splits into its groups
    (``000 00 04 h40 261122 1001``).
    """
    tokens = _TOKEN.findall(fold(text))
    if not tokens:
        return None
    return " AND ".join([*(f'"{t}"' for t in tokens[:-1]), f'"{tokens[-1]}"*'])


def _has_column(db: Database, table: str, column: str) -> bool:
    # Migrations (the outbox back-fill of 0003) read records before later columns exist.
    return any(row[1] == column
               for row in db.execute(f"PRAGMA table_info({table})").fetchall())


def _page(row: dict[str, Any]) -> dict[str, Any]:
    """A page as the record shows it: PDF/A keys only for a file made elsewhere (the save
    path builds the same from :meth:`PageInput.pdfa_facts`)."""
    pdfa, problems = row.pop("pdfa", None), row.pop("pdfa_problems", None)
    if pdfa is not None:
        row["pdfa"] = bool(pdfa)
        if problems:
            row["pdfa_problems"] = json.loads(problems)
    return row


def search(db: Database, text: str, limit: int = 50) -> list[dict[str, Any]]:
    """Dossiers matching ``text`` by code, applicant name, ID number or phone, newest first.

    An exact dossier code or a full 9/12-digit ID number takes the indexed lookup; anything
    else goes through the FTS5 index. Newest first (rowid order) rather than by rank keeps a
    common name like "Nguyễn" fast on a million rows and matches what the clerk wants.
    """
    text = text.strip()
    if not text:
        return []
    exact = _summaries(db, "WHERE d.code = ?", [text.upper()], "", 1)
    if exact:
        return exact
    if text.isdigit() and len(text) in (9, 12):
        by_id = find_by_id_number(db, text, limit)
        if by_id:
            return by_id
    named = name_search.search_nums(db, text, limit)
    found: list[dict[str, Any]] = []
    if named is not None:
        nums, _exact = named
        found = _by_nums(db, nums)
        # Names starting with the text are the answer. None: the words may be in another
        # order ("hoa nguyen") or inside the name, which the word index finds. (Topping
        # up a short list from the word index too would cost its 10-40 ms on every
        # keystroke of a rare name.)
        if found:
            return found
    query = fts_query(text)
    if query is None:
        return found
    words = _summaries(
        db,
        "WHERE d.num IN (SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH ? "
        "ORDER BY rowid DESC LIMIT ?)",
        [query, limit],
        "ORDER BY d.num DESC",
        limit,
    )
    seen = {r["id"] for r in found}
    return (found + [r for r in words if r["id"] not in seen])[:limit]


def _by_nums(db: Database, nums: list[int]) -> list[dict[str, Any]]:
    """Summaries of these dossiers, in this order."""
    if not nums:
        return []
    marks = ", ".join("?" for _ in nums)
    at = now()
    select, head = summary_sql(at)
    rows = _rows(db, select.replace("SELECT ", "SELECT d.num AS _num, ", 1)
                 + f"WHERE d.num IN ({marks})", [*head, *nums])
    place = {num: i for i, num in enumerate(nums)}
    rows.sort(key=lambda r: place[r.pop("_num")])
    mark_overdue(rows, at)
    return rows


def list_dossiers(
    db: Database,
    *,
    status: int | None = None,
    overdue: bool = False,
    day: date | None = None,
    at: datetime | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if status is not None:
        clauses.append("d.status = ?")
        params.append(status)
    if overdue:
        clause, args = overdue_clause(at or now())
        clauses.append(clause)
        params.extend(args)
    if day is not None:
        clauses.append("d.day = ?")
        params.append(day.isoformat())
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    order = "ORDER BY d.due_at" if overdue else "ORDER BY d.num DESC"
    return _summaries(db, where, params, order, limit, at)


def stats_today(db: Database, at: datetime | None = None) -> dict[str, int]:
    """Counts for the home screen: received today, due today, overdue now (see
    :func:`overdue_clause`), waiting to sync."""
    at = at or now()
    today = at.date()
    start = iso(datetime.combine(today, datetime.min.time(), at.tzinfo))
    end = iso(datetime.combine(today + timedelta(days=1), datetime.min.time(), at.tzinfo))
    marks = ", ".join("?" for _ in RUNNING_STATUSES)
    received = db.execute("SELECT count(*) FROM dossiers WHERE day = ?",
                          (today.isoformat(),)).fetchone()[0]
    due_today = db.execute(
        f"SELECT count(*) FROM dossiers WHERE status IN ({marks}) AND due_at >= ? AND due_at < ?",
        (*RUNNING_STATUSES, start, end),
    ).fetchone()[0]
    clause, args = overdue_clause(at)
    overdue = db.execute(f"SELECT count(*) FROM dossiers d WHERE {clause}", args).fetchone()[0]
    waiting = db.execute(
        "SELECT count(*) FROM outbox WHERE state IN ('pending', 'in_flight', 'needs_attention')"
    ).fetchone()[0]
    return {"received_today": received, "due_today": due_today, "overdue": overdue,
            "waiting_to_sync": waiting}
