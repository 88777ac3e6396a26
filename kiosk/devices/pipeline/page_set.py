"""A labelled page set: what a counter scans, with the decision the pipeline must take.

Generated pages (kiosk.devices.pipeline.samples plus the cases below) and, where python-sane
and its ``test`` backend are present, every test-backend picture in colour and grey. Used
by tests/devices/test_page_set.py (decisions asserted) and bench/scan_pipeline.py
(decisions reported against the labels).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from kiosk.devices.pipeline import samples


@dataclass(frozen=True)
class Labelled:
    name: str
    image: np.ndarray
    dpi: int
    #: keep colour (MRC or JPEG), never grey or G4
    color: bool
    blank: bool = False
    fault: str | None = None
    #: encodings acceptable for this page
    encodings: tuple[str, ...] = ()


def _draw_text(page: Image.Image, dpi: int, top: float = 0.3) -> None:
    draw = ImageDraw.Draw(page)
    font = samples._font(round(12 / 72 * dpi))
    y = round(top * page.height)
    for line in samples.LETTER_LINES[3:12]:
        draw.text((dpi, y), line, fill=(25, 25, 25), font=font)
        y += round(0.3 * dpi)


def coloured_form(dpi: int = 200, seed: int = 21) -> np.ndarray:
    """A printed form: a coloured header band and shaded boxes, black typed text."""
    page = samples._blank(dpi)
    draw = ImageDraw.Draw(page)
    w = page.width
    draw.rectangle((0, 0, w, round(0.9 * dpi)), fill=(205, 225, 250))
    for k in range(4):
        y = round((1.3 + k * 0.5) * dpi)
        draw.rectangle((round(0.8 * dpi), y, w - round(0.8 * dpi), y + round(0.35 * dpi)),
                       fill=(250, 225, 200), outline=(190, 60, 60), width=2)
    _draw_text(page, dpi, 0.45)
    return samples._scan_look(np.asarray(page), seed)


def ruled_in_colour(dpi: int = 200, seed: int = 22) -> np.ndarray:
    """Black text on paper with thin red margin and blue ruling (exercise-book paper)."""
    page = samples._blank(dpi)
    draw = ImageDraw.Draw(page)
    step = round(8 / 25.4 * dpi)
    for y in range(round(0.8 * dpi), page.height - step, step):
        draw.line((0, y, page.width, y), fill=(120, 150, 230), width=1)
    draw.line((round(0.9 * dpi), 0, round(0.9 * dpi), page.height), fill=(220, 40, 40),
              width=2)
    _draw_text(page, dpi)
    return samples._scan_look(np.asarray(page), seed)


def handwritten_blue(dpi: int = 200, seed: int = 23) -> np.ndarray:
    """A typed letter completed by hand in blue ballpoint (a few words and a signature)."""
    rgb, _ = samples.letter_page(dpi, seal=False, signature=True, seed=seed)
    page = Image.fromarray(rgb)
    draw = ImageDraw.Draw(page)
    for row in range(3):
        x0, y0 = round(1.2 * dpi), round((7.5 + row * 0.35) * dpi)
        draw.line([(x0 + i * dpi / 60, y0 + 6 * math.sin(i / 2.0) * dpi / 200)
                   for i in range(200)], fill=(35, 55, 160), width=max(2, dpi // 90))
    return np.asarray(page)


def seal_only(dpi: int = 200, seed: int = 24) -> np.ndarray:
    """Black text with a red seal and no signature."""
    return samples.letter_page(dpi, seal=True, signature=False, seed=seed)[0]


def solid(value: int, dpi: int = 200) -> np.ndarray:
    h, w = round(297 / 25.4 * dpi), round(210 / 25.4 * dpi)
    return np.full((h, w, 3), value, np.uint8)


def generated(dpi: int = 200) -> Iterator[Labelled]:
    letter = samples.letter_page(dpi)[0]
    colour_text = ("mrc", "jpeg")
    yield Labelled("letter, red seal + blue signature", letter, dpi, True, encodings=colour_text)
    yield Labelled("letter, blue ballpoint handwriting", handwritten_blue(dpi), dpi, True,
                   encodings=colour_text)
    yield Labelled("letter, red seal only", seal_only(dpi), dpi, True, encodings=colour_text)
    yield Labelled("coloured form", coloured_form(dpi), dpi, True, encodings=colour_text)
    yield Labelled("thin coloured ruling", ruled_in_colour(dpi), dpi, True,
                   encodings=colour_text)
    yield Labelled("skewed colour letter on feeder background",
                   samples.skewed_on_background(letter, 4.0, dpi), dpi, True,
                   encodings=colour_text)
    yield Labelled("black text only", samples.gray_letter(dpi)[0], dpi, False,
                   encodings=("g4",))
    yield Labelled("signature only", samples.nearly_blank("signature", dpi), dpi, True,
                   encodings=colour_text)
    yield Labelled("page number only", samples.nearly_blank("page-number", dpi), dpi, False,
                   encodings=("g4",))
    yield Labelled("photo page", samples.photo_page(dpi), dpi, True, encodings=("jpeg",))
    yield Labelled("blank with bleed-through", samples.blank_with_bleed(dpi), dpi, False,
                   blank=True)
    yield Labelled("blank with dust", samples.nearly_blank("dust", dpi), dpi, False, blank=True)
    yield Labelled("all-white sheet", solid(255, dpi), dpi, False, blank=True)
    yield Labelled("all-black sheet", solid(0, dpi), dpi, False, fault="all_black")


#: The SANE test backend's pictures and their labels (mode → (colour, blank, fault)).
SANE_LABELS = {
    ("Color pattern", "Color"): (True, False, None),
    ("Color pattern", "Gray"): (False, False, None),
    ("Grid", "Color"): (False, False, None),
    ("Grid", "Gray"): (False, False, None),
    ("Solid white", "Color"): (False, True, None),
    ("Solid white", "Gray"): (False, True, None),
    ("Solid black", "Color"): (False, False, "all_black"),
    ("Solid black", "Gray"): (False, False, "all_black"),
}


def sane_pages(dpi: int = 200) -> Iterator[Labelled]:
    """Every SANE test-backend picture, colour and grey (nothing when SANE is absent)."""
    from kiosk.devices.scanner.sane_device import SaneApi

    api = SaneApi()  # libsane's one counted initialisation per process
    try:
        device = api.open("test")._dev
    except Exception:
        api.exit()
        return
    try:
        for (picture, mode), (color, blank, fault) in SANE_LABELS.items():
            device.mode = mode
            device.depth = 8
            device.resolution = dpi
            device.test_picture = picture
            image = np.asarray(device.scan())
            encodings = ("jpeg",) if color else ()
            yield Labelled(f"SANE test: {picture} ({mode})", image, dpi, color, blank, fault,
                           encodings)
    finally:
        device.close()
        api.exit()


def labelled_pages(dpi: int = 200, *, sane: bool = True) -> list[Labelled]:
    pages = list(generated(dpi))
    if sane:
        pages += list(sane_pages(dpi))
    return pages
