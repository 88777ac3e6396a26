"""A realistic dossier, and the readers tests use on rendered PDFs: pdftoppm, zxing, pdftotext."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.clock import TZ
from kiosk.forms import (
    ApplicantInfo,
    BookRef,
    ComponentLine,
    FormContext,
    Handover,
    Issue,
    UnitInfo,
)

CODE = "000.00.04.H40-261124-1002"
NAME = "Đinh Thị Huyền"
PROCEDURE = "Cấp bản sao trích lục hộ tịch"
DUE_TEXT = "16 giờ 30 phút, ngày 25 tháng 11 năm 2026"

UNIT = UnitInfo(
    name="UBND xã Khánh Hà",
    centre_name="Trung tâm Phục vụ hành chính công xã Khánh Hà",
    address="Trụ sở UBND xã Khánh Hà, thôn Văn Giáp, thành phố Hà Nội",
    place="Khánh Hà",
)


def realistic_context(**changes: object) -> FormContext:
    ctx = FormContext(
        unit=UNIT,
        code=CODE,
        applicant=ApplicantInfo(
            name=NAME, id_number="001158024485",
            address="Khánh Vân, Khánh Hà, Thường Tín, Hà Nội", phone="0912345678",
            email="huyen.dinh@example.vn"),
        procedure_name=PROCEDURE,
        procedure_code="2.000635",
        received_at=datetime(2026, 11, 24, 10, 15, tzinfo=TZ),
        due_at=datetime(2026, 11, 25, 16, 30, tzinfo=TZ),
        processing_time="Trong ngày làm việc; nhận sau 15 giờ thì trả vào ngày làm việc tiếp theo",
        components=(
            ComponentLine("Tờ khai cấp bản sao trích lục hộ tịch", "Bản chính", 1),
            ComponentLine("Căn cước của người yêu cầu", "Bản chụp", 1),
            ComponentLine("Văn bản ủy quyền (nếu nộp thay)", "Bản sao", 1),
        ),
        fee=8000,
        clerk="Nguyễn Văn Đức",
        book=BookRef("03/2026", 57),
        lead_agency="UBND xã Khánh Hà",
        issues=(Issue("Bổ sung bản sao giấy khai sinh", "Thiếu giấy tờ chứng minh quan hệ"),
                Issue("Ghi rõ nơi đăng ký khai sinh trong tờ khai", "Tờ khai còn trống")),
        contact="công chức tư pháp - hộ tịch Nguyễn Văn Đức, điện thoại 0243 123 456",
        delay_reason="Cần xác minh thông tin đăng ký khai sinh tại nơi cư trú trước đây.",
        new_due_at=datetime(2026, 11, 27, 10, 0, tzinfo=TZ),
        handovers=(Handover("UBND xã Khánh Hà", datetime(2026, 11, 24, 14, 0, tzinfo=TZ),
                            "Nguyễn Văn Đức", "Trần Thị Lan"),),
    )
    from dataclasses import replace

    return replace(ctx, **changes)  # type: ignore[arg-type]


def need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (poppler-utils)")


def pdf_text(pdf: Path) -> str:
    """pdftotext output with whitespace collapsed (lines wrap differently per paper)."""
    need("pdftotext")
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                         check=True, timeout=60).stdout.decode("utf-8")
    return " ".join(out.split())


def rasterize(pdf: Path, dpi: int, *, mono: bool = False) -> list[Path]:
    """Every page of ``pdf`` as PNG (``mono``: 1-bit, like a thermal head)."""
    need("pdftoppm")
    prefix = pdf.with_suffix("")
    args = ["pdftoppm", "-r", str(dpi), "-png"]
    if mono:
        args.append("-mono")
    subprocess.run([*args, str(pdf), str(prefix)], check=True, timeout=120)
    return sorted(pdf.parent.glob(prefix.name + "-*.png"))


def decode(png: Path) -> dict[str, list[str]]:
    """Barcodes found on an image, by format name."""
    import zxingcpp
    from PIL import Image

    image = Image.open(png).convert("L")
    found: dict[str, list[str]] = {}
    formats = [zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.QRCode]
    for result in zxingcpp.read_barcodes(image, formats=formats):
        found.setdefault(result.format.name, []).append(result.text)
    return found


def is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)
