"""A hostile or broken server cannot hurt the counter (issue 12 §4).

`kiosk sync --once` and `kiosk sync status` run as real subprocesses against a hostile HTTP
server on loopback (tests/sync/hostile.py) in front of the real central server. For each
misbehaviour: a clear exit (1 while items wait, 3 when only the pull failed; never 70), a
Vietnamese `last_error`, every item back to waiting (none in flight, none parked for a
person, no blob marked uploaded without the server's word), nothing sent to another origin;
then, against the good server, everything arrives exactly once and `last_error` is cleared.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from kiosk.storage import Store
from tests.sync.conftest import assert_sync_properties, save_dossier
from tests.sync.hostile import Rig


def _pass_fails(rig: Rig, mode: str, expect: str, exit_code: int = 1) -> dict[str, Any]:
    """1: items still waiting; 3: the pass failed with nothing waiting (README)."""
    rig.hostile.mode = mode
    code, out, err = rig.kiosk("sync", "--once", "--now")
    assert code == exit_code, (mode, code, out, err)
    assert expect in err, (mode, err)
    code, status, err = rig.kiosk("sync", "status")
    assert code == 0, (mode, err)
    assert status["last_error"] and expect in status["last_error"], (mode, status)
    assert status["in_flight"] == 0 and status["needs_attention"] == 0, (mode, status)
    return status


def test_a_hostile_server_cannot_hurt_the_counter(rig: Rig) -> None:
    store = Store(orphan_grace_seconds=None)
    saved = [save_dossier(store, pages=2, size=120_000) for _ in range(2)]
    store.close()
    code, out, err = rig.kiosk("sync", "enroll", "--server", rig.hostile.url,
                               "--token", rig.central.token)
    assert code == 0, err
    code, _out, err = rig.kiosk("config", "set", "sync.request_deadline_seconds", "4")
    assert code == 0, err

    # 1. Nothing may be sent or marked sent: the answer comes before any upload.
    nothing_sent = {
        "portal_everything": "không đúng giao thức",
        "portal_after_health": "không đúng giao thức",  # HEAD blob 200 from a portal
        "redirect_everything": "chuyển hướng",
        "redirect_after_health": "chuyển hướng",
        "health_naive_time": "không đúng giao thức",
        "health_bad_time": "không đúng giao thức",
        "health_list": "không đúng giao thức",
        "foreign_location": "địa chỉ khác",
        "drip_health": "quá chậm",
        "huge_health_declared": "quá lớn",
        "huge_health_streamed": "quá lớn",
    }
    for mode, expect in nothing_sent.items():
        attempts = rig.attempts()
        started = datetime.now(UTC).replace(microsecond=0)
        status = _pass_fails(rig, mode, expect)
        if mode in ("portal_after_health", "redirect_after_health", "foreign_location"):
            # The items were tried, and wait their backoff (not parked, not hammered). Two
            # dossiers go up at once, so the pass may end at the first captive answer before
            # the other was started: each was tried at most once, at least one was, and every
            # one tried was rescheduled by this pass (full jitter may make the delay ~0, so
            # "not before the pass started", to the second the outbox stores).
            after = rig.attempts()
            tried = [k for k in attempts if after[k][0] == attempts[k][0] + 1]
            assert tried and all(after[k][0] - attempts[k][0] in (0, 1) for k in attempts), mode
            assert all(datetime.fromisoformat(after[k][1]) >= started for k in tried), mode
        assert status["pending"] == 2 and status["done"] == 0, (mode, status)
        assert rig.outbox() == {"pending": 2, "uploaded_blobs": 0}, mode
        with rig.central.db.transaction(write=False) as tx:
            assert tx.all("SELECT id FROM dossiers") == [], mode
    # The token and the scans never reached the other port named in Location.
    assert rig.sink.connections == 0 and rig.sink.received == b""
    # 300 MB answers were read as a capped stream (a whole read took 1.4 GB).
    assert 0 < rig.peak_kib < 150 * 1024, rig.peak_kib  # ~55 MB measured

    # 2. The record reaches the server, but its ack is not a valid confirmation.
    for mode in ("truncated_ack", "list_ack", "empty_ack", "string_ack", "mistyped_ack",
                 "other_id_ack"):
        status = _pass_fails(rig, mode, "không đúng giao thức")
        assert status["pending"] == 2 and status["done"] == 0, (mode, status)
    assert rig.outbox()["uploaded_blobs"] == 4  # the blobs themselves were confirmed

    # 3. Pushes go through (replayed answers), the change feed lies.
    from central import service

    cursor = rig.kiosk("sync", "status")[1]["cursor"]
    service.set_status(rig.central.db, saved[0].code, 4, "chuyển phòng Tư pháp", "tỉnh")
    for mode in ("feed_next_abc", "feed_truncated"):
        status = _pass_fails(rig, mode, "không đúng giao thức", exit_code=3)
        assert status["done"] == 2 and status["cursor"] == cursor, (mode, status)
        with rig.db() as db:
            assert db.execute("SELECT status FROM dossiers WHERE id = ?",
                              (saved[0].id,)).fetchone()[0] != 4
    # A cursor stored by an older, trusting client no longer breaks anything.
    db_path = next(rig.home.rglob("kiosk.sqlite3"), None) or next(rig.home.rglob("*.sqlite3"))
    with sqlite3.connect(db_path) as db:
        db.execute("UPDATE sync_meta SET value = 'abc' WHERE key = 'cursor'")
    code, status, err = rig.kiosk("sync", "status")
    assert code == 0 and status["cursor"] == 0, err

    # 4. The good server again: one clean pass, the error is cleared, exactly once.
    rig.hostile.mode = "pass"
    code, out, err = rig.kiosk("sync", "--once", "--now")
    assert code == 0 and out["ok"] and out["waiting"] == 0, (out, err)
    assert out["pulled"] >= 1
    code, status, err = rig.kiosk("sync", "status")
    assert status["last_error"] is None and status["done"] == 2, status
    store = Store(orphan_grace_seconds=None)
    try:
        assert_sync_properties(store, rig.central)
        assert {s.code for s in saved} == {r[0] for r in store.read(
            lambda db: db.execute("SELECT code FROM dossiers").fetchall())}
    finally:
        store.close()
