"""Generated barcode images for tests, benchmarks and installer checks.

Real CCCD cards cannot be put in a repository, so we make their QR payloads: UTF-8 text in
byte mode (as on the card), with Vietnamese names that together use every letter with a
diacritic, upper and lower case. Receipts carry a Code128 of the dossier code. Both are
drawn on the kinds of pictures the counter sees (a 200 dpi A4 scan, a 1920×1080 camera
frame) and spoiled the ways real pictures are (rotated, blurred, low contrast, JPEG, small).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import cv2
import numpy as np
import segno

_BASES = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")
_TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
#: Every Vietnamese vowel letter with every tone, lower case (72 letters), plus đ.
VIETNAMESE_LETTERS: tuple[str, ...] = (
    *(unicodedata.normalize("NFC", base + tone) for base in _BASES for tone in _TONES),
    "đ",
)

_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
           "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lương", "Ưng", "Ông",
           "Âu", "Ấu", "Đàm", "Kiều", "Mạc", "Quách", "Tạ", "Thái", "Ứng", "Ỷ")
_MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Ngọc", "Minh", "Thanh", "Quốc", "Gia", "Bảo",
           "Xuân", "Thuỳ", "Thúy", "Mỹ", "Kỳ", "Tường", "Khắc", "Diễm", "Ánh", "Ỷ")
_GIVEN = ("An", "Ánh", "Ẩn", "Bích", "Cường", "Dũng", "Duẩn", "Đạt", "Hằng", "Hưng", "Huyền",
          "Khuê", "Lộc", "Lý", "Mẫn", "Ngữ", "Nhượng", "Oanh", "Ổn", "Phúc", "Quỳnh", "Sỹ",
          "Tuấn", "Tú", "Ứng", "Uyển", "Vỹ", "Xuyến", "Yến", "Ý", "Ỳ", "Ỹ", "Ỵ", "Ẻm", "Ửng",
          "Ợi", "Ẽo", "Ỗn", "Ặc", "Ẫn")
_COMMUNES = ("Khánh Vân", "Khánh Hà", "Thường Tín", "Hà Nội", "Phường Bến Nghé", "Quận 1",
             "TP. Hồ Chí Minh", "Xã Ẳng Nưa", "Mường Ảng", "Điện Biên", "Xã Ea Kly",
             "Krông Pắc", "Đắk Lắk", "Phường Ỷ La", "Tuyên Quang", "Xã Đồng Ỷ", "Ứng Hoà",
             "Thừa Thiên Huế", "Bà Rịa – Vũng Tàu", "Thôn Ấp Ổn", "Quảng Ngãi")


def coverage_syllables() -> list[str]:
    """One made-up syllable per diacritic letter, upper- and lower-case forms both used."""
    out: list[str] = []
    for letter in VIETNAMESE_LETTERS:
        out.append(letter.upper() + "n")  # "Ẳn": capital with diacritic
        out.append("Kh" + letter + "m")  # "Khẳm": lower case inside a word
    return out


def vietnamese_names(count: int, seed: int = 0) -> list[str]:
    """``count`` full names; the first ones cycle through :func:`coverage_syllables` so any
    count ≥ 146 uses every diacritic letter in both cases."""
    rng = random.Random(seed)
    cover = coverage_syllables()
    names = []
    for i in range(count):
        parts = [rng.choice(_FAMILY), rng.choice(_MIDDLE), rng.choice(_GIVEN)]
        if i < len(cover):
            parts.insert(2, cover[i])
        names.append(" ".join(parts))
    return names


def cccd_payload(rng: random.Random, name: str, variant: str = "7") -> str:
    """A CCCD QR text: ``id|old id|name|dob|sex|address|issued`` (DOMAIN.md §4).

    ``variant``: ``"7"`` plain; ``"2024"`` new card with empty trailing fields; ``"no-old"``
    with the old ID empty (``||``).
    """
    def ddmmyyyy(d: date) -> str:
        return f"{d:%d%m%Y}"

    cccd = f"{rng.randrange(1, 97):03d}{rng.randrange(0, 4)}{rng.randrange(0, 10**8):08d}"
    old = "" if variant != "7" else f"{rng.randrange(10**8, 10**9)}"
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 30000))
    issued = date(2021, 1, 1) + timedelta(days=rng.randrange(0, 1500))
    sex = rng.choice(("Nam", "Nữ"))
    address = ", ".join(rng.sample(_COMMUNES, 4))
    text = f"{cccd}|{old}|{name}|{ddmmyyyy(born)}|{sex}|{address}|{ddmmyyyy(issued)}"
    return text + "||||" if variant == "2024" else text


# --- drawing ----------------------------------------------------------------------------

def qr_image(text: str, module_px: int = 4, border: int = 4, error: str = "m") -> np.ndarray:
    """The QR of ``text`` as UTF-8 bytes in byte mode, no ECI (as on the card)."""
    qr = segno.make_qr(text.encode("utf-8"), error=error)
    matrix = np.array([list(row) for row in qr.matrix], dtype=np.uint8)
    matrix = np.pad(matrix, border)
    return np.kron(np.where(matrix > 0, 0, 255).astype(np.uint8),
                   np.ones((module_px, module_px), dtype=np.uint8))


def code128_image(text: str, module_px: int = 2, height_px: int = 90) -> np.ndarray:
    """Code128 drawn from reportlab's encoder, the one our receipts are printed with."""
    from reportlab.graphics.barcode.code128 import Code128

    symbol = Code128(text)
    symbol.validate()
    symbol.encode()
    symbol.decompose()
    # decomposed: alternating bars (upper case) and spaces (lower case), A = 1 module.
    widths = [(ord(c.upper()) - ord("A") + 1, c.isupper()) for c in symbol.decomposed]
    quiet = 12
    row = [255] * quiet * module_px
    for width, bar in widths:
        row += [0 if bar else 255] * width * module_px
    row += [255] * quiet * module_px
    return np.tile(np.array(row, dtype=np.uint8), (height_px, 1))


