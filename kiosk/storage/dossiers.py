"""Writing dossiers: the save transaction, code allocation, status changes.

Everything here runs on the writer thread with the write connection. A save is one
``BEGIN IMMEDIATE`` transaction: the code is allocated, the dossier, applicant(s),
components, pages, the "received" status event, the search entry, the audit entry and the
outbox entry are written, and the draft is discarded; either all of it commits or none.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import uuid_utils

from kiosk.clock import iso, now, to_local
from kiosk.dossier import Status
from kiosk.dossier_code import counter_block, format_dossier_code
from kiosk.errors import InvalidInput, NotFound, StorageError
from kiosk.i18n import _
from kiosk.storage import dossier_facts, outbox, records, signatures, stored_rows
from kiosk.storage.audit_log import audit, audit_at
from kiosk.storage.files import FileStore
from kiosk.storage.model import COPY_KINDS, ApplicantInput, DossierInput, ProcedureInfo, SavedDossier
from kiosk.storage.sqlite import Database
from kiosk.text import fold

#: A dossier saved at the counter is "Được tiếp nhận" (accepted, national portal code 2).
RECEIVED_STATUS = int(Status.RECEIVED)
NEW_STATUS = int(Status.NEW)


#: In each write connection's memo, the (catalog version, procedure) pairs whose rows a
#: committed save has written: the procedure snapshot (a few kilobytes of JSON) is then
#: neither encoded nor offered again. Filled only after COMMIT, so a rolled-back save cannot
#: leave a pair here whose rows do not exist.
KNOWN_PROCEDURES = "known_procedures"

#: How far back a paper dossier may be back-entered.
BACK_ENTRY_YEARS = 10


def new_id() -> str:
    """A UUIDv7: unique without coordination, roughly ordered by creation."""
    return str(uuid_utils.uuid7())


def allocate_seq(db: Database, unit_code: str, day: str, counter: int) -> int:
    """The next sequence number of ``counter`` for ``day``; call inside the save transaction.

    The counter row is bumped in the same transaction as the dossier, so a rolled-back save
    gives its number back and a committed one can never be issued again. ``code_counters``
    is never decremented, so a number stays used even if its dossier were ever removed.
    """
    block = counter_block(counter)
    row = db.conn.execute(
        "INSERT INTO code_counters (unit_code, day, counter, last_seq) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (unit_code, day, counter) DO UPDATE SET last_seq = last_seq + 1 "
        "RETURNING last_seq",
        (unit_code, day, counter, block.start),
    ).fetchone()
    seq = int(row[0])
    if seq not in block:
        raise StorageError(
            _(
                "Quầy {counter} đã dùng hết số thứ tự mã hồ sơ trong ngày {day} "
                "({first}–{last}).",
                counter=counter,
                day=day,
                first=f"{block.start:04d}",
                last=f"{block.stop - 1:04d}",
            ),
            hint=_(
                "Hồ sơ chưa được lưu, thông tin đang nhập được giữ nguyên. Tiếp nhận ở quầy khác "
                "hoặc đổi số quầy (counter.number) trong cấu hình."
            ),
        )
    return seq


def validate(inp: DossierInput, files: FileStore) -> dict[str, int]:
    """Refuse input that would store a dossier no one can use; check files before rows.

    Returns each page file's size (one stat per file, reused for its row)."""
    sizes: dict[str, int] = {}
    if not inp.applicant.name.strip():
        raise InvalidInput(
            _("Chưa có họ tên người nộp hồ sơ."),
            hint=_("Đọc mã QR trên CCCD hoặc nhập họ tên."),
            field="applicant.name",
        )
    if inp.channel not in (1, 2, 3, 4):
        raise InvalidInput(
            _("Kênh nộp {channel} không hợp lệ (1, 2, 3 hoặc 4).", channel=inp.channel),
            field="channel",
        )
    if inp.return_method not in ("counter", "post"):
        raise InvalidInput(
            _("Hình thức trả kết quả «{value}» không hợp lệ.", value=inp.return_method),
            hint=_("counter: trả tại quầy, post: trả qua bưu chính."),
            field="return_method",
        )
    if inp.back_entry:
        if inp.received_at is None:
            raise InvalidInput(_("Nhập bù hồ sơ giấy cần thời điểm tiếp nhận trên giấy."),
                               field="received_at")
        if to_local(inp.received_at) > now():
            raise InvalidInput(
                _("Thời điểm tiếp nhận trên giấy {at} còn ở tương lai.",
                  at=iso(inp.received_at)),
                hint=_("Nhập đúng giờ, ngày ghi trên sổ theo dõi giấy."),
                field="received_at",
            )
        # A paper book older than this is an archive, not a back-entry (and a year-1 date
        # would break every later date computation on the record).
        if to_local(inp.received_at) < now() - timedelta(days=366 * BACK_ENTRY_YEARS):
            raise InvalidInput(
                _("Thời điểm tiếp nhận trên giấy {at} đã quá {years} năm.",
                  at=iso(inp.received_at), years=BACK_ENTRY_YEARS),
                hint=_("Chỉ nhập bù hồ sơ giấy trong {years} năm gần đây.",
                       years=BACK_ENTRY_YEARS),
                field="received_at",
            )
    for comp in inp.components:
        if comp.copy_kind not in COPY_KINDS:
            raise InvalidInput(
                _("Loại bản «{kind}» của giấy tờ «{name}» không hợp lệ.",
                  kind=comp.copy_kind, name=comp.name),
                hint=_("Chọn một trong: {kinds}.", kinds=", ".join(COPY_KINDS)),
                field="components.copy_kind",
            )
        for page in comp.pages:
            if page.sha256 in sizes:
                continue
            try:
                sizes[page.sha256] = files.size_of(page.sha256)
            except FileNotFoundError:
                raise StorageError(
                    _("Tệp quét {sha256} của giấy tờ «{name}» chưa có trong kho lưu trữ.",
                      sha256=page.sha256[:12], name=comp.name),
                    hint=_("Quét lại giấy tờ này rồi lưu hồ sơ."),
                ) from None
    return sizes


