"""Issue 25 §5: the consent to notices at the touch intake, offscreen with the real windows.

With a citizen screen the citizen ticks SMS / E-mail in the check before save (nothing
ticked beforehand, the clerk cannot tick for them) and the clerk's intake shows the choice;
without one the clerk records it with a toggle per channel. Either way the consent is in
``notice_consents`` with the dossier, and the acceptance notice is queued for exactly the
agreed channels and, for e-mail, delivered through a real SMTP server on loopback.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import configure, wait_idle
from tests.ui.qml_items import click, qml

aiosmtpd = pytest.importorskip("aiosmtpd.controller")

CCCD = ("036085007788|162345678|Phạm Quốc Việt|05031985|Nam|"
        "Thôn Nam, xã Mẫu, huyện Thường Tín, Hà Nội|11062021")
PHONE, MAIL = "0912345678", "viet.pham@example.vn"
SHOTS = os.environ.get("KIOSK_CONSENT_SHOTS")  # a folder: the screens are saved there


def _shot(root: Any, name: str) -> None:
    if SHOTS:
        root.grabWindow().save(os.path.join(SHOTS, name))


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 try again later"
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    box = Mailbox()
    controller = aiosmtpd.Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


def _window(qapp: Any, citizen_screen: str, smtp_port: int = 0) -> Any:
    from kiosk.ui.app import build_services, create_window

    config = configure()
    config.set("ui.citizen_screen", citizen_screen)
    if smtp_port:
        config.set("notify.smtp_host", "127.0.0.1")
        config.set("notify.smtp_port", smtp_port)
        config.set("notify.smtp_from", "motcua@xamau.gov.vn")
        config.set("notify.max_attempts", 1)  # one refusal and it is «gửi lỗi»
    config.save()
    return create_window(build_services(config, demo=True))


class CitizenWindow:
    """The citizen window seen like the clerk's by tests.ui.qml_items (its own engine)."""

    def __init__(self, win: Any, side: Any) -> None:
        self.engine, self.tasks, self.intake, self._side = side.engine, win.tasks, \
            win.intake, side

    def root(self) -> Any:
        return self._side.root()


def _to_review(qtbot: Any, win: Any) -> None:
    intake = win.intake
    assert win.app.signIn("1234")
    intake.start()
    win.app.go("intake")
    intake.search("xac nhan tinh trang hon nhan")
    intake.chooseProcedure(intake.procedures.get(0)["code"])
    win.services.extras["route_read"](CCCD)
    intake.setField("phone", PHONE)
    intake.setField("email", MAIL)
    intake.next()
    for i, comp in enumerate(intake.session.components):
        intake.setChecked(i, comp.mandatory)
    intake.next()
    for i, comp in enumerate(intake.session.components):
        if comp.checked and comp.copy_kind != "present":
            intake.selectComponent(i)
            intake.scan()
            wait_idle(qtbot, win)
    intake.next()
    wait_idle(qtbot, win)
    assert intake.stepName == "review", intake.problems


def _consent_row(win: Any, code: str) -> dict[str, Any]:
    def read(db: Any) -> dict[str, Any]:
        rows = [dict(r) for r in db.query("SELECT c.* FROM notice_consents c JOIN dossiers d"
                                          " ON d.id = c.dossier_id WHERE d.code = ?", (code,))]
        return rows[0] if rows else {}

    return win.services.store.read(read)


def _notices(win: Any, code: str) -> list[dict[str, Any]]:
    return win.services.store.read(lambda db: [dict(r) for r in db.query(
        "SELECT n.channel, n.address, n.kind, n.state FROM notices n JOIN dossiers d"
        " ON d.id = n.dossier_id WHERE d.code = ? ORDER BY n.channel", (code,))])


