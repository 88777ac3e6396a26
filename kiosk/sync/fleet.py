"""The fleet's part of a sync pass (issue 26): take the province's catalog and calendar, then
say how this counter is doing.

Both run after the change feed, on the sync worker's thread. Neither fails the pass: a
publication this counter refuses is kept out, remembered (``sync_meta``) and reported in the
health report, so the province sees it; a health report that does not arrive is sent again
on the next pass.
"""

from __future__ import annotations

import logging
import shutil
import time
from typing import Any

import httpx

from kiosk import __version__, clock, paths, publications
from kiosk.errors import KioskError
from kiosk.i18n import _
from kiosk.sync import state, wire
from kiosk.sync.errors import Retry, Unauthorized, describe, refused_token

log = logging.getLogger(__name__)
KINDS = ("catalog", "calendar", "forms")
#: The printers' and scanners' states are asked at most this often (seconds).
DEVICES_EVERY = 600.0
MAX_PUBLICATION_BYTES = 60 << 20


def run(engine: Any) -> dict[str, Any]:
    """Pull both publications, then report; what changed, for ``kiosk sync run``."""
    out: dict[str, Any] = {}
    steps = [(kind, lambda kind=kind: pull_publication(engine, kind)) for kind in KINDS]
    for name, step in [*steps, ("health", lambda: report_health(engine))]:
        try:
            out[name] = step()
        except Unauthorized as exc:
            # Revoked, expired or bound elsewhere: said once, in the server's words.
            engine._note_error(str(exc))
            out[name] = {"error": str(exc)}
            break
        except (httpx.HTTPError, Retry) as exc:
            out[name] = {"error": describe(exc)}
    return out


def pull_publication(engine: Any, kind: str) -> dict[str, Any]:
    headers = engine._headers()
    status = publications.catalog_status(engine.store.config) if kind == "catalog" \
        else publications.calendar_status() if kind == "calendar" \
        else publications.forms_status()
    known = publications.known_sha(kind)
    if known and status["source"] == "central":
        headers["If-None-Match"] = f'"{known}"'
    r = engine.http.get(f"/v1/publications/{kind}", headers=headers,
                        extensions={"max_bytes": MAX_PUBLICATION_BYTES})
    if r.status_code == 401:
        raise Unauthorized(refused_token(r))
    if r.status_code in (304, 404):
        return {"changed": False, "version": status["version"]}
    if r.status_code != 200:
        engine._note_error(_("Không lấy được bản công bố {kind} ({status}).", kind=kind,
                             status=r.status_code))
        return {"error": r.status_code}
    pub = wire.parse(r, wire.Publication, f"GET /v1/publications/{kind}")
    if pub.version == status["version"] and status["source"] == "central":
        return {"changed": False, "version": pub.version}
    try:
        content = pub.content.encode("utf-8")
        if kind == "catalog":
            publications.install_catalog(content, engine.store.config, pub.sha256)
        elif kind == "calendar":
            publications.install_calendar(content, pub.sha256)
        else:
            publications.install_forms(content, pub.sha256)
    except KioskError as exc:
        # Kept out, said to the province: the counter goes on with what it has.
        refused = f"{pub.version}: {exc.message}"[:2000]
        engine.store.call(lambda db: _set(db, f"{kind}_refused", refused))
        engine._emit(kind="publication_refused", publication=kind, version=pub.version,
                     error=exc.message)
        return {"changed": False, "refused": refused, "version": status["version"]}
    engine.store.call(lambda db: _set(db, f"{kind}_refused", None))
    engine.store.reload_rules()
    engine._emit(kind="publication", publication=kind, version=pub.version)
    return {"changed": True, "version": pub.version, "state": pub.state}


def _set(db: Any, key: str, value: str | None) -> None:
    with db.atomic():
        if value is None:
            db.conn.execute("DELETE FROM sync_meta WHERE key = ?", (key,))
        else:
            state.set_meta(db, key, value)


def report_health(engine: Any) -> dict[str, Any]:
    report = collect_health(engine)
    r = engine.http.put("/v1/devices/self/health", json=report, headers=engine._headers(),
                        extensions={"max_bytes": 64 * 1024})
    if r.status_code == 401:
        raise Unauthorized(refused_token(r))
    if r.status_code != 200:
        engine._note_error(_("Máy chủ không nhận báo cáo tình trạng ({status}).",
                             status=r.status_code))
        return {"sent": False, "status": r.status_code}
    return {"sent": True, **report}


def collect_health(engine: Any) -> dict[str, Any]:
    """What the province needs to see about this counter (docs/FLEET.md lists each field)."""
    store = engine.store
    catalog = publications.catalog_status(store.config)
    calendar = publications.calendar_status()
    forms = publications.forms_status()

    def read(db: Any) -> dict[str, Any]:
        meta = dict(db.execute("SELECT key, value FROM sync_meta").fetchall())
        depth, oldest = db.execute(
            "SELECT count(*), min(created_at) FROM outbox"
            " WHERE state IN ('pending', 'in_flight')").fetchone()
        parked = db.execute(
            "SELECT count(*) FROM outbox WHERE state = 'needs_attention'").fetchone()[0]
        return {"meta": meta, "depth": int(depth), "oldest": oldest, "parked": int(parked)}

    facts = store.read(read)
    meta = facts["meta"]
    age = None
    if facts["oldest"]:
        age = max(0, int((clock.now() - clock.parse_iso(facts["oldest"])).total_seconds()))
    try:
        free: int | None = shutil.disk_usage(paths.data_dir()).free
    except OSError:
        free = None
    skew = meta.get("clock_skew_seconds")
    return {
        "app_version": __version__,
        "catalog_version": catalog["version"], "catalog_source": catalog["source"],
        "catalog_refused": meta.get("catalog_refused"),
        "calendar_version": calendar["version"],
        "calendar_refused": meta.get("calendar_refused"),
        "forms_version": forms["version"], "forms_refused": meta.get("forms_refused"),
        "outbox_depth": facts["depth"], "outbox_oldest_age_seconds": age,
        "parked": facts["parked"], "last_success": meta.get("last_success"),
        "disk_free_bytes": free,
        "clock_skew_seconds": int(skew) if skew and skew.lstrip("-").isdigit() else None,
        **device_states(engine),
    }


def device_states(engine: Any) -> dict[str, list[dict[str, str]]]:
    """Printers and scanners by name and state, asked again every :data:`DEVICES_EVERY`.

    The engine's ``device_states`` hook answers when the program gives one (the app knows
    its scanner's state without opening a second driver while a clerk scans); otherwise
    the device registry is asked, as ``kiosk devices`` does."""
    cached = getattr(engine, "_device_states", None)
    if cached and time.monotonic() - cached[0] < DEVICES_EVERY:
        return dict(cached[1])
    hook = getattr(engine, "device_states", None)
    try:
        if hook is not None:
            found = hook()
        else:
            from kiosk.devices.registry import list_all

            found = list_all(engine.store.config, ["printers", "scanners"])
    except Exception as exc:  # a device's trouble never stops the report
        log.warning("device states: %s", exc)
        found = {}
    states = {kind: [{"name": str(d.get("name", ""))[:200], "state": str(d.get("state", ""))[:40]}
                     for d in (found.get(kind) or [])[:20] if isinstance(d, dict)]
              for kind in ("printers", "scanners")}
    engine._device_states = (time.monotonic(), states)
    return states
