"""Separator sheets: a printed sheet with one Code128 that ends a document in a feeder pass.

Document-capture software splits a batch at patch or barcode sheets; ours carries the text
:data:`SEPARATOR_TEXT`, printed by ``kiosk separator --out FILE.pdf``. A blank sheet works
too (the page pipeline flags it); the barcode sheet also works in duplex and next to
documents with blank backs.
"""

from __future__ import annotations

from typing import Any

SEPARATOR_TEXT = "KIOSK-TACH-HO-SO"


def is_separator(image: Any) -> bool:
    """Whether a scanned page is a separator sheet (runs in the page pipeline process)."""
    from kiosk.devices.barcode.decode import ImageDecoder

    # The plain look only: a separator is printed large and straight, and most pages of a
    # dossier have no code at all, so retries would cost time on every page for nothing.
    found = ImageDecoder(("Code128",), engines=("zxing",), retries=False).decode(image)
    return any(d.text == SEPARATOR_TEXT for d in found)
