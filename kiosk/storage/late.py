"""Late dossiers on the record: apology letters with a new date (Mẫu 04), supplement pauses,
the "due soon" and overdue lists.

Two due times are kept. ``legal_due_at`` is what the law gives: reception plus the
procedure's processing time plus the office time paused while a supplement was awaited. An
apology letter never moves it, so statistics judge lateness against it. ``due_at`` is the
date promised to the applicant now: the legal due, or the latest letter's new date when that
is later. Everything here runs inside the caller's transaction unless it says otherwise.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from kiosk.clock import iso, now, parse_iso, to_local
from kiosk.dossier import CLOCK_RUNNING, Status
from kiosk.errors import InvalidInput, NotFound
from kiosk.i18n import _
from kiosk.processing_time import ProcessingTime
from kiosk.storage import dossier_facts
from kiosk.storage.record_parts import pauses, postponements
from kiosk.storage.sqlite import Database
from kiosk.working_time import WorkingCalendar

RUNNING = tuple(sorted(int(s) for s in CLOCK_RUNNING))
#: The printed letter number: sequence per unit, counter and year.
LETTER_FORMAT = "{n:03d}/{year}/PXL-Q{counter}"
_LETTER_RE = re.compile(r"^(\d+)/(\d{4})/PXL-Q(\d)$")


def parse_letter_number(text: str) -> tuple[int, int, int] | None:
    """(number, year, counter) of a letter number this counter issued, else None."""
    match = _LETTER_RE.match(text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def has_tables(db: Database) -> bool:
    """False on a database still being migrated (migration 0003 reads records early)."""
    return db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'postponements'"
    ).fetchone() is not None


def _processing(db: Database, dossier_id: str) -> tuple[datetime, ProcessingTime | None]:
    row = db.execute(
        "SELECT d.received_at, p.snapshot FROM dossiers d LEFT JOIN procedures p ON "
        "p.catalog_version = d.catalog_version AND p.code = d.procedure_code WHERE d.id = ?",
        (dossier_id,)).fetchone()
    received = parse_iso(row[0])
    raw = (json.loads(row[1]) if row[1] else {}).get("processing")
    if not raw:
        return received, None
    return received, ProcessingTime(raw["unit"], float(raw.get("value") or 0), raw.get("cutoff"))


def _effective_due(legal: str | None, letters: list[dict[str, Any]]) -> str | None:
    if not letters:
        return legal
    latest = letters[-1]["new_due_at"]
    if legal is None:
        return latest
    return latest if parse_iso(latest) > parse_iso(legal) else legal


def recompute_due(db: Database, dossier_id: str, calendar: WorkingCalendar) -> None:
    """Legal due from reception, processing time and the closed pauses; then the due."""
    received, processing = _processing(db, dossier_id)
    if processing is not None:
        # The clock starts at acceptance: reception for a dossier received at the counter,
        # the move to 2 for one recorded first as submitted (1) and completed later.
        accepted = db.execute("SELECT min(at) FROM status_events WHERE dossier_id = ? AND "
                              "to_status = ?", (dossier_id, int(Status.RECEIVED))).fetchone()[0]
        start = max(received, parse_iso(accepted)) if accepted else received
        closed = [(parse_iso(p["started_at"]), parse_iso(p["ended_at"]), p.get("rule"))
                  for p in pauses(db, dossier_id) if p["ended_at"]]
        restarts = [end for _a, end, rule in closed if rule == "restart" and end > start]
        if restarts:
            # NĐ 61/2018 Art. 19.4: counted again from the beginning once complete.
            start = max(restarts)
        legal: str | None = iso(calendar.due(start, processing,
                                             [(a, b) for a, b, _r in closed if b > start]))
    else:
        legal = db.execute("SELECT legal_due_at FROM dossiers WHERE id = ?",
                           (dossier_id,)).fetchone()[0]
    due = _effective_due(legal, postponements(db, dossier_id))
    db.conn.execute("UPDATE dossiers SET legal_due_at = ?, due_at = ? WHERE id = ?",
                    (legal, due, dossier_id))


def track_status(db: Database, dossier_id: str, old: int, new: int, at: str,
                 calendar: WorkingCalendar | None = None, note: str = "") -> None:
    """Open a pause when a supplement is requested (Mẫu 02), close it when the dossier
    comes back; closing pushes the legal due by the office time paused."""
    if not has_tables(db) or old == new:
        return
    if new == Status.SUPPLEMENT:
        db.conn.execute("INSERT INTO clock_pauses (dossier_id, started_at, note) "
                        "VALUES (?, ?, ?)", (dossier_id, at, note))
    elif old == Status.SUPPLEMENT:
        db.conn.execute("UPDATE clock_pauses SET ended_at = ? WHERE dossier_id = ? AND "
                        "ended_at IS NULL", (at, dossier_id))
        recompute_due(db, dossier_id, calendar or default_calendar())


_calendar: WorkingCalendar | None = None


def default_calendar() -> WorkingCalendar:
    # Changes pulled from the server (and the server itself) have no Store calendar at hand.
    global _calendar
    if _calendar is None:
        _calendar = WorkingCalendar.from_config()
    return _calendar


def next_letter_number(db: Database, unit_code: str, counter: int, at: datetime) -> str:
    year = to_local(at).year
    row = db.conn.execute(
        "INSERT INTO letter_counters (unit_code, year, counter, last_number) VALUES (?, ?, ?, 1) "
        "ON CONFLICT (unit_code, year, counter) DO UPDATE SET last_number = last_number + 1 "
        "RETURNING last_number", (unit_code, year, counter)).fetchone()
    return LETTER_FORMAT.format(n=int(row[0]), year=year, counter=counter)


def check_new_due(new_due: datetime, current_due: str | None, calendar: WorkingCalendar,
                  at: datetime) -> None:
    new_due = to_local(new_due)
    if new_due <= at:
        raise InvalidInput(
            _("Ngày hẹn mới {due} phải sau thời điểm hiện tại.", due=iso(new_due)),
            hint=_("Chọn một thời điểm trong giờ làm việc của những ngày tới."),
            field="new_due")
    if current_due and new_due <= parse_iso(current_due):
        raise InvalidInput(
            _("Ngày hẹn mới {due} phải sau hạn hiện tại {current}.", due=iso(new_due),
              current=current_due),
            field="new_due")
    inside = any(a <= new_due <= b for a, b in calendar.periods(new_due.date()))
    if not inside:
        day = calendar.is_working_day(new_due.date())
        raise InvalidInput(
            _("Ngày hẹn mới {due} không nằm trong giờ làm việc.", due=iso(new_due))
            if day else
            _("Ngày hẹn mới {due} rơi vào ngày nghỉ.", due=iso(new_due)),
            hint=_("Giờ làm việc: {hours}; hẹn trả vào ngày làm việc.",
                   hours=", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in calendar.office_hours)),
            field="new_due")


def postpone(db: Database, code: str, *, new_due: datetime, reason: str, actor: str,
             unit_code: str, counter: int, calendar: WorkingCalendar,
             letter_number: str | None = None, issued_at: datetime | None = None,
             origin: str = "counter", enqueue: bool = True) -> dict[str, Any]:
    """Record an apology letter with its new date (one transaction, with audit and outbox)."""
    from kiosk.storage import outbox, records
    from kiosk.storage.audit_log import audit

    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Ghi rõ lý do chậm trả kết quả."), field="reason")
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT id, status, due_at, legal_due_at FROM dossiers "
                           "WHERE code = ?", (code.strip(),)).fetchone()
        if row is None:
            raise NotFound(_("Không tìm thấy hồ sơ {code}.", code=code.strip()),
                           hint=_("Kiểm tra lại mã hồ sơ trên phiếu tiếp nhận."))
        dossier_id, status, due, legal = row
        if Status(status) not in (*CLOCK_RUNNING, Status.SUPPLEMENT):
            raise InvalidInput(
                _("Hồ sơ {code} đang ở trạng thái «{status}», không cần hẹn lại.",
                  code=code.strip(), status=Status(status).label))
        at = to_local(issued_at) if issued_at else now()
        check_new_due(new_due, due, calendar, at)
        number = letter_number or next_letter_number(db, unit_code, counter, at)
        conn.execute(
            "INSERT INTO postponements (dossier_id, letter_number, issued_at, previous_due_at, "
            "new_due_at, reason, clerk, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (dossier_id, number, iso(at), due, iso(new_due), reason, actor, origin))
        conn.execute("UPDATE dossiers SET due_at = ?, updated_at = ?, version = version + 1 "
                     "WHERE id = ?", (iso(new_due), iso(now()), dossier_id))
        # The timeline shows the letter: an event that keeps the status and carries the due.
        dossier_facts.add_status_event(
            db, dossier_id, iso(at), status, status, actor,
            _("Phiếu xin lỗi, hẹn lại số {number}: {reason}", number=number, reason=reason),
            iso(new_due))
        audit(db, actor, "dossier.postpone", dossier_id, code=code.strip(), letter=number,
              previous_due=due, new_due=iso(new_due), legal_due=legal, reason=reason,
              origin=origin)
        if enqueue:
            record = records.dossier_record(db, dossier_id, with_procedure=False)
            outbox.enqueue(db, "dossier.upsert", dossier_id, record, [])
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return {"code": code.strip(), "due": iso(new_due), "original_due": legal,
            "letter": {"number": number, "issued_at": iso(at)}}


def apply_remote(db: Database, dossier_id: str, letters: list[dict[str, Any]],
                 actor: str = "central") -> int:
    """Take postponements the province issued (from the change feed or a rebase); no outbox
    row, the change came from the server. Returns how many were new here."""
    if not has_tables(db) or not letters:
        return 0
    known = {p["letter_number"] for p in postponements(db, dossier_id)}
    added = 0
    letters = [x for x in letters if isinstance(x, dict)]
    for letter in sorted(letters, key=lambda x: str(x.get("issued_at", ""))):
        number = str(letter.get("letter_number") or "")
        try:
            issued, new_due = parse_iso(str(letter["issued_at"])), parse_iso(
                str(letter["new_due_at"]))
        except (KeyError, ValueError):
            continue  # never trust a malformed server answer
        if not number or number in known:
            continue
        row = db.execute("SELECT status, due_at FROM dossiers WHERE id = ?",
                         (dossier_id,)).fetchone()
        if row is None:
            return added
        db.conn.execute(
            "INSERT INTO postponements (dossier_id, letter_number, issued_at, previous_due_at, "
            "new_due_at, reason, clerk, origin) VALUES (?, ?, ?, ?, ?, ?, ?, 'central')",
            (dossier_id, number, iso(issued), row[1], iso(new_due),
             str(letter.get("reason") or ""), str(letter.get("clerk") or actor)))
        dossier_facts.add_status_event(
            db, dossier_id, iso(issued), row[0], row[0], actor,
            _("Phiếu xin lỗi, hẹn lại số {number}: {reason}", number=number,
              reason=str(letter.get("reason") or "")), iso(new_due))
        db.conn.execute(
            "INSERT INTO audit_log (at, actor, action, dossier_id, details) VALUES (?, ?, ?, ?, ?)",
            (iso(now()), actor, "sync.pull_postpone", dossier_id,
             json.dumps({"letter": number, "new_due": iso(new_due)}, ensure_ascii=False)))
        known.add(number)
        added += 1
    if added:
        legal = db.execute("SELECT legal_due_at FROM dossiers WHERE id = ?",
                           (dossier_id,)).fetchone()[0]
        db.conn.execute("UPDATE dossiers SET due_at = ? WHERE id = ?",
                        (_effective_due(legal, postponements(db, dossier_id)), dossier_id))
    return added


# --- lists --------------------------------------------------------------------------------

def _listed(db: Database, at: datetime, where: str, args: list[Any],
            procedure: str | None) -> list[dict[str, Any]]:
    from kiosk.storage.records import summary_sql

    select, head = summary_sql(at)
    if procedure:
        where += " AND d.procedure_code = ?"
        args = [*args, procedure]
    return list(db.query(f"{select} WHERE {where} ORDER BY d.due_at", [*head, *args]))


def _running_rows(db: Database, at: datetime, procedure: str | None, extra: str,
                  params: list[Any]) -> list[dict[str, Any]]:
    marks = ", ".join("?" for _ in RUNNING)
    return _listed(db, at, f"d.status IN ({marks}) AND d.due_at IS NOT NULL {extra}",
                   [*RUNNING, *params], procedure)


def due_soon(db: Database, calendar: WorkingCalendar, hours: float,
             procedure: str | None = None, at: datetime | None = None) -> list[dict[str, Any]]:
    """Dossiers not yet due whose due falls within ``hours`` working hours (sắp đến hạn)."""
    at = to_local(at or now())
    horizon = calendar.add_working_hours(at, hours)
    rows = _running_rows(db, at, procedure, "AND d.due_at >= ? AND d.due_at <= ?",
                         [iso(at), iso(horizon)])
    for row in rows:
        row.pop("paused_since", None)
        row["overdue"] = False
        row["hours_left"] = round(calendar.working_hours_between(at, parse_iso(row["due_at"])), 2)
    return rows


def overdue(db: Database, calendar: WorkingCalendar, procedure: str | None = None,
            at: datetime | None = None) -> list[dict[str, Any]]:
    """Overdue dossiers (:func:`kiosk.storage.records.overdue_clause`), the latest first:
    lateness in working days past the due — until its clock stopped, for a dossier waiting
    for a supplement."""
    from kiosk.storage.records import overdue_clause

    at = to_local(at or now())
    clause, args = overdue_clause(at)
    rows = _listed(db, at, clause, args, procedure)
    for row in rows:
        paused = row.pop("paused_since", None)
        row["overdue"] = True
        until = min(at, parse_iso(paused)) if paused else at
        hours = calendar.working_hours_between(parse_iso(row["due_at"]), until)
        row["late_working_days"] = round(hours / calendar.day_hours, 2)
    rows.sort(key=lambda r: (-r["late_working_days"], r["due_at"]))
    return rows
