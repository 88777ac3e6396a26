"""The sync client does not take a server's — or a proxy's — word for more than it proves
(issue 22 §0–§2). On the user's path: `kiosk sync …` as subprocesses, the real central
server on loopback, a lying or forging proxy in front of it (tests/sync/hostile.py)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from kiosk.storage import Store
from tests.sync.conftest import assert_sync_properties, save_dossier
from tests.sync.hostile import Rig


def _enroll(rig: Rig, *settings: tuple[str, str]) -> None:
    code, _out, err = rig.kiosk("sync", "enroll", "--server", rig.hostile.url,
                                "--token", rig.central.token)
    assert code == 0, err
    for key, value in settings:
        code, _out, err = rig.kiosk("config", "set", key, value)
        assert code == 0, err


def _save(n: int, pages: int = 2, size: int = 60_000) -> list[Any]:
    store = Store(orphan_grace_seconds=None)
    try:
        return [save_dossier(store, pages=pages, size=size) for _ in range(n)]
    finally:
        store.close()


def _server_ids(rig: Rig) -> set[str]:
    with rig.central.db.transaction(write=False) as tx:
        return {r["id"] for r in tx.all("SELECT id FROM dossiers")}


def _check_everything_arrived(rig: Rig) -> None:
    store = Store(orphan_grace_seconds=None)
    try:
        assert_sync_properties(store, rig.central)
    finally:
        store.close()


def test_a_lying_proxy_is_caught_by_the_audit(rig: Rig) -> None:
    """Records and uploads acknowledged without being forwarded: marked sent, the server
    has nothing. `kiosk sync audit` finds every one and queues it again; the next pass
    delivers them, exactly once."""
    _enroll(rig, ("sync.audit_interval_hours", "0"))
    saved = _save(2)
    rig.hostile.mode = "lie"
    code, out, err = rig.kiosk("sync", "--once", "--now")
    assert code == 0 and out["sent"] == 2 and out["still_waiting"] == 0, (out, err)
    assert _server_ids(rig) == set()  # the lie: "sent", and nothing there
    # Only the record lied about (the uploads were real), for a third dossier.
    rig.hostile.mode = "lie_put"
    saved += _save(1)
    code, out, err = rig.kiosk("sync", "--once", "--now")
    assert code == 0 and out["sent"] == 1, (out, err)
    assert _server_ids(rig) == set()

    rig.hostile.mode = "pass"
    code, report, err = rig.kiosk("sync", "audit", "--days", "2")
    assert code == 1, (report, err)  # something was missing (and is queued again)
    totals = report["totals"]
    assert totals["believed_delivered"] == 3 and totals["missing"] == 3, report
    assert totals["on_server"] == 0 and totals["requeued"] == 3 and not report["ok"]
    today = report["days"][0]
    assert {c["code"] for c in today["codes"]} == {s.code for s in saved}
    # `sync status` shows the audit and what waits again.
    code, status, err = rig.kiosk("sync", "status")
    assert status["last_audit"]["totals"]["missing"] == 3 and status["waiting"] == 3, status
    # Auditing again before anything was sent queues nothing twice.
    code, again, err = rig.kiosk("sync", "audit", "--day", today["day"])
    assert again["totals"]["requeued"] == 0 and again["totals"]["waiting"] == 3, again

    code, out, err = rig.kiosk("sync", "--once")
    assert code == 0 and out["still_waiting"] == 0, (out, err)
    assert _server_ids(rig) == {s.id for s in saved}
    _check_everything_arrived(rig)
    code, clean, err = rig.kiosk("sync", "audit")
    assert code == 0 and clean["ok"] and clean["totals"]["on_server"] == 3, clean


def test_the_periodic_audit_catches_a_restored_server(rig: Rig) -> None:
    """A server restored from an old backup lost a dossier's later steps and a page's
    bytes: the pass's own audit (sync.audit_interval_hours) finds both and re-sends them."""
    _enroll(rig)
    saved = _save(2)
    code, out, err = rig.kiosk("sync", "--once")
    assert code == 0, (out, err)
    assert out["audit"]["ok"] and out["audit"]["totals"]["on_server"] == 2, out
    # The clerk hands the result back: 2 → 9 → 10 reach the server.
    store = Store(orphan_grace_seconds=None)
    try:
        store.change_status(saved[0].code, 9, actor="clerk1")
        store.change_status(saved[0].code, 10, actor="clerk1")
    finally:
        store.close()
    code, out, err = rig.kiosk("sync", "--once")
    assert code == 0 and "audit" not in out, (out, err)  # audited less than a day ago
    # The restore: the server is back at version 1 of dossier 0 (status 2), and the bytes of
    # one page of dossier 1 are gone from the blob directory (its row is still there).
    with rig.central.db.transaction() as tx:
        tx.execute("UPDATE dossiers SET status = 2, server_version = 1, returned_at = NULL,"
                   " finished_at = NULL WHERE id = ?", (saved[0].id,))
        tx.execute("DELETE FROM changes WHERE dossier_id = ? AND server_version > 1",
                   (saved[0].id,))
        tx.execute("DELETE FROM idempotency")
        lost = tx.one("SELECT sha256 FROM dossier_pages WHERE dossier_id = ? ORDER BY sha256",
                      (saved[1].id,))["sha256"]  # type: ignore[index]
    rig.central.blobs.blob_path(lost).unlink()
    # A day later the pass audits again by itself.
    _age_last_audit(rig, hours=25)
    code, out, err = rig.kiosk("sync", "--once")
    audit = out["audit"]["totals"]
    assert audit["version_mismatch"] == 1 and audit["missing_blobs"] == 1, out
    assert audit["requeued"] == 3, out  # the 9 and 10 steps, and the page
    code, out, err = rig.kiosk("sync", "--once")
    assert code == 0 and out["still_waiting"] == 0, (out, err)
    with rig.central.db.transaction(write=False) as tx:
        steps = [r["status"] for r in tx.all(
            "SELECT status FROM changes WHERE dossier_id = ? ORDER BY seq", (saved[0].id,))]
    assert steps == [2, 9, 10]
    assert rig.central.blobs.rehash(lost) == lost
    _check_everything_arrived(rig)


