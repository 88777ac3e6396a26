"""The portal emulator on loopback (in a thread or as a real process) and what the tests
compare it with."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from central.db import Database
from central.portal_emulator import EmulatorState, create_emulator
from central.portal_rules import wire
from central.portal_settings import PortalSettings
from tests.central.helpers import UNIT

USER, PASSWORD, MADONVI, DSTCODE = "tinh-h40", "mat-khau-thu", "H40", "DVCQG"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings(port: int, **over: Any) -> PortalSettings:
    values: dict[str, Any] = {
        "url": f"http://127.0.0.1:{port}", "unit": MADONVI, "dstcode": DSTCODE, "user": USER,
        "password": PASSWORD, "timeout": 2.0, "base_delay": 0.01, "max_delay": 0.05,
        "max_attempts": 50, "interval": 0.05}
    values.update(over)
    return PortalSettings(**values)


def env(port: int, **over: str) -> dict[str, str]:
    values = {"KIOSK_PORTAL_URL": f"http://127.0.0.1:{port}", "KIOSK_PORTAL_UNIT": MADONVI,
              "KIOSK_PORTAL_DSTCODE": DSTCODE, "KIOSK_PORTAL_USER": USER,
              "KIOSK_PORTAL_PASSWORD": PASSWORD, "KIOSK_PORTAL_TIMEOUT": "2",
              "KIOSK_PORTAL_BASE_DELAY": "0.05", "KIOSK_PORTAL_MAX_DELAY": "0.3",
              "KIOSK_PORTAL_INTERVAL": "0.1", "KIOSK_PORTAL_MAX_ATTEMPTS": "200"}
    values.update(over)
    return values


class EmulatorThread:
    """The emulator served by uvicorn on a free loopback port, in this process."""

    def __init__(self, state_file: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.state = EmulatorState(state_file, USER, PASSWORD, {MADONVI}, DSTCODE)
        config = uvicorn.Config(create_emulator(self.state), host="127.0.0.1", port=self.port,
                                log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> EmulatorThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive()
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.state.conn.close()

    def faults(self, mode: str, count: int = 1, **extra: Any) -> None:
        httpx.post(f"{self.url}/_emulator/faults", json={"mode": mode, "count": count, **extra},
                   timeout=5).raise_for_status()


def start_emulator_process(state_file: Path, port: int, home: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "central", "portal", "emulator", "--port", str(port),
         "--state", str(state_file), "--user", USER, "--unit", MADONVI, "--dstcode", DSTCODE],
        env={**os.environ, "KIOSK_HOME": str(home), "KIOSK_PORTAL_PASSWORD": PASSWORD},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_http(f"http://127.0.0.1:{port}/_emulator/received", proc)
    return proc


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline and proc.poll() is None, "did not start"
            time.sleep(0.1)


def received(url: str) -> dict[str, Any]:
    return dict(httpx.get(f"{url}/_emulator/received", timeout=10).json())


def item_hash(service: str, payload: str) -> str:
    """The emulator's key for an item, from the outbox's stored payload."""
    canonical = json.dumps(wire(json.loads(payload)), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{service}\n{canonical}".encode()).hexdigest()


def outbox(db: Database) -> list[dict[str, Any]]:
    with db.transaction(write=False) as tx:
        return tx.all("SELECT * FROM portal_outbox ORDER BY id")


def assert_each_version_once(db: Database, emulator_url: str) -> dict[str, Any]:
    """Every outbox item was applied by the emulator exactly once, and nothing else was."""
    rows = outbox(db)
    got = received(emulator_url)
    applied = [(a["service"], a["sha256"]) for a in got["applied"]]
    assert len(applied) == len(set(applied))
    wanted = [(r["service"], item_hash(r["service"], r["payload"])) for r in rows]
    assert sorted(applied) == sorted(wanted)
    assert all(r["state"] == "done" for r in rows)
    return got


__all__ = ["UNIT"]
