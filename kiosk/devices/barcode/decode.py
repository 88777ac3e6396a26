"""Decode the barcodes in an image (a scanned page, a photo, a camera frame).

zxing-cpp goes first: it is several times faster than zbar here and reads UTF-8 payloads
correctly. When it finds nothing, it gets a second look at a 2× upscale (small codes on a
200 dpi page) and at the image rotated by its dominant skew (a linear code more than a few
degrees off the axes is invisible to row scanning). zbar, in binary mode, is the fallback
over the same variants. ``bench/barcode_decode.py`` measures each engine alone and this
order on a generated set; the order is a parameter so that the figures can change it.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from kiosk.devices.barcode import zbar_binary
from kiosk.devices.barcode.source import CODE128, QR
from kiosk.devices.image_limits import check_image_header, check_pages, check_pdf, check_size
from kiosk.errors import InvalidInput
from kiosk.i18n import _

#: kiosk symbology name → zxing-cpp BarcodeFormat name
ZXING_FORMATS: dict[str, str] = {
    "qr": "QRCode",
    "code128": "Code128",
    "microqr": "MicroQRCode",
    "datamatrix": "DataMatrix",
    "aztec": "Aztec",
    "pdf417": "PDF417",
    "code39": "Code39",
    "code93": "Code93",
    "ean13": "EAN13",
    "ean8": "EAN8",
    "upca": "UPCA",
    "upce": "UPCE",
    "itf": "ITF",
    "codabar": "Codabar",
}
_FROM_ZXING = {v.lower(): k for k, v in ZXING_FORMATS.items()}
DEFAULT_SYMBOLOGIES: tuple[str, ...] = (QR, CODE128)
ENGINES = ("zxing", "zbar")
# Above this many pixels on the long side an upscale costs more than it can find.
_UPSCALE_LIMIT = 4200
_SKEW_MIN_DEGREES = 2.0


@dataclass(frozen=True)
class Decoded:
    text: str
    symbology: str
    raw: bytes
    engine: str
    #: which look found it: "plain", "upscale", "deskew"
    attempt: str


def normalize_symbologies(names: Iterable[str]) -> tuple[str, ...]:
    """Map names from config or the command line (``QRCode``, ``code-128``, ``EAN13``) to
    kiosk's names; QR and Code128 always included. Unknown names raise InvalidInput."""
    out: list[str] = list(DEFAULT_SYMBOLOGIES)
    for name in names:
        key = name.strip().lower().replace("-", "").replace("_", "").replace(" ", "")
        key = _FROM_ZXING.get(key, key)
        if key == "qrcode":
            key = QR
        if key not in ZXING_FORMATS:
            raise InvalidInput(
                _("Không biết loại mã vạch «{name}».", name=name),
                hint=_("Dùng một trong: {names}", names=", ".join(ZXING_FORMATS)),
            )
        if key not in out:
            out.append(key)
    return tuple(out)


def to_gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image if image.dtype == np.uint8 else image.astype(np.uint8)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def upscale(gray: np.ndarray) -> np.ndarray | None:
    """2× (or less, to stay under the size limit); None when it would not be worth it."""
    factor = min(2.0, _UPSCALE_LIMIT / max(gray.shape[:2]))
    if factor < 1.3:
        return None
    return cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)


