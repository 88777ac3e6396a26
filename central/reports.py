"""The central server's side of issue 13: the province's apology letters, and the TTHC
summary over the bodies it stores, computed by the same pure function as the counter's
(:func:`kiosk.reports.summary.summary`)."""

# No ``from __future__ import annotations``: FastAPI reads the route signatures below at
# definition time, and they name the admin dependency passed in by create_app.
import json
from datetime import date, datetime
from typing import Any

from central import report_facts
from central.db import Database
from central.letters import LETTER_COLUMNS, letters
from central.models import PostponeIn
from central.service import ApiError, dossier_state, queue_portal
from kiosk import clock
from kiosk.i18n import _


def postpone(db: Database, code: str, body: PostponeIn) -> dict[str, Any]:
    """The province issues an apology letter with a new due; it reaches the counter
    through the change feed (kind ``postponed``)."""
    from kiosk.dossier import FINAL, Status

    now = clock.now()
    new_due = clock.to_local(body.new_due_at)
    with db.transaction() as tx:
        row = tx.one("SELECT * FROM dossiers WHERE code = ?" + tx.for_update(), (code,))
        if row is None:
            raise ApiError(404, "dossier_not_found", _("Không tìm thấy hồ sơ {code}.",
                                                       code=code))
        if Status(row["status"]) in FINAL or row["status"] == Status.DONE:
            raise ApiError(422, "not_postponable",
                           _("Hồ sơ {code} đang ở trạng thái «{status}», không cần hẹn lại.",
                             code=code, status=Status(row["status"]).label))
        known = letters(tx, row["id"])
        if any(x["letter_number"] == body.letter_number for x in known):
            raise ApiError(409, "letter_exists",
                           _("Số văn bản {number} đã dùng cho hồ sơ {code}.",
                             number=body.letter_number, code=code))
        stored = json.loads(row["body"])
        current = known[-1]["new_due_at"] if known else stored.get("due_at")
        from kiosk.errors import KioskError
        from kiosk.storage.late import check_new_due, default_calendar

        try:  # the counter's rules: after now, after the current due, in office hours
            check_new_due(new_due, current, default_calendar(), now)
        except KioskError as exc:
            raise ApiError(422, "invalid_new_due", exc.message, current_due=current) from exc
        letter = {"letter_number": body.letter_number, "issued_at": clock.iso(now),
                  "previous_due_at": current, "new_due_at": clock.iso(new_due),
                  "reason": body.reason, "clerk": body.by, "origin": "central"}
        tx.execute(
            "INSERT INTO dossier_postponements (dossier_id, letter_number, issued_at, "
            "previous_due_at, new_due_at, reason, clerk, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row["id"], *[letter[k] for k in LETTER_COLUMNS]))
        version = row["server_version"] + 1
        tx.execute("UPDATE dossiers SET server_version = ?, updated_at = ? WHERE id = ?",
                   (version, clock.iso(now), row["id"]))
        report_facts.refresh(tx, row["id"])
        seq = tx.insert_returning_seq(
            "INSERT INTO changes (dossier_id, unit_code, kind, status, server_version,"
            " origin_device, note, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row["id"], row["unit_code"], "postponed", row["status"], version, None,
             body.reason, clock.iso(now)))
        tx.execute("INSERT INTO change_details (seq, details) VALUES (?, ?)",
                   (seq, json.dumps({"postponement": letter}, ensure_ascii=False)))
        queue_portal(tx, row["id"], note=body.reason, by=body.by)
        updated = tx.one("SELECT * FROM dossiers WHERE id = ?", (row["id"],))
        assert updated is not None
        state = dossier_state(updated)
        state["postponements"] = letters(tx, row["id"])
    return state


def summary(db: Database, date_from: date, date_to: date, unit: str | None = None,
            as_of: datetime | None = None) -> dict[str, Any]:
    """The summary for one unit, or for all with a ``units`` list (one summary each),
    counted in SQL over ``report_facts`` (central/report_sql.py): the same JSON as
    :func:`summary_from_records`, the definition, in a fraction of its time."""
    from central import report_sql

    # A period not yet over is judged now, as the counter's report and Home are.
    return report_sql.summary(db, date_from, date_to, unit, as_of or clock.now())


