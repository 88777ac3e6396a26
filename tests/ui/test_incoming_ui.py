"""Issue 25 §1 on the screen: a dossier submitted online to the real central server shows
on Home, is opened (its files in the viewer), accepted with a touch (code, due, receipt), and
a second counter's earlier decision is told plainly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from central import service
from kiosk.dossier import Status
from tests.sync.conftest import UNIT, Central, central  # noqa: F401 - the server fixture
from tests.sync.test_incoming import submission
from tests.sync.test_notices import smtp  # noqa: F401 - the SMTP server fixture
from tests.ui.conftest import configure, wait_idle
from tests.ui.qml_items import click, qml


@pytest.fixture
def synced_window(qapp: Any, kiosk_home: Any, central: Central) -> Iterator[Any]:  # noqa: F811
    from kiosk.sync import credentials
    from kiosk.ui.app import build_services, create_window

    config = configure()
    config.set("sync.server_url", central.url)
    config.save()
    credentials.save_token(central.url, central.token)
    win = create_window(build_services(config, demo=True))
    yield win
    win.close()
    qapp.processEvents()


def _submit(central: Central, **over: Any) -> str:  # noqa: F811
    r = httpx.post(f"{central.url}/v1/admin/incoming", json=submission(**over),
                   headers={"Authorization": f"Bearer {central.admin_token}"})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _messages(win: Any) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    win.app.message.connect(lambda text, kind: seen.append((kind, text)))
    return seen


def test_online_dossier_accepted_from_home(qtbot: Any, synced_window: Any,
                                           central: Central) -> None:  # noqa: F811
    win = synced_window
    assert win.services.sync.worker is not None, win.services.sync.problem
    assert win.app.signIn("1234")
    messages = _messages(win)
    first = _submit(central)
    win.services.sync.poke()
    qtbot.waitUntil(lambda: (win.home.stats.get("incoming") or 0) == 1, timeout=30_000)
    qtbot.waitUntil(lambda: qml(win, "incomingCard") is not None, timeout=10_000)
    click(qtbot, win, "openIncoming")
    assert win.app.screen == "incoming"
    incoming = win.engine.rootContext().contextProperty("incoming")
    qtbot.waitUntil(lambda: incoming.items.count == 1, timeout=10_000)
    click(qtbot, win, "incoming_0")
    assert incoming.selected["id"] == first
    assert incoming.selected["name"] == "Nguyễn Thị Lan"
    qtbot.waitUntil(lambda: all(incoming.files.rows()[i]["ready"]
                                for i in range(incoming.files.count)), timeout=30_000)
    # The clerk looks at the birth certificate (a PNG photo) and closes the viewer.
    click(qtbot, win, "incomingFile_1")
    qtbot.waitUntil(lambda: qml(win, "incomingViewerClose") is not None, timeout=10_000)
    click(qtbot, win, "incomingViewerClose")
    click(qtbot, win, "incomingAccept")
    qtbot.waitUntil(lambda: any(k == "ok" and "Đã tiếp nhận hồ sơ" in t for k, t in messages),
                    timeout=30_000)
    store = win.services.store
    codes = store.read(lambda db: [r[0] for r in db.execute(
        "SELECT code FROM dossiers WHERE channel = 2")])
    assert len(codes) == 1
    record = store.get_dossier(codes[0])
    assert record["status"] == int(Status.RECEIVED) and record["due_at"]
    assert incoming.items.count == 0

    # A second submission, decided first by another counter of the unit.
    second = _submit(central, channel=3)
    win.services.sync.poke()
    qtbot.waitUntil(lambda: incoming.items.count == 1, timeout=30_000)
    click(qtbot, win, "incoming_0")
    other = service.add_device(central.db, UNIT, "quầy 2")["token"]
    r = httpx.post(f"{central.url}/v1/incoming/{second}/accept", json={"clerk": "canbo2"},
                   headers={"Authorization": f"Bearer {other}", "Kiosk-Machine": "2" * 64})
    assert r.status_code == 200, r.text
    click(qtbot, win, "incomingAccept")
    qtbot.waitUntil(lambda: any(k == "error" and "quầy khác" in t for k, t in messages),
                    timeout=30_000)
    wait_idle(qtbot, win)
    qtbot.waitUntil(lambda: incoming.items.count == 0, timeout=10_000)
    assert store.read(lambda db: db.execute(
        "SELECT count(*) FROM dossiers WHERE channel = 3").fetchone()[0]) == 0


def test_refusal_on_the_touch_screen(qtbot: Any, synced_window: Any,
                                     central: Central) -> None:  # noqa: F811
    win = synced_window
    assert win.app.signIn("1234")
    messages = _messages(win)
    sub = _submit(central)
    win.services.sync.poke()
    qtbot.waitUntil(lambda: (win.home.stats.get("incoming") or 0) == 1, timeout=30_000)
    win.app.go("incoming")
    incoming = win.engine.rootContext().contextProperty("incoming")
    qtbot.waitUntil(lambda: incoming.items.count == 1, timeout=10_000)
    incoming.open(sub)
    # No reason: refused with a clear message, nothing sent.
    incoming.refuse("   ")
    assert any(k == "error" and "lý do" in t for k, t in messages)
    incoming.refuse("Ảnh giấy chứng sinh bị mờ")
    qtbot.waitUntil(lambda: any(k == "ok" and "Đã từ chối" in t for k, t in messages),
                    timeout=30_000)
    store = win.services.store
    row = store.read(lambda db: db.execute(
        "SELECT code, status FROM dossiers").fetchone())
    assert row[1] == int(Status.REFUSED)
    with central.db.transaction(write=False) as tx:
        assert tx.one("SELECT state FROM incoming_dossiers WHERE id = ?",
                      (sub,))["state"] == "refused"


def test_supplement_before_acceptance_then_papers_brought(qtbot: Any, synced_window: Any,
                                                          central: Central) -> None:  # noqa: F811
    """Mẫu 02 from the list (1 → 5); the server takes it off the other counters' lists."""
    win = synced_window
    assert win.app.signIn("1234")
    messages = _messages(win)
    sub = _submit(central)
    win.services.sync.poke()
    qtbot.waitUntil(lambda: (win.home.stats.get("incoming") or 0) == 1, timeout=30_000)
    win.app.go("incoming")
    incoming = win.engine.rootContext().contextProperty("incoming")
    qtbot.waitUntil(lambda: incoming.items.count == 1, timeout=10_000)
    incoming.open(sub)
    incoming.askSupplement("Ảnh giấy chứng sinh rõ nét; Bản sao CCCD của mẹ")
    qtbot.waitUntil(lambda: any(k == "ok" and "Đã yêu cầu bổ sung" in t for k, t in messages),
                    timeout=30_000)
    store = win.services.store
    code = store.read(lambda db: db.execute("SELECT code FROM dossiers").fetchone()[0])
    record = store.get_dossier(code)
    assert record["status"] == int(Status.SUPPLEMENT) and record["due_at"] is None
    assert record["supplements"][0]["items"] == ["Ảnh giấy chứng sinh rõ nét",
                                                 "Bản sao CCCD của mẹ"]
    with central.db.transaction(write=False) as tx:
        assert tx.one("SELECT state FROM incoming_dossiers WHERE id = ?",
                      (sub,))["state"] == "supplement"
    # The dossier screen offers refusal now (the supplement may never come).
    win.detail.load(code)
    win.app.go("detail", code)
    wait_idle(qtbot, win)
    assert qml(win, "refuseButton") is not None and qml(win, "askSupplementButton") is None


