"""End to end: a real Store, the real server on loopback, the sync engine between them."""

from __future__ import annotations

import httpx
import pytest

from central import service
from central.faults import FaultRule
from kiosk.errors import ConfigError
from kiosk.sync import credentials
from kiosk.sync.engine import backoff_delay
from kiosk.sync.status import dossier_sync_state, sync_status
from kiosk.sync.transport import check_server_url
from kiosk.sync.worker import AlreadyRunning, InstanceLock, SyncWorker
from tests.sync.conftest import Central, assert_sync_properties, engine_for, save_dossier


def test_backlog_reaches_server_once_and_statuses_come_back(store, central: Central) -> None:
    saved = [save_dossier(store) for _ in range(3)]
    events: list[dict] = []
    engine = engine_for(store, central.url, central.token, on_event=events.append)
    assert dossier_sync_state(store, saved[0].id) == "saved"
    result = engine.run_once()
    assert result["online"] and result["sent"] == 3 and result["waiting"] == 0
    assert dossier_sync_state(store, saved[0].id) == "sent"
    assert any(e.get("state") == "sending" and e.get("percent", 0) > 0 for e in events)
    assert_sync_properties(store, central)
    # The province moves one dossier; the counter learns it on the next pass.
    service.set_status(central.db, saved[1].code, 4, "chuyển phòng Tư pháp", "chuyên viên")
    service.set_status(central.db, saved[1].code, 9, "xong", "chuyên viên")
    assert engine.run_once()["pulled"] == 2
    assert store.get_dossier(saved[1].code)["status"] == 9
    assert_sync_properties(store, central)
    # The clerk returns the result at the counter: 9 → 10 goes up.
    store.change_status(saved[1].code, 10, actor="clerk1")
    engine.run_once()
    assert service.find_dossier(central.db, code=saved[1].code)["status"] == 10  # type: ignore[index]
    assert_sync_properties(store, central)
    # Nothing left: a further pass sends nothing and changes nothing.
    again = engine.run_once()
    assert again["sent"] == 0 and again["pulled"] == 0
    # Years later the done rows are pruned; the dossier still shows as sent.
    from datetime import timedelta

    from kiosk import clock
    from kiosk.storage import outbox

    store.call(lambda db: outbox.prune_done(db, clock.now() + timedelta(days=1)))
    assert store.outbox_counts()["done"] == 0
    assert dossier_sync_state(store, saved[0].id) == "sent"


def test_stale_status_change_is_rebased_on_server_version(store, central: Central) -> None:
    d = save_dossier(store, pages=1)
    engine = engine_for(store, central.url, central.token)
    engine.run_once()
    # Both sides move before hearing from each other: the server to 4, the counter 2 → 5.
    service.set_status(central.db, d.code, 4, "đang xử lý", "tỉnh")
    store.change_status(d.code, 5, actor="clerk1", note="thiếu giấy chứng sinh")
    engine.run_once(ignore_backoff=True)
    # Resolved by server version: the server's 4 was taken, then 4 → 5 was sent on top.
    assert service.find_dossier(central.db, code=d.code)["status"] == 5  # type: ignore[index]
    assert store.get_dossier(d.code)["status"] == 5
    assert_sync_properties(store, central)


