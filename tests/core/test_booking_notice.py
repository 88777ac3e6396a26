"""Issue 27: a booking code sent as a notice goes through the same delivery rules as the
dossiers' notices: a gateway that fails leaves it pending with a growing wait, the next pass
after the wait sends it, a send cut off by a crash is never repeated by itself. The SMS
gateway is a real HTTP server on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from kiosk import clock
from kiosk.citizen import booking_notice
from kiosk.config import Config
from kiosk.notices import run_pass
from kiosk.storage import Store

MONDAY = datetime(2026, 12, 7, 7, 20, tzinfo=clock.TZ)


@pytest.fixture()
def gateway() -> Iterator[dict[str, Any]]:
    state: dict[str, Any] = {"status": 500, "got": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            state["got"].append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(state["status"])
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    state["url"] = f"http://127.0.0.1:{server.server_port}/sms"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()


def test_a_booking_code_is_retried_then_sent_and_never_twice_after_a_crash(
        kiosk_home: Path, tmp_path: Path, gateway: dict[str, Any]) -> None:
    moment = [MONDAY]
    clock.set_source(lambda: moment[0])
    try:
        config = Config.load()
        config.set("notify.sms_url", gateway["url"])
        config.set("unit.name", "UBND xã Mẫu")
        with Store(tmp_path / "c.sqlite3", tmp_path / "f", orphan_grace_seconds=None) as store:
            booking = {"code": "HK7Q2MX", "service": "A", "at": "2026-12-07T07:30:00+07:00"}
            subject, body = booking_notice.text(booking, "Tiếp nhận hồ sơ", "UBND xã Mẫu", 15)
            assert body.startswith("Mã hẹn HK7Q2MX: Tiếp nhận hồ sơ, 07:30 ngày 07/12/2026 "
                                   "tại UBND xã Mẫu.") and "quá 15 phút" in body
            made = store.call(lambda db: booking_notice.queue(
                db, booking, phone="0912345678", email="", subject=subject, body=body))
            assert made == 1
            assert store.call(lambda db: booking_notice.queue(  # the same code again: once
                db, booking, phone="0912345678", email="", subject=subject, body=body)) == 0
            counts = run_pass(store, config)
            assert (counts["failed"], counts["sent"]) == (1, 0)
            (row,) = store.read(lambda db: booking_notice.of_booking(db, "HK7Q2MX"))
            assert row["state"] == "pending" and row["attempts"] == 1
            assert "500" in row["last_error"]
            gateway["status"] = 202
            assert run_pass(store, config)["sent"] == 0  # still waiting (1 minute)
            moment[0] += timedelta(minutes=2)
            assert run_pass(store, config)["sent"] == 1
            (row,) = store.read(lambda db: booking_notice.of_booking(db, "HK7Q2MX"))
            assert row["state"] == "sent"
            assert [g["id"] for g in gateway["got"]] == ["notice-b1"] * 2
            assert gateway["got"][-1]["to"] == "0912345678" and "HK7Q2MX" in \
                gateway["got"][-1]["text"]
            # A second code cut off mid-send by a crash: unknown, not sent again by itself.
            other = {**booking, "code": "HM3N4P5"}
            store.call(lambda db: booking_notice.queue(db, other, phone="0912345678",
                                                       email="", subject=subject, body=body))
            store.call(lambda db: db.conn.execute(
                "UPDATE booking_notices SET state = 'sending' WHERE code = 'HM3N4P5'"))
            counts = run_pass(store, config, first=True)
            assert counts["unknown"] == 1 and counts["sent"] == 0
            (row,) = store.read(lambda db: booking_notice.of_booking(db, "HM3N4P5"))
            assert row["state"] == "unknown"
    finally:
        clock.set_source(None)