def summary_from_records(db: Database, date_from: date, date_to: date,
                         unit: str | None = None, as_of: datetime | None = None
                         ) -> dict[str, Any]:
    """The definition: :func:`kiosk.reports.summary.summary` over every dossier's record
    (each body read and parsed). Kept for the equivalence tests and the bench's baseline."""
    from kiosk.reports.summary import summary as compute

    records = period_records(db, date_from, date_to, unit)
    as_of = as_of or clock.now()
    report = compute(records, date_from, date_to, unit=unit or "", as_of=as_of)
    if not unit:
        units = sorted({r.unit for r in records})
        report["units"] = [compute([r for r in records if r.unit == u], date_from, date_to,
                                   unit=u, as_of=as_of) for u in units]
    return report


def period_records(db: Database, date_from: date, date_to: date, unit: str | None = None
                   ) -> list[Any]:
    """The report records (kiosk.reports.records) of the dossiers received by the period's
    end, of one unit or all: what :func:`summary` and the province page count."""
    from kiosk.reports.records import server_record
    from kiosk.reports.summary import Period

    end = clock.iso(Period(date_from, date_to).end)
    with db.transaction(write=False) as tx:
        sql = "SELECT id, unit_code, status, body, notes FROM dossiers"
        params: tuple[Any, ...] = ()
        if unit:
            sql += " WHERE unit_code = ?"
            params = (unit,)
        rows = tx.all(sql, params)
        all_letters: dict[str, list[dict[str, Any]]] = {}
        for letter in tx.all("SELECT dossier_id, " + ", ".join(LETTER_COLUMNS) +
                             " FROM dossier_postponements"):
            all_letters.setdefault(letter.pop("dossier_id"), []).append(letter)
        origins: dict[str, list[str]] = {}
        for result in tx.all("SELECT dossier_id, origin FROM dossier_results"):
            origins.setdefault(result["dossier_id"], []).append(result["origin"])
    records = []
    for row in rows:
        body = json.loads(row["body"])
        if str(body.get("received_at", "")) >= end:
            continue
        records.append(server_record(body, unit=row["unit_code"], status=int(row["status"]),
                                     province_notes=json.loads(row["notes"]),
                                     letters=all_letters.get(row["id"], []),
                                     result_origins=origins.get(row["id"], ())))
    # Earliest received first (a procedure's name is its earliest dossier's), as the
    # counter's records are ordered; the name breaks a tie so the order is total.
    records.sort(key=lambda r: (r.received_at, r.procedure_name))
    return records


def state_with_letters(db: Database, row: dict[str, Any]) -> dict[str, Any]:
    with db.transaction(write=False) as tx:
        return dossier_state(row, tx)


def register_routes(app: Any, db: Database, admin_dep: Any) -> None:
    """``POST /v1/admin/dossiers/{code}/postpone`` and ``GET /v1/reports/summary``."""
    from typing import Annotated

    from fastapi import Path as PathParam
    from fastapi import Query

    from central.models import CODE_PATTERN, ApiErrorBody, DossierState, ReportOut

    errors: dict[int | str, dict[str, Any]] = {
        code: {"model": ApiErrorBody} for code in (401, 403, 404, 409, 422)}

    @app.post("/v1/admin/dossiers/{code}/postpone", response_model=DossierState,
              tags=["admin"], responses={**errors, 400: {"model": ApiErrorBody}})
    def postpone_route(code: Annotated[str, PathParam(pattern=CODE_PATTERN)], body: PostponeIn,
                       _admin: admin_dep) -> dict[str, Any]:
        return postpone(db, code, body)

    # exclude_unset: "units" only appears in the all-units report.
    @app.get("/v1/reports/summary", response_model=ReportOut, tags=["reports"],
             response_model_exclude_unset=True,
             responses={k: v for k, v in errors.items() if k != 409})
    def report_route(_admin: admin_dep,
                     date_from: Annotated[date, Query(alias="from")],
                     date_to: Annotated[date, Query(alias="to")],
                     unit: Annotated[str | None, Query(max_length=40)] = None
                     ) -> dict[str, Any]:
        if date_to < date_from:
            raise ApiError(422, "invalid_period",
                           _("Khoảng ngày không hợp lệ: {start} sau {end}.",
                             start=date_from.isoformat(), end=date_to.isoformat()))
        if (date_to - date_from).days > 3660:
            raise ApiError(422, "invalid_period", _("Khoảng ngày quá dài (tối đa 10 năm)."))
        return summary(db, date_from, date_to, unit or None)
