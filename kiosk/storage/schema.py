"""The database schema as named migrations (``kiosk.storage.sqlite.Migrations``).

Each migration runs in one transaction with its record in ``_sqlite_migrations``. Never edit
a migration that has shipped: add a new one. Names are ordered by their number; a database
created by any earlier version is brought forward by applying the ones it lacks.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from kiosk.storage.sqlite import Database, Migrations
from kiosk.text import fold

migrations = Migrations("kiosk")

#: The migrations written as functions below, in order; TABLE_MIGRATIONS follow them.
FUNCTION_MIGRATIONS = ("0001_core", "0002_search", "0003_outbox", "0004_drafts",
                       "0005_old_id_number_index", "0006_form_set", "0007_reports_channels",
                       "0007_reports_postponements", "0008_signing_components",
                       "0009_citizen_screen", "0010_speed_name_keys", "0013_counter_presented",
                       "0014_file_ownership", "0015_page_pdfa")


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


@migrations(name="0007_reports_channels")
def _reports_channels(db: Database) -> None:
    # How the result goes back (at the counter or by post), and back-entry: a dossier
    # received on paper earlier keeps the paper time as received_at (its legal reception);
    # entered_at/entered_by say when and by whom it was typed in (NULL: at reception).
    _script(
        db,
        """
        ALTER TABLE dossiers ADD COLUMN return_method TEXT NOT NULL DEFAULT 'counter'
            CHECK (return_method IN ('counter', 'post'));
        ALTER TABLE dossiers ADD COLUMN entered_at TEXT;
        ALTER TABLE dossiers ADD COLUMN entered_by TEXT
        """,
    )


@migrations(name="0007_reports_postponements")
def _reports_postponements(db: Database) -> None:
    # legal_due_at: the due the law gives (reception + processing time + supplement pauses),
    # never moved by an apology letter; due_at is the date promised now. Statistics judge
    # lateness against legal_due_at.
    _script(
        db,
        """
        ALTER TABLE dossiers ADD COLUMN legal_due_at TEXT;
        UPDATE dossiers SET legal_due_at = due_at;
        CREATE TABLE postponements (
            id INTEGER PRIMARY KEY,
            dossier_id TEXT NOT NULL REFERENCES dossiers(id),
            letter_number TEXT NOT NULL,
            issued_at TEXT NOT NULL,
            previous_due_at TEXT,
            new_due_at TEXT NOT NULL,
            reason TEXT NOT NULL,
            clerk TEXT NOT NULL,
            origin TEXT NOT NULL DEFAULT 'counter' CHECK (origin IN ('counter', 'central')),
            UNIQUE (dossier_id, letter_number)
        );
        CREATE INDEX postponements_dossier ON postponements (dossier_id);
        CREATE TABLE letter_counters (
            unit_code TEXT NOT NULL,
            year INTEGER NOT NULL,
            counter INTEGER NOT NULL,
            last_number INTEGER NOT NULL,
            PRIMARY KEY (unit_code, year, counter)
        );
        CREATE TABLE clock_pauses (
            id INTEGER PRIMARY KEY,
            dossier_id TEXT NOT NULL REFERENCES dossiers(id),
            started_at TEXT NOT NULL,
            ended_at TEXT,
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX clock_pauses_dossier ON clock_pauses (dossier_id);
        INSERT INTO clock_pauses (dossier_id, started_at, note)
            SELECT d.id, (SELECT max(e.at) FROM status_events e
                          WHERE e.dossier_id = d.id AND e.to_status = 5), ''
            FROM dossiers d WHERE d.status = 5
        """,
    )


@migrations(name="0008_signing_components")
def _signing_components(db: Database) -> None:
    # Whether each scanned component's stored PDF carries the clerk's signature. A row only
    # exists where signing was attempted (a unit without a token flags nothing); 'unsigned'
    # rows are what Home lists as "chưa ký số" and `kiosk sign CODE` signs.
    _script(
        db,
        """
        CREATE TABLE component_signatures (
            component_id INTEGER PRIMARY KEY REFERENCES components(id),
            dossier_id TEXT NOT NULL REFERENCES dossiers(id),
            state TEXT NOT NULL CHECK (state IN ('signed', 'unsigned')),
            signer TEXT,
            signed_at TEXT,
            timestamped INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX component_signatures_unsigned ON component_signatures (dossier_id)
            WHERE state = 'unsigned'
        """,
    )


@migrations(name="0009_citizen_screen")
def _citizen_screen(db: Database) -> None:
    from kiosk.storage.citizen import SCHEMA

    _script(db, SCHEMA)


@migrations(name="0010_speed_name_keys")
def _name_keys(db: Database) -> None:
    # The owner's folded name per dossier in a plain B-tree: a full name is one index
    # seek and a name being typed ("nguyen thi h") one range scan, newest first, with no
    # FTS5 doclist merging (kiosk.storage.name_search). ``num`` is the dossier's rowid, so
    # (key, num) in the index also gives recency within one name.
    db.execute("CREATE TABLE name_keys (num INTEGER PRIMARY KEY, key TEXT NOT NULL)")
    rows = db.execute(
        "SELECT d.num, a.name FROM dossiers d "
        "JOIN applicants a ON a.dossier_id = d.id AND a.role = 'owner'"
    ).fetchall()
    db.conn.executemany("INSERT INTO name_keys (num, key) VALUES (?, ?)",
                        ((num, fold(name)) for num, name in rows))
    db.execute("CREATE INDEX name_keys_key ON name_keys (key)")
    # FTS5 segment merges are taken off the save path: no automatic merge at commit (a
    # save that happened to trigger one wrote 2,000+ pages); the writer thread runs
    # bounded 'merge' steps when idle (kiosk.storage.idle). Crisis merges stay as the
    # safety net if the counter is never idle.
    db.execute("INSERT INTO dossier_fts (dossier_fts, rank) VALUES ('automerge', 0)")


@migrations(name="0013_counter_presented")
def _counter_presented(db: Database) -> None:
    # Documents only shown at the counter (xuất trình, like the CCCD itself) are not handed
    # in: the receipt prints "Xuất trình" for them, not "Bản chính 01".
    db.execute("ALTER TABLE components ADD COLUMN presented INTEGER NOT NULL DEFAULT 0")


@migrations(name="0014_file_ownership")
def _file_ownership(db: Database) -> None:
    # The files this database wrote or let go of: the only ones the start-up sweep may
    # delete (kiosk.storage.ownership). A draft's scan the clerk deleted, or every scan of
    # a discarded draft, is let go of here; one a dossier keeps is forgotten by the sweep.
    db.execute(
        "CREATE TABLE unowned_files ("
        " sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),"
        " since TEXT NOT NULL) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TRIGGER draft_file_let_go AFTER DELETE ON draft_files BEGIN"
        " INSERT OR IGNORE INTO unowned_files (sha256, since)"
        " VALUES (old.sha256, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')); END"
    )


@migrations(name="0015_page_pdfa")
def _page_pdfa(db: Database) -> None:
    # A PDF attached from outside (kiosk dossier new --attach) that could not be brought to
    # PDF/A-2b faithfully is kept as it is and flagged: pdfa 0 with the reasons (JSON).
    # NULL: a file this counter made (PDF/A-2b by construction) or not a PDF.
    db.execute("ALTER TABLE pages ADD COLUMN pdfa INTEGER")
    db.execute("ALTER TABLE pages ADD COLUMN pdfa_problems TEXT")


#: From round three on, a migration only creates one feature's tables, kept beside the code
#: that uses them: its name, then the ``module:NAME`` of each SQL script it runs, in order.
TABLE_MIGRATIONS = {
    # Issue 23: receipts, exemptions, voids, refunds, the clerk's handover, and the
    # certification register, each numbered in its own transaction.
    "0020_money": ("kiosk.storage.money:SCHEMA", "kiosk.storage.register:SCHEMA"),
    # Issue 24: results downloaded from the province or scanned at hand-over, what was
    # given at hand-over, and the downloads refused.
    "0030_results": ("kiosk.storage.results:SCHEMA",),
    # Issue 24 §4: the text of stored files (OCR) and its word index.
    "0031_file_texts": ("kiosk.storage.texts:SCHEMA",),
    # Issue 24 §4: each stored file's copy with the invisible text layer, and a scanned
    # document's number and dates as a clerk confirmed them (suggested from its text).
    "0032_text_layers": ("kiosk.storage.texts:LAYERS_SCHEMA", "kiosk.storage.paper_facts:SCHEMA"),
    # Issue 24 §3: a scanned document's facts confirmed before they were synced, queued once.
    "0033_paper_facts_sync": ("kiosk.storage.paper_facts:QUEUE_CONFIRMED",),
    # Issue 24: an electronic result printed on the spot or sent.
    "0035_result_delivery": ("kiosk.storage.results:DELIVERY_SCHEMA",),
    # Issue 25: dossiers submitted online or by post, waiting for a clerk's decision here.
    "0040_incoming": ("kiosk.storage.incoming:SCHEMA",),
    # Issue 25 §2: each supplement round (Mẫu 02) with what was asked and what came back;
    # a pause remembers whether the clock pauses or restarts.
    "0041_supplements": ("kiosk.storage.supplements:SCHEMA",),
    # Issue 25 §5: the citizen's consent to be told, and the outbox of notices; history
    # before this migration is never notified.
    "0042_notices": ("kiosk.storage.notices:SCHEMA",),
    # Issue 25 §3: dossiers of interconnected procedures taken in one intake.
    "0043_dossier_groups": ("kiosk.storage.groups:SCHEMA",),
    # Issue 27: priority, recall, hold, no-show, transfer and booked tickets.
    "0060_queue_operations": ("kiosk.storage.queue_ops:SCHEMA",),
    # Issue 27: booked times on a counter without a central server; the code sent to the
    # citizen; the booking settings' revision this counter last saw.
    "0061_bookings": ("kiosk.storage.bookings:SCHEMA",),
    "0062_booking_notices": ("kiosk.storage.bookings:NOTICES_SCHEMA",),
    "0063_booking_published": ("kiosk.storage.bookings:PUBLISHED_SCHEMA",),
    # Issue 28 §2: each dossier's first end times and documents tally on its own row, kept
    # by the writes that change them, filled for the dossiers written before.
    "0070_dossier_facts": ("kiosk.storage.dossier_facts:SCHEMA",),
}


def _tables_migration(scripts: tuple[str, ...]) -> Callable[[Database], None]:
    def run(db: Database) -> None:
        for script in scripts:
            module, attribute = script.split(":")
            _script(db, getattr(importlib.import_module(module), attribute))

    return run


for _name in sorted(TABLE_MIGRATIONS):
    migrations(name=_name)(_tables_migration(TABLE_MIGRATIONS[_name]))

#: Names in order; tests migrate from every prefix of this list.
MIGRATION_NAMES = FUNCTION_MIGRATIONS + tuple(sorted(TABLE_MIGRATIONS))


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
