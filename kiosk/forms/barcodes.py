"""Code128 and QR flowables sized for the printers we meet.

Bar widths are whole printer dots: a thermal head has 203 dpi (8 dots/mm) and a module that
is not a whole number of dots prints as uneven bars that readers reject. The thermal module
is three dots (0.375 mm): two dots (0.25 mm) decode from the printer's own 203 dpi, but a
receipt photographed or scanned at 150 dpi — the lowest resolution we design for (a
document scanner's economy setting, a phone photo of the ticket) — then has 1.5 pixels per
module and does not decode; three dots give 2.2 pixels there (tests/forms/
test_thermal_barcode.py). On the thermal page the symbol is also placed on the dot grid, so
every module prints as exactly three dots. Code128 uses reportlab's encoder (it switches to
code set C for digit runs, which keeps the 25-character dossier code at 288 modules); the
QR code is drawn from zxing-cpp's matrix as one path per row, which is several times faster
than reportlab's QR widget.
"""

from __future__ import annotations

from typing import Any

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import inch, mm
from reportlab.platypus import Flowable

#: "203 dpi" heads are 8 dots/mm (203.2 dpi).
THERMAL_DOTS_PER_MM = 8
THERMAL_DPI = 203
#: One printer dot, in points.
THERMAL_DOT = mm / THERMAL_DOTS_PER_MM
#: Dots per Code128 module on a thermal ticket (see the module docstring).
THERMAL_MODULE_DOTS = 3
THERMAL_MODULE = THERMAL_MODULE_DOTS * THERMAL_DOT
#: The lowest resolution the ticket's Code128 must decode from (photo, economy scan).
LOWEST_READ_DPI = 150
#: 0.34 mm: a comfortable X dimension on office laser printers (4 dots at 300 dpi).
A4_MODULE = 4 * inch / 300
#: Code128 needs ten modules of blank space each side.
QUIET_MODULES = 10


def code128_modules(value: str) -> int:
    """Width of ``value`` as Code128, in modules, without quiet zones."""
    return round(float(Code128(value, barWidth=1, quiet=0).width))


class Code128Flowable(Flowable):
    """A Code128 symbol, centred in the frame, with ``module`` points per module.

    When the code does not fit ``max_width`` at the preferred module (a long QĐ 20/2020 unit
    code on an 80 mm ticket), the symbol is turned 90° and runs along the ticket, which can
    grow; shrinking the bars below two dots instead would print a code no reader decodes.
    Without ``rotate`` the module shrinks to fit and :attr:`shrunk` tells the caller.
    """

    def __init__(self, value: str, *, module: float, height: float,
                 max_width: float | None = None, rotate: bool = False,
                 grid: float | None = None) -> None:
        super().__init__()
        self.value = value
        self.modules = code128_modules(value)
        self.shrunk = False
        self.rotated = False
        #: Snap the symbol's corner to this grid on the page (the printer's dot, points).
        self.grid = grid
        if max_width is not None and self.modules * module > max_width:
            if rotate:
                self.rotated = True
            else:
                module = max_width / self.modules
                self.shrunk = True
        self.module = module
        self.bar_height = height
        self.hAlign = "CENTER"

    @property
    def length(self) -> float:
        return self.modules * self.module

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        if self.rotated:
            self.width = self.bar_height
            return self.bar_height, self.length
        self.width = self.length
        return self.length, self.bar_height

    def _snap(self) -> None:
        """Shift the origin onto the dot grid of the page. A thermal driver rasterises the
        page from its top-left corner, dot by dot; the ticket's height is a whole number of
        dots, so a corner on the grid counted from the bottom is on it from the top too,
        and each module covers exactly its dots instead of straddling two."""
        if not self.grid:
            return
        x, y = self.canv.absolutePosition(0, 0)
        x1, y1 = self.canv.absolutePosition(1, 1)
        if abs(x1 - x - 1) > 1e-9 or abs(y1 - y - 1) > 1e-9:
            return  # scaled or turned: the page's grid is not this one's
        self.canv.translate(round(x / self.grid) * self.grid - x,
                            round(y / self.grid) * self.grid - y)

    def draw(self) -> None:
        symbol = Code128(self.value, barWidth=self.module, barHeight=self.bar_height,
                         quiet=0, lquiet=0, rquiet=0)
        self.canv.saveState()
        self._snap()
        try:
            self._draw(symbol)
        finally:
            self.canv.restoreState()

    def _draw(self, symbol: Code128) -> None:
        if not self.rotated:
            symbol.drawOn(self.canv, 0, 0)
            return
        self.canv.saveState()
        # Rotate a quarter turn counter-clockwise, then shift right by the bar height so
        # the symbol lands in this flowable's box.
        self.canv.translate(self.bar_height, 0)
        self.canv.rotate(90)
        symbol.drawOn(self.canv, 0, 0)
        self.canv.restoreState()


