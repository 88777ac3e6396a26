"""Page analysis with OpenCV: crop to the sheet, deskew, blank and colour detection.

Images are numpy arrays in RGB order (H×W×3 uint8) throughout the pipeline; OpenCV's BGR is
only relevant for its colour conversions, which we name explicitly. Analysis runs on a
reduced copy (about 100 dpi) because the decisions need shapes and areas, not fine detail;
only the geometric corrections are applied to the full-resolution image.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: The working resolution for analysis.
ANALYSIS_DPI = 100


@dataclass(frozen=True)
class PageFacts:
    blank: bool
    color: bool
    photo: bool
    ink_fraction: float
    color_fraction: float
    photo_fraction: float
    skew_degrees: float
    cropped: bool
    #: 180 when the sheet went through upside down and was turned.
    turned: int = 0
    #: Not a page but a scanner fault: "all_black" (lamp, cover or sensor failure: no
    #: paper is black from edge to edge). Never set aside as blank.
    fault: str | None = None


def as_rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_RGBA2RGB)
    return image


def gray_of(rgb: np.ndarray) -> np.ndarray:
    return rgb if rgb.ndim == 2 else cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def reduce(image: np.ndarray, dpi: int, target: int = ANALYSIS_DPI) -> tuple[np.ndarray, float]:
    """A copy at about ``target`` dpi (never enlarged) and the scale factor applied."""
    scale = min(1.0, target / float(dpi))
    if scale >= 0.999:
        return image, 1.0
    h, w = image.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale


def rotate(image: np.ndarray, degrees: float, fill: int = 255) -> np.ndarray:
    """Rotate about the centre, keeping the size; the uncovered corners become paper white."""
    if abs(degrees) < 0.05:
        return image
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), degrees, 1.0)
    border = (fill, fill, fill) if image.ndim == 3 else fill
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=border)


def crop_to_sheet(rgb: np.ndarray, dpi: int) -> tuple[np.ndarray, bool, float]:
    """Cut away the scanner background around a (possibly rotated) sheet.

    Only acts when the border is clearly darker than the paper (ADF and lid backgrounds are
    often grey or black); a white background is indistinguishable from paper and left alone.
    Returns (image, cropped, rotation applied in degrees).
    """
    small, scale = reduce(gray_of(rgb), dpi, 100)
    h, w = small.shape
    edge = max(2, min(h, w) // 50)
    border = np.concatenate([small[:edge].ravel(), small[-edge:].ravel(),
                             small[:, :edge].ravel(), small[:, -edge:].ravel()])
    paper = float(np.percentile(small, 90))
    if paper - float(np.median(border)) < 50:
        return rgb, False, 0.0
    level = (paper + float(np.median(border))) / 2.0
    bright = (cv2.GaussianBlur(small, (5, 5), 0) > level).astype(np.uint8)
    mask = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return rgb, False, 0.0
    sheet = max(contours, key=cv2.contourArea)
    if cv2.contourArea(sheet) < 0.2 * h * w:
        return rgb, False, 0.0
    (cx, cy), (rw, rh), angle = cv2.minAreaRect(sheet)
    # minAreaRect's angle convention differs between OpenCV versions: bring it into
    # (-45, 45] (swapping the sides with each quarter turn) so a sheet is never turned over.
    while angle > 45:
        angle -= 90
        rw, rh = rh, rw
    while angle <= -45:
        angle += 90
        rw, rh = rh, rw
    inv = 1.0 / scale
    cx, cy, rw, rh = cx * inv, cy * inv, rw * inv, rh * inv
    matrix = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    matrix[0, 2] += rw / 2.0 - cx
    matrix[1, 2] += rh / 2.0 - cy
    # Trim 1.5 mm inside the edge so no dark line of background survives (a black edge
    # would cost G4 bytes and look like a border); no document prints that close to it.
    trim = max(2, round(dpi * 1.5 / 25.4))
    out_w, out_h = max(1, int(rw) - 2 * trim), max(1, int(rh) - 2 * trim)
    matrix[0, 2] -= trim
    matrix[1, 2] -= trim
    cropped = cv2.warpAffine(rgb, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=(255, 255, 255))
    return cropped, True, float(angle)


def ink_mask(gray_small: np.ndarray) -> np.ndarray:
    """Pixels clearly darker than the local paper: ink, not bleed-through or paper texture."""
    background = cv2.dilate(gray_small, np.ones((9, 9), np.uint8))
    background = cv2.blur(background, (15, 15)).astype(np.float32) + 1.0
    ratio = gray_small.astype(np.float32) / background
    return (ratio < 0.62).astype(np.uint8)


def estimate_skew(gray: np.ndarray, dpi: int, limit: float = 6.0) -> float:
    """Skew of text lines in degrees (positive: rotate counter-clockwise to fix), or 0.0.

    Projection profiles: the angle whose row histogram of ink is most peaked is the one where
    text lines run horizontally. Rather than rotating the image per candidate angle, the ink
    pixels' coordinates are projected (a few thousand points): coarse 0.5° steps, then 0.1°.
    """
    small, _ = reduce(gray, dpi, 75)
    ink = ink_mask(small)
    if ink.mean() < 0.002:
        return 0.0  # nothing to align on (blank page or pure photo)
    ys, xs = np.nonzero(ink)
    # Integer centre: with half-pixel offsets, rounding at exactly 0° would fold pairs of rows
    # together (round-half-to-even) and fake a peak there.
    ys = ys.astype(np.float32) - small.shape[0] // 2
    xs = xs.astype(np.float32) - small.shape[1] // 2
    span = int(np.hypot(*small.shape)) + 2

    def score(angle: float) -> float:
        # Row of each ink pixel after rotate(page, angle) (OpenCV: positive = anticlockwise).
        a = np.deg2rad(angle)
        rows = np.floor(ys * np.cos(a) - xs * np.sin(a) + 0.5 + span // 2).astype(np.int32)
        return float(np.var(np.bincount(rows, minlength=span)))

    best = max(np.arange(-limit, limit + 0.01, 0.5), key=score)
    fine = max(np.arange(best - 0.4, best + 0.41, 0.1), key=score)
    return float(round(fine, 2))


def upside_down(gray: np.ndarray, dpi: int) -> bool:
    """True when the text lines read upside down.

    In each text line, Latin script puts more ink above the x-height band (capitals,
    ascenders, and in Vietnamese most tone marks and the circumflex, breve and horn) than
    below the baseline (g, p, q, y and the dấu nặng dot). Measured on the generated letters:
    5× more above when upright, 5× more below when turned. Decide only on clear evidence
    (at least three lines, a 2.5× ratio); otherwise leave the page as it came.
    """
    small, _ = reduce(gray, dpi, 100)
    ink = ink_mask(small)
    profile = ink.sum(axis=1).astype(np.float32)
    on = profile > max(2.0, 0.001 * ink.shape[1])
    above = below = 0.0
    lines = 0
    row, rows = 0, len(on)
    while row < rows:
        if not on[row]:
            row += 1
            continue
        start = row
        while row < rows and on[row]:
            row += 1
        segment = profile[start:row]
        # A text line at 100 dpi is 6–40 rows tall; taller runs are pictures or tables.
        if 6 <= len(segment) <= 40:
            core = np.nonzero(segment >= 0.5 * segment.max())[0]
            above += float(segment[:core[0]].sum())
            below += float(segment[core[-1] + 1:].sum())
            lines += 1
    return lines >= 3 and below > 2.5 * max(above, 1.0)


#: A page is colour when genuine colour covers this share of it: 250 px at 200 dpi, about one
#: short signature in ballpoint (a 4 cm stroke is ~900 px). Missing colour would turn a
#: signature or seal black in G4, while a false alarm only costs MRC's extra bytes, so the
#: bar is low.
COLOUR_MIN_FRACTION = 250 / (1654 * 2339)


def ink_colour_fraction(rgb: np.ndarray, dpi: int) -> float:
    """Share of the page covered by coloured marks (seal, ink), ignoring colour fringes.

    Scanners misregister their colour channels by a pixel or so, which paints red and cyan
    fringes along every black stroke; those sit right against neutral dark pixels, so colour
    within 3 px of one is ignored. Genuine ink is coloured in its own right, away from
    black. Works at up to 200 dpi: fringes and thin ballpoint strokes vanish at lower
    resolutions. uint8 OpenCV operations keep this fast on a 4-megapixel page.
    """
    page, _ = reduce(rgb, dpi, 200)
    r, g, b = cv2.split(page)
    chroma = cv2.subtract(cv2.max(cv2.max(r, g), b), cv2.min(cv2.min(r, g), b))
    gray = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    neutral_dark = ((gray < 110) & (chroma < 50)).astype(np.uint8)
    near_black = cv2.dilate(neutral_dark, np.ones((7, 7), np.uint8)).astype(bool)
    coloured = (chroma > 50).astype(np.uint8)
    colour = coloured & ~near_black
    # Colour right against dark neutral marks is genuine too when it is thicker than a
    # fringe (fringes are 1–2 px): thin saturated stripes, ruling or a pattern between
    # dark lines (the SANE test backend's "Color pattern" lost its colour to the rule
    # above). A 3×3 opening removes anything thinner than 3 px.
    colour |= cv2.morphologyEx(coloured, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(colour, connectivity=8)
    if count <= 1:
        return 0.0
    # Colour noise comes in specks; ink in strokes (15 px ≈ a 2 × 7 px dash at 200 dpi).
    areas = stats[1:, cv2.CC_STAT_AREA]
    return float(areas[areas >= 15].sum()) / float(page.shape[0] * page.shape[1])


#: Chroma a 100 dpi copy must show somewhere before the full colour check runs.
SCREEN_CHROMA = 24


def screen_chroma(small_rgb: np.ndarray) -> int:
    """The largest chroma of a (reduced) RGB image, after a 3×3 median that drops noise."""
    r, g, b = cv2.split(cv2.medianBlur(small_rgb, 3))
    chroma = cv2.subtract(cv2.max(cv2.max(r, g), b), cv2.min(cv2.min(r, g), b))
    return int(chroma.max())


def analyze(rgb: np.ndarray, dpi: int, skew: float = 0.0, cropped: bool = False) -> PageFacts:
    small, _ = reduce(rgb, dpi)
    h, w = small.shape[:2]
    # Shadows and punch holes live at the edges: judge the page by its inside.
    my, mx = int(h * 0.04), int(w * 0.04)
    inner = small[my:h - my, mx:w - mx]
    gray = gray_of(inner)
    ink = ink_mask(gray)
    # Isolated specks (dust, scanner noise) are not content.
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    ink_fraction = float(ink.mean())
    color_fraction = 0.0
    # A grey scan has no colour to find, and an RGB page whose 100 dpi copy shows no
    # chroma at all has none either (a 2 px ballpoint stroke at 200 dpi keeps ~55 of its
    # ~110 at 100 dpi): skip the full-resolution check, the costliest step on a 300 dpi
    # grey page.
    if rgb.ndim == 3 and screen_chroma(inner) >= SCREEN_CHROMA:
        color_fraction = ink_colour_fraction(rgb, dpi)
    midtones = ((gray > 50) & (gray < 200)).astype(np.uint8)
    # Text strokes are thin; continuous tone survives a 5×5 opening.
    mid = cv2.morphologyEx(midtones, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    photo_fraction = float(mid.mean())
    # Blank means no marks, not little ink: a lone "Trang 2" is 0.02 % of the page, like dust.
    # Dust is specks; writing is several letter-sized marks (≥ 8 px ≈ 0.5 mm² at 100 dpi).
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    marks = int((stats[1:, cv2.CC_STAT_AREA] >= 8).sum()) if count > 1 else 0
    color = color_fraction >= COLOUR_MIN_FRACTION
    # A grid or a page of large dark areas is one connected mark: little "marks", much ink.
    blank = (marks < 3 and ink_fraction < 0.005 and not color
             and photo_fraction < 0.002)
    fault = "all_black" if float(gray.mean()) < 40 and float(gray.std()) < 20 else None
    if fault:
        blank = False
    return PageFacts(
        fault=fault,
        blank=blank,
        color=color,
        photo=photo_fraction >= 0.06,
        ink_fraction=round(ink_fraction, 5),
        color_fraction=round(color_fraction, 5),
        photo_fraction=round(photo_fraction, 5),
        skew_degrees=skew,
        cropped=cropped,
    )
