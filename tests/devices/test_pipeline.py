"""The page pipeline on realistic generated pages: decisions, encodings, and the PDF itself.

Pages are generated at 150 dpi to keep the suite quick; the code paths are those of 200 dpi.
PDFs are checked by rendering them with poppler (``pdftoppm``), not by trusting our writer.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image

from kiosk.devices.pipeline import samples
from kiosk.devices.pipeline.analyze import analyze, estimate_skew, gray_of
from kiosk.devices.pipeline.encode import (
    TEXT_SCALE,
    encode_g4,
    encode_jpeg,
    encode_mrc,
    text_mask,
)
from kiosk.devices.pipeline.pdf import build_pdf, write_pdf
from kiosk.devices.pipeline.process import (
    Component,
    PagePipeline,
    PipelineOptions,
    ProcessedPage,
    process_page,
)
from kiosk.devices.pipeline.store import store_component
from kiosk.storage.files import FileStore

DPI = 150
needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm")


@pytest.fixture(scope="module")
def letter() -> np.ndarray:
    return samples.letter_page(DPI)[0]


@pytest.fixture(scope="module")
def plain() -> np.ndarray:
    return samples.gray_letter(DPI)[0]


@pytest.fixture(scope="module")
def processed(letter: np.ndarray, plain: np.ndarray) -> dict[str, ProcessedPage]:
    pages = {
        "letter": letter,
        "plain": plain,
        "skewed": samples.skewed_on_background(letter, 4.0, DPI),
        "rotated": samples.rotated_in_place(plain, -2.5),
        "blank": samples.blank_with_bleed(DPI),
        "photo": samples.photo_page(DPI),
    }
    return {name: process_page(image, DPI, n) for n, (name, image) in enumerate(pages.items())}


def render(pdf: bytes, tmp_path: Path, dpi: int = DPI, page: int = 1) -> np.ndarray:
    src = tmp_path / "in.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png",
                    str(src), str(tmp_path / "r")], check=True, timeout=60)
    (out,) = tmp_path.glob("r-*.png")
    image = np.asarray(Image.open(out).convert("RGB"))
    out.unlink()
    return image


def red_pixels(rgb: np.ndarray) -> int:
    r, g, b = (rgb[:, :, i].astype(int) for i in range(3))
    return int(((r > 120) & (r - g > 60) & (r - b > 60)).sum())


def test_letter_with_red_seal_keeps_colour_as_mrc(processed: dict[str, ProcessedPage]) -> None:
    page = processed["letter"]
    assert page.facts.color and not page.facts.blank and not page.facts.photo
    assert page.encoded.encoding == "mrc"


def test_black_and_white_letter_is_g4(processed: dict[str, ProcessedPage]) -> None:
    page = processed["plain"]
    assert not page.facts.color and page.encoded.encoding == "g4"
    (layer,) = page.encoded.layers
    assert layer.filter == "CCITTFaxDecode" and layer.bits == 1


def test_skewed_sheet_on_a_dark_feeder_is_cropped_and_straightened(
    processed: dict[str, ProcessedPage],
) -> None:
    page = processed["skewed"]
    assert page.facts.cropped
    assert abs(abs(page.facts.skew_degrees) - 4.0) < 0.5
    # The crop is the sheet: A4 proportions, no dark background band left.
    ratio = page.encoded.height / page.encoded.width
    assert abs(ratio - 297 / 210) < 0.02


def test_text_turned_on_a_white_flatbed_is_straightened(
    processed: dict[str, ProcessedPage],
) -> None:
    page = processed["rotated"]
    assert not page.facts.cropped
    assert abs(page.facts.skew_degrees - 2.5) <= 0.3


def test_estimated_skew_of_straight_text_is_zero(plain: np.ndarray) -> None:
    assert abs(estimate_skew(gray_of(plain), DPI)) <= 0.1


def test_blank_page_with_bleed_through_is_blank(processed: dict[str, ProcessedPage]) -> None:
    assert processed["blank"].facts.blank
    for name in ("letter", "plain", "skewed", "rotated", "photo"):
        assert not processed[name].facts.blank, name


def test_photo_page_is_jpeg(processed: dict[str, ProcessedPage]) -> None:
    page = processed["photo"]
    assert page.facts.photo and page.facts.color and page.encoded.encoding == "jpeg"


def test_gray_photo_is_grey_jpeg_not_g4() -> None:
    photo = gray_of(samples.photo_page(DPI))
    page = process_page(photo, DPI)
    assert page.encoded.encoding == "jpeg-gray"


def test_blank_pages_are_set_aside_and_can_be_restored(
    processed: dict[str, ProcessedPage],
) -> None:
    component = Component([processed["plain"], processed["blank"], processed["letter"]])
    assert [p.index for p in component.kept()] == [1, 0]
    assert [p.index for p in component.set_aside()] == [4]
    summary = component.summary(123)
    assert summary["pages"] == 2 and summary["blank_pages"] == 1
    assert [p["blank"] for p in summary["per_page"]] == [False, True, False]
    component.restore(4)
    assert len(component.kept()) == 3 and not component.set_aside()
    assert len(pikepdf.open(__import__("io").BytesIO(component.pdf())).pages) == 3


@needs_poppler
def test_g4_pdf_decodes_to_the_binarized_page(plain: np.ndarray, tmp_path: Path) -> None:
    encoded = encode_g4(plain, DPI)
    src = tmp_path / "g4.pdf"
    src.write_bytes(build_pdf([encoded]))
    # poppler decodes the embedded CCITT stream itself: an independent check of our G4.
    subprocess.run(["pdfimages", "-png", str(src), str(tmp_path / "img")], check=True,
                   timeout=60)
    (out,) = tmp_path.glob("img-*.png")
    decoded = np.asarray(Image.open(out).convert("L")) < 128
    expected = text_mask(gray_of(plain), DPI)
    assert np.array_equal(decoded, expected)
    # The text layer is finer than the page (TEXT_SCALE) and fills the page exactly.
    assert decoded.shape == (round(plain.shape[0] * TEXT_SCALE), round(plain.shape[1] * TEXT_SCALE))
    rendered = gray_of(render(src.read_bytes(), tmp_path, dpi=round(DPI * TEXT_SCALE))) < 128
    assert rendered.shape == decoded.shape and (rendered == decoded).mean() > 0.99


@needs_poppler
def test_mrc_pdf_keeps_the_red_seal_and_black_text(letter: np.ndarray, tmp_path: Path) -> None:
    encoded = encode_mrc(letter, DPI)
    rendered = render(build_pdf([encoded]), tmp_path)
    assert rendered.shape == letter.shape
    assert red_pixels(rendered) > 0.5 * red_pixels(letter)
    text_band = gray_of(rendered)[int(0.07 * DPI * 11.7):int(0.3 * DPI * 11.7)]
    assert (text_band < 100).mean() > 0.01  # dark text is there
    # Paper stays paper: the background layer does not darken the page.
    assert np.median(gray_of(rendered)) > 225


def test_mrc_is_much_smaller_than_jpeg_q60(letter: np.ndarray) -> None:
    assert encode_mrc(letter, DPI).nbytes * 3 < encode_jpeg(letter, DPI, 60).nbytes


def test_pdf_page_size_follows_the_dpi(plain: np.ndarray) -> None:
    pdf = pikepdf.open(__import__("io").BytesIO(build_pdf([encode_g4(plain, DPI)])))
    box = [float(v) for v in pdf.pages[0].MediaBox]
    assert abs(box[2] - 595.3) < 2 and abs(box[3] - 841.9) < 2  # A4 in points


def test_pdf_is_deterministic(plain: np.ndarray, tmp_path: Path) -> None:
    encoded = encode_g4(plain, DPI)
    assert build_pdf([encoded]) == build_pdf([encoded])
    out = tmp_path / "sub" / "c.pdf"
    assert write_pdf([encoded], out) == out.stat().st_size
    assert not list(out.parent.glob(".*tmp"))


def test_pipeline_processes_in_order_on_its_worker(letter: np.ndarray,
                                                   plain: np.ndarray) -> None:
    with PagePipeline(PipelineOptions(mrc=False)) as pipeline:
        pipeline.submit(plain, DPI)
        pipeline.submit(letter, DPI)
        pages = pipeline.results()
    assert [p.index for p in pages] == [0, 1]
    assert [p.encoded.encoding for p in pages] == ["g4", "jpeg"]  # MRC off → JPEG


def test_component_goes_to_the_file_store(processed: dict[str, ProcessedPage],
                                          tmp_path: Path) -> None:
    files = FileStore(tmp_path / "files")
    component = Component([processed["plain"], processed["blank"]])
    stored = store_component(files, component)
    pdf_path = files.path_for(stored["pdf_sha256"])
    assert pdf_path.read_bytes().startswith(b"%PDF-")
    assert stored["bytes"] == pdf_path.stat().st_size
    assert [p["in_pdf"] for p in stored["pages"]] == [True, False]
    thumb = files.path_for(stored["pages"][1]["thumbnail_sha256"])
    assert Image.open(thumb).format == "JPEG"  # the blank page's image is kept


@pytest.mark.parametrize(("kind", "blank"),
                         [("page-number", False), ("signature", False), ("dust", True)])
def test_blank_means_no_marks_not_little_ink(kind: str, blank: bool) -> None:
    page = process_page(samples.nearly_blank(kind, DPI), DPI)
    assert page.facts.blank is blank


def test_a_signature_alone_keeps_its_colour() -> None:
    page = process_page(samples.nearly_blank("signature", DPI), DPI)
    assert page.facts.color and not page.facts.blank and page.encoded.encoding == "mrc"


@pytest.mark.parametrize("axis", [0, 1])
def test_colour_fringes_of_a_misregistered_scanner_are_not_colour(axis: int) -> None:
    # A one-pixel shift of the red channel paints red/cyan edges on every black stroke.
    plain, _ = samples.gray_letter(200)
    fringed = plain.copy()
    fringed[:, :, 0] = np.roll(plain[:, :, 0], 1, axis=axis)
    assert not analyze(fringed, 200).color


def test_submit_waits_when_too_many_pages_are_pending(
    plain: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from kiosk.devices.pipeline import process

    gate, returned = threading.Event(), threading.Event()
    real = process.process_page

    def held(*args: object) -> ProcessedPage:
        gate.wait(60)  # the worker is "busy" until the test opens the gate
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(process, "process_page", held)
    with PagePipeline(max_pending=1) as pipeline:
        pipeline.submit(plain, DPI)

        def second() -> None:
            pipeline.submit(plain, DPI)
            returned.set()

        worker = threading.Thread(target=second)
        worker.start()
        assert not returned.wait(0.3)  # still waiting for a free slot
        gate.set()
        assert returned.wait(60)
        worker.join(60)
        assert [p.index for p in pipeline.results()] == [0, 1]


def test_a_sheet_fed_upside_down_is_turned(plain: np.ndarray) -> None:
    flipped = process_page(np.ascontiguousarray(plain[::-1, ::-1]), DPI)
    upright = process_page(plain, DPI)
    assert flipped.facts.turned == 180 and upright.facts.turned == 0
    # Turned back, it is the same page: the same text layer, bit for bit.
    assert flipped.encoded.layers[0].data == upright.encoded.layers[0].data


def test_pages_without_text_lines_are_never_turned(processed: dict[str, ProcessedPage]) -> None:
    assert processed["blank"].facts.turned == 0
    assert all(p.facts.turned == 0 for p in processed.values())
