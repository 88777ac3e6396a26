"""Number, issue date, validity and issuer of a scanned document, as a clerk confirmed them
(issue 24 §3/§4; migration 0032_text_layers).

A result arrives with its facts; a document scanned at intake has none until a clerk
confirms them, usually from what :mod:`kiosk.doc_facts` suggests from the scan's text
(:func:`suggestion`). Keyed by the paper's id (``{dossier id}:{component code}``, the
same on every machine); :mod:`kiosk.storage.papers` lists the facts with the paper, so an
expired document is no longer offered for reuse. A confirmation is audited
(``papers.facts``) with what was suggested, and may be corrected later (the last one
counts).

Every confirmation is also queued for the central server in the same transaction (outbox
``paper.facts``, :mod:`kiosk.sync.facts_push`, sent once), so another unit's counter
looking the citizen's papers up on the province's store sees the same dates and is not
offered a paper that has expired.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kiosk.clock import iso, now
from kiosk.errors import InvalidInput, NotFound
from kiosk.i18n import _
from kiosk.storage import outbox
from kiosk.storage.audit_log import audit
from kiosk.storage.sqlite import Database

#: Outbox kind of a confirmation sent to the server (kiosk.sync.facts_push).
FACTS_KIND = "paper.facts"

SCHEMA = """
CREATE TABLE paper_facts (
    paper_id TEXT PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers(id),
    number TEXT NOT NULL DEFAULT '',
    issued TEXT,
    valid_until TEXT,
    issuer TEXT NOT NULL DEFAULT '',
    confirmed_by TEXT NOT NULL,
    confirmed_at TEXT NOT NULL
)
"""

# Facts confirmed before they were sent anywhere (migration 0033): queued once each, under a
# key of their own that sorts after the dossiers' records already queued.
QUEUE_CONFIRMED = """
WITH f AS (
    SELECT pf.*, substr(pf.paper_id, length(pf.dossier_id) + 2) AS component
    FROM paper_facts pf
), sent AS (
    SELECT f.*, d.code AS dossier_code, a.id_number AS id_number,
        (SELECT p.sha256 FROM components c JOIN pages p ON p.component_id = c.id
         WHERE c.dossier_id = f.dossier_id AND c.code = f.component
         ORDER BY p.position LIMIT 1) AS sha256
    FROM f JOIN dossiers d ON d.id = f.dossier_id
    JOIN applicants a ON a.dossier_id = f.dossier_id AND a.role = 'owner'
    WHERE a.id_number != ''
)
INSERT INTO outbox (id, kind, dossier_id, payload, next_attempt_at, created_at, updated_at)
SELECT 'paper-facts-' || paper_id, 'paper.facts', dossier_id,
    json_object('dossier_id', dossier_id, 'component', component, 'sha256', sha256,
                'dossier_code', dossier_code, 'id_number', id_number, 'number', number,
                'issued', issued, 'valid_until', valid_until, 'issuer', issuer,
                'confirmed_by', confirmed_by, 'confirmed_at', confirmed_at),
    confirmed_at, confirmed_at, confirmed_at
FROM sent WHERE sha256 IS NOT NULL
"""


def _component(db: Database, paper_id: str) -> tuple[str, list[str]]:
    """The dossier id and the page files of a scanned document of this counter."""
    dossier_id, sep, code = paper_id.rpartition(":")
    row = db.execute(
        "SELECT c.id, c.from_national_db FROM components c WHERE c.dossier_id = ? AND "
        "c.code = ? AND c.checked = 1 AND c.presented = 0",
        (dossier_id, code)).fetchone() if sep else None
    if row is not None and row[1]:
        raise InvalidInput(_("Giấy tờ này được dùng lại, không quét ở hồ sơ này: số và ngày "
                             "của nó ghi ở hồ sơ đã quét nó."))
    if row is None:
        raise NotFound(_("Không có giấy tờ đã số hoá mã {id} trên máy này.", id=paper_id),
                       hint=_("Xem mã giấy tờ bằng «kiosk store list --id-number …»."))
    pages = [r[0] for r in db.execute(
        "SELECT sha256 FROM pages WHERE component_id = ? ORDER BY position", (row[0],))]
    if not pages:
        raise NotFound(_("Giấy tờ {id} không có tệp quét.", id=paper_id))
    return dossier_id, pages


def text_of_paper(db: Database, paper_id: str) -> str | None:
    """The read text of the document's files (None: not read yet)."""
    from kiosk.storage.texts import text_of

    _dossier, pages = _component(db, paper_id)
    parts = [text_of(db, sha) for sha in pages]
    if all(p is None for p in parts):
        return None
    return "\f".join(p or "" for p in parts)


