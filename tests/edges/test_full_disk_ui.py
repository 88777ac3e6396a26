"""Issue 12 §6, the app: started on a full disk (no process holds the database open), its
screens show what is stored — home counts, search, a dossier's detail, a return lookup —
and a write (handing over a result) is refused with the disk-full message, not a crash."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.storage.test_full_disk import _fill, small_disk  # noqa: F401 - the fixture
from tests.ui.conftest import configure, wait_idle


@pytest.fixture
def full_window(qapp: Any, small_disk: Path,  # noqa: F811
                monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, list[str]]]:
    from kiosk.clerks import ClerkDirectory
    from kiosk.config import Config
    from kiosk.demo import seed
    from kiosk.storage import Store
    from kiosk.ui.app import build_services, create_window

    home = small_disk / "home"
    home.mkdir()
    monkeypatch.setenv("KIOSK_HOME", str(home))
    configure()
    ClerkDirectory().ensure_demo()
    with Store() as store:
        codes = seed(store, progress=True)
    _fill(small_disk)
    assert os.statvfs(small_disk).f_bavail == 0
    services = build_services(Config.load())
    assert services.store.disk_full  # the hard case: reads through the immutable view
    win = create_window(services)
    yield win, codes
    win.close()
    qapp.processEvents()


def test_the_screens_work_and_a_write_is_refused(qtbot: Any,
                                                 full_window: tuple[Any, list[str]]) -> None:
    win, codes = full_window
    messages: list[tuple[str, str]] = []
    win.app.message.connect(lambda text, kind: messages.append((text, kind)))
    assert win.app.signIn("1234")
    win.home.refresh()
    qtbot.waitUntil(lambda: win.home.stats.get("received_today", 0) >= 1, timeout=20_000)

    win.app.go("lookup")
    win.lookup.search(codes[0][-4:])
    wait_idle(qtbot, win)
    assert win.lookup.results.rowCount() >= 1

    win.app.go("detail")
    win.detail.load(codes[0])
    wait_idle(qtbot, win)
    assert win.detail.dossier["code"] == codes[0]

    done_code = codes[3]  # the demo dossier that is done
    win.returns.clear()
    win.app.go("return")
    win.returns.find(done_code)
    wait_idle(qtbot, win)
    assert win.returns.dossier["canReturn"]
    assert not [m for m in messages if m[1] == "error"], messages
    win.returns.setUnscannedReason("Máy quét đang hỏng")  # no result digitised (issue 24)
    win.returns.handOver(True, "Trần Thị Bưởi", "001190001234")
    wait_idle(qtbot, win)
    errors = [text for text, kind in messages if kind == "error"]
    assert errors and "Ổ đĩa đầy" in errors[-1], messages
    assert "Lỗi không mong đợi" not in " ".join(errors)
    from kiosk.dossier import Status

    assert win.services.store.get_dossier(done_code)["status"] == int(Status.DONE)
