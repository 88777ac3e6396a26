"""Barcode readers in ``kiosk devices``: configured readers and whether they are there."""

from __future__ import annotations

import os

from kiosk.config import Config
from kiosk.devices.barcode.listing import list_readers
from kiosk.devices.registry import list_all


def test_wedge_serial_and_camera_states() -> None:
    config = Config.load()
    master, slave = os.openpty()
    try:
        config.set("barcode.serial_port", os.ttyname(slave))
        config.set("barcode.camera", 7)
        rows = {r["type"]: r for r in list_readers(config)}
    finally:
        os.close(master)
        os.close(slave)
    assert rows["keyboard wedge"]["state"] == "ready"
    assert rows["serial"]["state"] == "ready"
    assert rows["camera"]["state"] in ("ready", "offline")
    config.set("barcode.serial_port", "/dev/ttyKIOSK-missing")
    config.set("barcode.wedge_enabled", False)
    rows = {r["type"]: r for r in list_readers(config)}
    assert rows["serial"]["state"] == "offline" and "/dev/ttyKIOSK-missing" in rows["serial"]["message"]
    assert rows["keyboard wedge"]["state"] == "off"
    # An IP camera is named without its password; a video file is there or not.
    config.set("barcode.camera_url", "rtsp://admin:secret@10.0.0.7:554/live")
    assert {r["type"]: r for r in list_readers(config)}["camera"] == {
        "name": "rtsp://10.0.0.7:554/live", "type": "camera", "state": "configured"}
    config.set("barcode.camera_url", "/nonexistent/camera.avi")
    assert {r["type"]: r for r in list_readers(config)}["camera"]["state"] == "offline"


def test_listed_by_kiosk_devices() -> None:
    out = list_all(Config.load(), ["barcode_readers"])
    assert [r["name"] for r in out["barcode_readers"]] == ["wedge"]