def skew_angles(gray: np.ndarray, peaks: int = 2) -> list[float]:
    """Dominant edge directions folded into (-45°, 45°], strongest first.

    Bars of a linear code and lines of text are straight edges: the histogram of gradient
    directions, weighted by strength, peaks at their angle. Angles within a couple of
    degrees of the axes are dropped (the decoders cope with those).
    """
    scale = min(1.0, 1000 / max(gray.shape[:2]))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    # Scharr rather than Sobel: its gradient direction is far less biased off the axes.
    gx = cv2.Scharr(small, cv2.CV_32F, 1, 0)
    gy = cv2.Scharr(small, cv2.CV_32F, 0, 1)
    mag = cv2.magnitude(gx, gy)
    strong = mag > np.percentile(mag, 90)
    if not strong.any():
        return []
    angles = np.degrees(np.arctan2(gy[strong], gx[strong])) % 90.0
    hist, _edges = np.histogram(angles, bins=180, range=(0.0, 90.0), weights=mag[strong])
    # Smooth circularly (90° wraps to 0°) so one peak is not split over two bins.
    padded = np.concatenate([hist[-3:], hist, hist[:3]])
    smooth = np.convolve(padded, np.ones(7) / 7, mode="same")[3:-3]
    found: list[float] = []
    for index in np.argsort(smooth)[::-1]:
        angle = (index + 0.5) * 0.5
        if angle > 45:
            angle -= 90
        if abs(angle) < _SKEW_MIN_DEGREES:
            continue
        if any(abs(angle - f) < 6 for f in found):  # the shoulder of a peak already taken
            continue
        if smooth[index] < 0.2 * smooth.max():
            break
        found.append(float(angle))
        if len(found) >= peaks:
            break
    return found


