"""The province runs the fleet (issue 26): catalogs and calendars published to every
counter, and each counter's health kept in one place.

A publication is the exact bytes of a catalog or calendar file, checked here with the
counter's own rules (:func:`kiosk.catalog.loads_catalog`, :func:`kiosk.calendar_file.
loads_calendar`) before it is stored. A draft reaches only the counters named as its pilots;
publishing it makes it the version every counter pulls. The counter checks it again before it
switches: a publication forced into the database by hand is refused there too.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from central.common import ApiError, Device
from central.db import Database, IntegrityError
from kiosk import clock
from kiosk.errors import KioskError
from kiosk.i18n import _

KINDS = ("catalog", "calendar", "forms")
#: What a counter reports on every pass (central/fleet_routes.py HealthReport).
HEALTH_FIELDS = ("app_version", "catalog_version", "catalog_source", "catalog_refused",
                 "calendar_version", "calendar_refused", "forms_version", "forms_refused",
                 "outbox_depth",
                 "outbox_oldest_age_seconds", "parked", "last_success", "disk_free_bytes",
                 "clock_skew_seconds", "printers", "scanners")
#: Reports kept per counter beyond the latest (the short history the page shows).
HEALTH_HISTORY = 50
#: A counter that has not reported for this long is stale (``--stale-hours`` overrides).
STALE_HOURS = 24.0
#: Under this much free disk a counter is flagged (it stops saving scans soon after).
LOW_DISK_BYTES = 2 << 30
#: A clock this far off makes due times and signatures wrong.
SKEW_LIMIT_SECONDS = 300
#: The outbox's oldest item waiting longer than this means sending is stuck.
OUTBOX_AGE_LIMIT_SECONDS = 24 * 3600


def validate(kind: str, content: bytes) -> tuple[str, str | None]:
    """``(version, effective_on)`` of a publication, or the counter's own refusal."""
    if kind == "catalog":
        from kiosk.catalog import loads_catalog

        catalog = loads_catalog(content, _("bản công bố"))
        return catalog.version, catalog.published.isoformat()
    if kind == "calendar":
        from kiosk.calendar_file import loads_calendar

        return str(loads_calendar(content)["version"]), None
    if kind == "forms":
        from kiosk.publications import loads_forms

        return str(loads_forms(content)["version"]), None
    raise ApiError(404, "unknown_kind", _("Không có loại công bố «{kind}».", kind=kind[:40]))


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def _older(version: str, than: str) -> bool:
    """A pilot running a newer draft is not behind; a version that is no number is."""
    try:
        return _version_key(version) < _version_key(than)
    except ValueError:
        return True


def publish(db: Database, kind: str, content: bytes, *, draft: bool = False,
            pilots: list[str] | None = None, by: str = "admin") -> dict[str, Any]:
    """Store a new version (published, or a draft tried by ``pilots``). A version is never
    replaced: a correction is a new version, so every counter can say which one it has."""
    version, effective_on = validate(kind, content)
    text = content.decode("utf-8-sig")
    now = clock.iso(clock.now())
    with db.transaction() as tx:
        latest = _latest(tx, kind)
        if latest and _version_key(version) <= _version_key(latest["version"]):
            raise ApiError(409, "version_not_newer",
                           _("Phiên bản {new} không mới hơn phiên bản đã công bố {current}.",
                             new=version, current=latest["version"]))
        known = {d["id"] for d in tx.all("SELECT id FROM devices WHERE role = 'device'")}
        for device_id in pilots or []:
            if device_id not in known:
                raise ApiError(404, "device_not_found",
                               _("Không có thiết bị «{id}».", id=device_id[:80]))
        try:
            tx.execute("INSERT INTO publications (kind, version, state, content, sha256,"
                       " effective_on, created_at, created_by, published_at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (kind, version, "draft" if draft else "published", text,
                        hashlib.sha256(text.encode()).hexdigest(), effective_on, now, by,
                        None if draft else now))
        except IntegrityError:
            raise ApiError(409, "version_exists",
                           _("Phiên bản {version} đã có trên máy chủ.", version=version)) from None
        for device_id in pilots or []:
            tx.execute("INSERT INTO publication_pilots (kind, version, device_id)"
                       " VALUES (?, ?, ?)", (kind, version, device_id))
    return describe(db, kind, version)


