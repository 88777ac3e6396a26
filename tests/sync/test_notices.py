"""Issue 25 §5: notices to the citizen through a real SMTP server on loopback (aiosmtpd) and
an SMS gateway emulator, from an outbox that survives restarts and never sends twice."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk import clock, notices, supplement
from kiosk.storage import ApplicantInput, DossierInput, Store
from kiosk.storage import notices as queue
from kiosk.sync import incoming
from tests.sync.conftest import Central, engine_for
from tests.sync.test_incoming import submission

aiosmtpd = pytest.importorskip("aiosmtpd.controller")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 try again later"
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = aiosmtpd.Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


class Gateway:
    """The SMS gateway emulator: records each text; answers 503 while ``down``."""

    def __init__(self) -> None:
        self.texts: list[dict[str, Any]] = []
        self.down = False
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if gateway.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                gateway.texts.append(body)
                self.send_response(202)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    g = Gateway()
    yield g
    g.server.shutdown()


def configure(store: Store, port: int, gateway_url: str = "") -> None:
    store.config.set("notify.smtp_host", "127.0.0.1")
    store.config.set("notify.smtp_port", port)
    store.config.set("notify.smtp_from", "motcua@xamau.gov.vn")
    store.config.set("notify.sms_url", gateway_url)


def test_online_receipt_reaches_the_citizen_by_email(store: Store, central: Central,
                                                     smtp: tuple[Mailbox, int]) -> None:
    box, port = smtp
    configure(store, port)
    r = httpx.post(f"{central.url}/v1/admin/incoming", json=submission(),
                   headers={"Authorization": f"Bearer {central.admin_token}"})
    engine = engine_for(store, central.url, central.token)
    engine.run_once()
    out = incoming.accept(engine, r.json()["id"], "clerk1")
    counts = notices.run_pass(store, first=True)
    assert counts["queued"] == 1 and counts["sent"] == 1, counts
    [msg] = box.messages
    assert msg["To"] == "lan@example.vn" and out["code"] in msg["Subject"]
    text = msg.get_content()
    assert "đã được tiếp nhận" in text and "Ngày hẹn trả kết quả" in text
    # Nothing twice: the next pass finds nothing new to queue or send.
    assert notices.run_pass(store) == {"queued": 0, "sent": 0, "failed": 0, "waiting": 0,
                                       "unknown": 0}
    assert len(box.messages) == 1
    record = store.get_dossier(out["code"])
    assert store.read(lambda db: queue.of_dossier(db, record["id"]))[0]["state"] == "sent"


def _dossier(store: Store) -> str:
    saved = store.save_dossier(DossierInput(
        "1.004873", ApplicantInput("Lê Văn Cường", id_number="001085001234",
                                   email="cuong@example.vn", phone="0912000111")),
        "canbo", then=lambda db, dossier_id, _code: queue.consent(
            db, dossier_id, email="cuong@example.vn", phone="0912000111",
            channels=["email", "sms"], source="counter"))
    return saved.code


def test_sms_failures_retry_and_never_block_email(store: Store, smtp: tuple[Mailbox, int],
                                                  gateway: Gateway) -> None:
    box, port = smtp
    configure(store, port, gateway.url)
    code = _dossier(store)
    notices.run_pass(store, first=True)  # the receipt, by both channels
    assert len(box.messages) == 1 and len(gateway.texts) == 1
    gateway.down = True
    supplement.ask(store, code, ["Bản sao giấy khai sinh"], "canbo")
    counts = notices.run_pass(store)
    assert counts["sent"] == 1 and counts["failed"] == 1, counts
    assert "cần bổ sung: Bản sao giấy khai sinh" in box.messages[-1].get_content()
    rows = store.read(lambda db: queue.of_dossier(db, store.get_dossier(code)["id"]))
    sms = next(n for n in rows if n["kind"] == "supplement" and n["channel"] == "sms")
    assert sms["state"] == "pending" and "503" in sms["last_error"] and sms["attempts"] == 1
    gateway.down = False
    assert notices.run_pass(store)["sent"] == 0  # its next attempt is not due yet
    later = clock.now() + timedelta(minutes=5)
    clock.set_source(lambda: later)
    try:
        assert notices.run_pass(store)["sent"] == 1
    finally:
        clock.set_source(None)
    assert gateway.texts[-1]["to"] == "0912000111"
    assert gateway.texts[-1]["id"] == f"notice-{sms['id']}"


def test_outbox_survives_a_restart_and_a_cut_send_is_never_repeated(
        kiosk_home: Path, smtp: tuple[Mailbox, int]) -> None:
    box, port = smtp
    store = Store(orphan_grace_seconds=None)
    configure(store, port)
    box.refuse = True
    code = _dossier(store)
    assert notices.run_pass(store, first=True)["failed"] == 1
    store.close()
    # The machine restarts: the notice is still there, and goes once the server answers.
    box.refuse = False
    store = Store(orphan_grace_seconds=None)
    configure(store, port)
    later = clock.now() + timedelta(minutes=5)
    clock.set_source(lambda: later)
    try:
        assert notices.run_pass(store, first=True)["sent"] == 1
        # A send cut off mid-way (the process died after "sending" was committed).
        supplement.ask(store, code, ["Ảnh 4x6"], "canbo")
        notices.run_pass(store, channels={})  # queued, no channel to send it yet
        pending = store.read(queue.due)
        assert [n["kind"] for n in pending] == ["supplement"]
        store.call(lambda db: queue.mark(db, pending[0]["id"], "sending"))
        store.close()
        store = Store(orphan_grace_seconds=None)
        configure(store, port)
        counts = notices.run_pass(store, first=True)
        assert counts["unknown"] == 1 and counts["sent"] == 0
        assert len(box.messages) == 1
        # The clerk decides to send it again.
        assert store.call(lambda db: queue.retry(db, pending[0]["id"]))
        assert notices.run_pass(store)["sent"] == 1
        assert len(box.messages) == 2
    finally:
        clock.set_source(None)
        store.close()


def test_no_consent_no_notice(store: Store, smtp: tuple[Mailbox, int]) -> None:
    box, port = smtp
    configure(store, port)
    store.save_dossier(DossierInput("1.004873", ApplicantInput(
        "Lê Văn Cường", email="cuong@example.vn")), "canbo")
    assert notices.run_pass(store, first=True)["queued"] == 0
    assert box.messages == []