def test_dossier_screen_asks_for_a_supplement_and_refuses(qtbot: Any, window: Any) -> None:
    from kiosk.storage import ApplicantInput, DossierInput

    win = window
    assert win.app.signIn("1234")
    messages = _messages(win)
    store = win.services.store
    saved = store.save_dossier(DossierInput(
        "1.004873", ApplicantInput("Lê Văn Cường", id_number="001085001234")), "canbo")
    win.detail.load(saved.code)
    win.app.go("detail", saved.code)
    wait_idle(qtbot, win)
    assert qml(win, "askSupplementButton") is not None
    assert not win.detail.askSupplement("  ")  # nothing typed: refused, the dialog stays
    assert win.detail.askSupplement("Bản sao giấy khai sinh")
    wait_idle(qtbot, win)
    assert any(k == "ok" and "Mẫu 02" in t for k, t in messages)
    assert store.get_dossier(saved.code)["status"] == int(Status.SUPPLEMENT)
    assert not win.detail.refuse("")
    assert win.detail.refuse("Không bổ sung trong thời hạn")
    wait_idle(qtbot, win)
    record = store.get_dossier(saved.code)
    assert record["status"] == int(Status.REFUSED)
    assert record["events"][-1]["note"] == "Không bổ sung trong thời hạn"


def test_app_emails_the_receipt_and_shows_its_delivery(qtbot: Any, qapp: Any, kiosk_home: Any,
                                                       central: Central,  # noqa: F811
                                                       smtp: Any) -> None:  # noqa: F811
    from kiosk.sync import credentials
    from kiosk.ui.app import build_services, create_window

    box, port = smtp
    config = configure()
    config.set("sync.server_url", central.url)
    config.set("notify.smtp_host", "127.0.0.1")
    config.set("notify.smtp_port", port)
    config.save()
    credentials.save_token(central.url, central.token)
    win = create_window(build_services(config, demo=True))
    try:
        assert win.app.signIn("1234")
        sub = _submit(central)
        win.services.sync.poke()
        qtbot.waitUntil(lambda: (win.home.stats.get("incoming") or 0) == 1, timeout=30_000)
        win.app.go("incoming")
        incoming = win.engine.rootContext().contextProperty("incoming")
        qtbot.waitUntil(lambda: incoming.items.count == 1, timeout=10_000)
        incoming.open(sub)
        incoming.accept()
        qtbot.waitUntil(lambda: len(box.messages) == 1, timeout=60_000)
        code = win.services.store.read(lambda db: db.execute(
            "SELECT code FROM dossiers").fetchone()[0])
        assert code in box.messages[0]["Subject"]
        win.detail.load(code)
        win.app.go("detail", code)
        wait_idle(qtbot, win)
        qtbot.waitUntil(lambda: any("đã gửi" in line for line in
                                    win.detail.dossier.get("notices", [])), timeout=10_000)
        qtbot.waitUntil(lambda: qml(win, "noticeLine_0") is not None, timeout=10_000)
    finally:
        win.close()
        qapp.processEvents()
