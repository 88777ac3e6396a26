"""Fuzzing the signature and PDF/A check of a PDF (``kiosk verify``, the server's check of
every uploaded page): a plain scan and a signed one, havoc-mutated and cut in the places a
PDF reader follows (the ``startxref`` offset, the cross-reference, the trailer, a signature's
byte range), which byte havoc alone rarely hits.

Properties: :func:`kiosk.signing.verify.verify_pdf` answers a verdict, never an exception
(a wrong ``startxref`` made pyHanko's reader raise ``AssertionError``: "Lỗi không mong đợi"
in the CLI); the verdict is the same with and without the shortcut that skips pyHanko's
reader for a file pikepdf read cleanly without a form (but for the reader's complaint about
a checksum qpdf tolerates, on a file that cannot hold a signature); a damaged signed file
is never called valid.
"""

from __future__ import annotations

import random
import re

from hypothesis import given
from hypothesis import strategies as st

from kiosk.pdfa import inspect_pdf
from kiosk.signing.verify import verify_pdf
from tests.fuzz import budget
from tests.fuzz.mutate import INTERESTING_32, havoc_bytes
from tests.signing.helpers import scan_pdf, signed_in_memory, trust_roots
from tests.signing.pki import issue, make_ca

CA = make_ca()
PLAIN = scan_pdf("Giấy khai sinh")
SIGNED = signed_in_memory(PLAIN, issue(CA, "Nguyễn Văn Ký"), CA)
TRUST = trust_roots(CA)
#: Where a reader jumps by number: each is a place to put a wrong number.
NUMBERS = re.compile(rb"(startxref\s+|/Prev\s+|/ByteRange\s*\[\s*|/Length\s+|/Size\s+)(\d+)")


def structural(seed: bytes, rng: random.Random) -> bytes:
    """One edit where a reader trusts the file: a number it follows, or a cut."""
    spots = list(NUMBERS.finditer(seed))
    if spots and rng.random() < 0.7:
        m = rng.choice(spots)
        value = rng.choice([0, 1, 12, len(seed), len(seed) + 1, int(m.group(2)) + 1,
                            int(m.group(2)) - 1, rng.choice(INTERESTING_32)])
        return seed[:m.start(2)] + str(value).encode() + seed[m.end(2):]
    cut = rng.randrange(1, len(seed))
    return seed[:cut] if rng.random() < 0.5 else seed[:cut] + seed[cut + rng.randint(1, 64):]


def _check(data: bytes) -> None:
    quick = verify_pdf(data, TRUST)
    assert isinstance(quick, dict) and quick["signed"] in (True, False)
    thorough = verify_pdf(data, TRUST, thorough=True)
    if thorough != quick:
        # The one difference allowed: pyHanko's reader is stricter than qpdf about a
        # compressed stream's checksum. A file qpdf read whole, without a warning and
        # without a form, holds no signature either way; only the reader's complaint
        # differs, and an unsigned file is not flagged for it.
        assert not inspect_pdf(data).may_be_signed
        assert not quick["signed"] and not thorough["signed"]
        assert str(thorough.pop("problem")).startswith("unreadable PDF")
        assert thorough == quick
    if data != SIGNED and quick["valid"]:
        # Only an intact file keeps a valid signature: a change is refused or left outside
        # the signed bytes (pyHanko's coverage check says which).
        assert quick["intact"]


@budget.settings_for(0.3)
@given(st.sampled_from([PLAIN, SIGNED]), st.integers(0, 2**63).map(random.Random))
def test_mutated_pdfs_get_a_verdict_never_an_exception(seed: bytes, rng: random.Random) -> None:
    n = budget.batch(6)
    for data in havoc_bytes(seed, rng, n):
        _check(data)
    for _ in range(n):
        _check(structural(seed, rng))
