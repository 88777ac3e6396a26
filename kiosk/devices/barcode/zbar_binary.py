"""zbar through pyzbar's ctypes bindings, with QR codes read in binary mode.

pyzbar does not expose ``ZBAR_CFG_BINARY``. Without it zbar guesses each QR payload's
character set and converts it, and it guesses Shift-JIS for some Vietnamese UTF-8 payloads
("Lý" comes back as "Lﾃｽ"). In binary mode zbar hands back the bytes as encoded in the
symbol, and we decode them as UTF-8 ourselves, which is what the CCCD QR holds.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from kiosk.errors import DeviceError
from kiosk.i18n import _

# zbar.h (0.23): ZBAR_CFG_ENABLE = 0, ADD_CHECK, EMIT_CHECK, ASCII, BINARY = 4. Checked at
# run time: zbar_image_scanner_set_config returns non-zero for a config it does not know.
ZBAR_CFG_ENABLE = 0
ZBAR_CFG_BINARY = 4
_Y800 = 0x30303859  # fourcc "Y800": 8-bit grey

#: kiosk symbology name → zbar_symbol_type_t
ZBAR_SYMBOLS: dict[str, int] = {
    "qr": 64,
    "code128": 128,
    "code39": 39,
    "code93": 93,
    "ean13": 13,
    "ean8": 8,
    "upca": 12,
    "upce": 9,
    "itf": 25,
    "codabar": 38,
    "pdf417": 57,
}
_NAMES = {v: k for k, v in ZBAR_SYMBOLS.items()}


class ZbarUnavailable(DeviceError):
    """libzbar (or pyzbar) is missing: the fallback decoder is off, zxing-cpp still works."""


@dataclass(frozen=True)
class ZbarSymbol:
    raw: bytes
    symbology: str


def _bindings() -> Any:
    try:
        from pyzbar import wrapper
    except (ImportError, OSError) as exc:  # pyzbar raises ImportError when libzbar is absent
        raise ZbarUnavailable(
            _("Không tải được thư viện zbar: {error}", error=str(exc)),
            hint=_("Cài gói libzbar0 (xem scripts/system-packages.txt)."),
        ) from exc
    return wrapper


def available() -> bool:
    try:
        _bindings()
    except ZbarUnavailable:
        return False
    return True


def zbar_decode(gray: np.ndarray, symbologies: Iterable[str]) -> list[ZbarSymbol]:
    """Decode a 2-D uint8 grey image; QR payloads come back as the symbol's raw bytes."""
    w = _bindings()
    wanted = [ZBAR_SYMBOLS[s] for s in symbologies if s in ZBAR_SYMBOLS]
    if not wanted:
        return []
    image = np.ascontiguousarray(gray, dtype=np.uint8)
    height, width = image.shape[:2]
    # A ctypes buffer (not bytes) so the pointer handed to zbar stays valid while it scans.
    pixels = ctypes.create_string_buffer(image.tobytes(), image.size)
    scanner = w.zbar_image_scanner_create()
    if not scanner:
        raise DeviceError(_("zbar không tạo được bộ quét."))
    try:
        # Symbology 0 means "all": switch everything off, then on only what we look for.
        w.zbar_image_scanner_set_config(scanner, 0, ZBAR_CFG_ENABLE, 0)
        for symbol in wanted:
            w.zbar_image_scanner_set_config(scanner, symbol, ZBAR_CFG_ENABLE, 1)
        if 64 in wanted and w.zbar_image_scanner_set_config(scanner, 64, ZBAR_CFG_BINARY, 1):
            # An old zbar without binary mode would mangle Vietnamese text: refuse QR there.
            raise ZbarUnavailable(
                _("Phiên bản zbar này không hỗ trợ chế độ nhị phân cho mã QR."),
                hint=_("Cập nhật libzbar0 lên bản 0.23 trở lên."),
            )
        img = w.zbar_image_create()
        if not img:
            raise DeviceError(_("zbar không tạo được ảnh."))
        try:
            w.zbar_image_set_format(img, _Y800)
            w.zbar_image_set_size(img, width, height)
            data = ctypes.cast(pixels, ctypes.c_void_p)
            w.zbar_image_set_data(img, data, len(pixels), None)
            if w.zbar_scan_image(scanner, img) < 0:
                return []
            found: list[ZbarSymbol] = []
            symbol = w.zbar_image_first_symbol(img)
            while symbol:
                raw = ctypes.string_at(
                    w.zbar_symbol_get_data(symbol), w.zbar_symbol_get_data_length(symbol)
                )
                kind = _NAMES.get(symbol.contents.type, f"zbar-{symbol.contents.type}")
                found.append(ZbarSymbol(raw, kind))
                symbol = w.zbar_symbol_next(symbol)
            return found
        finally:
            w.zbar_image_destroy(img)
    finally:
        w.zbar_image_scanner_destroy(scanner)
