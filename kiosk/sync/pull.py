"""Pull: the change feed (``GET /v1/changes``), each page checked before it is applied.

A page is applied and the cursor advanced in one transaction; a page that does not fit the
protocol (``"next": "abc"``, a cursor going back, HTML) is refused and nothing is stored.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import httpx

from kiosk import clock
from kiosk.i18n import _
from kiosk.storage import late
from kiosk.sync import incoming, results_sync, server_state, state, wire
from kiosk.sync.crash import crashpoint
from kiosk.sync.errors import BadResponse, Retry, describe, refused_token

PULL_LIMIT = 200


def pull(engine: Any) -> int:
    """Apply the change feed page by page; the cursor advances with the applied changes."""
    applied = 0
    resynced = False
    for _page in range(1000):
        cursor = engine.store.read(_cursor)
        try:
            r = engine.http.get("/v1/changes", params={"since": cursor, "limit": PULL_LIMIT},
                                headers=engine._headers(), extensions={"max_bytes": 16 << 20})
            if r.status_code == 410:
                oldest = error_int(r, "oldest")
                if oldest is None or oldest < cursor or resynced:
                    # Once per pass: a server answering 410 again after a resync is broken.
                    raise BadResponse(_("GET /v1/changes 410: «oldest» không hợp lệ"))
                applied += _resync(engine, oldest)
                resynced = True
                continue
            if r.status_code == 401:
                engine._note_error(refused_token(r))
                return applied
            if r.status_code != 200:
                engine._note_error(_("Không lấy được thay đổi ({status}).",
                                     status=r.status_code))
                return applied
            feed = wire.parse(r, wire.ChangeFeed, "GET /v1/changes")
            if feed.next < cursor or any(c.seq <= cursor or c.seq > feed.next
                                         for c in feed.changes):
                raise BadResponse(_("GET /v1/changes: con trỏ {next} lùi hoặc lệch",
                                    next=feed.next))
            # Result files are fetched and checked before the page's transaction.
            fetched = results_sync.prepare_page(engine, feed.changes)
        except (httpx.HTTPError, Retry) as exc:
            engine._note_error(describe(exc))
            return applied
        raw = list(r.json()["changes"])  # as the server sent them, for the UI

        def apply(db: Any, feed: wire.ChangeFeed = feed,
                  fetched: dict[int, Any] = fetched) -> int:
            n = 0
            with db.atomic():
                for change in feed.changes:
                    if change.kind == "result":
                        n += results_sync.apply(db, change, fetched.get(change.seq))
                        continue
                    n += apply_change(db, change)
                state.set_meta(db, "cursor", str(feed.next))
                # A pass that reached the server and read its feed is a success too.
                state.set_meta(db, "last_success", clock.iso(clock.now()))
            return n

        applied += engine.store.call(apply)
        crashpoint("pull_applied")
        for change in raw:
            engine._emit(kind="change", change=change)
        if not feed.more:
            break
    # Submissions the feed only named: their applicant, procedure and files' hashes.
    return applied + incoming.fetch_details(engine)


def apply_change(db: Any, change: wire.Change) -> int:
    """One feed event, inside the page's transaction; how many things changed here."""
    if change.kind in incoming.KINDS:
        return incoming.apply_change(db, change)
    if change.kind == "signature_invalid":
        return int(server_state.record_signature_notice(db, change.seq, change.dossier_id,
                                                  change.note))
    if server_state.is_own_operation(db, change.operation_id):
        return 0  # this counter's own change coming back: already here, never applied again
    n = 0
    if change.postponement is not None:
        n += late.apply_remote(db, change.dossier_id, [change.postponement])
    return n + server_state.apply_server_state(db, change.dossier_id, change.status,
                                         change.server_version, change.note)


def _resync(engine: Any, oldest: int) -> int:
    """The cursor is older than the feed keeps: fetch every open dossier's state."""
    from kiosk.dossier import FINAL

    final = tuple(int(s) for s in FINAL)
    ids = engine.store.read(lambda db: [r[0] for r in db.execute(
        "SELECT d.id FROM dossiers d JOIN sync_dossiers s ON s.dossier_id = d.id "
        f"WHERE d.status NOT IN ({','.join('?' * len(final))})", final).fetchall()])
    n = 0
    for dossier_id in ids:
        r = engine.http.get(f"/v1/dossiers/{dossier_id}", headers=engine._headers(),
                            extensions={"max_bytes": 64 << 20})
        if r.status_code != 200:
            continue
        cur = wire.parse(r, wire.DossierCurrent, "GET dossier")
        if cur.id != dossier_id:
            raise BadResponse(_("GET dossier: trả lời cho hồ sơ khác ({id})", id=cur.id[:40]))
        n += engine.store.call(partial(_apply_one, cur=cur.model_dump()))
    def set_cursor(db: Any) -> None:
        with db.atomic():
            state.set_meta(db, "cursor", str(oldest))

    engine.store.call(set_cursor)
    return n


def _cursor(db: Any) -> int:
    """The stored cursor; one that is not a number (written by an older, trusting client)
    starts the feed again from 0 — applying is idempotent by server version."""
    value = state.get_meta(db, "cursor", "0") or "0"
    return int(value) if value.isascii() and value.isdigit() else 0


def error_int(r: httpx.Response, key: str) -> int | None:
    value = wire.error_field(r, key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 \
        else None


def _apply_one(db: Any, cur: dict[str, Any]) -> int:
    with db.atomic():
        late.apply_remote(db, cur["id"], list(cur.get("postponements") or []))
        return int(server_state.apply_server_state(db, cur["id"], cur["status"],
                                             cur["server_version"], None))
