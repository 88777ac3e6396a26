"""The citizen's store of digitised papers on this counter (issue 24 §3): every document a
dossier received and scanned, and every result, indexed by the owner's ID number.

No table of its own: the papers are the dossiers' components with their files and the
results, found through the owner's ID number (indexed: ``applicants(id_number)``). A
paper's id is stable across machines — ``{dossier id}:{component code}`` for a
document, the result's own id for a result — so the central server names the same paper
the same way. A component that was itself reused is not listed again (its file is the
original's). A document's number, dates and issuer are the ones a clerk confirmed
(:mod:`kiosk.storage.paper_facts`, suggested from the scan's text); until then it has
none and never expires.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kiosk.storage.sqlite import Database

_OWNER = ("SELECT dossier_id FROM applicants WHERE role = 'owner' AND id_number = ? "
          "UNION SELECT dossier_id FROM applicants WHERE role = 'owner' AND old_id_number = ? "
          "AND old_id_number != ''")


def expired(paper: dict[str, Any], today: date) -> bool:
    until = paper.get("valid_until")
    return bool(until) and date.fromisoformat(str(until)) < today


def for_id_number(db: Database, id_number: str, today: date) -> list[dict[str, Any]]:
    """The papers of the citizen with this ID number, newest first."""
    number = id_number.strip()
    if not number:
        return []
    papers: list[dict[str, Any]] = []
    cur = db.execute(
        "SELECT d.id, d.code, d.received_at, c.id, c.position, c.code, c.name, c.copy_kind "
        f"FROM dossiers d JOIN components c ON c.dossier_id = d.id WHERE d.id IN ({_OWNER}) "
        "AND c.checked = 1 AND c.presented = 0 AND c.from_national_db = 0 "
        "ORDER BY d.num DESC, c.position", (number, number))
    for dossier_id, code, received, comp_id, _pos, comp_code, name, kind in cur.fetchall():
        pages = [r[0] for r in db.execute(
            "SELECT sha256 FROM pages WHERE component_id = ? ORDER BY position",
            (comp_id,)).fetchall()]
        if not pages or not comp_code:
            continue
        papers.append({"id": f"{dossier_id}:{comp_code}", "kind": comp_code, "name": name,
                       "dossier": code, "component": comp_code, "sha256": pages[0],
                       "pages": pages, "number": "", "issued": None, "valid_until": None,
                       "issuer": "", "copy_kind": kind, "digitised_at": received,
                       "origin": "document", "source": "local"})
    from kiosk.storage.paper_facts import by_paper

    confirmed = by_paper(db, sorted({p["id"].rpartition(":")[0] for p in papers}))
    for paper in papers:
        facts = confirmed.get(paper["id"])
        if facts:
            paper.update(facts)
    if db.has_table("results"):
        cur = db.execute(
            "SELECT r.id, r.kind, d.code, r.sha256, r.number, r.issued, r.valid_until, "
            f"r.issuer, r.received_at FROM results r JOIN dossiers d ON d.id = r.dossier_id "
            f"WHERE r.dossier_id IN ({_OWNER}) ORDER BY r.received_at DESC",
            (number, number))
        for rid, kind, code, sha, num, issued, until, issuer, at in cur.fetchall():
            papers.append({"id": rid, "kind": kind, "name": kind, "dossier": code,
                           "component": None, "sha256": sha, "pages": [sha], "number": num,
                           "issued": issued, "valid_until": until, "issuer": issuer,
                           "copy_kind": "original", "digitised_at": at, "origin": "result",
                           "source": "local"})
    for paper in papers:
        paper["expired"] = expired(paper, today)
    return papers
