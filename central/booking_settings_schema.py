"""The table of central/booking_settings.py: who published which booking settings of a unit
(issue 27). Created where missing, like every table of central/schema.py."""

TABLES = [
    """CREATE TABLE IF NOT EXISTS booking_settings_log (
        id {autoinc},
        unit_code TEXT NOT NULL,
        device_id TEXT NOT NULL,
        device_name TEXT NOT NULL DEFAULT '',
        published_at TEXT NOT NULL,
        outcome TEXT NOT NULL,
        revision INTEGER NOT NULL,
        base_revision INTEGER NOT NULL,
        digest TEXT NOT NULL,
        settings TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS booking_settings_log_unit ON booking_settings_log "
    "(unit_code, id)",
]