def qr_matrix(payload: str, error: str = "m") -> list[list[bool]]:
    """Dark modules of the QR symbol for ``payload``, without quiet zone.

    zxing-cpp's encoder (C++) takes under a millisecond; segno, pure Python, takes about
    nine because it scores all eight masks. segno stays as the fallback for a zxing-cpp
    older than 2.3, which had no ``create_barcode``.
    """
    try:
        import zxingcpp

        create = zxingcpp.create_barcode
    except (ImportError, AttributeError):
        import segno

        qr = segno.make_qr(payload, error=error, boost_error=False)
        return [[bool(cell) for cell in row] for row in qr.matrix]
    import numpy as np

    symbol = create(payload, zxingcpp.BarcodeFormat.QRCode, ec_level=error.upper())
    pixels = np.asarray(symbol.to_image(scale=1, add_quiet_zones=False))
    return (pixels < 128).tolist()


def qr_png(payload: str, scale: int = 8, border: int = 4) -> bytes:
    """The QR symbol for ``payload`` as a black-on-white PNG (a web page's image): the same
    matrix as the printed slip, ``border`` modules of quiet zone, ``scale`` pixels each."""
    import io

    from PIL import Image

    matrix = qr_matrix(payload)
    side = len(matrix) + 2 * border
    img = Image.new("1", (side, side), 1)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                img.putpixel((x + border, y + border), 0)
    out = io.BytesIO()
    img.resize((side * scale, side * scale), Image.Resampling.NEAREST).save(out, "PNG")
    return out.getvalue()


class QRFlowable(Flowable):
    """A QR code ``size`` points wide including its 4-module quiet zone."""

    def __init__(self, payload: str, *, size: float, quiet: int = 4) -> None:
        super().__init__()
        self.payload = payload
        self.matrix = qr_matrix(payload)
        self.quiet = quiet
        self.size = size
        self.hAlign = "CENTER"

    @property
    def module(self) -> float:
        return self.size / (len(self.matrix) + 2 * self.quiet)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        draw_qr(self.canv, self.matrix, 0, 0, self.size, self.quiet)


def draw_qr(canv: Any, matrix: list[list[bool]], x: float, y: float, size: float,
            quiet: int = 4) -> None:
    n = len(matrix)
    m = size / (n + 2 * quiet)
    path = canv.beginPath()
    for r, row in enumerate(matrix):
        top = y + size - (quiet + r + 1) * m
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                # One rectangle per run of dark modules: fewer path segments, no hairline
                # gaps between neighbours when a viewer anti-aliases.
                path.rect(x + (quiet + start) * m, top, (c - start) * m, m)
            else:
                c += 1
    canv.saveState()
    canv.setFillColorRGB(0, 0, 0)
    canv.drawPath(path, stroke=0, fill=1)
    canv.restoreState()


__all__ = ["A4_MODULE", "LOWEST_READ_DPI", "THERMAL_DOT", "THERMAL_MODULE", "Code128Flowable",
           "QRFlowable", "code128_modules", "draw_qr", "mm", "qr_matrix"]