def rotate(gray: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate about the centre, growing the canvas so no corner is cut; white fill."""
    h, w = gray.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(gray, matrix, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=255)


def _variants(gray: np.ndarray, retries: bool) -> Iterator[tuple[str, np.ndarray]]:
    yield "plain", gray
    if not retries:
        return
    big = upscale(gray)
    if big is not None:
        yield "upscale", big
    for angle in skew_angles(gray):
        yield "deskew", rotate(gray, angle)


def _text_of(raw: bytes, fallback: str | None) -> str | None:
    # The CCCD QR and our receipts are UTF-8; a decoder's own charset guess is used only
    # when the bytes are not UTF-8 at all (a QR with an ECI for another charset).
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return fallback


class ImageDecoder:
    """Find every code of the wanted symbologies in an image.

    :param symbologies: kiosk names; QR and Code128 are always included.
    :param engines: the order engines are tried in; each may be left out (benchmarks).
    :param retries: also look at the upscaled and deskewed image when nothing was found.
    """

    def __init__(
        self,
        symbologies: Sequence[str] = DEFAULT_SYMBOLOGIES,
        *,
        engines: Sequence[str] = ENGINES,
        retries: bool = True,
    ) -> None:
        import zxingcpp

        self.symbologies = normalize_symbologies(symbologies)
        self.engines = tuple(engines)
        self.retries = retries
        self._zxing = zxingcpp
        self._formats = zxingcpp.barcode_formats_from_str(
            ",".join(ZXING_FORMATS[s] for s in self.symbologies)
        )
        # The fallback turns off, rather than failing the counter, when libzbar is missing.
        self.zbar_ok = "zbar" in self.engines and zbar_binary.available()

    def decode(self, image: np.ndarray, *, exhaustive: bool = False) -> list[Decoded]:
        """Codes in ``image``. By default the first look that finds anything ends the search
        (one code is what a reader at the counter needs); ``exhaustive`` tries every look
        with every engine and returns everything found (a page with several codes)."""
        gray = to_gray(image)
        collected: list[Decoded] = []
        variants: list[tuple[str, np.ndarray]] = []
        for engine in self.engines:
            run = self._engine(engine)
            if run is None:
                continue
            # Variants are built lazily by the first engine and reused by the next.
            source: Iterable[tuple[str, np.ndarray]] = (
                variants if variants else self._remember(_variants(gray, self.retries), variants)
            )
            for attempt, candidate in source:
                found = run(candidate, attempt)
                if found and not exhaustive:
                    return _unique(found)
                collected.extend(found)
        return _unique(collected)

    @staticmethod
    def _remember(
        gen: Iterator[tuple[str, np.ndarray]], into: list[tuple[str, np.ndarray]]
    ) -> Iterator[tuple[str, np.ndarray]]:
        for item in gen:
            into.append(item)
            yield item

    def _engine(self, name: str) -> Callable[[np.ndarray, str], list[Decoded]] | None:
        if name == "zxing":
            return self._run_zxing
        if name == "zbar":
            return self._run_zbar if self.zbar_ok else None
        raise ValueError(f"unknown engine {name!r}")

    def _run_zxing(self, gray: np.ndarray, attempt: str) -> list[Decoded]:
        out: list[Decoded] = []
        for barcode in self._zxing.read_barcodes(gray, formats=self._formats):
            kind = _FROM_ZXING.get(barcode.format.name.lower(), barcode.format.name.lower())
            raw = bytes(barcode.bytes)
            text = _text_of(raw, barcode.text) if kind == QR else barcode.text
            if text is not None:
                out.append(Decoded(text, kind, raw, "zxing", attempt))
        return out

    def _run_zbar(self, gray: np.ndarray, attempt: str) -> list[Decoded]:
        out: list[Decoded] = []
        for symbol in zbar_binary.zbar_decode(gray, self.symbologies):
            # No charset guess to fall back on in binary mode: bytes that are not UTF-8
            # are left to zxing rather than shown as a guessed (possibly wrong) name.
            text = _text_of(symbol.raw, None)
            if text is not None:
                out.append(Decoded(text, symbol.symbology, symbol.raw, "zbar", attempt))
        return out

    def decode_file(self, path: Path, *, exhaustive: bool = False) -> list[Decoded]:
        found: list[Decoded] = []
        for page in load_images(path):
            found.extend(self.decode(page, exhaustive=exhaustive))
        return _unique(found)


def _unique(found: list[Decoded]) -> list[Decoded]:
    seen: set[tuple[str, str]] = set()
    out: list[Decoded] = []
    for item in found:
        key = (item.symbology, item.text)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def load_images(path: Path, *, pdf_dpi: int = 200) -> list[np.ndarray]:
    """Grey pages of an image file, or of every page of a PDF (through poppler's pdftoppm)."""
    if not path.is_file():
        raise InvalidInput(
            _("Không tìm thấy tệp ảnh {path}.", path=str(path)),
            hint=_("Kiểm tra lại đường dẫn."),
        )
    if path.suffix.lower() == ".pdf":
        return _pdf_pages(path, pdf_dpi)
    # The declared size, from the header, before decoding (OpenCV's own cap agrees with it).
    check_image_header(path)
    # imdecode over the bytes rather than imread: imread fails on some non-ASCII paths.
    data = np.fromfile(str(path), dtype=np.uint8)
    try:
        image = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if data.size else None
    except cv2.error:
        image = None  # OpenCV refused it (its own size cap, a broken header)
    if image is not None:
        check_size(path, image.shape[1], image.shape[0])
    if image is None:
        raise InvalidInput(
            _("Không đọc được ảnh {path}.", path=str(path)),
            hint=_("Dùng ảnh PNG, JPEG, TIFF hoặc tệp PDF."),
        )
    return [image]


def _pdf_pages(path: Path, dpi: int) -> list[np.ndarray]:
    check_pdf(path, dpi)
    with tempfile.TemporaryDirectory(prefix="kiosk-decode-") as tmp:
        try:
            subprocess.run(
                ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(path), f"{tmp}/page"],
                check=True,
                capture_output=True,
                timeout=120,
            )
        except FileNotFoundError as exc:
            raise InvalidInput(
                _("Không đọc được tệp PDF vì máy thiếu pdftoppm."),
                hint=_("Cài gói poppler-utils, hoặc chuyển PDF thành ảnh PNG."),
            ) from exc
        except subprocess.CalledProcessError as exc:
            raise InvalidInput(
                _("Tệp PDF {path} bị lỗi: {error}", path=str(path),
                  error=exc.stderr.decode("utf-8", "replace").strip()[:200]),
                hint=_("Kiểm tra tệp hoặc quét lại giấy tờ."),
            ) from exc
        files = sorted(Path(tmp).glob("page*.png"))
        check_pages(path, len(files))
        pages = []
        for n, file in enumerate(files, start=1):
            if not check_image_header(file):
                continue
            page = cv2.imread(str(file), cv2.IMREAD_GRAYSCALE)
            if page is not None:
                check_size(path, page.shape[1], page.shape[0], page=n)
                pages.append(page)
        return pages
