"""The queue's settings beyond its service groups (issue 27): who is served first, and how
many recalls make a no-show.

Registered by ``kiosk.config`` with every other setting; they live here because
``kiosk/config.py`` is at its size limit. Who the law and custom put first (the Law on the
Elderly, the Law on Persons with Disabilities, the Ordinance on People of Merit, and the
one-stop rules that ask counters to serve pregnant women and people with small children
first) is a list the unit may change: a key the CLI and the citizen screen use, and the
name a person reads.

This module imports nothing but the i18n marker: ``kiosk.config`` loads it on every command.
"""

from __future__ import annotations

import re
from typing import Any

from kiosk.i18n import N_

PRIORITY_RE = re.compile(r"^([a-z][a-z0-9-]{0,39})=(\S.*)$")

DEFAULT_PRIORITIES = ["nguoi-cao-tuoi=Người cao tuổi", "khuyet-tat=Người khuyết tật",
                      "mang-thai=Phụ nữ mang thai", "con-nho=Người đang nuôi con nhỏ",
                      "nguoi-co-cong=Người có công với cách mạng"]


def _priorities(value: list[str]) -> str | None:
    keys = [item.split("=", 1)[0] for item in value]
    if all(PRIORITY_RE.match(item) for item in value) and len(set(keys)) == len(keys):
        return None
    return N_("mỗi đối tượng ưu tiên có dạng khoá=Tên (khoá chữ thường không dấu, không "
              "trùng), ví dụ nguoi-cao-tuoi=Người cao tuổi")


GROUP_RE = re.compile(r"^([A-Z])(?:@(T[2-7]|CN|\d{4}-\d{2}-\d{2}))?=(\d{1,3})$")


def _groups(value: list[str]) -> str | None:
    if all(GROUP_RE.match(item.strip()) for item in value):
        return None
    return N_("mỗi mục có dạng CHỮ=số chỗ, CHỮ@T2=số chỗ hoặc CHỮ@2026-12-24=số chỗ, "
              "ví dụ A=3")


DECLARATIONS: list[tuple[str, Any, str, dict[str, Any]]] = [
    ("queue.priorities", DEFAULT_PRIORITIES,
     N_("Đối tượng được ưu tiên gọi trước trong nhóm dịch vụ, dạng khoá=Tên, cách nhau bởi "
        "dấu phẩy (để trống: không ưu tiên ai)"),
     {"item_kind": str, "validate": _priorities}),
    ("queue.noshow_after_recalls", 2,
     N_("Số lần gọi lại trước khi được ghi một số là vắng mặt"),
     {"validate": lambda v: None if 0 <= v <= 9 else N_("từ 0 đến 9 lần")}),
    ("queue.spoken_call", True,
     N_("Đọc số bằng giọng nói sau tiếng chuông (cần gói espeak-ng)"), {}),
    ("queue.voice", "vi",
     N_("Giọng đọc số của espeak-ng (vi: tiếng Việt)"),
     {"validate": lambda v: None if re.fullmatch(r"[a-z]{2,3}([-+][A-Za-z0-9]+)*", v)
      else N_("tên giọng của espeak-ng, ví dụ vi")}),
    ("queue.voice_speed", 140,
     N_("Tốc độ đọc số (từ mỗi phút)"),
     {"validate": lambda v: None if 80 <= v <= 300 else N_("từ 80 đến 300")}),
    ("queue.display_port", 8089,
     N_("Cổng của trang màn hình gọi số (kiosk queue display)"),
     {"validate": lambda v: None if 1024 <= v <= 65535 else N_("từ 1024 đến 65535")}),
    ("queue.display_poll_ms", 300,
     N_("Màn hình gọi số đọc trạng thái hàng chờ mỗi bao nhiêu mili giây"),
     {"validate": lambda v: None if 100 <= v <= 5000 else N_("từ 100 đến 5000")}),
    ("booking.groups", ["A=3"],
     N_("Nhóm dịch vụ nhận đặt hẹn và số chỗ mỗi khung giờ, dạng CHỮ=số chỗ; thay cho một "
        "thứ hoặc một ngày: CHỮ@T2=số chỗ, CHỮ@2026-12-24=0 (0: không nhận hẹn)"),
     {"item_kind": str, "validate": _groups}),
    ("booking.slot_minutes", 30,
     N_("Độ dài một khung giờ hẹn (phút), chia đều buổi sáng và buổi chiều của giờ làm việc"),
     {"validate": lambda v: None if 5 <= v <= 240 else N_("từ 5 đến 240 phút")}),
    ("booking.horizon_days", 14,
     N_("Đặt hẹn trước tối đa bao nhiêu ngày"),
     {"validate": lambda v: None if 1 <= v <= 90 else N_("từ 1 đến 90 ngày")}),
    ("booking.release_minutes", 15,
     N_("Lịch hẹn chưa nhận số sau giờ hẹn bao nhiêu phút thì bị huỷ, nhường chỗ"),
     {"validate": lambda v: None if 0 <= v <= 240 else N_("từ 0 đến 240 phút")}),
    ("booking.checkin_early_minutes", 30,
     N_("Người có hẹn được nhận số sớm nhất bao nhiêu phút trước giờ hẹn"),
     {"validate": lambda v: None if 0 <= v <= 240 else N_("từ 0 đến 240 phút")}),
]


def parse_priorities(items: list[str]) -> dict[str, str]:
    """``["con-nho=Người đang nuôi con nhỏ"]`` → ``{"con-nho": "Người đang nuôi con nhỏ"}``."""
    out: dict[str, str] = {}
    for item in items:
        m = PRIORITY_RE.match(item.strip())
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out
