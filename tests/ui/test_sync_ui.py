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
