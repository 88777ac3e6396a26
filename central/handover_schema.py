"""The central server's table of hand-overs (issue 24, :mod:`central.handover`). Appended to
the server's tables by ``central.schema``; portable DDL (SQLite and PostgreSQL)."""

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS dossier_handovers (
        dossier_id TEXT PRIMARY KEY,
        unit_code TEXT NOT NULL,
        device_id TEXT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        recipient TEXT NOT NULL,
        unscanned_reason TEXT,
        results TEXT NOT NULL,
        received_at TEXT NOT NULL
    )""",
]
