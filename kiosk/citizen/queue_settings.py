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


DECLARATIONS: list[tuple[str, Any, str, dict[str, Any]]] = [
    ("queue.priorities", DEFAULT_PRIORITIES,
     N_("Đối tượng được ưu tiên gọi trước trong nhóm dịch vụ, dạng khoá=Tên, cách nhau bởi "
        "dấu phẩy (để trống: không ưu tiên ai)"),
     {"item_kind": str, "validate": _priorities}),
    ("queue.noshow_after_recalls", 2,
     N_("Số lần gọi lại trước khi được ghi một số là vắng mặt"),
     {"validate": lambda v: None if 0 <= v <= 9 else N_("từ 0 đến 9 lần")}),
]


def parse_priorities(items: list[str]) -> dict[str, str]:
    """``["con-nho=Người đang nuôi con nhỏ"]`` → ``{"con-nho": "Người đang nuôi con nhỏ"}``."""
    out: dict[str, str] = {}
    for item in items:
        m = PRIORITY_RE.match(item.strip())
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out
