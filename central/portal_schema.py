"""The national portal outbox's table (issue 25 §4, :mod:`central.portal_outbox`).
Appended to the server's tables by ``central.schema``; portable DDL (SQLite and PostgreSQL)."""

PORTAL_TABLES = [
    """CREATE TABLE IF NOT EXISTS portal_outbox (
        id {autoinc},
        dossier_id TEXT NOT NULL,
        code TEXT NOT NULL,
        unit_code TEXT NOT NULL,
        version INTEGER NOT NULL,
        service TEXT NOT NULL,
        step INTEGER NOT NULL DEFAULT 0,
        payload TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at TEXT NOT NULL,
        last_error TEXT,
        answer TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        failed_at TEXT,
        UNIQUE (dossier_id, version, service, step)
    )""",
    "CREATE INDEX IF NOT EXISTS portal_outbox_due ON portal_outbox (state, next_at)",
    "CREATE INDEX IF NOT EXISTS portal_outbox_dossier ON portal_outbox (dossier_id, id)",
]