def promote(db: Database, kind: str, version: str) -> dict[str, Any]:
    """Publish a draft to every counter."""
    now = clock.iso(clock.now())
    with db.transaction() as tx:
        row = tx.one("SELECT state FROM publications WHERE kind = ? AND version = ?",
                     (kind, version))
        if row is None:
            raise ApiError(404, "publication_not_found",
                           _("Không có bản {kind} phiên bản {version}.", kind=kind,
                             version=version))
        if row["state"] != "published":
            latest = _latest(tx, kind)
            if latest and _version_key(version) <= _version_key(latest["version"]):
                raise ApiError(409, "version_not_newer",
                               _("Phiên bản {new} không mới hơn phiên bản đã công bố "
                                 "{current}.", new=version, current=latest["version"]))
            tx.execute("UPDATE publications SET state = 'published', published_at = ?"
                       " WHERE kind = ? AND version = ?", (now, kind, version))
    return describe(db, kind, version)


def _latest(tx: Any, kind: str) -> dict[str, Any] | None:
    rows = tx.all("SELECT version, published_at FROM publications WHERE kind = ?"
                  " AND state = 'published'", (kind,))
    return max(rows, key=lambda r: _version_key(r["version"]), default=None)


def describe(db: Database, kind: str, version: str) -> dict[str, Any]:
    with db.transaction(write=False) as tx:
        row = tx.one("SELECT kind, version, state, sha256, effective_on, created_at,"
                     " created_by, published_at FROM publications WHERE kind = ?"
                     " AND version = ?", (kind, version))
        pilots = [r["device_id"] for r in tx.all(
            "SELECT device_id FROM publication_pilots WHERE kind = ? AND version = ?"
            " ORDER BY device_id", (kind, version))]
    if row is None:
        raise ApiError(404, "publication_not_found",
                       _("Không có bản {kind} phiên bản {version}.", kind=kind, version=version))
    return {**row, "pilots": pilots}


def publications(db: Database, kind: str | None = None) -> list[dict[str, Any]]:
    """Every version, newest first, with how many counters report having it."""
    with db.transaction(write=False) as tx:
        rows = tx.all("SELECT kind, version, state, sha256, effective_on, created_at,"
                      " created_by, published_at FROM publications"
                      + (" WHERE kind = ?" if kind else ""), (kind,) if kind else ())
        reports = [json.loads(r["report"]) for r in tx.all("SELECT report FROM device_health")]
    in_use: dict[tuple[str, str], int] = {}
    for report in reports:
        for k in KINDS:
            v = report.get(f"{k}_version")
            if isinstance(v, str):
                in_use[(k, v)] = in_use.get((k, v), 0) + 1
    rows.sort(key=lambda r: (r["kind"], _version_key(r["version"])), reverse=True)
    return [{**r, "counters": in_use.get((r["kind"], r["version"]), 0)} for r in rows]


def current_for(db: Database, dev: Device, kind: str) -> dict[str, Any] | None:
    """What ``dev`` should run: the newest published version, or a newer draft it pilots."""
    if kind not in KINDS:
        raise ApiError(404, "unknown_kind", _("Không có loại công bố «{kind}».", kind=kind[:40]))
    with db.transaction(write=False) as tx:
        rows = tx.all("SELECT p.version, p.state, p.content, p.sha256, p.effective_on,"
                      " p.published_at FROM publications p WHERE p.kind = ? AND"
                      " (p.state = 'published' OR EXISTS (SELECT 1 FROM publication_pilots x"
                      " WHERE x.kind = p.kind AND x.version = p.version AND x.device_id = ?))",
                      (kind, dev.id))
    best = max(rows, key=lambda r: _version_key(r["version"]), default=None)
    return {"kind": kind, **best} if best else None


# --- health --------------------------------------------------------------------------------

def record_health(db: Database, dev: Device, report: dict[str, Any]) -> dict[str, Any]:
    """Keep a counter's report as the latest, and in its short history."""
    now = clock.iso(clock.now())
    text = json.dumps(report, ensure_ascii=False, sort_keys=True)
    with db.transaction() as tx:
        if db.postgres:
            # A report lost to a crash in the next instant is sent again by the counter's
            # next pass: no need to wait for the WAL flush (issue 26 §4: it was most of the
            # p99). Dossiers and everything else keep the durable commit.
            tx.execute("SET LOCAL synchronous_commit TO OFF")
        # Three statements, one round trip each: the latest, the log, the log's trim.
        tx.execute("INSERT INTO device_health (device_id, reported_at, report) VALUES (?, ?, ?)"
                   " ON CONFLICT (device_id) DO UPDATE SET reported_at = excluded.reported_at,"
                   " report = excluded.report", (dev.id, now, text))
        tx.execute("INSERT INTO device_health_log (device_id, reported_at, report)"
                   " VALUES (?, ?, ?)", (dev.id, now, text))
        tx.execute("DELETE FROM device_health_log WHERE device_id = ? AND reported_at <= ("
                   "SELECT reported_at FROM device_health_log WHERE device_id = ?"
                   " ORDER BY reported_at DESC LIMIT 1 OFFSET ?)",
                   (dev.id, dev.id, HEALTH_HISTORY))
    return {"received_at": now}


