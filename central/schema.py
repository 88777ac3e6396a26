"""The server's tables (portable DDL for SQLite and PostgreSQL) and their migrations.

``meta.schema_version`` says which version a database has; :func:`migrate` brings it to
:data:`SCHEMA_VERSION` under a lock, so two servers starting together on one PostgreSQL
database do not both alter a table.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any, Protocol

from central.booking_settings_schema import TABLES as BOOKING_SETTINGS_TABLES
from central.fleet_schema import SCHEMA as FLEET_TABLES
from central.groups import SCHEMA as GROUP_TABLES
from central.handover_schema import SCHEMA as HANDOVER_TABLES
from central.incoming_schema import TABLES as INCOMING_TABLES
from central.money_schema import SCHEMA as MONEY_TABLES
from central.paper_facts_schema import SCHEMA as PAPER_FACT_TABLES
from central.portal_schema import PORTAL_TABLES
from central.queue_facts import SCHEMA as QUEUE_FACT_TABLES
from central.queue_facts import backfill as backfill_queue_facts
from central.report_facts import SCHEMA as REPORT_TABLES
from central.report_facts import backfill as backfill_report_facts
from central.report_months import SCHEMA as REPORT_MONTHS
from central.results_schema import SCHEMA as RESULT_TABLES
from kiosk import clock


class Tx(Protocol):
    """What a migration needs of :class:`central.db.Tx` (that module imports this one)."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...
    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None: ...
    def lock(self, name: str) -> None: ...


SCHEMA_VERSION = 2

