"""Small durable values that belong with the data, not the config file.

For example the sync change-feed cursor, which must advance in the same transaction as the
changes it covers: call :func:`put` inside that transaction (on the writer connection).
"""

from __future__ import annotations

import json
from typing import Any

from kiosk.storage.sqlite import Database


def get(db: Database, key: str, default: Any = None) -> Any:
    row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return json.loads(row[0]) if row else default


def put(db: Database, key: str, value: Any) -> None:
    """Insert or replace; joins the caller's transaction when one is open."""
    with db.atomic():
        db.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value, ensure_ascii=False)),
        )
