"""Scanner trouble during an intake: a plain Vietnamese message, the pages already read kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.ui.conftest import configure, wait_idle


@pytest.fixture
def jamming_window(qapp: Any, kiosk_home: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from kiosk.devices.scanner.process_driver import ProcessScanDriver
    from kiosk.paths import asset
    from kiosk.ui.app import build_services, create_window

    monkeypatch.setenv("SANE_CONFIG_DIR", str(asset("sane")))
    # The app's scanner process, whose SANE test backend jams at the third sheet once
    # (read-return-value); then the clerk has cleared the jam and the feeder reads on.
    services = build_services(
        configure(source="adf", resolution=75), demo=True,
        scanner_factory=lambda: ProcessScanDriver(
            api="tests.devices.sane_faults:JamAtThirdSheet"))
    win = create_window(services)
    yield win
    win.close()
    qapp.processEvents()


def test_paper_jam_keeps_pages_and_says_what_to_do(qtbot: Any, jamming_window: Any) -> None:
    win = jamming_window
    messages: list[tuple[str, str]] = []
    win.app.message.connect(lambda text, kind: messages.append((text, kind)))
    assert win.app.signIn("1234")
    intake = win.intake
    intake.start()
    intake.chooseProcedure("2.000815")
    intake.setField("name", "Vũ Thị Lụa")
    intake.next()
    for i in range(len(intake.session.components)):
        intake.setChecked(i, True)
    intake.next()
    intake.selectComponent(0)
    intake.scan()
    wait_idle(qtbot, win)
    errors = [text for text, kind in messages if kind == "error"]
    assert errors, messages
    assert "Kẹt giấy" in errors[-1]
    assert "gỡ tờ bị kẹt" in errors[-1]
    kept = len(intake.session.components[0].pages)
    assert kept == 2  # the two sheets read before the jam
    assert "Kẹt giấy" in intake.scanStatus
    # The clerk clears the jam and scans the rest: the batch continues after the kept pages.
    intake.scan()
    wait_idle(qtbot, win)
    assert len(intake.session.components[0].pages) > kept
