"""Fuzzing image import (``kiosk import``'s loader and ``kiosk decode``'s): small valid
PNG, JPEG, TIFF (two pages), BMP, GIF and WebP files, havoc-mutated (header sizes set to
interesting values, bytes flipped, chunks cut or doubled), written to a real file.

Property: pages come out no larger than the pixel limit, or the file is refused with
``InvalidInput`` — never another exception (a crash in the CLI), never a huge decode.
"""

from __future__ import annotations

import atexit
import io
import random
import shutil
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from kiosk.devices.barcode.decode import load_images
from kiosk.devices.image_limits import MAX_PIXELS
from kiosk.devices.pipeline.importer import load_pages
from kiosk.errors import InvalidInput, NotFound
from tests.fuzz import budget
from tests.fuzz.mutate import havoc_bytes

_SCRATCH = Path(tempfile.mkdtemp(prefix="kiosk-fuzz-images-"))
atexit.register(shutil.rmtree, _SCRATCH, True)


def _seed(fmt: str) -> bytes:
    page = Image.new("RGB", (24, 32), "white")
    page.paste((20, 20, 20), (4, 4, 20, 10))
    buf = io.BytesIO()
    if fmt == "TIFF":
        page.save(buf, "TIFF", save_all=True, append_images=[page.rotate(90, expand=True)],
                  dpi=(200, 200))
    elif fmt == "GIF":
        page.convert("P").save(buf, "GIF")
    else:
        page.save(buf, fmt, **({"dpi": (200, 200)} if fmt in ("PNG", "JPEG") else {}))
    return buf.getvalue()


SEEDS = {fmt: _seed(fmt) for fmt in ("PNG", "JPEG", "TIFF", "BMP", "GIF", "WEBP")}


def _import(path: Path) -> None:
    try:
        for rgb, dpi in load_pages(path, 200):
            assert rgb.shape[0] * rgb.shape[1] <= MAX_PIXELS and dpi > 0
    except (InvalidInput, NotFound):
        pass


def _decode(path: Path) -> None:
    try:
        for gray in load_images(path):
            assert gray.shape[0] * gray.shape[1] <= MAX_PIXELS
    except InvalidInput:
        pass


@budget.settings_for(0.5)
@given(st.sampled_from(sorted(SEEDS)), st.integers(0, 2**63).map(random.Random))
def test_mutated_images_are_refused_or_bounded(fmt: str, rng: random.Random) -> None:
    n = max(1, budget.batch(20) // 100)  # a decode costs ~4 ms: fewer mutants each
    path = _SCRATCH / f"page.{fmt.lower()}"
    for data in havoc_bytes(SEEDS[fmt], rng, n):
        path.write_bytes(data)
        _import(path)
        _decode(path)
    budget.count("images", 2 * n)


@budget.settings_for(0.1)
@given(st.binary(max_size=256))
def test_random_bytes_are_refused(data: bytes) -> None:
    path = _SCRATCH / "random.jpg"
    path.write_bytes(data)
    _import(path)
    _decode(path)
    budget.count("images", 2)