def test_the_citizen_ticks_sms_on_their_screen_and_the_notice_is_queued(
        qtbot: Any, qapp: Any, kiosk_home: Any) -> None:
    win = _window(qapp, "0")  # offscreen has one screen: the citizen window goes there too
    try:
        side = next(e for e in win.extras if type(e).__name__ == "CitizenSide")
        cwin = CitizenWindow(win, side)
        consent = win.services.extras["notice_consent"]
        _to_review(qtbot, win)
        assert side.model.mode == "check"
        # Asked, both offered, nothing ticked beforehand; the clerk cannot tick for them.
        qtbot.waitUntil(lambda: qml(cwin, "consentAsk") is not None, timeout=10_000)
        assert qml(cwin, "consent_sms", "checked") == "false"
        assert qml(cwin, "consent_email", "checked") == "false"
        assert "chưa chọn" in qml(win, "noticeConsentState", "text")
        assert qml(win, "noticeToggle_sms") is None  # no toggle for the clerk here
        consent.toggle("email", True)
        assert consent.channels() == []
        # The citizen's own tap on their screen.
        x, y = (float(v) for v in str(qml(cwin, "consent_sms")).split(","))
        QTest.mouseClick(side.root(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, QPoint(int(x), int(y)))
        qtbot.waitUntil(lambda: qml(cwin, "consent_sms", "checked") == "true", timeout=5_000)
        assert qml(cwin, "consent_email", "checked") == "false"
        assert qml(win, "noticeConsentState", "text") == \
            f"Công dân nhận thông báo về hồ sơ qua: SMS ({PHONE})."
        _shot(side.root(), "consent-citizen.png")
        _shot(win.root(), "consent-clerk.png")
        side.model.confirm()
        win.intake.save()
        wait_idle(qtbot, win)
        code = win.intake.saved["code"]
        row = _consent_row(win, code)
        assert json.loads(row["channels"]) == ["sms"]
        assert row["phone"] == PHONE and row["source"] == "citizen_screen"
        # The acceptance is queued by SMS only (the counter's gateway is given here).
        from kiosk.notices import composer
        from kiosk.storage import notices

        queued = win.services.store.call(lambda db: notices.collect(
            db, composer(win.services.config), ("email", "sms")))
        assert queued == 1
        assert _notices(win, code) == [{"channel": "sms", "address": PHONE,
                                        "kind": "received", "state": "pending"}]
        # The next citizen starts with nothing ticked.
        win.intake.start()
        assert consent.channels() == [] and not any(o["chosen"] for o in consent.offered())
    finally:
        win.close()
        qapp.processEvents()


def test_without_a_citizen_screen_the_clerk_records_it_and_a_failed_email_is_sent_again(
        qtbot: Any, qapp: Any, kiosk_home: Any, smtp: tuple[Mailbox, int]) -> None:
    box, port = smtp
    win = _window(qapp, "off", port)
    try:
        assert not any(type(e).__name__ == "CitizenSide" and e.model for e in win.extras)
        _to_review(qtbot, win)
        assert qml(win, "noticeToggle_email", "checked") == "false"
        assert qml(win, "noticeToggle_sms", "checked") == "false"
        click(qtbot, win, "noticeToggle_email")
        assert qml(win, "noticeToggle_email", "checked") == "true"
        assert qml(win, "noticeConsentState", "text") == \
            f"Công dân nhận thông báo về hồ sơ qua: E-mail ({MAIL})."
        _shot(win.root(), "consent-clerk-toggles.png")
        win.intake.save()
        wait_idle(qtbot, win)
        code = win.intake.saved["code"]
        row = _consent_row(win, code)
        assert json.loads(row["channels"]) == ["email"] and row["source"] == "counter"
        assert row["email"] == MAIL
        from kiosk.notices import run_pass

        box.refuse = True  # the mail server turns it away: the clerk sees «gửi lỗi»
        counts = run_pass(win.services.store, win.services.config)
        assert counts["queued"] == 1 and counts["failed"] == 1, counts
        assert _notices(win, code)[0]["state"] == "failed" and not box.messages
        win.detail.load(code)
        win.app.go("detail", code)
        wait_idle(qtbot, win)
        qtbot.waitUntil(lambda: qml(win, "noticeRetry_0") is not None, timeout=10_000)
        assert "gửi lỗi" in qml(win, "noticeLine_0", "text")
        _shot(win.root(), "consent-detail-retry.png")
        # «Gửi lại»: back in the outbox and sent by a pass, as «kiosk notify retry ID» does.
        box.refuse = False
        click(qtbot, win, "noticeRetry_0")
        qtbot.waitUntil(lambda: len(box.messages) == 1, timeout=30_000)
        wait_idle(qtbot, win)
        assert _notices(win, code)[0]["state"] == "sent"
        [message] = box.messages
        assert message["To"] == MAIL and code in message["Subject"]
        win.detail.load(code)
        wait_idle(qtbot, win)
        qtbot.waitUntil(lambda: "đã gửi" in str(qml(win, "noticeLine_0", "text")),
                        timeout=10_000)
        assert qml(win, "noticeRetry_0") is None  # nothing left to send again
    finally:
        win.close()
        qapp.processEvents()
