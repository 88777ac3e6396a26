"""The national portal outbox and its pusher against the emulator on loopback (issue 25 §4):
filled in the storing transaction (SQLite and PostgreSQL), each version applied once through
faults, a refused item listed for a person without holding up the rest."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from central import portal_outbox, service
from central.db import Database
from central.models import DossierIn, PostponeIn
from central.portal_push import PortalClient, push_once
from central.reports import postpone
from tests.central.helpers import UNIT, dossier, new_id
from tests.central.portal_helpers import (
    EmulatorThread,
    assert_each_version_once,
    free_port,
    outbox,
    received,
    settings,
)


def _device(db: Database) -> service.Device:
    dev = service.add_device(db, UNIT, "quầy 1")
    return service.Device(dev["device_id"], UNIT, "device")


def _put(db: Database, device: service.Device, seq: int, **over: Any) -> tuple[str, str]:
    did = new_id()
    body = DossierIn(**dossier(seq, **over))
    status, reply, _replayed = service.put_dossier(db, device, did, f"op-{seq}", body)
    assert status == 201, reply
    return did, body.code


def _drain(db: Database, port: int, passes: int = 200, **over: Any) -> None:
    """Passes until nothing is pending (bounded: a stuck queue fails the test)."""
    conf = settings(port, **over)
    client = PortalClient(conf)
    try:
        for _ in range(passes):
            push_once(db, conf, client)
            if portal_outbox.counts(db)["pending"] == 0:
                return
            # The retried items wait a few hundredths of a second (settings above).
            import time

            time.sleep(0.02)
    finally:
        client.close()
    raise AssertionError(f"queue not drained: {portal_outbox.counts(db)}")


def test_outbox_is_filled_in_the_storing_transaction(any_db: Database) -> None:
    device = _device(any_db)
    did, code = _put(any_db, device, 1001)
    assert [(r["version"], r["service"]) for r in outbox(any_db)] == [(1, "DongBoHoSoMC")]
    first = json.loads(outbox(any_db)[0]["payload"])
    assert first["MaHoSo"] == code and first["TrangThaiHoSo"] == 2 and first["KenhThucHien"] == 1
    service.set_status(any_db, code, 4, note="Chuyển phòng Tư pháp", by="Nguyễn Văn An")
    rows = outbox(any_db)
    assert [(r["version"], r["service"]) for r in rows[1:]] == [
        (2, "DongBoHoSoMC"), (2, "CapNhatTienDoHoSoMC")]
    progress = json.loads(rows[2]["payload"])
    assert progress["TrangThai"] == "4" and progress["NguoiXuLy"] == "Nguyễn Văn An"
    assert progress["NoiDungXuLy"] == "Chuyển phòng Tư pháp"
    assert len(progress["ThoiDiemXuLy"]) == 14
    # A postponement moves NgayHenTra: a new DongBoHoSoMC, no progress item.
    postpone(any_db, code, PostponeIn(new_due_at=datetime.fromisoformat(
        "2030-03-05T10:00:00+07:00"), reason="Cần xác minh", letter_number="12/TB"))
    assert [(r["version"], r["service"]) for r in outbox(any_db)[3:]] == [(3, "DongBoHoSoMC")]
    # A write the server refuses (a stale base version) queues nothing.
    with pytest.raises(service.ApiError):
        service.put_dossier(any_db, device, did, "op-stale",
                            DossierIn(**dossier(1001, base_version=1, status=4)))
    assert len(outbox(any_db)) == 4


def test_an_offline_counters_steps_each_reach_the_portal(any_db: Database) -> None:
    """A counter offline while a dossier went 2 → 4 → 9 sends one version: the portal still
    hears each step, at the counter's times, in order."""
    device = _device(any_db)
    at = ["2026-11-22T08:15:00+07:00", "2026-11-22T10:00:00+07:00", "2026-11-22T15:30:00+07:00"]
    did, _code = _put(any_db, device, 1001, history=[{"at": at[0], "status": 2}])
    later = DossierIn(**dossier(1001, base_version=1, status=9, history=[
        {"at": at[0], "status": 2}, {"at": at[1], "status": 4}, {"at": at[2], "status": 9}]))
    status, reply, _r = service.put_dossier(any_db, device, did, "op-later", later)
    assert status == 200, reply
    steps = [json.loads(r["payload"]) for r in outbox(any_db)
             if r["service"] == "CapNhatTienDoHoSoMC"]
    assert [(s["TrangThai"], s["ThoiDiemXuLy"]) for s in steps] == [
        ("4", "20261122100000"), ("9", "20261122153000")]


