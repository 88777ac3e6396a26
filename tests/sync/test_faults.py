"""The fault suite: a bad link (our TCP proxy), SIGKILL of the client at named points and
at random, clock skew, a full disk on the server. Every fault is bounded in count and
time; after the faults stop, SYNC.md's properties hold."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from central.faults import FaultRule
from central.netproxy import FaultProxy, Faults
from kiosk.sync.blobs import MAX_CHUNK
from kiosk.sync.crash import POINTS
from tests.sync.conftest import Central, assert_sync_properties, engine_for, save_dossier

ROOT = Path(__file__).resolve().parents[2]


def _drain(engine, rounds: int = 30) -> None:  # type: ignore[no-untyped-def]
    for _ in range(rounds):
        if engine.run_once(ignore_backoff=True)["waiting"] == 0:
            return
    raise AssertionError("outbox not drained after faults stopped")


def test_bad_link_resets_black_hole_and_lost_answers(store, central: Central) -> None:
    for _ in range(3):
        save_dossier(store, pages=2, size=400_000)
    payload = store.read(lambda db: db.execute(
        "SELECT sum(size), count(*) FROM files").fetchone())
    faults = Faults(latency=0.002, black_hole=1, reset_after=[0, 150_000, 700_000, 90_000],
                    drop_response=2)
    with FaultProxy(central.server.port, faults) as proxy:
        engine = engine_for(store, proxy.url, central.token,
                            timeout=httpx.Timeout(3.0, connect=2.0))
        _drain(engine)
        fired = dict(proxy.faults_fired)
        wire = proxy.bytes_up
    assert fired["black_hole"] == 1 and fired["reset"] >= 2 and fired["drop_response"] >= 1
    assert_sync_properties(store, central)
    # 4. completed chunks are not sent again: the wire carries at most one chunk per cut
    # beyond the payload (plus headers and JSON).
    cuts = 1 + fired["reset"] + fired["drop_response"]
    assert wire <= payload[0] + cuts * MAX_CHUNK + 200_000


@pytest.mark.parametrize("point", POINTS)
def test_sigkill_at_named_point_then_resume(store, central: Central, kiosk_home, point) -> None:
    for _ in range(2):
        save_dossier(store, pages=2, size=300_000)
    store.close()
    env = {**os.environ, "KIOSK_HOME": str(kiosk_home), "KIOSK_SYNC_CRASH_AT": point,
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(Path(__file__).with_name("crash_client.py")),
                           central.url, central.token], env=env, timeout=60,
                          capture_output=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-500:]
    env.pop("KIOSK_SYNC_CRASH_AT")
    proc = subprocess.run([sys.executable, str(Path(__file__).with_name("crash_client.py")),
                           central.url, central.token], env=env, timeout=60,
                          capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode()[-500:]
    from kiosk.storage import Store

    reopened = Store(orphan_grace_seconds=None)
    try:
        engine = engine_for(reopened, central.url, central.token)
        _drain(engine)
        assert_sync_properties(reopened, central)
    finally:
        reopened.close()


def test_sigkill_at_random_moments(store, central: Central, kiosk_home) -> None:
    rng = random.Random(11)
    for _ in range(4):
        save_dossier(store, pages=3, size=250_000)
    store.close()
    env = {**os.environ, "KIOSK_HOME": str(kiosk_home), "PYTHONPATH": str(ROOT)}
    script = str(Path(__file__).with_name("crash_client.py"))
    kills = 0
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, script, central.url, central.token], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.2))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(30)
    from kiosk.storage import Store

    reopened = Store(orphan_grace_seconds=None)
    try:
        _drain(engine_for(reopened, central.url, central.token))
        assert_sync_properties(reopened, central)
    finally:
        reopened.close()


def test_slow_commit_then_timeout_is_answered_from_the_stored_response(store,
                                                                      central: Central) -> None:
    save_dossier(store, pages=1)
    central.plan.add(FaultRule("slow", method="PUT", count=1, delay=2.5))
    engine = engine_for(store, central.url, central.token, timeout=httpx.Timeout(1.0))
    assert engine.run_once()["sent"] == 0  # the answer came too late
    _drain(engine)
    with central.db.transaction() as tx:
        assert tx.one("SELECT count(*) AS n FROM idempotency")["n"] == 1  # type: ignore[index]
    assert_sync_properties(store, central)


def test_clock_skew_is_measured_not_trusted(store, central: Central, monkeypatch) -> None:
    from datetime import timedelta
    from types import SimpleNamespace

    from kiosk import clock

    # Only the counter's clock is wrong (the server runs in this process too).
    skewed = SimpleNamespace(now=lambda: clock.now() - timedelta(hours=3), iso=clock.iso)
    monkeypatch.setattr("kiosk.sync.engine.clock", skewed)
    events: list[dict] = []
    save_dossier(store, pages=1)
    engine = engine_for(store, central.url, central.token, on_event=events.append)
    _drain(engine)
    assert any(e["kind"] == "clock_skew" and e["seconds"] > 10_000 for e in events)
    assert engine.summary()["clock_skew_seconds"] > 10_000
    assert_sync_properties(store, central)


def test_server_disk_full_is_retried(store, central: Central, monkeypatch) -> None:
    from central.blobstore import BlobStoreFull, PartialFile

    real = PartialFile.write
    left = {"n": 2}

    def full(self, data):  # type: ignore[no-untyped-def]
        if left["n"] > 0:
            left["n"] -= 1
            raise BlobStoreFull(28, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(PartialFile, "write", full)
    save_dossier(store, pages=1)
    engine = engine_for(store, central.url, central.token)
    first = engine.run_once()
    assert first["retrying"] == 1 and "507" in engine.summary()["last_error"]
    _drain(engine)
    assert_sync_properties(store, central)