def paste(canvas: np.ndarray, image: np.ndarray, x: int, y: int) -> None:
    h, w = image.shape[:2]
    canvas[y:y + h, x:x + w] = np.minimum(canvas[y:y + h, x:x + w], image)


def a4_page(codes: list[np.ndarray], dpi: int = 200, seed: int = 0) -> np.ndarray:
    """A white A4 page with lines of text and the codes laid out down the page."""
    rng = random.Random(seed)
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    page = np.full((height, width), 250, dtype=np.uint8)
    for line in range(40):
        y = int(dpi * 0.8) + line * int(dpi * 0.25)
        words = " ".join(rng.choice(("CONG HOA", "XA HOI", "HO SO", "GIAY TO", "so", "ngay"))
                         for _ in range(8))
        cv2.putText(page, words, (int(dpi * 0.8), y), cv2.FONT_HERSHEY_SIMPLEX,
                    dpi / 400, 40, 1, cv2.LINE_AA)
    y = int(dpi * 1.2)
    for code in codes:
        x = rng.randrange(int(dpi * 0.6), max(int(dpi * 0.6) + 1, width - code.shape[1] - 40))
        page[y - 20:y + code.shape[0] + 20, x - 20:x + code.shape[1] + 20] = 250
        paste(page, code, x, y)
        y += code.shape[0] + int(dpi * 0.8)
    return page


