"""Page encodings: CCITT G4 (bilevel), JPEG (colour or grey), MRC (mixed raster).

Each encoder returns an :class:`EncodedPage`: one or more image layers drawn over the whole
page, already compressed in a form PDF embeds as-is (DCTDecode, CCITTFaxDecode), so writing
the PDF never re-encodes. MRC is three layers as in ITU T.44 and the archival tools that
use it: a low-resolution colour background, a full-resolution bilevel mask (G4) carrying
the sharp text, and a very low-resolution foreground colour painted through that mask.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image

from kiosk.devices.pipeline.analyze import gray_of


@dataclass
class ImageLayer:
    data: bytes
    filter: str  # "DCTDecode" | "CCITTFaxDecode"
    width: int
    height: int
    colorspace: str = "DeviceRGB"  # or "DeviceGray"
    bits: int = 8
    decode_parms: dict[str, Any] | None = None
    #: An image mask (1-bit, G4) through which this layer is painted (explicit masking).
    mask: ImageLayer | None = None

    @property
    def nbytes(self) -> int:
        return len(self.data) + (self.mask.nbytes if self.mask else 0)


@dataclass
class EncodedPage:
    encoding: str  # "g4" | "jpeg" | "jpeg-gray" | "mrc"
    width: int
    height: int
    dpi: int
    layers: list[ImageLayer] = field(default_factory=list)

    @property
    def nbytes(self) -> int:
        return sum(layer.nbytes for layer in self.layers)


def binarize(gray: np.ndarray, dpi: int) -> np.ndarray:
    """Text as True. Background-normalised threshold: uneven light and bleed-through vanish.

    The paper level is estimated at low resolution (a dilation finds the local paper white),
    then each pixel is compared with its own background, so a faint show-through from the
    back of the sheet stays white while thin strokes stay black.
    """
    h, w = gray.shape
    factor = max(1, round(dpi / 50))
    small = cv2.resize(gray, (max(1, w // factor), max(1, h // factor)),
                       interpolation=cv2.INTER_AREA)
    background = cv2.dilate(small, np.ones((5, 5), np.uint8))
    background = cv2.blur(background, (9, 9))
    background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
    norm = cv2.divide(gray, background, scale=255)
    # Otsu on normalised pixels finds the ink/paper split; clamp it so a page that is nearly
    # all paper (where Otsu picks noise) still keeps only real strokes.
    otsu, _ = cv2.threshold(norm, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    level = float(np.clip(otsu, 140, 200))
    return norm < level


#: The bilevel text layer is made at this multiple of the scan resolution (grey upsampled,
#: then thresholded): at 200 dpi, binarising at the scan's own resolution broke Vietnamese
#: tone marks (tesseract CER 0.35% vs 0% at 1.5×, docs/BENCHMARKS.md) for +50% G4 bytes.
TEXT_SCALE = 1.5


def text_mask(gray: np.ndarray, dpi: int, scale: float = TEXT_SCALE) -> np.ndarray:
    """The bilevel text layer (True = ink) at ``scale`` × the page's pixel size."""
    if scale != 1.0:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return binarize(gray, round(dpi * scale))


def g4_layer(text: np.ndarray) -> ImageLayer:
    """CCITT G4 of a bilevel image (True = black), as one strip so PDF can embed it raw."""
    h, w = text.shape
    # A bool array becomes a mode "1" image directly (True = white), without dithering.
    image = Image.fromarray(~text)
    buf = io.BytesIO()
    image.save(buf, format="TIFF", compression="group4", tiffinfo={278: h})
    tiff: Any = Image.open(io.BytesIO(buf.getvalue()))
    offsets = tiff.tag_v2[273]
    counts = tiff.tag_v2[279]
    if len(offsets) != 1:
        raise RuntimeError("G4 encoder wrote more than one strip")
    raw = buf.getvalue()[offsets[0]:offsets[0] + counts[0]]
    # Photometric 0 (WhiteIsZero) codes black as 1 bits; PDF's default is BlackIs1 false.
    black_is_1 = int(tiff.tag_v2.get(262, 0)) == 1
    parms: dict[str, Any] = {"K": -1, "Columns": w, "Rows": h}
    if black_is_1:
        parms["BlackIs1"] = True
    return ImageLayer(raw, "CCITTFaxDecode", w, h, "DeviceGray", 1, parms)


def jpeg_layer(rgb_or_gray: np.ndarray, quality: int, subsampling: int = 2) -> ImageLayer:
    """``subsampling`` 2 = 4:2:0 (colour detail is what the eye and OCR miss least), 0 = 4:4:4
    (for MRC's tiny ink-colour layer, where each pixel's colour is the point)."""
    h, w = rgb_or_gray.shape[:2]
    gray = rgb_or_gray.ndim == 2
    image = Image.fromarray(rgb_or_gray, "L" if gray else "RGB")
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=quality, optimize=True,
               **({} if gray else {"subsampling": subsampling}))
    return ImageLayer(buf.getvalue(), "DCTDecode", w, h, "DeviceGray" if gray else "DeviceRGB")


def encode_g4(rgb: np.ndarray, dpi: int, scale: float = TEXT_SCALE) -> EncodedPage:
    h, w = rgb.shape[:2]
    return EncodedPage("g4", w, h, dpi, [g4_layer(text_mask(gray_of(rgb), dpi, scale))])


