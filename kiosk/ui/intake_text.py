"""The intake's words for the clerk: document kinds and page captions."""

from __future__ import annotations

from kiosk.i18n import N_, _
from kiosk.intake import IntakePage

COPY_LABELS = {"original": N_("Bản chính"), "copy": N_("Bản sao"),
               "certified_copy": N_("Bản sao chứng thực"),
               "original_or_certified_copy": N_("Bản chính hoặc bản sao chứng thực"),
               "present": N_("Xuất trình")}
#: Page encodings in a clerk's words (G4 and grey JPEG are both "black and white" to them).
ENCODING_WORDS = {"g4": N_("Đen trắng"), "jpeg-gray": N_("Đen trắng"), "mrc": N_("Màu"),
                  "jpeg": N_("Màu")}


def page_summary(p: IntakePage) -> str:
    """"Đen trắng · 817 KB" / "Màu · 1,2 MB": what the thumbnail caption says."""
    words = _(ENCODING_WORDS.get(p.encoding, N_("Màu") if p.color else N_("Đen trắng")))
    if p.size >= 1024 * 1024:
        size = f"{p.size / (1024 * 1024):.1f}".replace(".", ",") + " MB"
    else:
        size = f"{max(1, round(p.size / 1024))} KB"
    return f"{words} · {size}"
