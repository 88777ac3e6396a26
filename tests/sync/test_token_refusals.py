"""The counter when the server refuses its token: revoked (by ``kiosk central device revoke``
while the counter runs) or bound to another machine. Nothing is lost, nothing is parked for
a person, and the counter says why in Vietnamese."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from central import service
from kiosk.sync.engine import sync_status
from kiosk.sync.machine import machine_id
from tests.sync.conftest import UNIT, Central, engine_for, save_dossier


def test_a_token_revoked_while_the_counter_runs(store, central: Central,
                                                tmp_path: Path) -> None:
    made = service.add_device(central.db, UNIT, "quầy 7")
    engine = engine_for(store, central.url, made["token"])
    save_dossier(store, pages=1)
    assert engine.run_once()["sent"] == 1
    bound = [d for d in service.list_devices(central.db) if d["id"] == made["device_id"]]
    assert bound[0]["machine_id"] == machine_id()  # this counter's id, sent by the client

    revoke = subprocess.run(
        [sys.executable, "-m", "kiosk", "central", "--db", str(central.db.path), "device",
         "revoke", made["device_id"]], capture_output=True, text=True, timeout=120,
        env={**os.environ, "KIOSK_HOME": str(tmp_path / "admin")})
    assert revoke.returncode == 0, revoke.stderr

    save_dossier(store, pages=1)
    result = engine.run_once()
    assert result["ok"] is False and result["sent"] == 0 and result["waiting"] == 1
    assert result["needs_attention"] == 0  # the dossier waits for a new token, not a person
    error = sync_status(store)["last_error"]
    assert "thu hồi mã thiết bị" in error and "kiosk sync enroll" in error


def test_a_token_bound_to_another_machine(store, central: Central) -> None:
    made = service.add_device(central.db, UNIT, "quầy 8")
    service.authenticate(central.db, made["token"], "c" * 64)  # enrolled elsewhere first
    engine = engine_for(store, central.url, made["token"])
    save_dossier(store, pages=1)
    result = engine.run_once()
    assert result["sent"] == 0 and result["waiting"] == 1 and result["needs_attention"] == 0
    assert "đã được đăng ký cho một máy khác" in sync_status(store)["last_error"]
