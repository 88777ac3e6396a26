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
    ("notify.smtp_host", "",
     N_("Máy chủ thư (SMTP) gửi thông báo cho công dân; để trống: không gửi thư điện tử"), {}),
    ("notify.smtp_port", 25, N_("Cổng máy chủ thư (SMTP)"), {}),
    ("notify.smtp_from", "motcua@localhost", N_("Địa chỉ gửi thư thông báo"), {}),
    ("notify.smtp_starttls", False, N_("Dùng STARTTLS với máy chủ thư"), {}),
    ("notify.smtp_user", "",
     N_("Tài khoản máy chủ thư (mật khẩu trong biến môi trường KIOSK_SMTP_PASSWORD)"), {}),
    ("notify.sms_url", "",
     N_("Địa chỉ cổng gửi SMS/Zalo của tỉnh (nhận JSON id, to, text); để trống: không gửi "
        "SMS"), {}),
    ("notify.max_attempts", 8,
     N_("Số lần thử gửi một thông báo trước khi báo lỗi cho cán bộ"), {}),
]


def clock_rule(config: Any, procedure_code: str) -> str:
    """``pause`` or ``restart`` for a supplement of this procedure, as configured now."""
    if procedure_code in (config.get("supplement.restart_procedures") or []):
        return "restart"
    if procedure_code in (config.get("supplement.pause_procedures") or []):
        return "pause"
    return str(config.get("supplement.clock_rule"))
