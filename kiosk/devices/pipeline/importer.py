"""Bring outside files into the pipeline: photos sent over Zalo or e-mail, existing scans.

Images (JPEG, PNG, TIFF — every frame) and PDFs (rendered page by page with poppler's
``pdftoppm``) become (RGB array, dpi) pairs. Phone photos carry no meaningful dpi: they are
sized as an A4 sheet at the scanning resolution, so their pages match scanned ones.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from kiosk.devices.image_limits import (
    DECODE_ERRORS,
    check_pages,
    check_pdf,
    check_size,
    too_large,
)
from kiosk.errors import InvalidInput, NotFound
from kiosk.i18n import _

#: Dpi below which a file's own dpi is not believed (screenshots, photos say 72 or 96).
_MIN_BELIEVED_DPI = 150
_A4_LONG_MM = 297.0


def _as_page(image: Image.Image, dpi: int) -> tuple[np.ndarray, int]:
    image = ImageOps.exif_transpose(image) or image
    rgb = np.asarray(image.convert("RGB"))
    info = image.info.get("dpi")
    own = round(float(info[0])) if info else 0
    if own >= _MIN_BELIEVED_DPI:
        return rgb, own
    # A photo: treat its long side as A4's long side at the target resolution.
    long_px = max(rgb.shape[:2])
    want = round(_A4_LONG_MM / 25.4 * dpi)
    if long_px > want:
        import cv2

        f = want / long_px
        rgb = cv2.resize(rgb, (round(rgb.shape[1] * f), round(rgb.shape[0] * f)),
                         interpolation=cv2.INTER_AREA)
        return rgb, dpi
    return rgb, max(72, round(long_px / (_A4_LONG_MM / 25.4)))


def _pdf_pages(path: Path, dpi: int) -> Iterator[tuple[np.ndarray, int]]:
    if shutil.which("pdftoppm") is None:
        raise InvalidInput(
            _("Không đọc được tệp PDF {path}: máy thiếu chương trình pdftoppm.", path=str(path)),
            hint=_("Nhờ quản trị cài gói poppler-utils."),
        )
    check_pdf(path, dpi)
    with tempfile.TemporaryDirectory(prefix="kiosk-import-") as tmp:
        result = subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", str(path), str(Path(tmp) / "p")],
            capture_output=True, text=True, timeout=300, check=False,
        )
        files = sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        if result.returncode != 0 or not files:
            raise InvalidInput(
                _("Tệp PDF {path} bị hỏng hoặc có mật khẩu.", path=str(path)),
                hint=_("Xin người dân gửi lại tệp, hoặc in ra rồi quét."),
                detail=result.stderr.strip()[:200],
            )
        check_pages(path, len(files))
        for n, file in enumerate(files, start=1):
            with Image.open(file) as image:
                check_size(path, *image.size, page=n)
                yield np.asarray(image.convert("RGB")), dpi


def load_pages(path: Path, dpi: int = 200) -> Iterator[tuple[np.ndarray, int]]:
    """Yield (rgb, dpi) for every page in ``path``; raises NotFound / InvalidInput."""
    if not path.exists():
        raise NotFound(_("Không tìm thấy tệp {path}.", path=str(path)),
                       hint=_("Kiểm tra lại đường dẫn tệp."))
    if not path.is_file():
        raise InvalidInput(_("{path} không phải một tệp (là thư mục?).", path=str(path)),
                           hint=_("Dùng tệp JPEG, PNG, TIFF hoặc PDF."))
    with path.open("rb") as fh:
        head = fh.read(5)
    if head == b"%PDF-":
        yield from _pdf_pages(path, dpi)
        return
    try:
        image = Image.open(path)
    except Image.DecompressionBombError:
        raise too_large(path) from None
    except DECODE_ERRORS as exc:  # UnidentifiedImageError is an OSError
        raise InvalidInput(
            _("Tệp {path} không phải ảnh hay PDF đọc được.", path=str(path)),
            hint=_("Dùng tệp JPEG, PNG, TIFF hoặc PDF."),
        ) from exc
    with image:
        try:
            frames = getattr(image, "n_frames", 1)
        except DECODE_ERRORS as exc:
            raise InvalidInput(_("Ảnh {path} bị hỏng.", path=str(path)),
                               hint=_("Xin người dân gửi lại ảnh.")) from exc
        check_pages(path, frames)
        for frame in range(frames):
            try:
                image.seek(frame)
                # The header of each frame, before a single pixel is decoded.
                check_size(path, *image.size, page=frame + 1 if frames > 1 else None)
                yield _as_page(image.copy(), dpi)
            except Image.DecompressionBombError:
                raise too_large(path) from None
            except DECODE_ERRORS as exc:
                raise InvalidInput(
                    _("Ảnh {path} bị hỏng (trang {page}).", path=str(path), page=frame + 1),
                    hint=_("Xin người dân gửi lại ảnh."),
                ) from exc
