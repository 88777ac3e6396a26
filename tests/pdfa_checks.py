"""PDF/A-2b checks shared by the tests of every PDF the counter writes.

No full validator installs here: veraPDF is a Java application published on Maven Central
and its own site, neither of which this project's registries (PyPI, Debian, npm) reach, and
no package there ships it. So each file is checked for what PDF/A-2b asks of our kind of
document, two ways: the project's :func:`kiosk.pdfa.pdfa_problems`, and independently with
pikepdf (XMP identification, the output intent) and poppler's ``pdffonts`` (every font
embedded, none of reportlab's standard Helvetica).
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import pikepdf

from kiosk.pdfa import pdfa_problems, srgb_icc


def fonts_of(data: bytes) -> list[tuple[str, bool]]:
    """(font name, embedded) for every font ``pdffonts`` lists."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(data)
        tmp.flush()
        lines = subprocess.run(["pdffonts", tmp.name], check=True, capture_output=True,
                               text=True).stdout.splitlines()[2:]
    out = []
    for line in lines:
        name = line.split()[0]
        # Columns after the name: type (may hold a space), encoding, emb, sub, uni, id.
        emb = line.split()[-5]
        out.append((name, emb == "yes"))
    return out


def assert_pdfa_2b(source: bytes | Path) -> None:
    data = source.read_bytes() if isinstance(source, Path) else source
    assert pdfa_problems(data) == []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        meta = pdf.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("2", "B")
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1"
        assert intent.DestOutputProfile.read_bytes() == srgb_icc()
        assert int(intent.DestOutputProfile.N) == 3
        info = pdf.trailer.get("/Info")
        if info is not None and "/Title" in info:
            assert str(meta["dc:title"]) == str(info.Title)  # Info and XMP agree
    fonts = fonts_of(data)
    assert all(embedded for _name, embedded in fonts), fonts
    assert not any("Helvetica" in name for name, _e in fonts), fonts
