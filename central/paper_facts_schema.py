"""The central server's table of scanned documents' confirmed facts (issue 24 §3,
:mod:`central.paper_facts`). Appended to the server's tables by ``central.schema``;
portable DDL (SQLite and PostgreSQL)."""

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS paper_facts (
        paper_id TEXT PRIMARY KEY,
        dossier_id TEXT NOT NULL,
        component TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        id_number TEXT NOT NULL,
        unit_code TEXT NOT NULL,
        device_id TEXT NOT NULL,
        number TEXT NOT NULL,
        issued TEXT,
        valid_until TEXT,
        issuer TEXT NOT NULL,
        confirmed_by TEXT NOT NULL,
        confirmed_at TEXT NOT NULL,
        received_at TEXT NOT NULL
    )""",
]
