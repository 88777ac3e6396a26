"""The invisible text layer (issue 24 §4) with real Tesseract on rendered Vietnamese pages:
a signed PDF/A component gets a copy that is the signed bytes plus one revision; the copy is
still PDF/A-2b, its signature still verifies (pdfsig's text and pyHanko), the words are
where they are on the page (``pdftotext -bbox``) and the page looks the same (``pdftoppm``
renders compared pixel for pixel). The stored file, its sha256 and the outbox stay as they
were. Bad files are skipped with their reason and never hold up the queue."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
from PIL import Image, ImageChops

from kiosk import ocr
from kiosk.devices.pipeline.encode import encode_jpeg
from kiosk.devices.pipeline.pdf import build_pdf
from kiosk.documents import merge_pages
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput, Store, texts
from kiosk.text_layer import layered_prefix
from tests.ocr.test_ocr_search import FONT, LINES, kiosk
from tests.pdfa_checks import assert_pdfa_2b
from tests.signing.pki import issue, make_ca

pytestmark = pytest.mark.skipif(not ocr.available(), reason="tesseract-ocr-vie not installed")


def page_image(lines: list[str], dpi: int) -> Image.Image:
    from PIL import ImageDraw, ImageFont

    img = Image.new("RGB", (int(8.27 * dpi), int(11.69 * dpi)), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), size=int(dpi * 0.17))
    for n, line in enumerate(lines):
        draw.text((dpi, dpi + n * int(dpi * 0.35)), line, fill=(10, 10, 10), font=font)
    return img


def component_pdf(img: Image.Image, dpi: int, rotate: int = 0) -> bytes:
    return merge_pages([(build_pdf([encode_jpeg(np.asarray(img), dpi)]), rotate)])


def sign(data: bytes, root: Path) -> tuple[bytes, Path]:
    """A PAdES signature as the token makes it (pyHanko, incremental), by a test CA."""
    from asn1crypto import keys, x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    ca = make_ca()
    clerk = issue(ca, "Nguyễn Thị Cán Bộ")
    signer = signers.SimpleSigner(signing_cert=x509.Certificate.load(clerk.cert_der),
                                  signing_key=keys.PrivateKeyInfo.load(clerk.key_der),
                                  cert_registry=None)
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data), strict=False),
                           signers.PdfSignatureMetadata(
                               field_name="KioskSignature1", md_algorithm="sha256",
                               subfilter=fields.SigSeedSubFilter.PADES), signer=signer)
    ca_pem = root / "ca.pem"
    ca_pem.write_bytes(ca.cert_pem)
    return out.getvalue(), ca_pem


def save(store: Store, pdf: bytes, name: str = "Trần Văn Quý") -> tuple[str, str]:
    sha = store.put_file(pdf)
    saved = store.save_dossier(DossierInput(
        "1.004222", ApplicantInput(name, id_number="001158024485"),
        components=[ComponentInput("Giấy tờ chứng minh chỗ ở hợp pháp", code="CO",
                                   pages=[PageInput(sha, "application/pdf")])]), actor="canbo")
    return saved.code, sha


def words_bbox(pdf: Path) -> list[tuple[str, float, float, float, float]]:
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    return [(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        html)]


def render(pdf: Path, dpi: int = 72) -> Image.Image:
    png = subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(pdf)],
                         check=True, capture_output=True).stdout
    return Image.open(io.BytesIO(png)).convert("RGB")


def outbox_rows(store: Store) -> list[Any]:
    return store.read(lambda db: db.execute(
        "SELECT o.id, o.payload, b.sha256 FROM outbox o LEFT JOIN outbox_blobs b "
        "ON b.operation_id = o.id ORDER BY o.id, b.sha256").fetchall())


@pytest.mark.parametrize("dpi", [200, 300])
def test_a_signed_scan_gets_an_invisible_text_layer_and_stays_signed_and_pdfa(
        kiosk_home: Path, tmp_path: Path, dpi: int) -> None:
    signed, ca_pem = sign(component_pdf(page_image(LINES, dpi), dpi), tmp_path)
    assert_pdfa_2b(signed)
    with Store(orphan_grace_seconds=None) as store:
        code, sha = save(store, signed)
        outbox_before = outbox_rows(store)
    run = kiosk("ocr", "run")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"read": 1, "waiting": 0, "layered": 1, "skipped": []}
    out = tmp_path / "co-lop-chu.pdf"
    shown = kiosk("ocr", "show", sha, "--out", str(out))
    assert shown.returncode == 0, shown.stderr
    info = json.loads(shown.stdout)
    layered = out.read_bytes()
    assert info["layered_sha256"] == hashlib.sha256(layered).hexdigest() != sha
    # The signed file is the copy's first bytes, and it is still what the record names.
    assert layered[:len(signed)] == signed and layered_prefix(layered) == len(signed)
    with Store(orphan_grace_seconds=None) as store:
        record = store.get_dossier(code)
        assert record["components"][0]["pages"][0]["sha256"] == sha
        assert store.files.read(sha) == signed
        assert outbox_rows(store) == outbox_before  # nothing new to send
    assert_pdfa_2b(layered)

    # pdfsig exits 0 whatever it finds: its words are the verdict.
    report = subprocess.run(["pdfsig", str(out)], capture_output=True, text=True).stdout
    assert "Signature Validation: Signature is Valid." in report, report
    assert f"[{0} - " in report and f" - {len(signed)}]" in report, report
    assert "Not total document signed" in report  # the layer is after the signed revision
    prefix = tmp_path / "signed.pdf"
    prefix.write_bytes(layered[:len(signed)])
    whole = subprocess.run(["pdfsig", str(prefix)], capture_output=True, text=True).stdout
    assert "Total document signed" in whole and "Signature is Valid." in whole

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    from kiosk.signing.verify import _context, load_trust, verify_pdf

    trust = load_trust(ca_pem)
    [embedded] = PdfFileReader(io.BytesIO(layered), strict=False).embedded_signatures
    status = validate_pdf_signature(embedded, _context(trust))
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    verdict = verify_pdf(layered, trust)
    assert verdict["valid"] and verdict["intact"] and verdict["pdfa"], verdict
    assert verdict["text_layer"] == {"signed_bytes": len(signed)}
    assert verdict["signer"] == "Nguyễn Thị Cán Bộ"
    cli = kiosk("verify", str(out), "--trust", str(ca_pem))
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["text_layer"] == {"signed_bytes": len(signed)}

    # The words are in the file, where they are on the page: the first line starts one
    # inch (72 pt) from the left and the top, each line 0.35 inch below the one before.
    words = words_bbox(out)
    text = " ".join(w for w, *_ in words)
    assert "HỢP ĐỒNG THUÊ NHÀ" in text and "Thường Tín" in text, text
    first = next(w for w in words if w[0] == "CỘNG")
    assert abs(first[1] - 72) < 3 and abs(first[2] - 72) < 6, first
    contract = next(w for w in words if w[0] == "HỢP")
    assert abs(contract[1] - 72) < 3 and abs(contract[2] - (72 + 2 * 0.35 * 72)) < 6, contract
    # And the page looks exactly as before: the layer paints nothing.
    assert ImageChops.difference(render(prefix), render(out)).getbbox() is None


@pytest.mark.parametrize("where", ["page", "page tree"])
def test_a_turned_page_gets_its_words_where_they_are_shown(kiosk_home: Path, tmp_path: Path,
                                                            where: str) -> None:
    """A page stored on its side and shown upright (/Rotate 90, as the intake's turn
    button does, or inherited from the page tree as other producers write it): Tesseract
    reads the upright rendering, the layer is turned back."""
    dpi = 200
    sideways = page_image(LINES, dpi).rotate(90, expand=True)  # counter-clockwise
    pdf = component_pdf(sideways, dpi, rotate=90)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert int(doc.pages[0].obj.Rotate) == 90
        if where == "page tree":
            del doc.pages[0].obj["/Rotate"]
            doc.Root.Pages.Rotate = 90
            buf = io.BytesIO()
            doc.save(buf)
            pdf = buf.getvalue()
    with Store(orphan_grace_seconds=None) as store:
        _code, sha = save(store, pdf)
    assert json.loads(kiosk("ocr", "run").stdout)["layered"] == 1
    out = tmp_path / "xoay.pdf"
    assert kiosk("ocr", "show", sha, "--out", str(out)).returncode == 0
    words = words_bbox(out)
    first = next(w for w in words if w[0] == "CỘNG")
    assert abs(first[1] - 72) < 3 and abs(first[2] - 72) < 6, first
    before = tmp_path / "before.pdf"
    before.write_bytes(pdf)
    assert ImageChops.difference(render(before), render(out)).getbbox() is None


def encrypted_pdf() -> bytes:
    buf = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(595, 842))
        pdf.save(buf, encryption=pikepdf.Encryption(owner="o", user="u"))
    return buf.getvalue()


def empty_pdf() -> bytes:
    buf = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.save(buf)
    return buf.getvalue()


def huge_page_pdf() -> bytes:
    """One page of 200 × 200 inches (the largest PDF allows): 3.6 billion pixels at 300 dpi."""
    buf = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(14400, 14400))
        pdf.save(buf)
    return buf.getvalue()


def test_bad_files_are_skipped_with_their_reason_and_the_good_one_is_read(
        kiosk_home: Path) -> None:
    with Store(orphan_grace_seconds=None) as store:
        good_code, _good = save(store, component_pdf(page_image(LINES, 200), 200))
        # Saved after the good one: read first (newest first), and must not stop the queue.
        bad = {what: save(store, make(), name)[1] for what, make, name in (
            ("encrypted", encrypted_pdf, "Lê Thị Mai"), ("empty", empty_pdf, "Lò Văn Páo"),
            ("huge", huge_page_pdf, "Hà Thị Hoa"))}
    run = kiosk("ocr", "run")
    assert run.returncode == 0, run.stderr
    outcome = json.loads(run.stdout)
    assert outcome["read"] == 4 and outcome["waiting"] == 0 and outcome["layered"] == 1
    reasons = {s["sha256"]: s["reason"] for s in outcome["skipped"]}
    assert "mã hoá" in reasons[bad["encrypted"]]
    assert "không có trang" in reasons[bad["empty"]]
    assert "Trang quá lớn, không đọc: 1" in reasons[bad["huge"]]
    with Store(orphan_grace_seconds=None) as store:
        for sha in bad.values():
            layer = store.read(lambda db, s=sha: texts.layer_of(db, s))
            assert layer is not None and layer["layered_sha256"] is None and layer["skipped"]
    found = kiosk("search", "--text", "hop dong thue nha")
    assert [json.loads(line)["code"] for line in found.stdout.splitlines()] == [good_code]
    # Nothing is retried for ever: the next run has nothing to do.
    assert json.loads(kiosk("ocr", "run").stdout)["read"] == 0
    shown = kiosk("ocr", "show", bad["empty"], "--out", str(kiosk_home / "x.pdf"))
    assert shown.returncode != 0 and "không có bản có lớp chữ" in shown.stderr
    assert "Traceback" not in shown.stderr
