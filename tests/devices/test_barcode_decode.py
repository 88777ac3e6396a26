"""Decoding generated codes: Vietnamese CCCD QR payloads and Code128 dossier codes on pages
and frames, clean and spoiled; zbar's binary mode; file loading and its bad paths."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.devices.barcode import synth, zbar_binary
from kiosk.devices.barcode.decode import ImageDecoder, load_images, normalize_symbologies
from kiosk.errors import InvalidInput


@pytest.fixture(scope="module")
def decoder() -> ImageDecoder:
    return ImageDecoder()


def test_names_cover_every_diacritic_letter_in_both_cases() -> None:
    text = " ".join(synth.vietnamese_names(300))
    for letter in synth.VIETNAMESE_LETTERS:
        assert letter in text, letter
        assert letter.upper() in text, letter.upper()


def test_hundreds_of_vietnamese_cccd_payloads_read_exactly(decoder: ImageDecoder) -> None:
    rng = random.Random(7)
    names = synth.vietnamese_names(300, seed=7)
    wrong, missed = [], []
    for i, name in enumerate(names):
        payload = synth.cccd_payload(rng, name, ("7", "no-old", "2024")[i % 3])
        found = decoder.decode(synth.qr_image(payload, module_px=2 + i % 3))
        if not found:
            missed.append(payload)
        elif found[0].text != payload:
            wrong.append((payload, found[0].text))
    assert wrong == []
    assert missed == []


@pytest.mark.parametrize("condition", list(synth.CONDITIONS))
def test_each_condition_reads_qr_and_code128(decoder: ImageDecoder, condition: str) -> None:
    rng = random.Random(condition)
    payload = synth.cccd_payload(rng, "Nguyễn Thị Ỹ Khưởm")
    code = "000.00.04.H40-261122-1001"
    for clean, expected, kind in (
        (synth.qr_image(payload, module_px=4), payload, "qr"),
        (synth.code128_image(code, module_px=3), code, "code128"),
    ):
        found = decoder.decode(synth.CONDITIONS[condition](clean, 3))
        assert [(f.text, f.symbology) for f in found] == [(expected, kind)], condition


def test_rotated_code128_needs_the_deskew_retry() -> None:
    code = "000.00.04.H40-261122-1001"
    image = synth.rotate_white(np.pad(synth.code128_image(code), 20, constant_values=255), 23)
    assert ImageDecoder(engines=("zxing",), retries=False).decode(image) == []
    found = ImageDecoder().decode(image)
    assert [(f.text, f.attempt) for f in found] == [(code, "deskew")]


def test_receipt_page_with_both_codes_gives_both(decoder: ImageDecoder) -> None:
    code = "000.00.04.H40-261122-1001"
    page = synth.a4_page([synth.qr_image(code, module_px=5), synth.code128_image(code)])
    found = decoder.decode(page)
    assert sorted((f.symbology, f.text) for f in found) == [("code128", code), ("qr", code)]


def test_blank_page_and_noise_give_nothing(decoder: ImageDecoder) -> None:
    assert decoder.decode(np.full((800, 600), 255, np.uint8)) == []
    noise = np.random.default_rng(1).integers(0, 256, (600, 800), dtype=np.uint8)
    assert decoder.decode(noise) == []


def test_colour_images_are_accepted(decoder: ImageDecoder) -> None:
    gray = np.pad(synth.qr_image("Đinh Thị Huyền"), 10, constant_values=255)
    bgr = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    bgra = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGRA)
    assert decoder.decode(bgr)[0].text == "Đinh Thị Huyền"
    assert decoder.decode(bgra)[0].text == "Đinh Thị Huyền"


@pytest.mark.skipif(not zbar_binary.available(), reason="libzbar0 is not installed")
def test_zbar_binary_mode_returns_exact_utf8_bytes() -> None:
    rng = random.Random(3)
    for name in synth.vietnamese_names(160, seed=3):
        payload = synth.cccd_payload(rng, name)
        symbols = zbar_binary.zbar_decode(synth.qr_image(payload, module_px=3), ["qr"])
        assert [s.raw for s in symbols] == [payload.encode("utf-8")]


@pytest.mark.skipif(not zbar_binary.available(), reason="libzbar0 is not installed")
def test_zbar_alone_reads_code128_and_honours_symbology_filter() -> None:
    image = np.pad(synth.code128_image("000.00.04.H40-261122-1001"), 10, constant_values=255)
    only_zbar = ImageDecoder(engines=("zbar",))
    assert [(f.text, f.engine) for f in only_zbar.decode(image)] == [
        ("000.00.04.H40-261122-1001", "zbar")]
    assert zbar_binary.zbar_decode(image, ["qr"]) == []


def test_symbology_names_are_normalised_and_unknown_ones_refused() -> None:
    assert normalize_symbologies(["DataMatrix", "ean-13", "QRCode"]) == (
        "qr", "code128", "datamatrix", "ean13")
    with pytest.raises(InvalidInput) as info:
        normalize_symbologies(["hologram"])
    assert "hologram" in info.value.message


def test_extra_symbology_from_config_is_read() -> None:
    import zxingcpp

    made = zxingcpp.create_barcode("HS-2026-0001", zxingcpp.BarcodeFormat.DataMatrix)
    image = np.pad(np.asarray(made.to_image(scale=6)), 20, constant_values=255)
    assert ImageDecoder().decode(image) == []
    found = ImageDecoder(["datamatrix"]).decode(image)
    assert [(f.text, f.symbology) for f in found] == [("HS-2026-0001", "datamatrix")]


def test_load_images_reads_files_and_reports_bad_ones(tmp_path: Path) -> None:
    png = tmp_path / "mã vạch.png"  # a non-ASCII name, as clerks name files
    cv2.imwrite(str(tmp_path / "tmp.png"), synth.qr_image("Lý"))
    (tmp_path / "tmp.png").rename(png)
    assert ImageDecoder().decode_file(png)[0].text == "Lý"
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    with pytest.raises(InvalidInput) as info:
        load_images(broken)
    assert "broken.jpg" in info.value.message and info.value.hint
    with pytest.raises(InvalidInput):
        load_images(tmp_path / "missing.png")


def test_pdf_pages_are_decoded(tmp_path: Path) -> None:
    pytest.importorskip("img2pdf")
    import img2pdf

    if subprocess.run(["which", "pdftoppm"], capture_output=True).returncode:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    code = "000.00.04.H40-261122-1001"
    png = tmp_path / "page.png"
    cv2.imwrite(str(png), synth.a4_page([synth.code128_image(code, module_px=3)]))
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(img2pdf.convert(str(png)))
    assert [f.text for f in ImageDecoder().decode_file(pdf)] == [code]
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 garbage")
    with pytest.raises(InvalidInput):
        load_images(bad)
