"""Settings of dossiers that come from elsewhere and of what the citizen is told (issue 25).

Registered by ``kiosk.config`` with every other setting; they live here because
``kiosk/config.py`` is near its size limit. What the law leaves open (DOMAIN-2 §7: whether a
supplement pauses the legal clock or restarts it) is configuration, per procedure.

This module imports nothing but the i18n marker: ``kiosk.config`` loads it on every command.
"""

from __future__ import annotations

from typing import Any

from kiosk.i18n import N_

DECLARATIONS: list[tuple[str, Any, str, dict[str, Any]]] = [
    ("supplement.clock_rule", "pause",
     N_("Khi yêu cầu bổ sung hồ sơ: pause (tạm dừng, cộng thêm thời gian chờ) hoặc restart "
        "(tính lại từ đầu khi hồ sơ đủ, NĐ 61/2018 Điều 19.4)"),
     {"choices": ("pause", "restart")}),
    ("supplement.restart_procedures", [],
     N_("Mã các thủ tục tính lại thời hạn từ đầu khi bổ sung đủ (cách nhau bởi dấu phẩy), "
        "bất kể cách chung"),
     {"item_kind": str}),
    ("supplement.pause_procedures", [],
     N_("Mã các thủ tục chỉ tạm dừng thời hạn khi bổ sung (cách nhau bởi dấu phẩy), bất kể "
        "cách chung"),
     {"item_kind": str}),
]


def clock_rule(config: Any, procedure_code: str) -> str:
    """``pause`` or ``restart`` for a supplement of this procedure, as configured now."""
    if procedure_code in (config.get("supplement.restart_procedures") or []):
        return "restart"
    if procedure_code in (config.get("supplement.pause_procedures") or []):
        return "pause"
    return str(config.get("supplement.clock_rule"))
