"""The thermal receipt's Code128: whole printer dots, and readable from a 150 dpi picture.

150 dpi is the lowest resolution we design for (a document scanner's economy setting, a
phone photo of the ticket held at arm's length); the printer itself has 203.2 dpi (8
dots/mm). The ticket is rendered with poppler (pdftoppm) and read with zxing-cpp, Code128
only, as the counter's readers and a citizen's phone would see it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from kiosk.forms import render_form
from kiosk.forms.barcodes import (
    LOWEST_READ_DPI,
    THERMAL_DOT,
    THERMAL_MODULE,
    THERMAL_MODULE_DOTS,
    code128_modules,
)
from kiosk.forms.thermal import SIDE
from tests.forms.helpers import CODE, rasterize, realistic_context

#: A QĐ 20/2020 unit code longer than the usual: the symbol grows along the ticket.
LONG_CODE = "000.00.04.H40.123.45-261124-1002"
#: A short unit code: the symbol fits across the ticket.
SHORT_CODE = "H40-261124-1002"
DOT_DPI = 203.2


def _code128(png: Path) -> list[str]:
    image = Image.open(png).convert("L")
    return [r.text for r in zxingcpp.read_barcodes(
        image, formats=zxingcpp.BarcodeFormat.Code128)]


def _ticket(tmp_path: Path, code: str) -> Path:
    form = render_form(realistic_context(code=code), "01", paper="thermal")
    assert form.width_mm == 80.0 and form.pages == 1 and form.warnings == ()
    pdf = tmp_path / f"{code}.pdf"
    pdf.write_bytes(form.pdf)
    return pdf


def test_module_is_three_whole_dots() -> None:
    assert THERMAL_MODULE == pytest.approx(THERMAL_MODULE_DOTS * THERMAL_DOT)
    assert THERMAL_MODULE_DOTS == 3 and THERMAL_DOT == pytest.approx(72 / DOT_DPI)


@pytest.mark.parametrize("code", [CODE, LONG_CODE, SHORT_CODE])
@pytest.mark.parametrize(("dpi", "mono"), [(LOWEST_READ_DPI, False), (LOWEST_READ_DPI, True),
                                           (151, False), (130, False), (DOT_DPI, True),
                                           (300, False)])
def test_decodes_from_150_dpi_up(tmp_path: Path, code: str, dpi: float, mono: bool) -> None:
    """150 dpi grey and 1-bit (and 151, off the grid), with 130 dpi as the margin we keep
    (1.9 pixels per module; around 120 dpi a longer code stops decoding); the printer's own
    203.2 dpi in 1 bit, and 300."""
    [png] = rasterize(_ticket(tmp_path, code), dpi, mono=mono)  # type: ignore[arg-type]
    assert _code128(png) == [code]


def _runs(column: np.ndarray) -> list[tuple[bool, int]]:
    runs: list[tuple[bool, int]] = []
    for value in column:
        if runs and runs[-1][0] == bool(value):
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((bool(value), 1))
    return runs


def test_every_bar_and_space_is_a_whole_number_of_modules_at_the_printers_dots(
        tmp_path: Path) -> None:
    """What a 203.2 dpi head prints (pdftoppm, 1 bit, no anti-aliasing): along the symbol
    (it runs down the ticket's left edge), every bar and space is 3, 6, 9 or 12 dots and the
    symbol is 288 modules long."""
    pdf = _ticket(tmp_path, CODE)
    import subprocess

    prefix = tmp_path / "dots"
    subprocess.run(["pdftoppm", "-r", str(DOT_DPI), "-mono", "-aa", "no", "-aaVector", "no",
                    "-png", str(pdf), str(prefix)], check=True, timeout=60)
    dark = np.asarray(Image.open(f"{prefix}-1.png").convert("L")) < 128
    column = round((SIDE / THERMAL_DOT) + 20)  # 20 dots inside the symbol's left edge
    runs = _runs(dark[:, column])
    # The symbol: the longest stretch of runs no wider than 4 modules (a Code128 element),
    # between its quiet zones; text crossed by the same column gives only short stretches.
    widest = 4 * THERMAL_MODULE_DOTS
    stretches: list[list[tuple[bool, int]]] = [[]]
    for run in runs:
        if run[1] > widest:
            stretches.append([])
        else:
            stretches[-1].append(run)
    symbol = max(stretches, key=lambda s: sum(n for _d, n in s))
    quiet = 10 * THERMAL_MODULE_DOTS
    at = runs.index(symbol[0]) if symbol else 0
    assert symbol and symbol[0][0] and runs[at - 1][1] >= quiet  # starts with a bar
    widths = [n for _dark, n in symbol]
    assert all(n % THERMAL_MODULE_DOTS == 0 and 1 <= n // THERMAL_MODULE_DOTS <= 4
               for n in widths), widths
    assert sum(widths) == code128_modules(CODE) * THERMAL_MODULE_DOTS