def test_refused_item_needs_attention_and_does_not_block_others(store, central: Central,
                                                                monkeypatch) -> None:
    bad = save_dossier(store, pages=1)
    good = save_dossier(store, pages=1)
    # A record the server refuses for good (here: a body made invalid on purpose).
    from kiosk.sync import payload

    real = payload.dossier_body

    def broken(record, status, base):  # type: ignore[no-untyped-def]
        body = real(record, status, base)
        if record["id"] == bad.id:
            body["channel"] = 9
        return body

    monkeypatch.setattr("kiosk.sync.record_push.dossier_body", broken)
    engine = engine_for(store, central.url, central.token)
    result = engine.run_once()
    assert result["sent"] == 1 and result["needs_attention"] == 1
    assert dossier_sync_state(store, bad.id) == "needs_attention"
    assert dossier_sync_state(store, good.id) == "sent"
    status = sync_status(store)
    assert status["needs_attention"] == 1 and "422" in status["last_error"]
    assert service.find_dossier(central.db, dossier_id=bad.id) is None
    # Kept, never deleted, with the reason, for a person to see.
    kept = store.read(lambda db: db.execute(
        "SELECT dossier_id, last_error FROM outbox WHERE state = 'needs_attention'").fetchall())
    assert (kept == [(bad.id, kept[0][1])] and "channel" in kept[0][1]) or "422" in kept[0][1]


def test_server_errors_retry_with_backoff_then_succeed(store, central: Central) -> None:
    save_dossier(store, pages=2)
    central.plan.add(FaultRule("503", method="PUT", count=1))
    # A chunk fails: small pages ride on the creation POST (creation-with-upload).
    central.plan.add(FaultRule("500", method="POST|PATCH", path="/v1/uploads.*", count=1))
    engine = engine_for(store, central.url, central.token)
    first = engine.run_once()
    assert first["sent"] == 0 and first["retrying"] == 1
    item = store.pending_outbox(due_before=None) or store.read(lambda db: db.execute(
        "SELECT next_attempt_at, last_error FROM outbox").fetchall())
    assert item  # scheduled later, with the reason kept
    for _ in range(4):
        if engine.run_once(ignore_backoff=True)["waiting"] == 0:
            break
    assert central.plan.fired == {"503": 1, "500": 1}
    assert_sync_properties(store, central)


def test_401_mid_upload_refreshes_token_once(store, central: Central) -> None:
    save_dossier(store, pages=1, size=600_000)
    central.plan.add(FaultRule("401", method="PATCH", skip=1, count=1))
    calls = []

    def token() -> str:
        calls.append(1)
        return central.token

    from kiosk.sync.engine import SyncEngine
    from kiosk.sync.transport import make_client

    engine = SyncEngine(store, make_client(central.url), token)
    assert engine.run_once()["sent"] == 1
    assert len(calls) == 2 and central.plan.fired == {"401": 1}
    assert_sync_properties(store, central)


def test_revoked_token_keeps_items_waiting(store, central: Central) -> None:
    save_dossier(store, pages=1)
    engine = engine_for(store, central.url, "wrong-token")
    result = engine.run_once()
    assert result["sent"] == 0 and result["waiting"] == 1 and result["needs_attention"] == 0
    assert "đăng ký lại" in sync_status(store)["last_error"]
    assert "đăng ký lại" in store.read(lambda db: db.execute(
        "SELECT last_error FROM outbox").fetchone()[0])


def test_offline_is_a_state_not_a_crash(store) -> None:
    save_dossier(store, pages=1)
    engine = engine_for(store, "http://127.0.0.1:9", "t", timeout=httpx.Timeout(2.0))
    result = engine.run_once()
    assert result["online"] is False and result["waiting"] == 1
    assert sync_status(store)["bytes_waiting"] > 0


def test_backoff_is_full_jitter_capped_and_honours_retry_after() -> None:
    import random

    rng = random.Random(7)
    delays = [backoff_delay(n, rng=rng) for n in range(1, 30)]
    assert all(0 <= d <= 15 * 60 for d in delays)
    assert max(delays[-10:]) > 60  # it grows
    assert backoff_delay(1, retry_after=30, rng=rng) >= 30


