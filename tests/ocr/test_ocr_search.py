"""Text in scans (issue 24 §4): a page rendered with known Vietnamese words goes through the
real page pipeline into a dossier; ``kiosk ocr run`` reads it with Tesseract's Vietnamese
data; ``kiosk search --text`` finds the dossier by its words, with or without diacritics,
and nothing for words that are not there."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from kiosk import ocr
from kiosk.devices.pipeline.encode import encode_jpeg
from kiosk.devices.pipeline.pdf import build_pdf
from kiosk.documents import merge_pages

pytestmark = pytest.mark.skipif(not ocr.available(), reason="tesseract-ocr-vie not installed")
FONT = Path(__file__).resolve().parents[2] / "assets/fonts/BeVietnamPro-Regular.ttf"
LINES = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
         "HỢP ĐỒNG THUÊ NHÀ Ở", "Bên cho thuê: ông Trần Văn Quý",
         "Địa chỉ nhà: thôn Đông, xã Mẫu, huyện Thường Tín"]


def typed_page(lines: list[str], dpi: int = 300) -> bytes:
    w, h = int(8.27 * dpi), int(11.69 * dpi)
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), size=int(dpi * 0.17))
    for n, line in enumerate(lines):
        draw.text((dpi, dpi + n * int(dpi * 0.35)), line, fill=(10, 10, 10), font=font)
    return merge_pages([(build_pdf([encode_jpeg(np.asarray(img), dpi)]), 0)])


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True,
                          text=True, timeout=600)


def test_words_of_a_scan_find_its_dossier(kiosk_home: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "hop-dong.pdf"
    pdf.write_bytes(typed_page(LINES))
    saved = kiosk("dossier", "new", "--procedure", "1.004222", "--name", "Trần Văn Quý",
                  "--id-number", "001158024485", "--attach", f"CO={pdf}")
    assert saved.returncode == 0, saved.stderr
    code = json.loads(saved.stdout)["code"]
    other = kiosk("dossier", "new", "--procedure", "1.004222", "--name", "Lê Thị Mai",
                  "--id-number", "079203001234")
    assert other.returncode == 0, other.stderr
    assert kiosk("search", "--text", "hop dong thue").stdout == ""  # not read yet
    run = kiosk("ocr", "run")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"read": 1, "waiting": 0, "layered": 1, "skipped": []}
    for words in ("hợp đồng thuê nhà", "hop dong thue nha", "THUONG TIN", "Trần Văn Quý"):
        found = kiosk("search", "--text", words)
        assert found.returncode == 0, found.stderr
        assert [json.loads(line)["code"] for line in found.stdout.splitlines()] == [code], words
    none = kiosk("search", "--text", "giấy khai sinh")
    assert none.returncode == 0 and none.stdout == ""
    # Read once: a second run has nothing to do.
    assert json.loads(kiosk("ocr", "run").stdout) == {"read": 0, "waiting": 0, "layered": 0,
                                                      "skipped": []}
