"""Notices to the citizen: who agreed to be told by what, and the outbox of notices
(migration 0042_notices; delivery is kiosk.notices).

A notice is made from what the record already says happened — a status event (accepted,
supplement asked, refused, result ready) or an apology letter — by :func:`collect`, which
walks those rows past a watermark. One notice per event and channel (UNIQUE), so collecting
twice never queues twice. A notice is ``pending`` until a pass takes it (``sending``,
committed before the send), then ``sent`` or back to ``pending`` with a later attempt, and
``failed`` after the last one. A row still ``sending`` when a pass starts was cut off by a
crash mid-send: it becomes ``unknown`` and is never resent by itself (the citizen may have
it already); the clerk sees it and may send it again.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from kiosk.clock import iso, now
from kiosk.dossier import Status
from kiosk.storage.sqlite import Database

SCHEMA = """
CREATE TABLE notice_consents (
    dossier_id TEXT PRIMARY KEY REFERENCES dossiers(id),
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    channels TEXT NOT NULL,
    source TEXT NOT NULL,
    confirmed_at TEXT NOT NULL
);
CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers(id),
    event TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unknown')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    UNIQUE (dossier_id, event, channel)
);
CREATE INDEX notices_due ON notices (state, next_attempt_at);
CREATE TABLE notice_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO notice_meta (key, value)
    SELECT 'status_events', coalesce(max(id), 0) FROM status_events;
INSERT INTO notice_meta (key, value)
    SELECT 'postponements', coalesce(max(id), 0) FROM postponements