_DOSSIER_COLUMNS = (
    "id", "code", "unit_code", "day", "seq", "counter", "procedure_code", "procedure_name",
    "catalog_version", "channel", "status", "received_at", "due_at", "sets", "note",
    "received_by", "updated_at", "form_set", "return_method", "entered_at", "entered_by",
    "legal_due_at", "docs_counted", "docs_reused", "docs_scanned")
_PERSON_COLUMNS = ("dossier_id", "role", "name", "id_number", "old_id_number", "birth_date",
                   "gender", "address", "phone", "email", "cccd_raw")
_COMPONENT_COLUMNS = ("dossier_id", "position", "code", "name", "copy_kind", "count",
                      "checked", "from_national_db", "presented")
_EVENT_COLUMNS = ("dossier_id", "at", "from_status", "to_status", "actor", "due_at")
#: A timeline line as the record has it (kiosk.storage.records reads the same columns).
_EVENT_RECORD = ("at", "from_status", "to_status", "actor", "note", "due_at")
#: A component as the record has it (its row id stays in the database).
_COMPONENT_RECORD = _COMPONENT_COLUMNS[1:]
#: One page's values: its component found by position (ids are not read back).
_PAGE_VALUES = ("((SELECT id FROM components WHERE dossier_id = ? AND position = ?), "
                "?, ?, ?, ?)")
#: Page count → the statement inserting that many pages.
_PAGE_SQL: dict[int, str] = {}


def _insert_person(db: Database, dossier_id: str, person: ApplicantInput, role: str
                   ) -> dict[str, Any]:
    return stored_rows.insert(db, "applicants", _PERSON_COLUMNS, (
        dossier_id, role, person.name.strip(), person.id_number.strip(),
        person.old_id_number.strip(),
        person.birth_date.isoformat() if person.birth_date else None,
        person.gender, person.address, person.phone.strip(), person.email.strip(),
        person.cccd_raw,
    ))


#: In the write connection's memo: file rows read, sha256 → (size, mime). A row of
#: ``files`` is never updated, so what was stored once is what is stored; forgotten when a
#: save rolls back (the row read may have been that save's own).
FILE_ROWS = "file_rows"


def _file_row(db: Database, sha256: str, size: int, mime: str | None, stamp: str
              ) -> dict[str, Any]:
    """Insert the file's row unless it is there; its size and mime as stored either way."""
    cur = db.conn.execute(
        "INSERT OR IGNORE INTO files (sha256, size, mime, created_at) VALUES (?, ?, ?, ?)",
        (sha256, size, mime, stamp))
    seen = db.memo.get(FILE_ROWS)
    if seen is None or len(seen) > 4096:
        seen = db.memo[FILE_ROWS] = {}
    # Inserted: stored as given (the size is stat's int; a mime that is not text would
    # have been refused by NOT NULL, and is read back below).
    if cur.rowcount == 1 and type(size) is int and type(mime) is str:
        return {"size": size, "mime": mime}
    # An earlier dossier holds the same scan.
    row = seen.get(sha256)
    if row is None:
        row = seen[sha256] = db.conn.execute("SELECT size, mime FROM files WHERE sha256 = ?",
                                             (sha256,)).fetchone()
    return {"size": row[0], "mime": row[1]}