def test_tls_rules() -> None:
    assert check_server_url("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"
    assert check_server_url("https://motcua.example.vn") == "https://motcua.example.vn"
    with pytest.raises(ConfigError):
        check_server_url("http://motcua.example.vn")
    with pytest.raises(ConfigError):
        check_server_url("ftp://x")


def test_token_lives_in_keyring(monkeypatch) -> None:
    credentials.save_token("https://a.example", "secret-1")
    assert credentials.require_token("https://a.example") == "secret-1"
    with pytest.raises(credentials.CredentialsError):
        credentials.require_token("https://b.example")
    import keyring
    from keyring.backends import null

    monkeypatch.setattr(keyring, "get_keyring", lambda: null.Keyring())
    keyring.set_keyring(null.Keyring())
    try:
        with pytest.raises(credentials.CredentialsError):
            credentials.save_token("https://a.example", "secret-2")
    finally:
        from kiosk.sync.memory_keyring import MemoryKeyring

        keyring.set_keyring(MemoryKeyring())


def test_worker_thread_is_single_instance(store, central: Central, kiosk_home) -> None:
    save_dossier(store, pages=1)
    engine = engine_for(store, central.url, central.token)
    lock_path = kiosk_home / "data" / "sync.lock"
    worker = SyncWorker(engine.run_once, InstanceLock(lock_path), interval=0.2).start()
    try:
        with pytest.raises(AlreadyRunning):
            InstanceLock(lock_path).acquire()
        for _ in range(100):
            if worker.last_result and worker.last_result["waiting"] == 0:
                break
            import time

            time.sleep(0.05)
    finally:
        worker.stop()
    assert_sync_properties(store, central)


def test_expired_upload_starts_again(store, central: Central) -> None:
    save_dossier(store, pages=1, size=900_000)
    central.plan.add(FaultRule("503", method="PATCH", skip=1, count=1))
    engine = engine_for(store, central.url, central.token)
    assert engine.run_once()["retrying"] == 1  # one chunk in, then the server failed
    with central.db.transaction() as tx:
        tx.execute("UPDATE uploads SET expires_at = '2000-01-01T00:00:00+07:00'")
    assert engine.run_once(ignore_backoff=True)["sent"] == 1  # 410 → a new upload
    with central.db.transaction() as tx:
        assert tx.one("SELECT count(*) AS n FROM uploads")["n"] == 2  # type: ignore[index]
    assert_sync_properties(store, central)


def test_expired_cursor_resyncs_open_dossiers(store, central: Central) -> None:
    saved = [save_dossier(store, pages=1) for _ in range(3)]
    engine = engine_for(store, central.url, central.token)
    engine.run_once()
    service.set_status(central.db, saved[0].code, 4, "xử lý", "tỉnh")
    service.set_status(central.db, saved[2].code, 4, "xử lý", "tỉnh")
    service.set_status(central.db, saved[2].code, 9, "xong", "tỉnh")
    with central.db.transaction() as tx:
        top = tx.one("SELECT max(seq) AS s FROM changes")["s"]  # type: ignore[index]
    service.prune_changes(central.db, below_seq=top + 1)  # the feed forgot everything
    assert engine.run_once()["pulled"] == 2
    assert [store.get_dossier(d.code)["status"] for d in saved] == [4, 2, 9]
    assert engine.summary()["cursor"] == top


def test_sync_against_postgresql_server(store, tmp_path, pg_url) -> None:
    from central.blobstore import BlobStore
    from central.db import Database
    from central.faults import FaultPlan
    from central.runner import ServerThread
    from tests.central.conftest import fresh_pg_db
    from tests.sync.conftest import UNIT

    db = Database(fresh_pg_db(pg_url))
    blobs = BlobStore(tmp_path / "pg-blobs")
    token = service.add_device(db, UNIT)["token"]
    with ServerThread(db, blobs) as srv:
        saved = [save_dossier(store, pages=2) for _ in range(3)]
        engine = engine_for(store, srv.url, token)
        assert engine.run_once()["sent"] == 3
        service.set_status(db, saved[0].code, 4, "xử lý", "tỉnh")
        assert engine.run_once()["pulled"] == 1
        assert_sync_properties(store, Central(srv, db, blobs, FaultPlan(), token, ""))
        # The audit's endpoint on PostgreSQL too.
        from kiosk.sync.audit import recent_days

        audit = engine.audit(recent_days(1))
        assert audit["ok"] and audit["totals"]["on_server"] == 3, audit


def test_background_sync_for_the_app(store, central: Central) -> None:
    import time

    from kiosk.sync.background import start_background_sync

    store.config.set("sync.server_url", central.url)
    with pytest.raises(credentials.CredentialsError):
        start_background_sync(store)  # not enrolled yet: a clear state, not a crash
    credentials.save_token(central.url, central.token)
    events: list[dict] = []
    worker = start_background_sync(store, on_event=events.append, interval=60)
    try:
        saved = save_dossier(store, pages=1)
        worker.poke()  # the app saved something: sync now, not at the next tick
        deadline = time.monotonic() + 30
        while dossier_sync_state(store, saved.id) != "sent":
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        worker.stop()
    assert {"kind": "dossier", "dossier_id": saved.id, "state": "sent"} in events
    assert_sync_properties(store, central)


def test_chunk_size_adapts() -> None:
    from kiosk.sync.blobs import MAX_CHUNK, MIN_CHUNK, START_CHUNK, ChunkSizer

    sizer = ChunkSizer()
    assert sizer.size == START_CHUNK == 256 * 1024
    for _ in range(10):
        sizer.grow()
    assert sizer.size == MAX_CHUNK == 2 * 1024 * 1024
    sizer.shrink()
    assert sizer.size == MAX_CHUNK // 2
    for _ in range(10):
        sizer.shrink()
    assert sizer.size == MIN_CHUNK


def test_timeouts_shrink_chunks_and_resume(store, central: Central) -> None:
    from kiosk.sync.blobs import START_CHUNK

    save_dossier(store, pages=1, size=3_000_000)
    central.plan.add(FaultRule("slow", method="PATCH", skip=2, count=1, delay=2.0))
    engine = engine_for(store, central.url, central.token, timeout=httpx.Timeout(1.0))
    first = engine.run_once()
    assert first["retrying"] == 1 and engine.sizer.size < 4 * START_CHUNK
    _drain_all(engine)
    assert_sync_properties(store, central)


def _drain_all(engine) -> None:  # type: ignore[no-untyped-def]
    for _ in range(10):
        if engine.run_once(ignore_backoff=True)["waiting"] == 0:
            return
    raise AssertionError("not drained")


def test_unknown_outbox_kind_is_kept_for_a_person(store, central: Central) -> None:
    d = save_dossier(store, pages=1)
    from kiosk.storage import outbox

    store.call(lambda db: _enqueue(db, outbox, d.id))
    engine = engine_for(store, central.url, central.token)
    result = engine.run_once()
    assert result["sent"] == 1 and result["needs_attention"] == 1
    assert dossier_sync_state(store, d.id) == "needs_attention"


def _enqueue(db, outbox, dossier_id: str) -> None:  # type: ignore[no-untyped-def]
    with db.atomic():
        outbox.enqueue(db, "dossier.merge", dossier_id, {}, [])


def test_sync_run_command_until_sigterm(capsys, store, central: Central) -> None:
    import os
    import signal
    import threading
    import time

    from kiosk.cli import main

    credentials.save_token(central.url, central.token)
    store.config.set("sync.server_url", central.url)
    store.config.save()
    saved = save_dossier(store, pages=1)

    def stop_when_sent() -> None:
        deadline = time.monotonic() + 30
        while dossier_sync_state(store, saved.id) != "sent" and time.monotonic() < deadline:
            time.sleep(0.1)
        os.kill(os.getpid(), signal.SIGTERM)

    previous = signal.getsignal(signal.SIGTERM)
    threading.Thread(target=stop_when_sent, daemon=True).start()
    try:
        assert main(["sync", "run", "--interval", "0.2"]) == 0
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert dossier_sync_state(store, saved.id) == "sent"
    assert_sync_properties(store, central)
