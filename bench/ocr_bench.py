"""OCR figures (issue 24 §4): pages per minute per core, and the character error rate on
typed Vietnamese forms rendered at 200 and 300 dpi, through the counter's own path (page
pipeline → PDF/A → ``kiosk.ocr.ocr_file``) against Tesseract called bare on the rendered
image (the same run, the same machine, one thread each: ``OMP_THREAD_LIMIT=1``).

    .venv/bin/python bench/ocr_bench.py [--pages 4]
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["OMP_THREAD_LIMIT"] = "1"

FORM = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "TỜ KHAI ĐĂNG KÝ KHAI SINH",
    "Kính gửi: Ủy ban nhân dân xã Mẫu, huyện Thường Tín",
    "Họ, chữ đệm, tên người yêu cầu: Nguyễn Thị Hồng Nhung",
    "Nơi cư trú: thôn Đông, xã Mẫu, huyện Thường Tín, thành phố Hà Nội",
    "Giấy tờ tùy thân: Căn cước công dân số 001189012345",
    "Quan hệ với người được khai sinh: mẹ đẻ",
    "Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:",
    "Họ, chữ đệm, tên: Trần Minh Khôi    Giới tính: Nam",
    "Ngày, tháng, năm sinh: 15 tháng 11 năm 2026",
    "Nơi sinh: Bệnh viện đa khoa huyện Thường Tín",
    "Tôi cam đoan những nội dung khai trên đây là đúng sự thật.",
]


def render(lines: list[str], dpi: int, shift: int) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    w, h = int(8.27 * dpi), int(11.69 * dpi)
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(ROOT / "assets/fonts/BeVietnamPro-Regular.ttf"),
                              size=int(dpi * 0.15))
    for n, line in enumerate(lines[shift:] + lines[:shift]):
        draw.text((int(dpi * 0.8), int(dpi * 0.8) + n * int(dpi * 0.3)), line, fill=0,
                  font=font)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def cer(ref: str, hyp: str) -> float:
    a, b = norm(ref), norm(hyp)
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1] / max(1, len(a))


def main() -> None:
    import numpy as np
    from PIL import Image

    from kiosk.devices.pipeline.encode import encode_jpeg
    from kiosk.devices.pipeline.pdf import build_pdf
    from kiosk.documents import merge_pages
    from kiosk.ocr import ocr_file

    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=4)
    args = parser.parse_args()
    version = subprocess.run(["tesseract", "--version"], capture_output=True, text=True)
    print(f"tesseract: {version.stdout.splitlines()[0]}")
    for dpi in (200, 300):
        bare_s = ours_s = 0.0
        bare_err = ours_err = 0.0
        for n in range(args.pages):
            png = render(FORM, dpi, n)
            ref = "\n".join(FORM[n:] + FORM[:n])
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "p.png"
                path.write_bytes(png)
                t = time.perf_counter()
                bare = subprocess.run(["tesseract", str(path), "stdout", "-l", "vie"],
                                      capture_output=True, text=True).stdout
                bare_s += time.perf_counter() - t
                rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
                pdf = Path(tmp) / "p.pdf"
                pdf.write_bytes(merge_pages([(build_pdf([encode_jpeg(rgb, dpi)]), 0)]))
                t = time.perf_counter()
                ours = ocr_file(pdf, dpi)
                ours_s += time.perf_counter() - t
            bare_err += cer(ref, bare)
            ours_err += cer(ref, ours)
        k = args.pages
        print(f"{dpi} dpi, {k} pages: bare tesseract CER {bare_err / k:.2%}, "
              f"{60 * k / bare_s:.1f} pages/min/core; counter path (JPEG PDF/A → "
              f"pdftoppm → tesseract) CER {ours_err / k:.2%}, {60 * k / ours_s:.1f} pages/min/core")


if __name__ == "__main__":
    main()