def save(
    db: Database,
    inp: DossierInput,
    *,
    actor: str,
    unit_code: str,
    counter: int,
    procedure: ProcedureInfo,
    due_for: Callable[[datetime], datetime | None],
    files: FileStore,
    form_set: str | None = None,
    then: Callable[[Database, str, str], None] | None = None,
) -> SavedDossier:
    """``then(db, dossier_id, code)`` runs inside the transaction just before it commits:
    what must stand or fall with the dossier (a certification's register number and its
    receipt, issue 23)."""
    sizes = validate(inp, files)
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        saved, record = insert(db, inp, sizes, actor=actor, unit_code=unit_code,
                               counter=counter, procedure=procedure, due_for=due_for,
                               form_set=form_set)
        # Stamped with the save's instant, as the dossier's own rows are.
        outbox.enqueue(db, "dossier.upsert", saved.id, record, records.page_hashes(record),
                       at=record["updated_at"])
        if inp.draft_id:
            conn.execute("DELETE FROM drafts WHERE id = ?", (inp.draft_id,))
        if then is not None:
            then(db, saved.id, saved.code)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        db.memo.pop(FILE_ROWS, None)
        raise
    # Committed: rows of these tables are never deleted.
    db.memo.setdefault(KNOWN_PROCEDURES, set()).add((procedure.catalog_version, procedure.code))
    return saved


def insert(
    db: Database,
    inp: DossierInput,
    sizes: dict[str, int],
    *,
    actor: str,
    unit_code: str,
    counter: int,
    procedure: ProcedureInfo,
    due_for: Callable[[datetime], datetime | None],
    form_set: str | None = None,
) -> tuple[SavedDossier, dict[str, Any]]:
    """The rows of one dossier, inside a transaction the caller holds (``save``, or a
    group's save, kiosk.storage.groups); returns it with its record, not yet queued."""
    status = int(inp.status)
    if status not in (NEW_STATUS, RECEIVED_STATUS):
        raise InvalidInput(_("Hồ sơ mới chỉ có thể ở trạng thái 1 hoặc 2."))
    conn = db.conn
    # The time is taken after the write lock is held, so codes and times agree in order;
    # every row of the save carries the same instant.
    moment = now()
    stamp = iso(moment)
    received = to_local(inp.received_at) if inp.received_at else moment
    received_at = iso(received) if inp.received_at else stamp
    entered_at = stamp if inp.back_entry else None
    # A dossier not yet accepted (status 1) has no legal clock running.
    due = due_for(received) if status == RECEIVED_STATUS else None
    due_at = iso(due) if due else None
    received_day = received.date()
    day = received_day.isoformat()
    seq = allocate_seq(db, unit_code, day, counter)
    code = format_dossier_code(unit_code, received_day, seq)
    dossier_id = new_id()
    known = db.memo.get(KNOWN_PROCEDURES, ())
    procedure_key = (procedure.catalog_version, procedure.code)
    if procedure_key not in known:
        conn.execute(
            "INSERT OR IGNORE INTO catalog_versions (version, first_used_at) VALUES (?, ?)",
            (procedure.catalog_version, stamp),
        )
        conn.execute(
            "INSERT OR IGNORE INTO procedures (catalog_version, code, name, snapshot) "
            "VALUES (?, ?, ?, ?)",
            (procedure.catalog_version, procedure.code, procedure.name,
             procedure.snapshot_json),
        )
    # Each insert gives its row as stored (defaults included; kiosk.storage.stored_rows):
    # the outbox payload is made of those rows, not read back with a dozen queries
    # (issue 15 §1), nor asked for with RETURNING (issue 28 §3).
    row = stored_rows.insert(db, "dossiers", _DOSSIER_COLUMNS, (
        dossier_id, code, unit_code, day, seq, counter, procedure.code, procedure.name,
        procedure.catalog_version,
        inp.channel, status, received_at, due_at,
        inp.sets, inp.note, actor, stamp, form_set, inp.return_method,
        entered_at, actor if inp.back_entry else None, due_at,
        *dossier_facts.documents(inp.components),
    ))
    num = row.pop("num")
    people = [_insert_person(db, dossier_id, inp.applicant, "owner")]
    if inp.proxy is not None:
        people.append(_insert_person(db, dossier_id, inp.proxy, "proxy"))
    # One statement for all components and one for all pages (issue 28 §3); a page finds
    # its component's id by the component's position, so no id needs reading back.
    comps = stored_rows.insert_many(db, "components", _COMPONENT_COLUMNS, [
        (dossier_id, position, comp.code, comp.name, comp.copy_kind, comp.count,
         int(comp.checked), int(comp.from_national_db), int(comp.presented))
        for position, comp in enumerate(inp.components, start=1)], _COMPONENT_RECORD)
    page_rows: list[Any] = []
    page_count = 0
    signed = False
    for position, (comp, comp_row) in enumerate(zip(inp.components, comps, strict=True),
                                                start=1):
        pages = []
        for page_pos, page in enumerate(comp.pages, start=1):
            stored = _file_row(db, page.sha256, sizes[page.sha256], page.mime, stamp)
            page_rows += (dossier_id, position, page_pos, page.sha256,
                          None if page.pdfa is None else int(page.pdfa),
                          json.dumps(list(page.pdfa_problems), ensure_ascii=False)
                          if page.pdfa_problems else None)
            page_count += 1
            pages.append({"position": page_pos, "sha256": page.sha256, **stored,
                          **page.pdfa_facts()})
        comp_row["pages"] = pages
        if comp.signature is not None and comp.pages:
            signed = True
    if page_rows:
        sql = _PAGE_SQL.get(page_count)
        if sql is None:
            sql = _PAGE_SQL[page_count] = (
                "INSERT INTO pages (component_id, position, sha256, pdfa, pdfa_problems) "
                f"VALUES {', '.join([_PAGE_VALUES] * page_count)}")
        conn.execute(sql, page_rows)
    if signed:
        for position, comp in enumerate(inp.components, start=1):
            if comp.signature is not None and comp.pages:
                comp_id = conn.execute(
                    "SELECT id FROM components WHERE dossier_id = ? AND position = ?",
                    (dossier_id, position)).fetchone()[0]
                signatures.record(db, comp_id, dossier_id, comp.signature)
        records.attach_signatures(db, dossier_id, comps)
    events = [stored_rows.insert(db, "status_events", _EVENT_COLUMNS,
                                 (dossier_id, received_at, None, status, actor, due_at),
                                 _EVENT_RECORD)]
    name_key = fold(inp.applicant.name)
    conn.execute(
        "INSERT INTO dossier_fts (rowid, code, name, id_number, phone) VALUES (?, ?, ?, ?, ?)",
        (num, fold(code), name_key, inp.applicant.id_number.strip(),
         inp.applicant.phone.strip()),
    )
    confirmation = None
    if inp.citizen_confirmation:
        from kiosk.storage.citizen import insert_confirmation
        from kiosk.storage.record_parts import confirmation as stored_confirmation

        insert_confirmation(db, dossier_id, inp.citizen_confirmation)
        confirmation = stored_confirmation(db, dossier_id)
    conn.execute("INSERT INTO name_keys (num, key) VALUES (?, ?)", (num, name_key))
    details: dict[str, Any] = {"code": code, "procedure": procedure.code}
    if inp.back_entry:
        details["back_entry"] = {"received_on_paper": received_at, "entered_at": entered_at}
    audit_at(db, stamp, actor, "dossier.create", dossier_id, details)
    # A dossier made in this transaction has no postponements or pauses yet.
    record = records.assemble(row, people, comps, events,
                              {"postponements": [], "pauses": [], "supplements": []},
                              confirmation)
    return SavedDossier(dossier_id, code, received, due, status), record


