"""libsane is process-global: one SaneApi closing must not unload SANE under another."""

from __future__ import annotations

import pytest

from kiosk.devices.scanner.sane_device import SaneApi
from kiosk.paths import asset

pytest.importorskip("sane")


def test_closing_one_user_keeps_sane_for_the_other(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANE_CONFIG_DIR", str(asset("sane")))
    first, second = SaneApi(), SaneApi()
    try:
        assert any(d[0] == "test:0" for d in first.get_devices())
        assert any(d[0] == "test:0" for d in second.get_devices())
        first.exit()
        assert any(d[0] == "test:0" for d in second.get_devices())
        handle = second.open("test:0")
        handle.close()
    finally:
        first.exit()
        second.exit()
    again = SaneApi()
    try:
        assert any(d[0] == "test:0" for d in again.get_devices())
    finally:
        again.exit()
