"""End to end on the real parts: receive a dossier (real SQLite store), render its receipt
(reportlab PDF, A4 and thermal), rasterise it (poppler), spoil it like a photocopy, decode
it, and route the read back to the dossier through the store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.cli import main
from kiosk.devices.barcode import synth
from kiosk.devices.barcode.decode import ImageDecoder, load_images
from kiosk.devices.barcode.routing import Router, store_lookup
from kiosk.devices.barcode.source import Read

CCCD = "001158024485|110419092|Đinh Thị Huyền|08101958|Nữ|Khánh Vân, Khánh Hà, Thường Tín, Hà Nội|24042021"

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None,
                                reason="pdftoppm (poppler-utils) is not installed")


def _out(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]


def test_printed_receipt_reads_back_to_its_dossier(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dossier", "new", "--procedure", "1.001193", "--cccd", CCCD,
                 "--actor", "test"]) == 0
    code = str(_out(capsys)[0]["code"])
    pdfs = {}
    for paper in ("a4", "thermal"):
        pdfs[paper] = tmp_path / f"receipt-{paper}.pdf"
        assert main(["form", code, "--paper", paper, "--out", str(pdfs[paper])]) == 0
    capsys.readouterr()

    assert main(["decode", str(pdfs["a4"]), str(pdfs["thermal"])]) == 0
    found = _out(capsys)
    assert sorted((Path(str(f["file"])).name, f["symbology"], f["text"]) for f in found) == [
        ("receipt-a4.pdf", "code128", code), ("receipt-a4.pdf", "qr", code),
        ("receipt-thermal.pdf", "code128", code), ("receipt-thermal.pdf", "qr", code)]
    assert all(f["kind"] == "dossier_code" for f in found)

    # A photocopy of the A4 receipt: turned, blurred, greyed, JPEG'd.
    page = load_images(pdfs["a4"], pdf_dpi=150)[0]
    copy = synth.jpeg(synth.low_contrast(synth.blur(synth.rotate_white(page, 3.0), 0.8)), 40)
    decoded = ImageDecoder().decode(copy)
    assert decoded and all(d.text == code for d in decoded)
    everything = ImageDecoder().decode(copy, exhaustive=True)
    assert sorted((d.symbology, d.text) for d in everything) == [("code128", code), ("qr", code)]
    copy_file = tmp_path / "photocopy.jpg"
    cv2.imwrite(str(copy_file), copy)
    assert main(["decode", "--all", str(copy_file)]) == 0
    assert sorted(str(f["symbology"]) for f in _out(capsys)) == ["code128", "qr"]

    from kiosk.storage import Store

    store = Store(orphan_grace_seconds=None)
    try:
        router = Router(str(store.config.get("unit.code")), lookup=store_lookup(store))
        routed = router.route(Read(decoded[0].text, decoded[0].symbology, "image"))
        assert routed is not None and routed.ok
        assert routed.dossier is not None and routed.dossier["code"] == code
    finally:
        store.close()


def test_blank_pdf_page_is_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import img2pdf

    png = tmp_path / "blank.png"
    cv2.imwrite(str(png), np.full((1100, 850), 255, np.uint8))
    pdf = tmp_path / "blank.pdf"
    pdf.write_bytes(img2pdf.convert(str(png)))
    assert main(["decode", str(pdf)]) == 1
    assert "blank.pdf" in capsys.readouterr().err