def _age_last_audit(rig: Rig, hours: float) -> None:
    import json

    with rig.db() as ro:
        raw = ro.execute("SELECT value FROM sync_meta WHERE key = 'last_audit'").fetchone()[0]
    value = json.loads(raw)
    value["at"] = (datetime.fromisoformat(value["at"]) - timedelta(hours=hours)).isoformat()
    db_path = next(rig.home.rglob("kiosk.sqlite3"))
    with sqlite3.connect(db_path) as db:
        db.execute("UPDATE sync_meta SET value = ? WHERE key = 'last_audit'",
                   (json.dumps(value),))


def test_forged_refusals_get_one_retry_after_a_clean_pass(rig: Rig) -> None:
    _enroll(rig, ("sync.audit_interval_hours", "0"))
    saved = _save(2, pages=1)
    # 1. A forged 403: parked for a person, with the reason shown.
    rig.hostile.mode = "forge_403"
    code, out, err = rig.kiosk("sync", "--once", "--now")
    assert code == 1 and out["needs_attention"] == 2 and out["still_waiting"] == 2, (out, err)
    code, parked, err = rig.kiosk("sync", "parked")
    assert {p["code"] for p in parked["parked"]} == {s.code for s in saved}
    assert all("forged 403" in p["reason"] and not p["auto_retried"] for p in parked["parked"])
    # 2. The real server answers again: the clean pass retries each parked item once.
    rig.hostile.mode = "pass"
    code, out, err = rig.kiosk("sync", "--once")
    assert code == 0 and out["still_waiting"] == 0 and out["needs_attention"] == 0, (out, err)
    _check_everything_arrived(rig)

    # 3. A refusal that persists: retried once, then it stays parked with its reason.
    more = _save(1, pages=1)[0]
    rig.hostile.mode = "forge_422"
    code, out, err = rig.kiosk("sync", "--once")
    assert code == 1 and out["needs_attention"] == 1, out
    code, out, err = rig.kiosk("sync", "--once")  # no new refusal: the one retry, refused
    assert code == 1 and out["needs_attention"] == 1, out
    attempts = rig.attempts()
    code, out, err = rig.kiosk("sync", "--once", "--now")
    assert rig.attempts() == attempts  # parked for good: not hammered
    code, parked, err = rig.kiosk("sync", "parked")
    assert [(p["code"], p["auto_retried"]) for p in parked["parked"]] == [(more.code, True)]
    code, status, err = rig.kiosk("sync", "status")
    assert status["parked"][0]["reason"].endswith("forged 422"), status
    # An admin's retry, by dossier code, once the proxy is gone.
    code, out, err = rig.kiosk("sync", "retry", "MISSING-CODE")
    assert code == 2 and "kiosk sync parked" in err
    code, out, err = rig.kiosk("sync", "retry", more.code)
    assert code == 0 and out["count"] == 1, err
    rig.hostile.mode = "pass"
    code, out, err = rig.kiosk("sync", "--once")
    assert code == 0 and out["still_waiting"] == 0, (out, err)
    _check_everything_arrived(rig)