def encode_jpeg(rgb: np.ndarray, dpi: int, quality: int = 60, *, gray: bool = False,
                out_dpi: int | None = None) -> EncodedPage:
    """JPEG at ``quality``; ``out_dpi`` resamples first (e.g. the q75 at 300 dpi baseline)."""
    image = gray_of(rgb) if gray else rgb
    if out_dpi and out_dpi != dpi:
        h, w = image.shape[:2]
        f = out_dpi / dpi
        image = cv2.resize(image, (round(w * f), round(h * f)),
                           interpolation=cv2.INTER_CUBIC if f > 1 else cv2.INTER_AREA)
        dpi = out_dpi
    h, w = image.shape[:2]
    return EncodedPage("jpeg-gray" if gray else "jpeg", w, h, dpi, [jpeg_layer(image, quality)])


def _masked_mean(rgb: np.ndarray, weight: np.ndarray, size: tuple[int, int]) -> tuple[
        np.ndarray, np.ndarray]:
    """Average colour of the selected pixels per low-resolution cell, and the cell coverage.

    Full-resolution work stays in uint8 (zero the unselected pixels, area-resize), which is
    several times faster than float arithmetic on a 4-megapixel page; only the small result
    is divided in float.
    """
    selected = weight.astype(np.uint8) * 255
    masked = cv2.bitwise_and(rgb, rgb, mask=selected)
    num = cv2.resize(masked, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    den = cv2.resize(selected, size, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    mean = num / np.maximum(den, 1e-3)[:, :, None]
    return mean, den


def _fill_holes(image: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Fill cells with no known pixels from their surroundings ("push-pull" pyramid).

    Holes are where text covered a whole background cell, or (foreground) where there is no
    ink at all. Halve the weighted image until every cell has data, then come back up,
    taking each level's own mean where it has one and the coarser level's elsewhere: a few
    small resizes instead of inpainting.
    """
    weight = np.clip(known.astype(np.float32), 0.0, 1.0)
    if bool((weight > 1e-3).all()):
        return image
    premultiplied = image.astype(np.float32) * weight[:, :, None]
    levels: list[tuple[np.ndarray, np.ndarray]] = [(premultiplied, weight)]
    while not bool((levels[-1][1] > 1e-3).all()) and min(levels[-1][1].shape) > 1:
        img, w = levels[-1]
        size = (max(1, w.shape[1] // 2), max(1, w.shape[0] // 2))
        levels.append((cv2.resize(img, size, interpolation=cv2.INTER_AREA),
                       cv2.resize(w, size, interpolation=cv2.INTER_AREA)))
    img, w = levels[-1]
    # Nothing known anywhere: paper white.
    filled = np.where((w > 1e-3)[:, :, None], img / np.maximum(w, 1e-6)[:, :, None], 255.0)
    for img, w in reversed(levels[:-1]):
        up = cv2.resize(filled, (w.shape[1], w.shape[0]), interpolation=cv2.INTER_LINEAR)
        own = img / np.maximum(w, 1e-6)[:, :, None]
        filled = np.where((w > 1e-3)[:, :, None], own, up)
    return filled.astype(np.float32)


def encode_mrc(rgb: np.ndarray, dpi: int, *, bg_dpi: int = 100, fg_dpi: int = 50,
               bg_quality: int = 50, fg_quality: int = 50) -> EncodedPage:
    """Mixed raster: sharp G4 text mask over a low-resolution colour background."""
    h, w = rgb.shape[:2]
    fine = text_mask(gray_of(rgb), dpi)
    # The same mask at the page's resolution selects ink pixels for the colour layers.
    text = cv2.resize(fine.astype(np.uint8) * 255, (w, h), interpolation=cv2.INTER_AREA) > 127
    # Grow the mask a little when computing the background so anti-aliased stroke edges do
    # not leave dark halos in it, which JPEG would then spend bytes on.
    grown = cv2.dilate(text.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    bg_size = (max(1, round(w * bg_dpi / dpi)), max(1, round(h * bg_dpi / dpi)))
    fg_size = (max(1, round(w * fg_dpi / dpi)), max(1, round(h * fg_dpi / dpi)))
    bg, bg_known = _masked_mean(rgb, ~grown, bg_size)
    bg = _fill_holes(bg, bg_known)
    fg, fg_known = _masked_mean(rgb, text, fg_size)
    # Cells without ink are never shown (the mask hides them); filling them with the nearby
    # ink colour keeps JPEG from bleeding grey into thin coloured strokes (blue signatures).
    fg = _fill_holes(fg, fg_known)
    # Darken the ink colour slightly: averaging pulls stroke colour towards the paper.
    fg = fg * 0.85
    mask = g4_layer(fine)
    foreground = jpeg_layer(np.clip(fg, 0, 255).astype(np.uint8), fg_quality, subsampling=0)
    foreground.mask = mask
    background = jpeg_layer(np.clip(bg, 0, 255).astype(np.uint8), bg_quality)
    return EncodedPage("mrc", w, h, dpi, [background, foreground])


def thumbnail_jpeg(rgb: np.ndarray, width: int = 240, quality: int = 70) -> bytes:
    """A small JPEG for the UI's page strip (kept with the page, never in the PDF)."""
    h, w = rgb.shape[:2]
    height = max(1, round(h * width / w))
    small = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
    buf = io.BytesIO()
    Image.fromarray(small, "L" if small.ndim == 2 else "RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()