def test_each_version_reaches_the_portal_once_through_faults(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "central.sqlite3"))
    device = _device(db)
    codes = [_put(db, device, 1001 + n)[1] for n in range(4)]
    with EmulatorThread(tmp_path / "portal.sqlite3") as emu:
        # 500 before storing, then answers lost after storing: garbage, JSON that is not
        # the portal's, a 500, and one slower than the client's timeout.
        emu.faults("500", 1)
        _drain(db, emu.port, passes=3)
        emu.faults("garbage", 1, apply=True)
        service.set_status(db, codes[0], 4, by="Tỉnh")
        _drain(db, emu.port)
        emu.faults("wrongjson", 1, apply=True)
        service.set_status(db, codes[1], 4, by="Tỉnh")
        _drain(db, emu.port)
        emu.faults("500", 1, apply=True)
        service.set_status(db, codes[2], 4, by="Tỉnh")
        _drain(db, emu.port)
        emu.faults("slow", 1, delay=1.5)
        service.set_status(db, codes[3], 4, by="Tỉnh")
        _drain(db, emu.port, timeout=0.5)
        # The session expires at the portal: one new login, the item goes through.
        conf = settings(emu.port)
        client = PortalClient(conf)
        service.set_status(db, codes[0], 9, by="Tỉnh")
        assert push_once(db, conf, client)["done"] == 2
        httpx.post(f"{emu.url}/_emulator/sessions/expire", timeout=5)
        service.set_status(db, codes[0], 10, by="Tỉnh")
        assert push_once(db, conf, client)["done"] == 2
        client.close()
        got = assert_each_version_once(db, emu.url)
    # Lost answers were resent and recognised, never applied twice.
    assert sum(a["replays"] for a in got["applied"]) >= 3
    assert got["outcomes"].get("bad_session", 0) == 1
    rows = outbox(db)
    assert len(rows) == 4 + 6 * 2
    assert max(r["attempts"] for r in rows) >= 2
    # The first version went as a creation, every later one as an update.
    assert all(r["state"] == "done" for r in rows)
    db.close()


def test_portal_down_keeps_everything_queued_then_delivers(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "central.sqlite3"))
    device = _device(db)
    for n in range(3):
        _put(db, device, 1001 + n)
    port = free_port()  # nothing listens there yet
    counts = push_once(db, settings(port))
    assert counts == {"done": 0, "failed": 0, "retry": 1}  # stops at the first refusal
    rows = outbox(db)
    assert [r["state"] for r in rows] == ["pending"] * 3
    assert "ConnectError" in rows[0]["last_error"] and rows[0]["attempts"] == 1
    assert rows[1]["attempts"] == 0
    with EmulatorThread(tmp_path / "portal.sqlite3", port=port) as emu:
        _drain(db, port)
        assert_each_version_once(db, emu.url)
    db.close()


