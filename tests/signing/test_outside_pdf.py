"""A PDF made elsewhere and attached with ``kiosk dossier new --attach``: converted to
PDF/A-2b when that keeps every page as it was, else stored as it is, flagged on its page
record, and ``kiosk verify`` says so with exit code 3 (signature fine, not PDF/A)."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from kiosk.forms import fonts
from kiosk.pdfa import conform, pdfa_problems
from kiosk.storage import Store
from tests.forms.helpers import rasterize
from tests.pdfa_checks import assert_pdfa_2b
from tests.signing.conftest import Pki
from tests.signing.pki import USER_PIN
from tests.signing.test_cli import configured, kiosk  # noqa: F401 - the fixture


def _office_pdf(*, embedded: bool) -> bytes:
    """A one-page letter as office software makes it: no PDF/A identification; the text in
    the bundled TrueType font (embedded) or in the standard Helvetica (not embedded)."""
    fonts.register_fonts()
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(595, 842), invariant=True,
                    initialFontName=fonts.REGULAR if embedded else "Helvetica")
    canvas.setFont(fonts.REGULAR if embedded else "Helvetica", 14)
    canvas.drawString(72, 760, "Giay uy quyen" if not embedded else "Giấy ủy quyền")
    canvas.setFillColorRGB(0.8, 0.1, 0.1)
    canvas.rect(72, 600, 200, 100, fill=1)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def test_conversion_keeps_every_pixel(tmp_path: Path) -> None:
    original = _office_pdf(embedded=True)
    assert pdfa_problems(original)  # no identification, no intent
    result = conform(original)
    assert result.pdfa and result.converted and result.problems == ()
    assert_pdfa_2b(result.data)
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    a.write_bytes(original)
    b.write_bytes(result.data)
    pa = np.asarray(Image.open(rasterize(a, 100)[0]).convert("RGB"))
    pb = np.asarray(Image.open(rasterize(b, 100)[0]).convert("RGB"))
    assert pa.shape == pb.shape and (pa == pb).all()
    # Already PDF/A-2b: kept byte for byte.
    again = conform(result.data)
    assert (again.pdfa, again.converted, again.data) == (True, False, result.data)


def test_a_file_that_cannot_be_converted_faithfully_is_kept_and_flagged() -> None:
    original = _office_pdf(embedded=False)
    result = conform(original)
    assert not result.pdfa and not result.converted and result.data == original
    assert "font not embedded: /Helvetica" in result.problems
    # CMYK colour against the sRGB intent: the same.
    buf = io.BytesIO()
    canvas = Canvas(buf, initialFontName=fonts.REGULAR)
    canvas.setFillColorCMYK(0, 1, 0, 0)
    canvas.rect(10, 10, 50, 50, fill=1)
    canvas.showPage()
    canvas.save()
    assert any("DeviceCMYK" in p for p in conform(buf.getvalue()).problems)


def test_attach_converts_or_flags_and_verify_says_so(configured: Pki,  # noqa: F811
                                                     tmp_path: Path) -> None:
    good, bad = tmp_path / "uy-quyen.pdf", tmp_path / "giay-chung-sinh.pdf"
    good.write_bytes(_office_pdf(embedded=True))
    bad.write_bytes(_office_pdf(embedded=False))
    r = kiosk("dossier", "new", "--procedure", "1.001193", "--name", "Đinh Thị Huyền",
              "--attach", f"TK={good}", "--attach", f"GCS={bad}", pin=USER_PIN)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    lines = {line["component"]: line for line in out["attached"]}
    assert (lines["TK"]["pdfa"], lines["TK"]["converted"]) == (True, True)
    assert (lines["GCS"]["pdfa"], lines["GCS"]["converted"]) == (False, False)
    assert "font not embedded: /Helvetica" in lines["GCS"]["pdfa_problems"]
    assert "không đạt PDF/A-2b" in r.stderr and "giay-chung-sinh.pdf" in r.stderr
    assert out["signing"]["signed"] == 2

    show = kiosk("dossier", "show", out["code"])
    record = json.loads(show.stdout)
    pages = {c["code"]: c["pages"] for c in record["components"] if c["pages"]}
    assert pages["TK"][0]["pdfa"] is True and "pdfa_problems" not in pages["TK"][0]
    assert pages["GCS"][0]["pdfa"] is False
    assert "font not embedded: /Helvetica" in pages["GCS"][0]["pdfa_problems"]
    # The scans this counter makes carry no such flag: nothing to report.
    assert all("pdfa" not in p for c in record["components"] for p in c["pages"]
               if c["code"] not in ("TK", "GCS"))

    with Store(orphan_grace_seconds=None) as store:
        tk = store.file_path(pages["TK"][0]["sha256"])
        gcs = store.file_path(pages["GCS"][0]["sha256"])
    # Stored as it was, signed as an incremental update: the original bytes come first.
    assert gcs.read_bytes().startswith(bad.read_bytes())
    assert hashlib.sha256(gcs.read_bytes()).hexdigest() == pages["GCS"][0]["sha256"]
    assert_pdfa_2b(tk.read_bytes())

    ok = kiosk("verify", str(tk), "--trust", str(configured.ca_pem))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    flagged = kiosk("verify", str(gcs), "--trust", str(configured.ca_pem))
    verdict = json.loads(flagged.stdout)
    assert flagged.returncode == 3, flagged.stdout + flagged.stderr
    assert (verdict["signed"], verdict["valid"], verdict["intact"], verdict["pdfa"]) == (
        True, True, True, False)
    assert set(verdict) >= {"signed", "valid", "intact", "signer", "signed_at", "pdfa",
                            "timestamped", "signatures", "revocation", "pdfa_problems"}
    assert "không đạt PDF/A-2b" in flagged.stderr
    assert "Traceback" not in flagged.stderr
    with pikepdf.open(gcs) as pdf:  # the original content, untouched
        assert "/OutputIntents" not in pdf.Root
    subprocess.run(["pdftotext", str(gcs), "-"], check=True, capture_output=True)
