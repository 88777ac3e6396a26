"""The table of dossiers submitted online or by post (central/incoming.py): no imports, so
central/schema.py can take it without a cycle."""

TABLES = [
    """CREATE TABLE IF NOT EXISTS incoming_dossiers (
        id TEXT PRIMARY KEY,
        unit_code TEXT NOT NULL,
        channel INTEGER NOT NULL,
        procedure_code TEXT NOT NULL,
        body TEXT NOT NULL,
        submitted_at TEXT NOT NULL,
        state TEXT NOT NULL,
        decided_by TEXT,
        decided_at TEXT,
        clerk TEXT,
        reason TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS incoming_unit_state ON incoming_dossiers (unit_code, state)",
]
