"""Synthetic scanned pages: for tests, benchmarks and the fake scanner.

Realistic enough to exercise every pipeline decision: an administrative letter in
Vietnamese with a red seal and a blue signature, the same sheet skewed on a grey feeder
background, a blank sheet showing the back's text through the paper, and a photo-like page.
Each generator is deterministic (seeded) and returns RGB uint8 at the requested dpi, with the
text it printed where OCR legibility is measured.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

A4_MM = (210.0, 297.0)

LETTER_LINES = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "ĐƠN ĐỀ NGHỊ CẤP BẢN SAO TRÍCH LỤC HỘ TỊCH",
    "Kính gửi: Ủy ban nhân dân xã Khánh Hà, thành phố Hà Nội",
    "Họ, chữ đệm, tên người yêu cầu: Đinh Thị Huyền",
    "Nơi cư trú: thôn Khánh Vân, xã Khánh Hà, thành phố Hà Nội",
    "Giấy tờ tùy thân: Căn cước công dân số 001158024485",
    "cấp ngày 24 tháng 4 năm 2021 tại Cục Cảnh sát quản lý hành chính",
    "Quan hệ với người được cấp bản sao trích lục hộ tịch: mẹ đẻ",
    "Đề nghị cơ quan cấp bản sao trích lục hộ tịch về khai sinh",
    "cho người có tên dưới đây: Nguyễn Văn Đức, sinh ngày 08 tháng 10",
    "năm 2015, nơi sinh: Trạm y tế xã Khánh Hà, huyện Thường Tín.",
    "Số lượng bản sao đề nghị cấp: 02 bản. Mục đích: nhập học.",
    "Tôi cam đoan những nội dung khai trên đây là đúng sự thật và",
    "chịu trách nhiệm trước pháp luật về cam đoan của mình.",
    "Làm tại xã Khánh Hà, ngày 21 tháng 11 năm 2026",
]


@lru_cache(maxsize=8)
def _font(size_px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    candidates: list[Path] = [
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf" if bold
             else "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"),
    ]
    try:
        import fontpkg_be_vietnam_pro as bvp

        candidates.append(bvp.ROOT / "files" / ("BeVietnamPro-Bold.ttf" if bold
                                                else "BeVietnamPro-Regular.ttf"))
    except ImportError:
        pass
    for path in candidates:
        if path.exists():
            return ImageFont.truetype(str(path), size_px)
    raise RuntimeError("no Vietnamese-capable font found (DejaVu or Be Vietnam Pro)")


def _blank(dpi: int, tint: tuple[int, int, int] = (247, 245, 240)) -> Image.Image:
    w = round(A4_MM[0] / 25.4 * dpi)
    h = round(A4_MM[1] / 25.4 * dpi)
    return Image.new("RGB", (w, h), tint)


def _scan_look(rgb: np.ndarray, seed: int, noise: float = 4.0) -> np.ndarray:
    """Sensor noise and the slight softness of a real scan."""
    rng = np.random.default_rng(seed)
    soft = cv2.GaussianBlur(rgb, (3, 3), 0.6)
    grain = rng.normal(0.0, noise, soft.shape[:2])[:, :, None]
    return np.clip(soft.astype(np.float32) + grain, 0, 255).astype(np.uint8)


def _seal(draw: ImageDraw.ImageDraw, centre: tuple[int, int], radius: int, dpi: int) -> None:
    red = (205, 30, 40)
    width = max(2, dpi // 60)
    cx, cy = centre
    for r in (radius, radius - 3 * width):
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=width)
    font = _font(max(8, dpi // 9), bold=True)
    text = "ỦY BAN NHÂN DÂN XÃ KHÁNH HÀ * "
    for i, ch in enumerate(text):
        angle = -math.pi / 2 + 2 * math.pi * i / len(text)
        x = cx + (radius - 7 * width) * math.cos(angle)
        y = cy + (radius - 7 * width) * math.sin(angle)
        draw.text((x, y), ch, fill=red, font=font, anchor="mm")
    # A five-pointed star in the middle, drawn (fonts rarely carry the glyph).
    outer, inner = radius * 0.3, radius * 0.12
    points = [(cx + (outer if k % 2 == 0 else inner) * math.cos(-math.pi / 2 + k * math.pi / 5),
               cy + (outer if k % 2 == 0 else inner) * math.sin(-math.pi / 2 + k * math.pi / 5))
              for k in range(10)]
    draw.polygon(points, fill=red)


def letter_page(dpi: int = 200, *, seal: bool = True, signature: bool = True,
                seed: int = 1) -> tuple[np.ndarray, str]:
    """A typed letter (≈12 pt) with a red seal and a blue signature; returns (rgb, text)."""
    page = _blank(dpi)
    draw = ImageDraw.Draw(page)
    body = _font(round(12 / 72 * dpi))
    bold = _font(round(13 / 72 * dpi), bold=True)
    margin = round(25 / 25.4 * dpi)
    y = round(20 / 25.4 * dpi)
    for n, line in enumerate(LETTER_LINES):
        font = bold if n in (0, 2) else body
        if n < 3:
            draw.text((page.width // 2, y), line, fill=(25, 25, 25), font=font, anchor="ma")
        else:
            draw.text((margin, y), line, fill=(25, 25, 25), font=font)
        y += round((0.75 if n != 2 else 1.2) / 2.54 * dpi)
    if signature:
        blue = (30, 50, 150)
        sx, sy = page.width - margin - round(0.9 * dpi), y + round(0.5 * dpi)
        pts = [(sx + i * dpi / 100, sy + 18 * math.sin(i / 5.0) * dpi / 200)
               for i in range(0, 150)]
        draw.line(pts, fill=blue, width=max(2, dpi // 80))
    if seal:
        _seal(draw, (page.width - margin - round(1.6 * dpi), y + round(0.4 * dpi)),
              round(0.8 * dpi), dpi)
    text = "\n".join(LETTER_LINES)
    return _scan_look(np.asarray(page), seed), text


def skewed_on_background(rgb: np.ndarray, degrees: float, dpi: int,
                         background: int = 70) -> np.ndarray:
    """The sheet turned by ``degrees`` and lying on a darker feeder background."""
    h, w = rgb.shape[:2]
    pad = round(0.3 * dpi)
    canvas = np.full((h + 2 * pad, w + 2 * pad, 3), background, np.uint8)
    canvas[pad:pad + h, pad:pad + w] = rgb
    matrix = cv2.getRotationMatrix2D(((w + 2 * pad) / 2, (h + 2 * pad) / 2), degrees, 1.0)
    return cv2.warpAffine(canvas, matrix, (w + 2 * pad, h + 2 * pad), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT,
                          borderValue=(background, background, background))


def rotated_in_place(rgb: np.ndarray, degrees: float) -> np.ndarray:
    """Content turned on a white flatbed (no visible sheet edge)."""
    h, w = rgb.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(rgb, matrix, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(247, 245, 240))


def blank_with_bleed(dpi: int = 200, seed: int = 3) -> np.ndarray:
    """The empty back of a letter: its text shows through faintly, mirrored."""
    front, _ = letter_page(dpi, seal=True, signature=False, seed=seed)
    mirrored = front[:, ::-1].astype(np.float32)
    # Show-through is a faint, blurred, low-contrast ghost of the other side.
    ghost = cv2.GaussianBlur(mirrored, (0, 0), 1.5)
    paper = np.array([247, 245, 240], np.float32)
    faint = paper - (paper - ghost) * 0.12
    return _scan_look(np.clip(faint, 0, 255).astype(np.uint8), seed, noise=3.0)


def photo_page(dpi: int = 200, seed: int = 5) -> np.ndarray:
    """A continuous-tone colour picture filling most of the sheet (a citizen's photo)."""
    rng = np.random.default_rng(seed)
    page = np.asarray(_blank(dpi)).copy()
    h, w = page.shape[:2]
    ph, pw = int(h * 0.6), int(w * 0.8)
    yy, xx = np.mgrid[0:ph, 0:pw].astype(np.float32)
    picture = np.zeros((ph, pw, 3), np.float32)
    for _ in range(14):
        cy, cx = rng.uniform(0, ph), rng.uniform(0, pw)
        sigma = rng.uniform(0.08, 0.3) * pw
        colour = rng.uniform(20, 235, 3)
        weight = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * sigma**2))
        picture += weight[:, :, None] * colour
    picture = picture / max(1.0, float(picture.max())) * 235
    texture = cv2.GaussianBlur(rng.normal(0, 18, (ph, pw)).astype(np.float32), (0, 0), 2)
    picture = np.clip(picture + texture[:, :, None], 0, 255)
    top, left = int(h * 0.1), int(w * 0.1)
    page[top:top + ph, left:left + pw] = picture.astype(np.uint8)
    image = Image.fromarray(page)
    draw = ImageDraw.Draw(image)
    caption = "Ảnh chụp hiện trạng thửa đất số 125, tờ bản đồ số 7"
    draw.text((left, top + ph + dpi // 5), caption, fill=(25, 25, 25),
              font=_font(round(12 / 72 * dpi)))
    return _scan_look(np.asarray(image), seed)


def gray_letter(dpi: int = 200, seed: int = 7) -> tuple[np.ndarray, str]:
    """A plain black-and-white letter (no seal, no signature): the G4 case."""
    return letter_page(dpi, seal=False, signature=False, seed=seed)


def nearly_blank(kind: str, dpi: int = 200, seed: int = 9) -> np.ndarray:
    """Edge cases of blank detection: ``"page-number"`` (only "Trang 2" at the foot),
    ``"signature"`` (only a blue signature) — not blank; ``"dust"`` (specks) — blank."""
    page = _blank(dpi)
    draw = ImageDraw.Draw(page)
    if kind == "page-number":
        draw.text((page.width // 2, page.height - round(1.5 * dpi)), "Trang 2",
                  fill=(25, 25, 25), font=_font(round(12 / 72 * dpi)), anchor="mm")
    elif kind == "signature":
        x0, y0 = page.width // 2, page.height // 2
        draw.line([(x0 + i * dpi / 100, y0 + 20 * math.sin(i / 5.0) * dpi / 200)
                   for i in range(150)], fill=(30, 50, 150), width=max(2, dpi // 80))
    elif kind == "dust":
        rng = np.random.default_rng(seed)
        for _ in range(30):
            x = int(rng.integers(dpi, page.width - dpi))
            y = int(rng.integers(dpi, page.height - dpi))
            r = max(1, dpi // 130)
            draw.ellipse((x, y, x + r, y + r), fill=(60, 60, 60))
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return _scan_look(np.asarray(page), seed)