# Portable DDL: TEXT/BIGINT/INTEGER only; the one auto-increment column differs per engine.
TABLES = [
    """CREATE TABLE IF NOT EXISTS devices (
        id TEXT PRIMARY KEY,
        unit_code TEXT NOT NULL,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        token_sha256 TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0,
        -- schema 2 (issue 22): a token is bound to the first machine that uses it
        machine_id TEXT,
        bound_at TEXT,
        last_seen_at TEXT,
        expires_at TEXT,
        revoked_at TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS blobs (
        sha256 TEXT PRIMARY KEY,
        size BIGINT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS uploads (
        id TEXT PRIMARY KEY,
        device_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        length BIGINT NOT NULL,
        upload_offset BIGINT NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        completed INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS uploads_device_sha ON uploads (device_id, sha256)",
    """CREATE TABLE IF NOT EXISTS dossiers (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        unit_code TEXT NOT NULL,
        device_id TEXT NOT NULL,
        status INTEGER NOT NULL,
        server_version INTEGER NOT NULL,
        body TEXT NOT NULL,
        notes TEXT NOT NULL DEFAULT '[]',
        finished_at TEXT,
        returned_at TEXT,
        refused_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS dossier_pages (
        dossier_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        PRIMARY KEY (dossier_id, sha256)
    )""",
    """CREATE TABLE IF NOT EXISTS idempotency (
        device_id TEXT NOT NULL,
        op_key TEXT NOT NULL,
        request_sha256 TEXT NOT NULL,
        status_code INTEGER NOT NULL,
        response TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (device_id, op_key)
    )""",
    # The change feed. ``seq`` is the cursor: monotonic, assigned by the database.
    """CREATE TABLE IF NOT EXISTS changes (
        seq {autoinc},
        dossier_id TEXT NOT NULL,
        unit_code TEXT NOT NULL,
        kind TEXT NOT NULL,
        status INTEGER NOT NULL,
        server_version INTEGER NOT NULL,
        origin_device TEXT,
        note TEXT,
        at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS changes_unit_seq ON changes (unit_code, seq)",
    """CREATE TABLE IF NOT EXISTS meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    # 0014_sync_upload_metadata: Upload-Metadata as the client sent it (tus HEAD answers it).
    """CREATE TABLE IF NOT EXISTS upload_metadata (
        upload_id TEXT PRIMARY KEY,
        metadata TEXT NOT NULL
    )""",
    # --- reports (issue 13): apology letters and change details ---------------------------
    # Every letter of a dossier, the counters' (from their bodies) and the province's, so a
    # counter's later upload can never drop one the province issued.
    """CREATE TABLE IF NOT EXISTS dossier_postponements (
        dossier_id TEXT NOT NULL,
        letter_number TEXT NOT NULL,
        issued_at TEXT NOT NULL,
        previous_due_at TEXT,
        new_due_at TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        clerk TEXT NOT NULL DEFAULT '',
        origin TEXT NOT NULL,
        PRIMARY KEY (dossier_id, letter_number)
    )""",
    # What a feed event carries beyond its status (a postponement's letter), by seq.
    """CREATE TABLE IF NOT EXISTS change_details (
        seq BIGINT PRIMARY KEY,
        details TEXT NOT NULL
    )""",
    # --- end reports ---
    # --- citizen screen (issue 16): queue tickets shared by a unit's counters, ratings ---
    """CREATE TABLE IF NOT EXISTS queue_numbers (
        unit_code TEXT NOT NULL,
        day TEXT NOT NULL,
        service TEXT NOT NULL,
        last INTEGER NOT NULL,
        PRIMARY KEY (unit_code, day, service)
    )""",
    """CREATE TABLE IF NOT EXISTS queue_tickets (
        id TEXT PRIMARY KEY,
        unit_code TEXT NOT NULL,
        day TEXT NOT NULL,
        service TEXT NOT NULL,
        number INTEGER NOT NULL,
        label TEXT NOT NULL,
        device_id TEXT NOT NULL,
        counter INTEGER NOT NULL,
        taken_at TEXT NOT NULL,
        called_at TEXT,
        called_counter INTEGER,
        called_device TEXT,
        called_by TEXT,
        finished_at TEXT,
        state TEXT NOT NULL,
        UNIQUE (unit_code, day, service, number)
    )""",
    "CREATE INDEX IF NOT EXISTS queue_tickets_unit_day ON queue_tickets (unit_code, day, state)",
    """CREATE TABLE IF NOT EXISTS ratings (
        id TEXT PRIMARY KEY,
        unit_code TEXT NOT NULL,
        dossier_id TEXT NOT NULL,
        occasion TEXT NOT NULL,
        level INTEGER NOT NULL,
        reason TEXT NOT NULL,
        clerk TEXT NOT NULL,
        procedure_code TEXT NOT NULL,
        counter INTEGER NOT NULL,
        at TEXT NOT NULL,
        device_id TEXT NOT NULL,
        received_at TEXT NOT NULL,
        UNIQUE (dossier_id, occasion)
    )""",
    # --- end of the citizen screen block ---
    # --- signature verdicts per uploaded file (issue 14; see central/signatures.py) ---
    """CREATE TABLE IF NOT EXISTS blob_signatures (
        sha256 TEXT NOT NULL,
        trust_id TEXT NOT NULL,
        verdict TEXT NOT NULL,
        checked_at TEXT NOT NULL,
        PRIMARY KEY (sha256, trust_id)
    )""",
    # Tickets a counter numbered itself while offline (``A2-07``), sent later by its sync
    # worker; their numbers live in the counter's own range, so they have a table of their own.
    """CREATE TABLE IF NOT EXISTS queue_offline_tickets (
        id TEXT PRIMARY KEY,
        unit_code TEXT NOT NULL,
        device_id TEXT NOT NULL,
        day TEXT NOT NULL,
        service TEXT NOT NULL,
        number INTEGER NOT NULL,
        label TEXT NOT NULL,
        counter INTEGER NOT NULL,
        taken_at TEXT NOT NULL,
        called_at TEXT,
        called_counter INTEGER,
        called_by TEXT,
        finished_at TEXT,
        state TEXT NOT NULL,
        received_at TEXT NOT NULL
    )""",
    # The feed's link from an event to the counter's request that made it (central/audit.py;
    # a table by ``seq`` beside ``changes``, like ``change_details``, so older databases need
    # no ALTER): a counter never takes its own change back as a new event.
    """CREATE TABLE IF NOT EXISTS change_operations (
        seq BIGINT PRIMARY KEY,
        operation_id TEXT NOT NULL
    )""",
    # Issue 27 (central/queue_ops.py): what a ticket carries beyond its number and calls:
    # the priority chosen, recalls, hold, the counter it was sent to. A table beside
    # queue_tickets (and queue_offline_tickets, by the same ticket id) so no ALTER is needed.
    """CREATE TABLE IF NOT EXISTS queue_ticket_marks (
        ticket_id TEXT PRIMARY KEY,
        priority TEXT NOT NULL DEFAULT '',
        recalls INTEGER NOT NULL DEFAULT 0,
        held_at TEXT,
        for_counter INTEGER,
        moved_from TEXT,
        booked_until TEXT
    )""",
    # Issue 27 (central/bookings.py): booked times shared by a unit's counters. One booking
    # per person per slot is also held by the partial unique indexes below.
    """CREATE TABLE IF NOT EXISTS bookings (
        code TEXT PRIMARY KEY,
        unit_code TEXT NOT NULL,
        service TEXT NOT NULL,
        at TEXT NOT NULL,
        day TEXT NOT NULL,
        phone TEXT NOT NULL DEFAULT '',
        id_number TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL,
        made_at TEXT NOT NULL,
        made_by TEXT NOT NULL DEFAULT '',
        device_id TEXT NOT NULL,
        ticket_label TEXT,
        ended_at TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS bookings_slot ON bookings (unit_code, service, day, state)",
    "CREATE UNIQUE INDEX IF NOT EXISTS bookings_phone_slot ON bookings "
    "(unit_code, service, at, phone) WHERE phone <> '' AND state IN ('booked', 'checked_in')",
    "CREATE UNIQUE INDEX IF NOT EXISTS bookings_id_slot ON bookings "
    "(unit_code, service, at, id_number) "
    "WHERE id_number <> '' AND state IN ('booked', 'checked_in')",
    # The booking settings a unit's counter published (kiosk/citizen/booking_publish.py):
    # the citizens' booking page (central/booking_page.py) computes slots from them.
    """CREATE TABLE IF NOT EXISTS booking_settings (
        unit_code TEXT PRIMARY KEY,
        settings TEXT NOT NULL,
        device_id TEXT NOT NULL,
        published_at TEXT NOT NULL
    )""",
    # --- schema 2 (issue 22): which unit proved it holds which blob (central/possession.py)
    """CREATE TABLE IF NOT EXISTS blob_owners (
        unit_code TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        proved_at TEXT NOT NULL,
        how TEXT NOT NULL,
        PRIMARY KEY (unit_code, sha256)
    )""",
]

# Receipts, refunds and the certification register (issue 23; central/money.py): new tables,
# created where missing like the rest.
TABLES += MONEY_TABLES
# Dossiers submitted online or by post, waiting for a counter (issue 25; central/incoming.py).
TABLES += INCOMING_TABLES
# Publications, counters' health, province accounts (issue 26; central/fleet.py).
TABLES += FLEET_TABLES
# Results of dossiers, from the province or scanned at a counter (issue 24; central/results.py).
TABLES += RESULT_TABLES
# Who published which booking settings of a unit, and their revisions (issue 27;
# central/booking_settings.py).
TABLES += BOOKING_SETTINGS_TABLES
# What a counter handed over for a dossier (issue 24; central/handover.py).
TABLES += HANDOVER_TABLES
# Dossiers taken together for interconnected procedures (issue 25 §3; central/groups.py).
TABLES += GROUP_TABLES
# What the national portal is owed, version by version (issue 25 §4; central/portal_outbox.py).
TABLES += PORTAL_TABLES
# A scanned document's number and dates as its unit's clerk confirmed them (issue 24 §3;
# central/paper_facts.py).
TABLES += PAPER_FACT_TABLES
# One narrow row per dossier for the period report at a province's scale (issue 28 §2;
# central/report_facts.py), kept by every write; filled once for older databases below.
TABLES += REPORT_TABLES + REPORT_MONTHS
# One narrow row per queue ticket for the province page's queue figures (issue 26 §4;
# central/queue_facts.py), kept by every ticket write; filled once for older databases below.
TABLES += QUEUE_FACT_TABLES

#: Columns schema 2 added to tables that schema 1 created.
ADDED_IN_2 = [("devices", "machine_id", "TEXT"), ("devices", "bound_at", "TEXT"),
               ("devices", "last_seen_at", "TEXT"), ("devices", "expires_at", "TEXT"),
               ("devices", "revoked_at", "TEXT")]


def migrate(tx: Tx, autoinc: str) -> None:
    """Create what is missing and bring an older database to :data:`SCHEMA_VERSION`."""
    tx.lock("schema")
    for ddl in TABLES:
        tx.execute(ddl.replace("{autoinc}", autoinc))
    row = tx.one("SELECT value FROM meta WHERE key = 'schema_version'")
    if row is None:  # a new database: the tables above are already the current ones
        tx.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                   (str(SCHEMA_VERSION),))
    elif int(row["value"]) < 2:
        for table, column, kind in ADDED_IN_2:
            tx.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        # A unit whose dossiers already list a blob keeps reaching it: before schema 2 that
        # was the rule for downloads. Blobs uploaded but not yet referenced are simply
        # uploaded again (the counter's HEAD now answers 404 for them).
        tx.execute("INSERT INTO blob_owners (unit_code, sha256, proved_at, how)"
                   " SELECT DISTINCT d.unit_code, p.sha256, ?, 'referenced'"
                   " FROM dossier_pages p JOIN dossiers d ON d.id = p.dossier_id",
                   (clock.iso(clock.now()),))
        tx.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                   (str(SCHEMA_VERSION),))
    if tx.one("SELECT value FROM meta WHERE key = 'report_facts'") is None:
        # A database from before report_facts: the rows of the dossiers it already holds
        # (a long first start for a big one, once; a new database has none).
        backfill_report_facts(tx)
        tx.execute("INSERT INTO meta (key, value) VALUES ('report_facts', '1')")
    if tx.one("SELECT value FROM meta WHERE key = 'queue_facts'") is None:
        # The same for the tickets of a database from before queue_facts.
        backfill_queue_facts(tx)
        tx.execute("INSERT INTO meta (key, value) VALUES ('queue_facts', '1')")
    if tx.one("SELECT value FROM meta WHERE key = 'possession_secret'") is None:
        # Signs the possession challenges (central/possession.py); shared by every server
        # process on this database, never sent anywhere.
        tx.execute("INSERT INTO meta (key, value) VALUES ('possession_secret', ?)",
                   (secrets.token_hex(32),))
