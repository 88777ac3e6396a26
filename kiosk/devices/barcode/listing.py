"""The barcode-readers entry of ``kiosk devices``: what is configured and whether it is there.

Cheap checks only (no port is opened, no camera started): an installer runs ``kiosk listen``
to try a reader for real.
"""

from __future__ import annotations

import os
from typing import Any

from kiosk.devices.barcode.camera_names import is_video_file, shown_device
from kiosk.devices.barcode.readers import camera_target
from kiosk.i18n import _


def list_readers(config: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{
        "name": "wedge", "type": "keyboard wedge",
        "state": "ready" if config.get("barcode.wedge_enabled") else "off",
        "max_gap_ms": config.get("barcode.wedge_max_gap_ms"),
        "min_length": config.get("barcode.wedge_min_length"),
    }]
    port = str(config.get("barcode.serial_port"))
    if port:
        present = os.path.exists(port)
        out.append({"name": port, "type": "serial", "state": "ready" if present else "offline",
                    "baudrate": config.get("barcode.serial_baudrate"),
                    **({} if present else {"message": _(
                        "Không thấy cổng {port}: đầu đọc chưa cắm hoặc sai tên cổng.",
                        port=port)})})
    target = camera_target(config)
    if target.isdigit():
        device = f"/dev/video{target}"
        present = os.path.exists(device)
        out.append({"name": device, "type": "camera", "state": "ready" if present else "offline"})
    elif target:
        # A stream is only known once opened (kiosk listen); a video file is there or not.
        state = "configured" if not is_video_file(target) else (
            "ready" if os.path.exists(target) else "offline")
        out.append({"name": shown_device(target), "type": "camera", "state": state})
    return out
