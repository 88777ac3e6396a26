"""``kiosk scan``, ``kiosk import`` and ``kiosk devices`` end to end (SANE test backend)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
from PIL import Image

from kiosk.cli import main
from kiosk.devices.pipeline import samples
from kiosk.devices.pipeline.importer import load_pages
from kiosk.devices.pipeline.pdf import build_pdf
from kiosk.devices.pipeline.process import process_page
from kiosk.devices.scanner.defaults import remembered
from kiosk.devices.scanner.errors import PaperJam
from kiosk.devices.scanner.fake import FakeScanDriver
from kiosk.errors import InvalidInput, NotFound
from kiosk.paths import asset


@pytest.fixture(autouse=True)
def project_sane_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANE_CONFIG_DIR", str(asset("sane")))
    monkeypatch.delenv("KIOSK_SCANNER_DRIVER", raising=False)


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


@pytest.fixture(scope="module")
def letter_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("in") / "letter.png"
    Image.fromarray(samples.letter_page(150)[0]).save(path, dpi=(150, 150))
    return path


def test_devices_lists_the_test_scanner(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["devices"], capsys)
    assert code == 0
    (scanner,) = out["scanners"]
    assert scanner["name"] == "test:0" and scanner["state"] == "ready" and scanner["selected"]
    assert scanner["capabilities"]["sources"] == ["flatbed", "adf"]


def test_scan_flatbed_writes_a_pdf_and_remembers_the_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_pdf = tmp_path / "c.pdf"
    code, out, err = run_cli(["scan", "--source", "flatbed", "--resolution", "75",
                              "--out", str(out_pdf)], capsys)
    assert code == 0, err
    assert out["pages"] == 1 and out["device"] == "test:0" and out["bytes"] > 0
    assert out["bytes"] == out_pdf.stat().st_size
    assert len(pikepdf.open(out_pdf).pages) == 1
    assert remembered("test:0") == {"source": "flatbed", "resolution": 75, "mode": "color"}


def test_scan_adf_batch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["scan", "--source", "adf", "--resolution", "50", "--mode", "gray",
                              "--out", str(tmp_path / "b.pdf")], capsys)
    assert code == 0, err
    assert out["pages"] + out["blank_pages"] == 10 and len(out["per_page"]) == 10


def test_scan_error_keeps_the_pages_already_scanned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    page, _ = samples.gray_letter(100)
    fake = FakeScanDriver(pages=[page] * 5, dpi=100, fail_at=2,
                          fail_with=lambda n: PaperJam.create(pages_scanned=n, device="fake:0"))
    monkeypatch.setattr("kiosk.devices.scanner.create_driver",
                        lambda kind=None, config=None: fake)
    out_pdf = tmp_path / "partial.pdf"
    code, out, err = run_cli(["scan", "--out", str(out_pdf)], capsys)
    assert code != 0 and out is None
    assert "Kẹt giấy" in err and str(out_pdf) in err
    assert len(pikepdf.open(out_pdf).pages) == 2
    assert remembered("fake:0") == {}  # a failed batch does not change the defaults


def test_scan_without_a_scanner_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kiosk.devices.scanner.create_driver",
                        lambda kind=None, config=None: FakeScanDriver(devices=()))
    code, _, err = run_cli(["scan", "--out", str(tmp_path / "x.pdf")], capsys)
    assert code != 0 and "Không tìm thấy máy quét" in err and "Traceback" not in err


def test_import_image_reports_per_page(letter_png: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    blank = tmp_path / "blank.png"
    Image.fromarray(samples.blank_with_bleed(100)).save(blank, dpi=(200, 200))
    code, out, err = run_cli(["import", str(letter_png), str(blank), "--out",
                              str(tmp_path / "i.pdf")], capsys)
    assert code == 0, err
    assert out["pages"] == 1 and out["blank_pages"] == 1
    first, second = out["per_page"]
    assert first["encoding"] == "mrc" and first["color"] and not first["blank"]
    assert second["blank"] and set(first) >= {"encoding", "color", "blank", "bytes"}
    assert len(pikepdf.open(tmp_path / "i.pdf").pages) == 1


def test_import_all_blank_is_an_error_unless_kept(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    blank = tmp_path / "blank.png"
    Image.fromarray(samples.blank_with_bleed(100)).save(blank, dpi=(200, 200))
    code, _, err = run_cli(["import", str(blank), "--out", str(tmp_path / "x.pdf")], capsys)
    assert code != 0 and "trắng" in err
    code, out, _ = run_cli(["import", str(blank), "--keep-blank", "--out",
                            str(tmp_path / "x.pdf")], capsys)
    assert code == 0 and out["pages"] == 1


def test_import_missing_and_garbage_files(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["import", str(tmp_path / "nope.jpg"), "--out",
                            str(tmp_path / "x.pdf")], capsys)
    assert code != 0 and "không tìm thấy tệp" in err.lower()
    garbage = tmp_path / "zalo.jpg"
    garbage.write_bytes(b"\xff\xd8 this is not really a jpeg")
    with pytest.raises(InvalidInput):
        list(load_pages(garbage))
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n garbage")
    with pytest.raises(InvalidInput):
        list(load_pages(broken))
    with pytest.raises(NotFound):
        list(load_pages(tmp_path / "missing.pdf"))


def test_import_pdf_pages_and_phone_photos(tmp_path: Path) -> None:
    page, _ = samples.gray_letter(100)
    pdf = tmp_path / "scan.pdf"
    encoded = process_page(page, 100).encoded
    pdf.write_bytes(build_pdf([encoded, encoded]))
    pages = list(load_pages(pdf, 100))
    assert len(pages) == 2 and pages[0][1] == 100
    assert abs(pages[0][0].shape[0] - page.shape[0]) <= 2
    # A phone photo: 72 dpi in its header, 3000 px tall → sized as A4 at 200 dpi.
    photo = tmp_path / "photo.jpg"
    Image.fromarray(np.full((3000, 2250, 3), 240, np.uint8)).save(photo, dpi=(72, 72))
    ((image, dpi),) = list(load_pages(photo, 200))
    assert dpi == 200 and image.shape[0] == round(297 / 25.4 * 200)


def test_import_into_the_file_store(letter_png: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk import paths

    out_pdf = tmp_path / "s.pdf"
    code, out, err = run_cli(["import", str(letter_png), "--store", "--out", str(out_pdf)],
                             capsys)
    assert code == 0, err
    stored = out["stored"]
    pdf_path = paths.files_dir() / stored["pdf_sha256"][:2] / stored["pdf_sha256"]
    # The stored file is the written PDF (deterministic output), found by its hash.
    assert pdf_path.read_bytes() == out_pdf.read_bytes()
    assert stored["pages"][0]["thumbnail_sha256"]


@pytest.mark.hardware
@pytest.mark.skipif(os.environ.get("KIOSK_HARDWARE") != "1",
                    reason="needs a real scanner; set KIOSK_HARDWARE=1 and SANE_CONFIG_DIR")
def test_real_scanner_flatbed_page(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANE_CONFIG_DIR", os.environ.get("KIOSK_SANE_CONFIG_DIR",
                                                         "/etc/sane.d"))
    code, out, err = run_cli(["scan", "--source", "flatbed", "--out",
                              str(tmp_path / "real.pdf")], capsys)
    assert code == 0, err
    assert out["pages"] + out["blank_pages"] == 1 and not out["device"].startswith("test:")


def test_scan_ask_waits_for_the_clerk_after_a_jam(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    page, _ = samples.gray_letter(100)
    fake = FakeScanDriver(pages=[page] * 4, dpi=100, fail_at=1, fail_times=1,
                          fail_with=lambda n: PaperJam.create(pages_scanned=n))
    monkeypatch.setattr("kiosk.devices.scanner.create_driver",
                        lambda kind=None, config=None: fake)
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))  # the clerk clears it, hits Enter
    code, out, err = run_cli(["scan", "--ask", "--out", str(tmp_path / "a.pdf")], capsys)
    assert code == 0 and out["pages"] == 4
    assert "Kẹt giấy" in err and "Enter" in err