def camera_frame(code: np.ndarray, seed: int = 0, size: tuple[int, int] = (1920, 1080),
                 angle: float = 0.0) -> np.ndarray:
    """A 1920×1080 grey frame: textured desk, the code on its paper, slightly turned."""
    rng = np.random.default_rng(seed)
    w, h = size
    gradient = np.linspace(60, 140, w, dtype=np.float32)[None, :].repeat(h, axis=0)
    desk = gradient + rng.normal(0, 12, (h, w)).astype(np.float32)
    frame = np.clip(desk, 0, 255).astype(np.uint8)
    paper = np.pad(code, 30, constant_values=255)
    paper = rotate_white(paper, angle)
    mask = rotate_white(np.zeros((code.shape[0] + 60, code.shape[1] + 60), np.uint8), angle)
    ph, pw = paper.shape
    if ph > h or pw > w:  # a big code: shrink like a camera further away would
        factor = 0.9 * min(h / ph, w / pw)
        paper = cv2.resize(paper, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        mask = cv2.resize(mask, None, fx=factor, fy=factor, interpolation=cv2.INTER_NEAREST)
        ph, pw = paper.shape
    y, x = int(rng.integers(0, h - ph + 1)), int(rng.integers(0, w - pw + 1))
    region = frame[y:y + ph, x:x + pw]
    inside = mask < 128  # the rotated paper (mask is black where the paper is)
    region[inside] = (paper[inside].astype(np.float32) * 0.85 + 20).astype(np.uint8)
    return frame


def rotate_white(gray: np.ndarray, degrees: float) -> np.ndarray:
    if not degrees:
        return gray.copy()
    h, w = gray.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(h * sin + w * cos) + 2, int(h * cos + w * sin) + 2
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(gray, matrix, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=255)


def blur(gray: np.ndarray, sigma: float = 1.5) -> np.ndarray:
    return cv2.GaussianBlur(gray, (0, 0), sigma)


def low_contrast(gray: np.ndarray, low: int = 105, high: int = 165) -> np.ndarray:
    return (low + gray.astype(np.float32) * (high - low) / 255).astype(np.uint8)


def jpeg(gray: np.ndarray, quality: int = 30) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, quality])
    decoded = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if ok else None
    if decoded is None:
        raise RuntimeError("OpenCV could not round-trip a JPEG")
    return decoded


def small(gray: np.ndarray, factor: float = 0.5) -> np.ndarray:
    return cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)


@dataclass(frozen=True)
class Case:
    name: str
    image: np.ndarray
    expected: str
    symbology: str


#: condition name → how a clean code image becomes the test picture
CONDITIONS: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    "clean": lambda img, s: np.pad(img, 20, constant_values=255),
    "a4": lambda img, s: a4_page([img], seed=s),
    "frame": lambda img, s: camera_frame(img, seed=s, angle=5.0),
    "rotated": lambda img, s: rotate_white(np.pad(img, 20, constant_values=255), 17.0 + s % 20),
    "blurred": lambda img, s: blur(np.pad(img, 20, constant_values=255), 1.2),
    "low_contrast": lambda img, s: low_contrast(a4_page([img], seed=s)),
    "jpeg": lambda img, s: jpeg(camera_frame(img, seed=s), 25),
    "small": lambda img, s: small(np.pad(img, 20, constant_values=255), 0.6),
}


def sample_cases(count: int, seed: int = 0, unit_code: str = "000.00.04.H40") -> Iterator[Case]:
    """``count`` cases, alternating CCCD QR codes and dossier-code Code128s, cycling through
    :data:`CONDITIONS`. Deterministic for a seed."""
    from kiosk.dossier_code import format_dossier_code

    rng = random.Random(seed)
    names = vietnamese_names(count, seed)
    conditions = list(CONDITIONS)
    variants = ("7", "7", "no-old", "2024")
    for i in range(count):
        condition = conditions[(i // 2) % len(conditions)]
        if i % 2 == 0:
            text = cccd_payload(rng, names[i], variants[(i // 2) % len(variants)])
            clean, symbology = qr_image(text, module_px=rng.choice((3, 4, 5))), "qr"
        else:
            day = date(2026, 1, 1) + timedelta(days=rng.randrange(0, 365))
            text = format_dossier_code(unit_code, day, rng.randrange(1, 10) * 1000
                                       + rng.randrange(1, 1000))
            clean, symbology = code128_image(text, module_px=rng.choice((2, 3))), "code128"
        image = CONDITIONS[condition](clean, i)
        yield Case(f"{i:04d}-{symbology}-{condition}", image, text, symbology)
