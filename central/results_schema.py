"""The central server's table of dossier results (issue 24, :mod:`central.results`).
Appended to the server's tables by ``central.schema``; portable DDL (SQLite and PostgreSQL)."""

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS dossier_results (
        id TEXT PRIMARY KEY,
        dossier_id TEXT NOT NULL,
        unit_code TEXT NOT NULL,
        kind TEXT NOT NULL,
        number TEXT NOT NULL,
        issued TEXT,
        valid_until TEXT,
        issuer TEXT NOT NULL,
        code TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size BIGINT NOT NULL,
        origin TEXT NOT NULL,
        device_id TEXT,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS dossier_results_dossier ON dossier_results (dossier_id)",
    # Every look-up of a citizen's papers and every reuse (central/papers.py).
    """CREATE TABLE IF NOT EXISTS paper_lookups (
        at TEXT NOT NULL,
        device_id TEXT NOT NULL,
        unit_code TEXT NOT NULL,
        action TEXT NOT NULL,
        id_number TEXT NOT NULL,
        detail TEXT NOT NULL
    )""",
]