def test_a_location_on_another_path_is_not_a_refusal(rig: Rig) -> None:
    """A tus Location pointing at /v1/dossiers/… of the same server: never PATCHed, the
    item waits with backoff instead of being parked; then it goes through."""
    _enroll(rig, ("sync.audit_interval_hours", "0"))
    _save(1, pages=1, size=600_000)  # more than one chunk: the upload URL is used
    rig.hostile.mode = "location_other_path"
    code, out, err = rig.kiosk("sync", "--once", "--now")
    assert code == 1 and out["needs_attention"] == 0 and out["waiting"] == 1, (out, err)
    assert "phiên tải lên" in err
    assert not [m for m, p in rig.hostile.seen if m == "PATCH" and p.startswith("/v1/dossiers")]
    rig.hostile.mode = "pass"
    code, out, err = rig.kiosk("sync", "--once", "--now")
    assert code == 0, (out, err)
    _check_everything_arrived(rig)


def test_retry_after_cannot_park_the_outbox(rig: Rig) -> None:
    _enroll(rig, ("sync.audit_interval_hours", "0"), ("sync.retry_after_max_seconds", "600"))
    _save(1, pages=1)
    for mode in ("retry_after_2099", "retry_after_huge", "retry_after_garbage"):
        rig.hostile.mode = mode
        before = datetime.now(UTC)
        code, out, err = rig.kiosk("sync", "--once", "--now")
        assert code == 1 and out["waiting"] == 1, (mode, out, err)  # never 70
        ((_attempts, next_at),) = rig.attempts().values()
        wait = datetime.fromisoformat(next_at) - before
        # At most the configured cap (or the backoff's own 15-minute ceiling).
        assert wait <= timedelta(seconds=max(600, 15 * 60) + 5), (mode, next_at)
        if mode == "retry_after_2099":
            assert wait >= timedelta(seconds=590), (mode, next_at)  # honoured, up to the cap
    # --now ignores any wait: delivered at once.
    rig.hostile.mode = "pass"
    code, out, err = rig.kiosk("sync", "--once", "--now")
    assert code == 0 and out["sent"] == 1, (out, err)
    _check_everything_arrived(rig)


def test_once_exit_statuses(rig: Rig) -> None:
    # Not enrolled: a configuration problem, 2.
    code, out, err = rig.kiosk("sync", "--once")
    assert code == 2 and "enroll" in err
    _enroll(rig, ("sync.audit_interval_hours", "0"))
    # Nothing waiting and the server reachable: 0.
    code, out, err = rig.kiosk("sync", "--once", "--now")
    assert code == 0 and out["still_waiting"] == 0, err
    # Items that could not go: 1, with the count.
    _save(2, pages=1)
    rig.hostile.mode = "portal_everything"
    code, out, err = rig.kiosk("sync", "--once", "--now")
    assert code == 1 and out["still_waiting"] == 2 and "2" in err, (out, err)
    rig.hostile.mode = "pass"
    code, out, err = rig.kiosk("sync", "--once", "--now")
    assert code == 0 and out["still_waiting"] == 0
    # The pass failed with nothing waiting (a broken feed): 3.
    rig.hostile.mode = "feed_truncated"
    code, out, err = rig.kiosk("sync", "--once", "--now")
    assert code == 3 and out["still_waiting"] == 0 and err.strip(), (out, err)
    # Offline with nothing waiting: 3 as well.
    rig.hostile.stop()
    code, out, err = rig.kiosk("sync", "--once", "--now")
    assert code == 3 and out["online"] is False, (out, err)


def test_a_bad_ca_file_is_named(rig: Rig, tmp_path: Any) -> None:
    _enroll(rig)
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("đây không phải chứng thư\n")
    for value, problem in ((str(not_pem), "không chứa chứng thư PEM"),
                           (str(tmp_path), "là một thư mục"),
                           (str(tmp_path / "missing.pem"), "không tồn tại")):
        code, _out, err = rig.kiosk("config", "set", "sync.ca_file", value)
        assert code == 0, err
        for args in (("sync", "--once"), ("sync", "audit"), ("sync", "run")):
            code, _out, err = rig.kiosk(*args)
            assert code == 2, (args, value, code, err)
            assert "sync.ca_file" in err and value in err and problem in err, (args, err)
