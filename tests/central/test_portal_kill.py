"""The real central server process pushes to the portal emulator process while both are
killed (SIGKILL) and restarted: in the end the portal applied every version exactly once
(issue 25 §4, "Done when")."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from central import portal_outbox, service
from central.db import Database
from tests.central.helpers import UNIT, dossier, new_id
from tests.central.portal_helpers import (
    assert_each_version_once,
    env,
    free_port,
    outbox,
    received,
    start_emulator_process,
    wait_http,
)


def _serve(db: Path, port: int, home: Path, portal_port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "central", "serve", "--db", str(db), "--port",
         str(port), "--blobs", str(db.parent / "blobs")],
        env={**os.environ, "KIOSK_HOME": str(home), **env(portal_port)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_http(f"http://127.0.0.1:{port}/v1/health", proc)
    return proc


def _kill(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)


def _wait(what: str, check: object, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_each_version_once_through_kills_of_server_and_portal(tmp_path: Path,
                                                              kiosk_home: Path) -> None:
    db_path = tmp_path / "central.sqlite3"
    db = Database(str(db_path))
    token = service.add_device(db, UNIT, "quầy 1")["token"]
    portal_port, port = free_port(), free_port()
    emu = start_emulator_process(tmp_path / "portal.sqlite3", portal_port, kiosk_home)
    emu_url = f"http://127.0.0.1:{portal_port}"
    server = _serve(db_path, port, kiosk_home, portal_port)
    procs = [emu, server]
    try:
        # Every answer comes late: the server is killed while one is on the wire.
        httpx.post(f"{emu_url}/_emulator/faults", json={"mode": "slow", "count": 100,
                                                        "delay": 1.0}, timeout=5)
        headers = {"Authorization": f"Bearer {token}"}
        codes = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for n in range(5):
                body = dossier(2001 + n)
                r = client.put(f"/v1/dossiers/{new_id()}", json=body,
                               headers={**headers, "Idempotency-Key": new_id()})
                assert r.status_code == 201, r.text
                codes.append(body["code"])
        _wait("a first item applied", lambda: len(received(emu_url)["applied"]) >= 1)
        _kill(server)
        applied_at_kill = len(received(emu_url)["applied"])
        pending = portal_outbox.counts(db)["pending"]
        assert pending >= 1 and applied_at_kill < 5  # killed mid-push, work left
        # The province moves dossiers while the server is down (the CLI's own process).
        for code in codes[:3]:
            service.set_status(db, code, 4, note="Chuyển xử lý", by="Tỉnh")
        server = _serve(db_path, port, kiosk_home, portal_port)
        procs[1] = server
        # The portal dies too, mid-stream, and comes back on the same state.
        _wait("more applied after the restart",
              lambda: len(received(emu_url)["applied"]) > applied_at_kill)
        _kill(emu)
        for code in codes[3:]:
            service.set_status(db, code, 4, note="Chuyển xử lý", by="Tỉnh")
        time.sleep(1.0)  # the pusher meets a dead portal at least once
        emu = start_emulator_process(tmp_path / "portal.sqlite3", portal_port, kiosk_home)
        procs[0] = emu
        _wait("the queue drained", lambda: portal_outbox.counts(db)["pending"] == 0, 120)
        got = assert_each_version_once(db, emu_url)
        rows = outbox(db)
        assert len(rows) == 5 + 5 * 2 and portal_outbox.counts(db)["failed"] == 0
        # At least one answer was lost to a kill and the item sent again, recognised.
        assert sum(a["replays"] for a in got["applied"]) >= 1
        assert any("ConnectError" in (r["last_error"] or "") or r["attempts"] > 1
                   for r in rows)
        listing = subprocess.run(
            [sys.executable, "-m", "kiosk", "central", "portal", "list", "--db", str(db_path),
             codes[0]], env={**os.environ, "KIOSK_HOME": str(kiosk_home)},
            capture_output=True, text=True, timeout=60)
        assert listing.returncode == 0, listing.stderr
        items = json.loads(listing.stdout)
        assert [(i["version"], i["service"], i["state"]) for i in items] == [
            (1, "DongBoHoSoMC", "done"), (2, "DongBoHoSoMC", "done"),
            (2, "CapNhatTienDoHoSoMC", "done")]
    finally:
        for proc in procs:
            if proc.poll() is None:
                _kill(proc)
        db.close()