"""

CHANNELS = ("email", "sms")


def chosen_channels(text: str) -> list[str]:
    """The channels of a ``--notify email,sms`` value, each checked; empty: no consent."""
    from kiosk.errors import InvalidInput
    from kiosk.i18n import _

    chosen = [c.strip() for c in text.split(",") if c.strip()]
    unknown = [c for c in chosen if c not in CHANNELS]
    if unknown:
        raise InvalidInput(_("Kênh thông báo «{value}» không hợp lệ.", value=unknown[0]),
                           hint=_("Dùng email, sms hoặc cả hai: --notify email,sms."))
    return chosen
#: Status moves the citizen is told about.
TOLD = {int(Status.RECEIVED): "received", int(Status.SUPPLEMENT): "supplement",
        int(Status.REFUSED): "refused", int(Status.DONE): "done"}


def consent(db: Database, dossier_id: str, *, email: str, phone: str, channels: list[str],
            source: str) -> None:
    """What the citizen agreed to (at intake, or by giving the contacts to the portal)."""
    chosen = [c for c in CHANNELS if c in channels and (email if c == "email" else phone)]
    db.conn.execute(
        "INSERT OR REPLACE INTO notice_consents (dossier_id, email, phone, channels, source,"
        " confirmed_at) VALUES (?, ?, ?, ?, ?, ?)",
        (dossier_id, email.strip(), phone.strip(), json.dumps(chosen), source, iso(now())))


def _meta(db: Database, key: str) -> int:
    row = db.execute("SELECT value FROM notice_meta WHERE key = ?", (key,)).fetchone()
    return int(row[0]) if row else 0


def _set_meta(db: Database, key: str, value: int) -> None:
    db.conn.execute("INSERT OR REPLACE INTO notice_meta (key, value) VALUES (?, ?)",
                    (key, str(value)))


def collect(db: Database, compose: Any, channels: tuple[str, ...] = CHANNELS) -> int:
    """Queue a notice for every new event of a dossier whose citizen agreed, by the
    ``channels`` this counter has set up; in one transaction with the watermarks.
    ``compose(kind, facts, channel)`` → (subject, body)."""
    made = 0
    with db.atomic():
        last = _meta(db, "status_events")
        events = list(db.query(
            "SELECT e.id, e.dossier_id, e.to_status, e.note, e.at, d.code, d.procedure_name,"
            " d.due_at, d.channel, c.email, c.phone, c.channels FROM status_events e"
            " JOIN dossiers d ON d.id = e.dossier_id"
            " JOIN notice_consents c ON c.dossier_id = e.dossier_id"
            " WHERE e.id > ? ORDER BY e.id", (last,)))
        for e in events:
            kind = TOLD.get(int(e["to_status"]))
            if kind is not None:
                made += _queue(db, e, f"status:{e['id']}", kind, compose, channels)
        top = db.execute("SELECT coalesce(max(id), 0) FROM status_events").fetchone()[0]
        _set_meta(db, "status_events", max(last, int(top)))
        last = _meta(db, "postponements")
        letters = list(db.query(
            "SELECT p.id, p.dossier_id, p.new_due_at AS due_at, p.reason AS note,"
            " p.issued_at AS at, d.code, d.procedure_name, d.channel, c.email, c.phone,"
            " c.channels FROM postponements p JOIN dossiers d ON d.id = p.dossier_id"
            " JOIN notice_consents c ON c.dossier_id = p.dossier_id"
            " WHERE p.id > ? ORDER BY p.id", (last,)))
        for p in letters:
            made += _queue(db, p, f"letter:{p['id']}", "postponed", compose, channels)
        top = db.execute("SELECT coalesce(max(id), 0) FROM postponements").fetchone()[0]
        _set_meta(db, "postponements", max(last, int(top)))
    return made


def _queue(db: Database, facts: dict[str, Any], event: str, kind: str, compose: Any,
           channels: tuple[str, ...]) -> int:
    made = 0
    for channel in json.loads(facts["channels"]):
        if channel not in channels:
            continue
        address = facts["email"] if channel == "email" else facts["phone"]
        if not address:
            continue
        subject, body = compose(kind, facts, channel)
        cur = db.conn.execute(
            "INSERT OR IGNORE INTO notices (dossier_id, event, kind, channel, address, subject,"
            " body, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (facts["dossier_id"], event, kind, channel, address, subject, body, iso(now()),
             iso(now())))
        made += cur.rowcount
    return made


def recover(db: Database) -> int:
    """A send cut off by a crash: never repeated by itself."""
    with db.atomic():
        return db.conn.execute(
            "UPDATE notices SET state = 'unknown', last_error = ? WHERE state = 'sending'",
            ("interrupted",)).rowcount


def due(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    return list(db.query(
        "SELECT n.*, d.code FROM notices n JOIN dossiers d ON d.id = n.dossier_id"
        " WHERE n.state = 'pending' AND n.next_attempt_at <= ? ORDER BY n.id LIMIT ?",
        (iso(now()), limit)))


def mark(db: Database, notice_id: int, state: str, *, error: str | None = None,
         retry_at: datetime | None = None) -> None:
    with db.atomic():
        if state == "sending":
            db.conn.execute("UPDATE notices SET state = 'sending', attempts = attempts + 1"
                            " WHERE id = ? AND state = 'pending'", (notice_id,))
        elif state == "sent":
            db.conn.execute("UPDATE notices SET state = 'sent', sent_at = ?, last_error = NULL"
                            " WHERE id = ?", (iso(now()), notice_id))
        else:
            db.conn.execute(
                "UPDATE notices SET state = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
                (state, error, iso(retry_at or now()), notice_id))


def retry(db: Database, notice_id: int) -> bool:
    """A person sends a failed or uncertain notice again."""
    with db.atomic():
        return db.conn.execute(
            "UPDATE notices SET state = 'pending', next_attempt_at = ? WHERE id = ?"
            " AND state IN ('failed', 'unknown')", (iso(now()), notice_id)).rowcount > 0


def of_dossier(db: Database, dossier_id: str) -> list[dict[str, Any]]:
    if not db.has_table("notices"):
        return []
    return list(db.query(
        "SELECT id, kind, channel, address, state, attempts, last_error, created_at, sent_at"
        " FROM notices WHERE dossier_id = ? ORDER BY id", (dossier_id,)))


def backoff(attempts: int) -> datetime:
    """1, 2, 4… minutes, at most an hour."""
    return now() + timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))

