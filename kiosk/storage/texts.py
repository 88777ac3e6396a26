"""The text of stored files (OCR, issue 24 §4) and the search by words in it.

``file_texts`` keeps one text per file (by sha256: a file reused by several dossiers is read
once), folded like every search key (``kiosk.text.fold``: without diacritics, lower case),
and ``file_text_fts`` indexes it. A dossier matches when every word is in the text of one
of its files; user words are always quoted, never read as FTS5 syntax.

``file_layers`` (migration 0032_text_layers) says, per stored file, what the reader made
of it: the content-addressed copy with the invisible text layer (``layered_sha256``: the same bytes
followed by one revision, :mod:`kiosk.text_layer`), and why a file or some of its pages
were not read (``skipped``). The stored file itself — the one the pages, the outbox, the
province and every reuse point to — is never replaced. A file is waiting while it has no
``file_layers`` row; one that could not be read at all gets a row with its reason, so a
bad file never holds up the queue.
"""

from __future__ import annotations

from typing import Any

from kiosk.clock import iso, now
from kiosk.storage.records import fts_query, summary_sql
from kiosk.storage.sqlite import Database
from kiosk.text import fold

SCHEMA = """
CREATE TABLE file_texts (
    num INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    engine TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE VIRTUAL TABLE file_text_fts USING fts5 (folded, content='', tokenize='unicode61')
"""

LAYERS_SCHEMA = """
CREATE TABLE file_layers (
    sha256 TEXT PRIMARY KEY,
    layered_sha256 TEXT,
    skipped TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
)
"""


def pending(db: Database, limit: int = 50) -> list[str]:
    """PDFs referenced by a saved dossier's pages (or results) not yet read, newest first."""
    rows = db.execute(
        "SELECT p.sha256 FROM pages p JOIN files f ON f.sha256 = p.sha256 "
        "JOIN components c ON c.id = p.component_id JOIN dossiers d ON d.id = c.dossier_id "
        "WHERE f.mime = 'application/pdf' AND NOT EXISTS "
        "(SELECT 1 FROM file_layers t WHERE t.sha256 = p.sha256) "
        "GROUP BY p.sha256 ORDER BY max(d.num) DESC LIMIT ?", (limit,)).fetchall()
    return [r[0] for r in rows]


def record(db: Database, sha256: str, text: str, engine: str, *,
           layered: tuple[str, int] | None = None, skipped: str = "") -> bool:
    """The text of a stored file, with its text-layer copy (sha256, size) and what was not
    read; one transaction. False when the text was already known (read before)."""
    with db.atomic():
        stamp = iso(now())
        if layered is not None:
            # A ``files`` row keeps the copy through the start-up sweep of unowned files.
            db.conn.execute("INSERT OR IGNORE INTO files (sha256, size, mime, created_at) "
                            "VALUES (?, ?, 'application/pdf', ?)", (*layered, stamp))
        db.conn.execute(
            "INSERT INTO file_layers (sha256, layered_sha256, skipped, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(sha256) DO UPDATE SET layered_sha256 = excluded.layered_sha256, "
            "skipped = excluded.skipped, at = excluded.at",
            (sha256, layered[0] if layered else None, skipped, stamp))
        if not text:
            return False
        cur = db.conn.execute(
            "INSERT INTO file_texts (sha256, text, engine, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(sha256) DO NOTHING RETURNING num", (sha256, text, engine, stamp))
        row = cur.fetchone()
        if row is None:
            return False
        db.conn.execute("INSERT INTO file_text_fts (rowid, folded) VALUES (?, ?)",
                        (row[0], " ".join(fold(text).split())))
    return True


def search(db: Database, words: str, limit: int = 50) -> list[dict[str, Any]]:
    """Dossiers with a file whose text has every word (diacritics and case ignored)."""
    query = fts_query(words)
    if query is None:
        return []
    # Every word typed in full (the last one too): this is not search-as-you-type.
    query = query.removesuffix("*")
    select, params = summary_sql(now())
    rows = list(db.query(
        f"{select} WHERE d.id IN (SELECT c.dossier_id FROM components c JOIN pages p ON "
        "p.component_id = c.id JOIN file_texts t ON t.sha256 = p.sha256 WHERE t.num IN "
        "(SELECT rowid FROM file_text_fts WHERE file_text_fts MATCH ?)) "
        "ORDER BY d.num DESC LIMIT ?", [*params, query, limit]))
    from kiosk.storage.records import mark_overdue

    mark_overdue(rows, None)
    return rows


def text_of(db: Database, sha256: str) -> str | None:
    row = db.execute("SELECT text FROM file_texts WHERE sha256 = ?", (sha256,)).fetchone()
    return row[0] if row else None


def layer_of(db: Database, sha256: str) -> dict[str, Any] | None:
    """What the reader made of a stored file (None: not read yet)."""
    row = db.execute("SELECT layered_sha256, skipped, at FROM file_layers WHERE sha256 = ?",
                     (sha256,)).fetchone()
    if row is None:
        return None
    return {"sha256": sha256, "layered_sha256": row[0], "skipped": row[1], "at": row[2]}
