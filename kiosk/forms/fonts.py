"""The bundled Be Vietnam Pro font (SIL OFL, ``assets/fonts/OFL.txt``) registered in reportlab.

reportlab's built-in Type 1 fonts lack most Vietnamese letters, so every form uses this
TrueType family; it is embedded (subset) in each PDF, so printers need no fonts of their own.
"""

from __future__ import annotations

import threading

from kiosk.errors import ConfigError
from kiosk.i18n import _
from kiosk.paths import asset

REGULAR = "BeVietnamPro"
BOLD = "BeVietnamPro-Bold"
ITALIC = "BeVietnamPro-Italic"
SEMIBOLD = "BeVietnamPro-SemiBold"

_FILES = {
    REGULAR: "BeVietnamPro-Regular.ttf",
    BOLD: "BeVietnamPro-Bold.ttf",
    ITALIC: "BeVietnamPro-Italic.ttf",
    SEMIBOLD: "BeVietnamPro-SemiBold.ttf",
}

_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the family once per process (thread-safe: forms render on worker threads)."""
    global _registered
    if _registered:
        return
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _lock:
        if _registered:
            return
        for name, filename in _FILES.items():
            path = asset("fonts", filename)
            if not path.exists():
                raise ConfigError(
                    _("Thiếu tệp phông chữ {path}.", path=str(path)),
                    hint=_("Cài lại phần mềm để khôi phục thư mục assets/fonts."),
                )
            pdfmetrics.registerFont(TTFont(name, str(path)))
        # <b>/<i> inside paragraphs pick the right face.
        addMapping(REGULAR, 0, 0, REGULAR)
        addMapping(REGULAR, 1, 0, BOLD)
        addMapping(REGULAR, 0, 1, ITALIC)
        addMapping(REGULAR, 1, 1, BOLD)
        _registered = True