def history(db: Database, device_id: str) -> list[dict[str, Any]]:
    with db.transaction(write=False) as tx:
        rows = tx.all("SELECT reported_at, report FROM device_health_log WHERE device_id = ?"
                      " ORDER BY reported_at DESC", (device_id,))
    return [{"reported_at": r["reported_at"], **json.loads(r["report"])} for r in rows]


def devices(db: Database, *, stale_hours: float = STALE_HOURS,
            unit: str | None = None) -> list[dict[str, Any]]:
    """Every counter with its unit, last contact, latest report and what is wrong with it;
    the ones that need someone first."""
    from central.service import DEVICE_COLUMNS

    cols = ", ".join(f"d.{c}" for c in DEVICE_COLUMNS)
    with db.transaction(write=False) as tx:
        rows = tx.all(f"SELECT {cols}, h.reported_at, h.report FROM devices d LEFT JOIN"
                      " device_health h ON h.device_id = d.id WHERE d.role = 'device'"
                      + (" AND d.unit_code = ?" if unit else "")
                      + " ORDER BY d.unit_code, d.name, d.id", (unit,) if unit else ())
        published = {k: _latest(tx, k) for k in KINDS}
    now = clock.now()
    out = []
    for r in rows:
        raw = r.pop("report")
        report = json.loads(raw) if raw else None
        entry = {**r, "revoked": bool(r["revoked"]), "last_contact": r["last_seen_at"],
                 # The report's fields at the top too (``jq '.[].catalog_version'``).
                 **{k: (report or {}).get(k) for k in HEALTH_FIELDS},
                 "health": report}
        entry["problems"] = problems(entry, now, stale_hours, published)
        entry["stale"] = "stale" in entry["problems"] or "never_reported" in entry["problems"]
        entry["ok"] = not entry["problems"]
        out.append(entry)
    out.sort(key=lambda e: (e["revoked"], e["ok"], e["unit_code"], e["name"]))
    return out


def problems(entry: dict[str, Any], now: Any, stale_hours: float,
             published: dict[str, dict[str, Any] | None]) -> list[str]:
    """Short codes for what needs someone (the page says each in words)."""
    if entry["revoked"]:
        return []
    report = entry["health"]
    if report is None:
        return ["never_reported"]
    found = []
    if clock.parse_iso(entry["reported_at"]) < now - timedelta(hours=stale_hours):
        found.append("stale")
    if int(report.get("parked") or 0) > 0:
        found.append("outbox_parked")
    if int(report.get("outbox_oldest_age_seconds") or 0) > OUTBOX_AGE_LIMIT_SECONDS:
        found.append("outbox_stuck")
    free = report.get("disk_free_bytes")
    if isinstance(free, int) and free < LOW_DISK_BYTES:
        found.append("disk_low")
    skew = report.get("clock_skew_seconds")
    if isinstance(skew, int | float) and abs(skew) > SKEW_LIMIT_SECONDS:
        found.append("clock_skew")
    for kind in ("printers", "scanners"):
        states = [d.get("state") for d in report.get(kind) or [] if isinstance(d, dict)]
        if states and not any(s in ("ready", "idle", "busy") for s in states):
            found.append(f"{kind[:-1]}_failing")
    for kind in KINDS:
        if report.get(f"{kind}_refused"):
            found.append(f"{kind}_refused")
        latest = published.get(kind)
        mine = report.get(f"{kind}_version")
        if latest and (not isinstance(mine, str) or _older(mine, latest["version"])):
            found.append(f"{kind}_behind")
    return found


def refusal(exc: KioskError) -> ApiError:
    """A publication refused by the counter's rules, as the server's 422."""
    return ApiError(422, "publication_invalid", exc.message, hint=exc.hint or "")
