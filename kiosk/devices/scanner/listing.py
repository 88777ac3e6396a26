"""The scanners entry of ``kiosk devices``: each scanner, its state and capabilities."""

from __future__ import annotations

from typing import Any

from kiosk.devices.scanner import create_driver
from kiosk.devices.scanner.defaults import remembered
from kiosk.devices.scanner.errors import ScannerError


def list_scanners(config: Any) -> list[dict[str, Any]]:
    driver = create_driver(config=config)
    try:
        configured = config.get("scanner.device")
        out: list[dict[str, Any]] = []
        for info in driver.list_devices():
            entry: dict[str, Any] = {
                "name": info.name, "label": info.label, "vendor": info.vendor,
                "model": info.model, "type": info.kind,
                "selected": info.name == configured or (not configured and not out),
            }
            try:
                entry["capabilities"] = driver.capabilities(info.name).to_json()
                entry["state"] = "ready"
            except ScannerError as exc:
                entry["state"] = exc.code
                entry["message"] = exc.message
            saved = remembered(info.name)
            if saved:
                entry["remembered"] = saved
            out.append(entry)
        if configured and not any(e["name"] == configured for e in out):
            out.append({"name": configured, "state": "offline", "selected": True})
        return out
    finally:
        driver.close()
