"""Component PDFs made by the real page pipeline (encode + pikepdf + merge), for signing."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from kiosk.devices.pipeline.encode import encode_jpeg, encode_mrc
from kiosk.devices.pipeline.pdf import build_pdf
from kiosk.documents import merge_pages


def page_image(text: str, dpi: int = 100) -> np.ndarray:
    w, h = int(8.27 * dpi), int(11.69 * dpi)
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    for row in range(12):
        draw.text((dpi // 2, dpi // 2 + row * dpi // 2), f"{text} — dòng {row + 1}",
                  fill=(20, 20, 20))
    draw.rectangle((dpi, h - 2 * dpi, 3 * dpi, h - dpi), outline=(200, 0, 0), width=3)
    return np.asarray(img)


def scan_pdf(text: str, pages: int = 1, dpi: int = 100, *, mrc: bool = False) -> bytes:
    """A component PDF as the intake makes it: one page PDF per scan, then merged."""
    singles = []
    for n in range(pages):
        rgb = page_image(f"{text} trang {n + 1}", dpi)
        encoded = encode_mrc(rgb, dpi) if mrc else encode_jpeg(rgb, dpi)
        singles.append((build_pdf([encoded]), 0))
    return merge_pages(singles)
