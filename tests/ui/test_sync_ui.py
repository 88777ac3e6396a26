"""The app's own sync worker against the real reference server on loopback: the dossier screen
follows its sending, and a status set by the province comes back to the counter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from central import service, uploads
from kiosk.dossier import Status
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput
from tests.sync.conftest import Central, central  # noqa: F401 - the server fixture
from tests.ui.conftest import configure, wait_idle


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


def test_detail_follows_sync_and_pulls_central_status(qtbot: Any, synced_window: Any,
                                                      central: Central) -> None:  # noqa: F811
    win = synced_window
    link = win.services.sync
    assert link.worker is not None, link.problem
    assert win.app.signIn("1234")
    store = win.services.store
    sha = store.put_file(b"%PDF-1.4 demo scan " + bytes(range(256)) * 400)
    saved = store.save_dossier(DossierInput(
        "2.000815", ApplicantInput(name="Hà Thị Thu Hương", id_number="001190004321"),
        components=[ComponentInput(name="Bản sao", pages=[PageInput(sha)])]), "canbo")
    win.detail.load(saved.code)
    win.app.go("detail", saved.code)
    wait_idle(qtbot, win)
    link.poke()
    qtbot.waitUntil(lambda: win.detail.dossier.get("sync") == "Đã gửi lên máy chủ",
                    timeout=30_000)
    assert uploads.blob_size(central.db, sha) is not None

    # The province takes it up; the next pass pulls the change and the screen shows it.
    service.set_status(central.db, saved.code, int(Status.PROCESSING), "Chuyển phòng Tư pháp",
                       by="tinh")
    link.poke()
    qtbot.waitUntil(lambda: win.detail.dossier.get("status") == int(Status.PROCESSING),
                    timeout=30_000)
    assert store.get_dossier(saved.code)["status"] == int(Status.PROCESSING)
    state = link.ui_state()
    assert state["ok"], state


@pytest.fixture
def forged_window(qapp: Any, kiosk_home: Any, central: Central  # noqa: F811
                  ) -> Iterator[tuple[Any, Any]]:
    """The app's sync goes through a proxy that forges a 422 for every record push."""
    from kiosk.sync import credentials
    from kiosk.ui.app import build_services, create_window
    from tests.sync.hostile import Hostile, Sink

    sink = Sink()
    proxy = Hostile(central.url, sink.port).start()
    proxy.mode = "forge_422"
    config = configure()
    config.set("sync.server_url", proxy.url)
    config.save()
    credentials.save_token(proxy.url, central.token)
    win = create_window(build_services(config, demo=True))
    try:
        yield win, proxy
    finally:
        win.close()
        qapp.processEvents()
        proxy.stop()
        sink.stop()


def _parked(store: Any) -> list[dict[str, Any]]:
    from kiosk.sync import state

    return list(store.read(state.parked))


def test_admin_sees_refused_items_and_retries_them_in_one_tap(
        qtbot: Any, forged_window: Any, central: Central) -> None:  # noqa: F811
    from tests.ui.test_reports_ui import click, item_value, qml

    win, proxy = forged_window
    link = win.services.sync
    assert link.worker is not None, link.problem
    store = win.services.store
    saved = store.save_dossier(DossierInput(
        "2.000815", ApplicantInput(name="Hà Thị Thu Hương", id_number="001190004321")),
        "canbo")
    link.poke()
    # Parked, then (a pass later, with nothing new refused) retried once and parked again.
    qtbot.waitUntil(lambda: bool(_parked(store)), timeout=30_000)
    link.poke()
    qtbot.waitUntil(lambda: [p["auto_retried"] for p in _parked(store)] == [True],
                    timeout=30_000)
    assert win.app.signIn("9999")  # the admin
    win.app.go("home")
    win.home.refresh()
    wait_idle(qtbot, win)
    qtbot.waitUntil(lambda: qml(win, f"retryParked_{saved.code}") is not None, timeout=10_000)
    assert win.home.parked.rowCount() == 1
    # The proxy is gone; one tap sends it again.
    proxy.mode = "pass"
    click(qtbot, win, f"retryParked_{saved.code}")
    qtbot.waitUntil(lambda: store.outbox_counts()["done"] == 1, timeout=30_000)
    assert service.find_dossier(central.db, dossier_id=saved.id) is not None
    # The app's worker audits the server after a clean pass (sync.audit_interval_hours):
    # the admin's panel says when, and what it found.
    def refreshed() -> bool:
        win.home.refresh()
        return win.home.parked.rowCount() == 0 and win.home.auditText.startswith(
            "Đối chiếu lúc")

    qtbot.waitUntil(refreshed, timeout=30_000)
    wait_idle(qtbot, win)
    assert "máy chủ có đủ" in item_value(qtbot, win, "auditLine", "text")
    assert qml(win, f"retryParked_{saved.code}") is None


def test_clerk_sees_the_servers_signature_notice(qtbot: Any, synced_window: Any,
                                                 central: Central) -> None:  # noqa: F811
    from central import signatures
    from tests.ui.test_reports_ui import click, qml

    win = synced_window
    link = win.services.sync
    store = win.services.store
    saved = store.save_dossier(DossierInput(
        "2.000815", ApplicantInput(name="Hà Thị Thu Hương", id_number="001190004321")),
        "canbo")
    link.poke()
    qtbot.waitUntil(lambda: store.outbox_counts()["done"] == 1, timeout=30_000)
    # The server's verdict on a file, as central.signatures.flag records it.
    with central.db.transaction() as tx:
        row = tx.one("SELECT unit_code, status, server_version FROM dossiers WHERE id = ?",
                     (saved.id,))
        assert row is not None
        signatures.flag(tx, saved.id, row["unit_code"], row["status"], row["server_version"],
                        ["TK: tampered (abcdef123456)"], "2026-12-01T10:00:00+07:00")
    link.poke()
    qtbot.waitUntil(lambda: any(e["actor"] == "central" for e in store.get_dossier(
        saved.code)["events"]), timeout=30_000)
    assert win.app.signIn("1234")  # a clerk
    win.app.go("home")
    win.home.refresh()
    wait_idle(qtbot, win)
    qtbot.waitUntil(lambda: qml(win, f"dismissNotice_{saved.code}") is not None,
                    timeout=10_000)
    assert "TK: tampered" in win.home.notices.rows()[0]["note"]
    click(qtbot, win, f"dismissNotice_{saved.code}")
    qtbot.waitUntil(lambda: qml(win, f"dismissNotice_{saved.code}") is None, timeout=10_000)
    assert qml(win, "auditLine") is None  # the admin's line is not the clerk's
