"""Assembling a component's PDF from single-page PDFs, with the clerk's rotations.

At the counter each scanned page is kept as its own small PDF (already compressed by the
page pipeline) so that rotate / reorder / delete / rescan never re-encode anything and a
draft can reference every page by hash. At save, the pages are joined into one PDF per
dossier component; pikepdf copies the page objects unchanged. The result is PDF/A-2b
(:mod:`kiosk.pdfa`), ready to be signed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from kiosk.errors import InvalidInput
from kiosk.i18n import _


def merge_pages(pages: Sequence[tuple[bytes, int]]) -> bytes:
    """Join single- or multi-page PDFs; each entry is ``(pdf bytes, extra rotation°)``."""
    # Here, kiosk.pdfa too (it imports pikepdf): 30–300 ms at the app's start, and only
    # needed when a dossier is saved.
    import pikepdf

    from kiosk.pdfa import make_pdfa

    if not pages:
        raise InvalidInput(_("Thành phần hồ sơ chưa có trang nào."))
    out = pikepdf.Pdf.new()
    sources = []
    for data, rotation in pages:
        if rotation % 90:
            raise InvalidInput(_("Góc xoay {deg}° không hợp lệ.", deg=rotation))
        src = pikepdf.Pdf.open(io.BytesIO(data))
        sources.append(src)  # pages reference their source until the output is saved
        for page in src.pages:
            out.pages.append(page)
            added = out.pages[-1]
            current = int(added.obj.get("/Rotate", 0))
            total = (current + rotation) % 360
            if total:
                added.obj.Rotate = total
            elif "/Rotate" in added.obj:
                del added.obj["/Rotate"]
    make_pdfa(out)
    buf = io.BytesIO()
    out.save(buf, deterministic_id=True, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for src in sources:
        src.close()
    return buf.getvalue()


def page_count(data: bytes) -> int:
    import pikepdf

    with pikepdf.Pdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)
