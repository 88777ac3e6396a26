"""The database schema as named migrations (sqlite-utils ``Migrations``).

Each migration runs in one transaction with its record in ``_sqlite_migrations``. Never edit
a migration that has shipped: add a new one. Names are ordered by their number; a database
created by any earlier version is brought forward by applying the ones it lacks.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from kiosk.text import fold

migrations = Migrations("kiosk")

#: Names in order; tests migrate from every prefix of this list.
MIGRATION_NAMES = ("0001_core", "0002_search", "0003_outbox", "0004_drafts",
                   "0005_old_id_number_index", "0006_form_set",
                   # --- citizen screen (issue 16) ---
                   "0009_citizen_screen")


def _script(db: Database, sql: str) -> None:
    # executescript() would COMMIT the migration's transaction; run statement by statement.
    for statement in sql.split(";\n"):
        if statement.strip():
            db.execute(statement)


@migrations(name="0001_core")
def _core(db: Database) -> None:
    _script(
        db,
        """
        CREATE TABLE catalog_versions (
            version TEXT PRIMARY KEY,
            first_used_at TEXT NOT NULL,
            procedures INTEGER
        );
        CREATE TABLE procedures (
            catalog_version TEXT NOT NULL REFERENCES catalog_versions(version),
            code TEXT NOT NULL,
            name TEXT NOT NULL,
            snapshot TEXT NOT NULL,
            PRIMARY KEY (catalog_version, code)
        );
        CREATE TABLE dossiers (
            num INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            code TEXT NOT NULL UNIQUE,
            unit_code TEXT NOT NULL,
            day TEXT NOT NULL,
            seq INTEGER NOT NULL,
            counter INTEGER NOT NULL,
            procedure_code TEXT NOT NULL,
            procedure_name TEXT NOT NULL,
            catalog_version TEXT NOT NULL,
            channel INTEGER NOT NULL,
            status INTEGER NOT NULL,
            received_at TEXT NOT NULL,
            due_at TEXT,
            sets INTEGER NOT NULL DEFAULT 1,
            note TEXT NOT NULL DEFAULT '',
            received_by TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            UNIQUE (unit_code, day, seq),
            -- The procedure as the catalog described it when the dossier was received:
            -- stored once per catalog version, needed to print the receipt years later.
            FOREIGN KEY (catalog_version, procedure_code) REFERENCES procedures
        );
        CREATE INDEX dossiers_status_due ON dossiers (status, due_at);
        CREATE INDEX dossiers_day ON dossiers (day);
        CREATE TABLE applicants (
            id INTEGER PRIMARY KEY,
            dossier_id TEXT NOT NULL REFERENCES dossiers(id),
            role TEXT NOT NULL DEFAULT 'owner' CHECK (role IN ('owner', 'proxy')),
            name TEXT NOT NULL,
            id_number TEXT NOT NULL DEFAULT '',
            old_id_number TEXT NOT NULL DEFAULT '',
            birth_date TEXT,
            gender TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            cccd_raw TEXT,
            UNIQUE (dossier_id, role)
        );
        CREATE INDEX applicants_id_number ON applicants (id_number);
        CREATE TABLE components (
            id INTEGER PRIMARY KEY,
            dossier_id TEXT NOT NULL REFERENCES dossiers(id),
            position INTEGER NOT NULL,
            code TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL,
            copy_kind TEXT NOT NULL DEFAULT 'original'
                CHECK (copy_kind IN ('original', 'copy', 'certified_copy', 'photo')),
            count INTEGER NOT NULL DEFAULT 1 CHECK (count >= 0),
            checked INTEGER NOT NULL DEFAULT 0,
            from_national_db INTEGER NOT NULL DEFAULT 0,
            UNIQUE (dossier_id, position)
        );
        CREATE TABLE files (
            sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
            size INTEGER NOT NULL,
            mime TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE pages (
            id INTEGER PRIMARY KEY,
            component_id INTEGER NOT NULL REFERENCES components(id),
            position INTEGER NOT NULL,
            sha256 TEXT NOT NULL REFERENCES files(sha256),
            UNIQUE (component_id, position)
        );
        CREATE TABLE status_events (
            id INTEGER PRIMARY KEY,
            dossier_id TEXT NOT NULL REFERENCES dossiers(id),
            at TEXT NOT NULL,
            from_status INTEGER,
            to_status INTEGER NOT NULL,
            actor TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            due_at TEXT
        );
        CREATE INDEX status_events_dossier ON status_events (dossier_id);
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            dossier_id TEXT,
            details TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX audit_log_dossier ON audit_log (dossier_id);
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE code_counters (
            unit_code TEXT NOT NULL,
            day TEXT NOT NULL,
            counter INTEGER NOT NULL,
            last_seq INTEGER NOT NULL,
            PRIMARY KEY (unit_code, day, counter)
        )
        """,
    )


@migrations(name="0002_search")
def _search(db: Database) -> None:
    # The folded text is computed in Python (kiosk.text.fold maps đ→d, which FTS5's
    # unicode61 tokenizer does not), so the index stores it rather than the raw columns.
    # Prefix indexes for 1–3 characters: the last word a clerk is typing ("nguyen thi h")
    # is a prefix query, and without them FTS5 merges every term starting with "h" on each
    # keystroke (hundreds of ms on a million dossiers).
    db.execute(
        "CREATE VIRTUAL TABLE dossier_fts USING fts5("
        "code, name, id_number, phone, tokenize = 'unicode61 remove_diacritics 2', "
        "prefix = '1 2 3')"
    )
    rows = db.execute(
        "SELECT d.num, d.code, a.name, a.id_number, a.phone FROM dossiers d "
        "JOIN applicants a ON a.dossier_id = d.id AND a.role = 'owner'"
    ).fetchall()
    for num, code, name, id_number, phone in rows:
        db.execute(
            "INSERT INTO dossier_fts (rowid, code, name, id_number, phone) VALUES (?, ?, ?, ?, ?)",
            (num, fold(code), fold(name), id_number, phone),
        )


@migrations(name="0003_outbox")
def _outbox(db: Database) -> None:
    _script(
        db,
        """
        CREATE TABLE outbox (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            dossier_id TEXT REFERENCES dossiers(id),
            payload TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'in_flight', 'done', 'needs_attention')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            response TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
        CREATE TABLE outbox_blobs (
            operation_id TEXT NOT NULL REFERENCES outbox(id),
            sha256 TEXT NOT NULL REFERENCES files(sha256),
            upload_url TEXT,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'uploaded')),
            PRIMARY KEY (operation_id, sha256)
        )
        """,
    )
    # Dossiers saved before the outbox existed still have to reach the server.
    from kiosk.storage.outbox import enqueue_existing

    enqueue_existing(db)


@migrations(name="0004_drafts")
def _drafts(db: Database) -> None:
    db.execute(
        "CREATE TABLE drafts ("
        " id TEXT PRIMARY KEY,"
        " actor TEXT NOT NULL,"
        " label TEXT NOT NULL DEFAULT '',"
        " payload TEXT NOT NULL,"
        " created_at TEXT NOT NULL,"
        " updated_at TEXT NOT NULL)"
    )
    # The scans a draft points to: kept by orphan collection until the draft goes.
    db.execute(
        "CREATE TABLE draft_files ("
        " draft_id TEXT NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,"
        " sha256 TEXT NOT NULL,"
        " PRIMARY KEY (draft_id, sha256))"
    )


@migrations(name="0005_old_id_number_index")
def _old_id_number_index(db: Database) -> None:
    # Citizens still bring papers under their old 9-digit CMND; look those up by index too.
    db.execute(
        "CREATE INDEX applicants_old_id_number ON applicants (old_id_number) "
        "WHERE old_id_number != ''"
    )


@migrations(name="0006_form_set")
def _form_set(db: Database) -> None:
    # The template set (TT 01/2018, TT 03/2025...) the receipt was printed under, so that a
    # reprint years later uses the same set even after the unit switched to a newer one.
    db.execute("ALTER TABLE dossiers ADD COLUMN form_set TEXT")


# --- citizen screen (issue 16): confirmations, ratings, queue tickets ----------------------

@migrations(name="0009_citizen_screen")
def _citizen_screen(db: Database) -> None:
    from kiosk.storage.citizen import SCHEMA

    _script(db, SCHEMA)


def migrate(db: Database) -> list[str]:
    """Apply pending migrations under one write lock; returns the names applied.

    ``BEGIN IMMEDIATE`` around the whole run makes a second process that opens the database
    at the same moment wait, then find nothing pending, instead of racing to create tables.
    """
    pending = [m.name for m in migrations.pending(db)]
    if not pending:
        return []
    db.execute("BEGIN IMMEDIATE")
    try:
        pending = [m.name for m in migrations.pending(db)]
        migrations.apply(db)
        db.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    return pending