def suggestion(db: Database, paper_id: str, today: date) -> dict[str, Any]:
    """What the text suggests, with what is confirmed already."""
    from kiosk.doc_facts import suggest

    text = text_of_paper(db, paper_id)
    found = suggest(text, today) if text is not None else {
        "number": None, "issued": None, "valid_until": None, "evidence": {}}
    return {"id": paper_id, "read": text is not None, "suggested": found,
            "confirmed": facts_of(db, paper_id)}


def facts_of(db: Database, paper_id: str) -> dict[str, Any] | None:
    row = db.execute(
        "SELECT number, issued, valid_until, issuer, confirmed_by, confirmed_at "
        "FROM paper_facts WHERE paper_id = ?", (paper_id,)).fetchone()
    if row is None:
        return None
    keys = ("number", "issued", "valid_until", "issuer", "confirmed_by", "confirmed_at")
    return dict(zip(keys, row, strict=True))


def confirm(db: Database, paper_id: str, *, number: str, issued: date | None,
            valid_until: date | None, issuer: str, actor: str,
            suggested: dict[str, Any] | None = None) -> dict[str, Any]:
    """Record what the clerk confirmed; refused before anything is written when the dates
    contradict each other or the paper is not this counter's scanned document."""
    if issued is not None and valid_until is not None and valid_until < issued:
        raise InvalidInput(_("Ngày hết hiệu lực {until} trước ngày cấp {issued}.",
                             until=valid_until.isoformat(), issued=issued.isoformat()),
                           field="valid_until")
    if issued is not None and issued > now().date():
        raise InvalidInput(_("Ngày cấp {issued} là ngày trong tương lai.",
                             issued=issued.isoformat()), field="issued")
    with db.atomic():
        dossier_id, _pages = _component(db, paper_id)
        stamp = iso(now())
        db.conn.execute(
            "INSERT INTO paper_facts (paper_id, dossier_id, number, issued, valid_until, "
            "issuer, confirmed_by, confirmed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(paper_id) DO UPDATE SET number = excluded.number, "
            "issued = excluded.issued, valid_until = excluded.valid_until, "
            "issuer = excluded.issuer, confirmed_by = excluded.confirmed_by, "
            "confirmed_at = excluded.confirmed_at",
            (paper_id, dossier_id, number, issued.isoformat() if issued else None,
             valid_until.isoformat() if valid_until else None, issuer, actor, stamp))
        _queue(db, paper_id, dossier_id, _pages[0])
        audit(db, actor, "papers.facts", dossier_id, paper=paper_id, number=number,
              issued=issued.isoformat() if issued else None,
              valid_until=valid_until.isoformat() if valid_until else None,
              suggested={k: (suggested or {}).get(k)
                         for k in ("number", "issued", "valid_until")})
    facts = facts_of(db, paper_id)
    assert facts is not None
    return {"id": paper_id, **facts}


def _queue(db: Database, paper_id: str, dossier_id: str, sha256: str) -> None:
    """The confirmation as the server stores it: against the paper's first file and its
    owner's ID number too, so the server can check it names the paper it holds."""
    row = db.execute(
        "SELECT d.code, a.id_number, f.number, f.issued, f.valid_until, f.issuer, "
        "f.confirmed_by, f.confirmed_at FROM dossiers d JOIN paper_facts f ON "
        "f.dossier_id = d.id LEFT JOIN applicants a ON a.dossier_id = d.id AND "
        "a.role = 'owner' WHERE f.paper_id = ?", (paper_id,)).fetchone()
    keys = ("dossier_code", "id_number", "number", "issued", "valid_until", "issuer",
            "confirmed_by", "confirmed_at")
    payload = {"dossier_id": dossier_id, "component": paper_id.rpartition(":")[2],
               "sha256": sha256, **dict(zip(keys, row, strict=True))}
    if not payload["id_number"]:
        return  # nobody's paper by number: neither store lists it, the server has no use
    outbox.enqueue(db, FACTS_KIND, dossier_id, payload, [])


def by_paper(db: Database, dossier_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Confirmed facts of these dossiers' documents, by paper id."""
    if not dossier_ids or not db.has_table("paper_facts"):
        return {}
    marks = ",".join("?" * len(dossier_ids))
    out = {}
    for pid, number, issued, until, issuer in db.execute(
            "SELECT paper_id, number, issued, valid_until, issuer FROM paper_facts "
            f"WHERE dossier_id IN ({marks})", dossier_ids):
        out[pid] = {"number": number, "issued": issued, "valid_until": until,
                    "issuer": issuer}
    return out
