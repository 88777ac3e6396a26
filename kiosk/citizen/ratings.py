"""Satisfaction ratings: the three levels and the reasons for "không hài lòng"."""

from __future__ import annotations

from kiosk.i18n import N_

#: level → label; 3 is the best (the satisfaction index counts 3 and 2 as satisfied).
LEVELS = {3: N_("Rất hài lòng"), 2: N_("Hài lòng"), 1: N_("Không hài lòng")}
REASONS = {"attitude": N_("Thái độ"), "time": N_("Thời gian"), "guidance": N_("Hướng dẫn"),
           "other": N_("Khác")}
OCCASIONS = ("intake", "return")
