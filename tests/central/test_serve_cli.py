"""``kiosk central serve`` as a real process, then the admin commands on its database."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def test_serve_device_add_and_health(tmp_path: Path, kiosk_home: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = tmp_path / "c.sqlite3"
    env = {**os.environ, "KIOSK_HOME": str(kiosk_home)}
    kiosk = [sys.executable, "-m", "kiosk"]
    added = subprocess.run([*kiosk, "central", "--db", str(db), "device", "add", "--unit",
                            "000.00.04.H40"], env=env, capture_output=True, text=True, timeout=60)
    token = json.loads(added.stdout)["token"]
    proc = subprocess.Popen([*kiosk, "central", "serve", "--db", str(db), "--port", str(port),
                             "--blobs", str(tmp_path / "blobs")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.2)
        assert r.json()["status"] == "ok" and "date" in r.headers
        feed = httpx.get(f"http://127.0.0.1:{port}/v1/changes",
                         headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert feed.status_code == 200 and feed.json()["changes"] == []
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
