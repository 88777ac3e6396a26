"""UI tests: the real window (QML) over real parts, offscreen, driven like a clerk would."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The app's Qt settings (the on-screen keyboard's input method, QT_IM_MODULE) before the
# QApplication exists: a full run imported them while collecting, a test run alone did not,
# and typed its dialogs without the keys that cover a dialog's lower buttons.
import kiosk.ui.qt  # noqa: F401
from kiosk.config import Config


def configure(source: str = "flatbed", resolution: int = 150) -> Config:
    config = Config.load()
    config.set("scanner.source", source)
    config.set("scanner.resolution", resolution)
    config.set("ui.idle_lock_minutes", 0)
    config.save()
    return config


@pytest.fixture
def window(qapp: Any, qtbot: Any, kiosk_home: Any) -> Iterator[Any]:
    from kiosk.ui.app import build_services, create_window

    services = build_services(configure(), demo=True)
    win = create_window(services)
    keyboard_ready(qtbot, win)
    yield win
    win.close()
    qapp.processEvents()


def keyboard_ready(qtbot: Any, win: Any) -> None:
    """Until the on-screen keyboard is made (after the first frame, a little per frame), as
    it is long before a clerk has signed in: a field tapped before that opens Qt's own
    keyboard window, which takes the focus from the app's window under the offscreen
    platform."""
    from kiosk.ui.qt import QQuickItem

    qtbot.waitUntil(lambda: win.root().findChild(QQuickItem, "inputPanel") is not None,
                    timeout=60_000)


def wait_idle(qtbot: Any, win: Any, timeout: int = 60_000) -> None:
    """Until no background task, scan or draft save is pending."""
    qtbot.waitUntil(lambda: win.tasks.pending == 0 and not win.intake.scanner.active
                    and not win.intake._draft_timer.isActive(), timeout=timeout)


@pytest.fixture(scope="module")
def xserver() -> Iterator[Any]:
    """One Xvfb for a module's tests that drive the app with real X input."""
    from tests.ui.xserver import XServer

    server = XServer()
    yield server
    server.stop()
