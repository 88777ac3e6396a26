"""Supplements (Mẫu 02): asking the citizen for more papers, and taking them in.

Asking moves the dossier to 5 and opens a pause of its legal clock (kiosk.storage.late)
marked with the rule in force for the procedure at that moment: ``pause`` (the due time
moves later by the office time waited) or ``restart`` (NĐ 61/2018 Art. 19.4: once the
dossier is complete the time limit is counted again from the beginning). Receiving the
papers adds them as new components of the dossier — nothing handed in earlier is replaced
or removed — closes the pause, moves the dossier back to 2 and records the old and the new
due time on the supplement row (the portal's ``DanhSachHoSoBoSung``).
"""

from __future__ import annotations

import json
from typing import Any

from kiosk.clock import iso, now
from kiosk.dossier import Status, check_transition
from kiosk.errors import InvalidInput, NotFound
from kiosk.i18n import _
from kiosk.storage import dossier_facts, outbox, records
from kiosk.storage.sqlite import Database

SCHEMA = """
ALTER TABLE clock_pauses ADD COLUMN rule TEXT NOT NULL DEFAULT 'pause';
CREATE TABLE supplements (
    id INTEGER PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers(id),
    round INTEGER NOT NULL,
    asked_at TEXT NOT NULL,
    asked_by TEXT NOT NULL,
    items TEXT NOT NULL,
    contact TEXT NOT NULL DEFAULT '',
    rule TEXT NOT NULL CHECK (rule IN ('pause', 'restart')),
    previous_due_at TEXT,
    received_at TEXT,
    received_by TEXT,
    new_due_at TEXT,
    components TEXT NOT NULL DEFAULT '[]',
    UNIQUE (dossier_id, round)
);
CREATE INDEX supplements_dossier ON supplements (dossier_id)
"""

RULES = ("pause", "restart")


def _dossier(db: Database, code: str) -> tuple[str, int, str | None]:
    row = db.execute("SELECT id, status, due_at FROM dossiers WHERE code = ?",
                     (code,)).fetchone()
    if row is None:
        raise NotFound(_("Không tìm thấy hồ sơ {code}.", code=code),
                       hint=_("Kiểm tra lại mã hồ sơ trên phiếu tiếp nhận."))
    return str(row[0]), int(row[1]), row[2]


def ask(db: Database, code: str, items: list[str], *, actor: str, rule: str,
        contact: str = "") -> dict[str, Any]:
    """Record the request (Mẫu 02) in the transaction of the move to 5; call from
    ``change_status``'s ``then`` hook."""
    items = [i.strip() for i in items if i.strip()]
    if rule not in RULES:
        raise InvalidInput(_("Cách tính thời hạn khi bổ sung «{rule}» không hợp lệ.",
                             rule=rule), hint=_("Dùng pause hoặc restart."))
    dossier_id, _status, due = _dossier(db, code)
    # The pause late.track_status opened with the move carries the rule decided now.
    db.conn.execute("UPDATE clock_pauses SET rule = ? WHERE dossier_id = ? AND ended_at IS NULL",
                    (rule, dossier_id))
    last = db.execute("SELECT max(round) FROM supplements WHERE dossier_id = ?",
                      (dossier_id,)).fetchone()[0]
    row = {"round": int(last or 0) + 1, "asked_at": iso(now()), "asked_by": actor,
           "items": items, "contact": contact, "rule": rule, "previous_due_at": due}
    db.conn.execute(
        "INSERT INTO supplements (dossier_id, round, asked_at, asked_by, items, contact, rule,"
        " previous_due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (dossier_id, row["round"], row["asked_at"], actor,
         json.dumps(items, ensure_ascii=False), contact, rule, due))
    return row


def check_ask(status: int, items: list[str]) -> None:
    if not any(i.strip() for i in items):
        raise InvalidInput(_("Yêu cầu bổ sung cần ghi rõ giấy tờ còn thiếu."),
                           hint=_("Thêm nội dung bằng --ask \"...\"."))
    check_transition(Status(status), Status.SUPPLEMENT, "; ".join(items))


def receive(db: Database, code: str, attached: list[tuple[str, str, list[tuple[str, int,
            str]]]], *, actor: str) -> dict[str, Any]:
    """Add the papers brought in (``(component code, name, [(sha256, size, mime)])``) as new
    components; inside ``change_status``'s transaction, after the pause was closed and the
    due time recomputed."""
    dossier_id, _status, due = _dossier(db, code)
    row = db.execute("SELECT round FROM supplements WHERE dossier_id = ? AND received_at IS NULL"
                     " ORDER BY round DESC LIMIT 1", (dossier_id,)).fetchone()
    stamp = iso(now())
    position = int(db.execute("SELECT coalesce(max(position), 0) FROM components"
                              " WHERE dossier_id = ?", (dossier_id,)).fetchone()[0])
    added = []
    for comp_code, name, pages in attached:
        position += 1
        comp_id = db.conn.execute(
            "INSERT INTO components (dossier_id, position, code, name, copy_kind, count,"
            " checked, from_national_db, presented) VALUES (?, ?, ?, ?, 'copy', 1, 1, 0, 0)"
            " RETURNING id", (dossier_id, position, comp_code, name)).fetchone()[0]
        for page_pos, (sha, size, mime) in enumerate(pages, start=1):
            db.conn.execute("INSERT OR IGNORE INTO files (sha256, size, mime, created_at)"
                            " VALUES (?, ?, ?, ?)", (sha, size, mime, stamp))
            db.conn.execute("INSERT INTO pages (component_id, position, sha256)"
                            " VALUES (?, ?, ?)", (comp_id, page_pos, sha))
        added.append({"position": position, "code": comp_code, "name": name})
    if attached:
        dossier_facts.recount_documents(db, dossier_id)
    if row is not None:
        db.conn.execute(
            "UPDATE supplements SET received_at = ?, received_by = ?, new_due_at = ?,"
            " components = ? WHERE dossier_id = ? AND round = ?",
            (stamp, actor, due, json.dumps(added, ensure_ascii=False), dossier_id, row[0]))
    record = records.dossier_record(db, dossier_id, with_procedure=False)
    # After the status operation of the same transaction: the server gets the new pages.
    outbox.enqueue(db, "dossier.upsert", dossier_id, record, records.page_hashes(record))
    return {"round": int(row[0]) if row else None, "components": added, "due": due}


def pending_round(db: Database, code: str) -> bool:
    dossier_id, status, _due = _dossier(db, code)
    if status != Status.SUPPLEMENT:
        raise InvalidInput(
            _("Hồ sơ {code} không ở trạng thái chờ bổ sung ({status}).", code=code,
              status=Status(status).label),
            hint=_("Chỉ nhận giấy tờ bổ sung cho hồ sơ đã được yêu cầu bổ sung."))
    return db.execute("SELECT 1 FROM supplements WHERE dossier_id = ? AND received_at IS NULL",
                      (dossier_id,)).fetchone() is not None

