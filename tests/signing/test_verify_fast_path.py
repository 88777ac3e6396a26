"""A file pikepdf reads cleanly without a form is not parsed again by pyHanko's reader.

The central server checks every uploaded PDF page; for a plain scan most of that check was
pyHanko reading the whole file a second time to find that it has no signature fields. The
verdict must not depend on the shortcut: for every kind of file below, ``verify_pdf`` gives
the same verdict as the thorough path, and only a file that cannot hold a signature (no
``/AcroForm``, no ``/Perms``, read without a warning) takes the shortcut.
"""

from __future__ import annotations

import io
import re

import pikepdf
import pytest

from kiosk.pdfa import implausible_xref, inspect_pdf
from kiosk.signing.verify import verify_pdf
from kiosk.text_layer import layered_prefix
from tests.signing.helpers import scan_pdf, signed_in_memory, tampered, trust_roots
from tests.signing.pki import Issued, issue, make_ca


@pytest.fixture(scope="module")
def ca_and_signer() -> tuple[Issued, Issued]:
    ca = make_ca()
    return ca, issue(ca, "Nguyễn Văn Ký")


def _with_empty_form(data: bytes) -> bytes:
    with pikepdf.Pdf.open(io.BytesIO(data)) as pdf:
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array())
        buf = io.BytesIO()
        pdf.save(buf)
    return buf.getvalue()


def _broken_xref(data: bytes) -> bytes:
    # A wrong startxref: qpdf repairs it (with a warning), so the shortcut must not apply.
    at = data.rindex(b"startxref")
    return data[:at] + b"startxref\n12\n%%EOF\n"


def test_verdicts_equal_with_and_without_the_shortcut(ca_and_signer: tuple[Issued, Issued]
                                                      ) -> None:
    ca, who = ca_and_signer
    plain = scan_pdf("Tờ khai đăng ký khai sinh")
    signed = signed_in_memory(plain, who, ca)
    files = {
        "plain scan": (plain, False),
        "signed scan": (signed, True),
        "signed then altered": (tampered(signed), True),
        "signed by a stranger": (signed_in_memory(plain, issue(make_ca("Lạ"), "Người lạ"), ca), True),
        "an empty form": (_with_empty_form(plain), True),
        "a broken cross-reference": (_broken_xref(plain), True),
        "random bytes": (b"%PDF-1.4\n" + bytes(range(256)) * 40, True),
    }
    for name, (data, may_be_signed) in files.items():
        assert inspect_pdf(data).may_be_signed is may_be_signed, name
        assert layered_prefix(data) is None, name
        quick, thorough = verify_pdf(data, trust_roots(ca)), verify_pdf(data, trust_roots(ca),
                                                                    thorough=True)
        assert quick == thorough, name
    assert verify_pdf(signed, trust_roots(ca))["valid"] is True
    assert verify_pdf(tampered(signed), trust_roots(ca))["intact"] is False
    assert verify_pdf(plain, trust_roots(ca))["signed"] is False
    assert verify_pdf(plain, trust_roots(ca))["pdfa"] is True


def test_a_cross_reference_larger_than_the_file_is_refused_before_pyhanko_reads_it() -> None:
    """Found by tests/fuzz/test_fuzz_pdf_verdicts.py: ``/Size 2147483648`` in a scan's
    cross-reference stream made pyHanko's reader walk 2^31 entries (17 GB of memory before
    it was stopped), in the central server's check of an uploaded page too."""
    plain = scan_pdf("Tờ khai")
    assert implausible_xref(plain) is None
    size = re.search(rb"/Size (\d+)", plain)
    assert size is not None
    huge = plain[:size.start(1)] + b"2147483648" + plain[size.end(1):]
    assert implausible_xref(huge) == f"cross-reference of 2147483648 entries in a file of " \
                                     f"{len(huge)} bytes"
    for thorough in (False, True):
        verdict = verify_pdf(huge, thorough=thorough)
        assert verdict["signed"] is False and verdict["problem"].startswith("unreadable PDF")
    table = b"%PDF-1.4\nxref\n0 99999999\n0000000000 65535 f \ntrailer\n<< /Size 3 >>\n"
    assert implausible_xref(table) is not None
    index = b"<< /Type /XRef /Index [0 5 10 4000000000] /Size 12 >>"
    assert implausible_xref(index) is not None
    assert implausible_xref(b"<< /Type /XRef /Index [0 5 10 2] /Size 12 >>") is None