def change_status(
    db: Database,
    code: str,
    to: int,
    *,
    actor: str,
    note: str,
    check: Callable[[int, int], None],
    calendar: Any = None,
    then: Callable[[Database, str], None] | None = None,
) -> dict[str, Any]:
    """Move a dossier; ``then(db, dossier_id)`` adds writes to the same transaction after the
    move (what a hand-over gave, kiosk.storage.results; a supplement round and its papers,
    kiosk.storage.supplements)."""
    from kiosk.storage import late

    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT id, status FROM dossiers WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise NotFound(
                _("Không tìm thấy hồ sơ {code}.", code=code),
                hint=_("Kiểm tra lại mã hồ sơ trên phiếu tiếp nhận."),
            )
        dossier_id, old = row
        check(old, to)
        at = iso(now())
        conn.execute(
            "UPDATE dossiers SET status = ?, updated_at = ?, version = version + 1 WHERE id = ?",
            (to, at, dossier_id),
        )
        dossier_facts.add_status_event(db, dossier_id, at, old, to, actor, note)
        late.track_status(db, dossier_id, old, to, at, calendar, note)
        audit(db, actor, "dossier.status", dossier_id, code=code, old=old, new=to, note=note)
        event = {"id": dossier_id, "code": code, "from": old, "to": to, "at": at,
                 "actor": actor, "note": note}
        outbox.enqueue(db, "dossier.status", dossier_id, event, [])
        if then is not None:
            then(db, dossier_id)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return event