def test_a_refused_item_waits_for_a_person_and_holds_up_nothing_else(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "central.sqlite3"))
    device = _device(db)
    # A procedure code the national catalog cannot have: the portal refuses it.
    _did, bad = _put(db, device, 1001, procedure_code="TT-XA-01")
    _did, good = _put(db, device, 1002)
    service.set_status(db, good, 4, by="Tỉnh")
    with EmulatorThread(tmp_path / "portal.sqlite3") as emu:
        _drain(db, emu.port)
        applied = received(emu.url)["applied"]
    failed = portal_outbox.failed(db)
    assert [(f["code"], f["service"], f["version"]) for f in failed] == [
        (bad, "DongBoHoSoMC", 1)]
    answer = failed[0]["answer"]
    assert answer["body"]["error_code"] == "1" and "TT-XA-01" in answer["body"]["message"]
    assert failed[0]["attempts"] == 1  # a refusal is not retried by itself
    assert {a["MaHoSo"] for a in applied} == {good} and len(applied) == 3
    # Once the portal's catalog knows it (here: the emulator's rule is met by a corrected
    # version), a person can send it again; the same snapshot is refused again.
    again = portal_outbox.retry(db, failed[0]["id"])
    assert again is not None and again["requeued"] and again["state"] == "pending"
    db.close()


def test_credentials_never_follow_a_redirect(tmp_path: Path) -> None:
    """A portal answering with a redirect to another host gets neither the password nor
    the session: the item stays queued with the refusal noted."""
    from fastapi import FastAPI
    from fastapi.responses import RedirectResponse

    with EmulatorThread(tmp_path / "elsewhere.sqlite3") as elsewhere:
        redirector = FastAPI()

        @redirector.post("/token")
        def token() -> RedirectResponse:
            return RedirectResponse(f"{elsewhere.url}/token", status_code=307)

        import threading

        import uvicorn

        port = free_port()
        server = uvicorn.Server(uvicorn.Config(redirector, host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            import time

            while not server.started:
                time.sleep(0.02)
            db = Database(str(tmp_path / "central.sqlite3"))
            _put(db, _device(db), 1001)
            counts = push_once(db, settings(port))
            assert counts["retry"] == 1
            assert "redirect" in outbox(db)[0]["last_error"]
            got = received(elsewhere.url)
            assert got["outcomes"] == {}  # not even a login attempt reached it
            db.close()
        finally:
            server.should_exit = True
            thread.join(10)


def test_two_pushers_on_one_database_never_send_an_item_twice(tmp_path: Path) -> None:
    """Two server processes' pushers (here two threads with their own connections) share
    the queue: every item is claimed by one of them, so the portal sees no repeat at all."""
    import threading

    path = str(tmp_path / "central.sqlite3")
    db = Database(path)
    device = _device(db)
    codes = [_put(db, device, 1001 + n)[1] for n in range(12)]
    for code in codes:
        service.set_status(db, code, 4, by="Tỉnh")
    with EmulatorThread(tmp_path / "portal.sqlite3") as emu:
        errors: list[BaseException] = []

        def run() -> None:
            own = Database(path)
            try:
                _drain(own, emu.port)
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                own.close()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors
        got = assert_each_version_once(db, emu.url)
    assert sum(a["replays"] for a in got["applied"]) == 0
    assert all(r["attempts"] == 1 for r in outbox(db))
    db.close()


def test_wrong_settings_keep_every_item_queued(tmp_path: Path) -> None:
    """A refused login or a request refused as a whole (the unit code) is the settings'
    fault, not the items': nothing is marked failed, the pass stops at the first."""
    db = Database(str(tmp_path / "central.sqlite3"))
    device = _device(db)
    for n in range(2):
        _put(db, device, 1001 + n)
    with EmulatorThread(tmp_path / "portal.sqlite3") as emu:
        for over, expect in (({"password": "sai"}, "Tên đăng nhập hoặc mật khẩu"),
                             ({"unit": "H99"}, "H99"), ({"dstcode": "KHAC"}, "dstcode")):
            assert push_once(db, settings(emu.port, **over)) == {
                "done": 0, "failed": 0, "retry": 1}
            rows = outbox(db)
            assert [r["state"] for r in rows] == ["pending", "pending"]
            assert expect in rows[0]["last_error"]
            with db.transaction() as tx:  # due again now, not after the backoff
                tx.execute("UPDATE portal_outbox SET next_at = ''")
        assert received(emu.url)["applied"] == []
        _drain(db, emu.port)
        assert_each_version_once(db, emu.url)
    db.close()
