"""The fleet's tables (issue 26): what the province publishes to every counter, what each
counter reports about itself, and the province staff's accounts and sessions.

New tables only, created where missing like the rest of :mod:`central.schema`, so an older
database needs no schema version bump.
"""

SCHEMA = [
    # A published (or draft) catalog/calendar: the exact bytes the counters receive.
    """CREATE TABLE IF NOT EXISTS publications (
        kind TEXT NOT NULL,
        version TEXT NOT NULL,
        state TEXT NOT NULL,
        content TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        effective_on TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        published_at TEXT,
        PRIMARY KEY (kind, version)
    )""",
    # The counters that try a draft before it is published.
    """CREATE TABLE IF NOT EXISTS publication_pilots (
        kind TEXT NOT NULL,
        version TEXT NOT NULL,
        device_id TEXT NOT NULL,
        PRIMARY KEY (kind, version, device_id)
    )""",
    # The latest health report per counter (one row each: the fleet page reads only this).
    """CREATE TABLE IF NOT EXISTS device_health (
        device_id TEXT PRIMARY KEY,
        reported_at TEXT NOT NULL,
        report TEXT NOT NULL
    )""",
    # A short history per counter, pruned on every report.
    """CREATE TABLE IF NOT EXISTS device_health_log (
        device_id TEXT NOT NULL,
        reported_at TEXT NOT NULL,
        report TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS device_health_log_dev ON device_health_log"
    " (device_id, reported_at)",
    """CREATE TABLE IF NOT EXISTS province_users (
        username TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        unit_code TEXT,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        failed_count INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS province_sessions (
        token_sha256 TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    )""",
]

# One-time enrolment codes (the page shows one as a QR; the counter trades it for a token).
SCHEMA.append("""CREATE TABLE IF NOT EXISTS enrolment_codes (
        code_sha256 TEXT PRIMARY KEY,
        unit_code TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        device_id TEXT
    )""")
