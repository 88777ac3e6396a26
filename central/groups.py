"""Interconnected dossiers (liên thông, issue 25 §3) on the central server.

A counter sends each dossier of a group with the group's label (``group`` in the body:
its id, its catalog code, its name and the codes of its dossiers). The label is kept in the
stored body like every field, and each dossier's membership in ``dossier_groups``, so the
province finds the dossiers of a family event together. A dossier never changes group.
Portable DDL (SQLite and PostgreSQL), appended to the server's tables by ``central.schema``.
"""

from __future__ import annotations

from typing import Any

from central.common import ApiError
from kiosk.i18n import _

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS dossier_groups (
        dossier_id TEXT PRIMARY KEY,
        group_id TEXT NOT NULL,
        group_code TEXT NOT NULL,
        unit_code TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS dossier_groups_group ON dossier_groups (group_id)",
]


def record(tx: Any, dossier_id: str, code: str, unit_code: str, group: Any, now: str) -> None:
    """Keep the dossier's group; refuse a later version that moves it to another one."""
    stored = tx.one("SELECT group_id FROM dossier_groups WHERE dossier_id = ?", (dossier_id,))
    if group is None:
        if stored is not None:
            raise ApiError(422, "group_changed",
                           _("Hồ sơ {code} thuộc nhóm liên thông, không được bỏ nhóm.",
                             code=code))
        return
    if stored is not None:
        if stored["group_id"] != group.id:
            raise ApiError(422, "group_changed",
                           _("Hồ sơ {code} đã thuộc nhóm liên thông khác.", code=code))
        return
    if code not in group.dossiers:
        raise ApiError(422, "group_mismatch",
                       _("Nhóm liên thông gửi kèm không liệt kê hồ sơ {code}.", code=code))
    tx.execute("INSERT INTO dossier_groups (dossier_id, group_id, group_code, unit_code,"
               " recorded_at) VALUES (?, ?, ?, ?, ?)",
               (dossier_id, group.id, group.code, unit_code, now))


def members(tx: Any, group_id: str) -> list[dict[str, Any]]:
    """The dossiers of a group the server holds, with their status."""
    return tx.all("SELECT d.id, d.code, d.status FROM dossier_groups g JOIN dossiers d"
                  " ON d.id = g.dossier_id WHERE g.group_id = ? ORDER BY d.code", (group_id,))
