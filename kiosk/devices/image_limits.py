"""Size limits read from a file's header before anything is decoded (decompression bombs).

A 400 KB PNG can declare 20000×20000 pixels: decoding it takes gigabytes and minutes. Every
image or PDF that comes from outside (a photo over Zalo, a file to decode) is measured here
first, from the header only, and refused with a clear message when it is beyond what a
scanned page can be.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import warnings
from pathlib import Path

from PIL import Image

from kiosk.errors import InvalidInput
from kiosk.i18n import _

#: A4 at 1200 dpi is 139 megapixels; nothing a counter handles is larger.
MAX_PIXELS = 140_000_000
#: Longest side: a long receipt roll at 600 dpi stays well below.
MAX_SIDE = 30_000
#: Pages (TIFF frames or PDF pages) in one file.
MAX_PAGES = 1000
#: What Pillow and OpenCV raise on a broken file, found by fuzzing (tests/fuzz): Pillow's
#: plugins let SyntaxError ("broken PNG file"), KeyError, TypeError and struct.error out of
#: load() and seek(), not only OSError.
DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError, ValueError, EOFError, SyntaxError, TypeError, KeyError, IndexError,
    struct.error, ZeroDivisionError, OverflowError, AttributeError, RuntimeError)

# OpenCV reads its own limit once, on first use: make it agree with ours.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_PIXELS))
# Pillow warns between its limit and twice it; we refuse there ourselves, with our message.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.simplefilter("ignore", Image.DecompressionBombWarning)


def _refuse(path: Path, width: int, height: int, page: int | None = None) -> InvalidInput:
    return InvalidInput(
        _("Ảnh {path} quá lớn ({width}×{height} điểm ảnh{page}); tối đa {limit} triệu điểm ảnh.",
          path=path.name, width=width, height=height,
          page="" if page is None else _(", trang {n}", n=page),
          limit=MAX_PIXELS // 1_000_000),
        hint=_("Xin người dân gửi ảnh nhỏ hơn, hoặc in ra rồi quét."),
        field="image",
    )


def check_size(path: Path, width: int, height: int, page: int | None = None) -> None:
    if width <= 0 or height <= 0:
        raise InvalidInput(_("Ảnh {path} bị hỏng (kích thước {width}×{height}).",
                             path=path.name, width=width, height=height),
                           hint=_("Xin người dân gửi lại ảnh."))
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise _refuse(path, width, height, page)


def check_pages(path: Path, pages: int) -> None:
    if pages > MAX_PAGES:
        raise InvalidInput(
            _("Tệp {path} có {n} trang, quá {limit} trang một lần.", path=path.name, n=pages,
              limit=MAX_PAGES),
            hint=_("Chia tệp thành nhiều phần rồi nhập từng phần."),
        )


def check_image_header(path: Path) -> bool:
    """Check an image's declared size without decoding it; False if Pillow cannot tell."""
    try:
        with Image.open(path) as image:  # reads the header only
            check_size(path, *image.size)
    except Image.DecompressionBombError:
        raise too_large(path) from None
    except DECODE_ERRORS:  # UnidentifiedImageError is an OSError
        return False
    return True


def too_large(path: Path) -> InvalidInput:
    """Pillow refused the header itself (more than twice the limit)."""
    return InvalidInput(
        _("Ảnh {path} quá lớn (hơn {limit} triệu điểm ảnh).", path=path.name,
          limit=MAX_PIXELS // 1_000_000),
        hint=_("Xin người dân gửi ảnh nhỏ hơn, hoặc in ra rồi quét."),
        field="image",
    )


_PAGE_SIZE = re.compile(r"^Page\s+(\d+)\s+size:\s+([\d.]+)\s+x\s+([\d.]+)\s+pts", re.M)
_PAGES = re.compile(r"^Pages:\s+(\d+)", re.M)


def check_pdf(path: Path, dpi: int) -> None:
    """Refuse a PDF whose pages would render beyond the pixel limit at ``dpi``."""
    if shutil.which("pdfinfo") is None:
        return  # pdftoppm's own output is then checked page by page
    try:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                              timeout=60, check=False, errors="replace")
    except subprocess.TimeoutExpired:
        raise InvalidInput(_("Tệp PDF {path} bị hỏng hoặc quá phức tạp.", path=path.name),
                           hint=_("Xin người dân gửi lại tệp, hoặc in ra rồi quét.")) from None
    match = _PAGES.search(info.stdout)
    if info.returncode != 0 or match is None:
        return  # pdftoppm reports a broken file with its own message
    pages = int(match[1])
    check_pages(path, pages)
    sizes = subprocess.run(["pdfinfo", "-f", "1", "-l", str(pages), str(path)],
                           capture_output=True, text=True, timeout=60, check=False,
                           errors="replace")
    for m in _PAGE_SIZE.finditer(sizes.stdout):
        width = round(float(m[2]) / 72 * dpi)
        height = round(float(m[3]) / 72 * dpi)
        check_size(path, max(width, 1), max(height, 1), page=int(m[1]))
