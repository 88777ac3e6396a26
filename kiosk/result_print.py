"""The electronic result printed on the spot at hand-over (issue 24), with its QR.

The copy printed is the stored file (signed, PDF/A) with the QR drawn over its first page;
the stored file itself is never changed, so its signature stays valid. What the QR holds
and where it sits are the province's choice (TT 01/2023 leaves them open; [M]):
``results.qr_content`` (a pattern over the result's facts, by default its digitisation
code), ``results.qr_position`` (a corner) and ``results.qr_size_mm``. The code is printed
under the symbol so a person can type it where there is no reader.
"""

from __future__ import annotations

import io
from typing import Any

from kiosk.errors import InvalidInput
from kiosk.i18n import _
from kiosk.results_settings import QR_POSITIONS as POSITIONS

_MM = 72 / 25.4
_MARGIN_MM = 8.0


def qr_payload(pattern: str, result: dict[str, Any], record: dict[str, Any]) -> str:
    """What the QR of ``result`` holds, by ``results.qr_content``."""
    facts = {"code": result.get("code") or "", "dossier": record.get("code") or "",
             "kind": result.get("kind") or "", "number": result.get("number") or "",
             "issued": result.get("issued") or "", "sha256": result.get("sha256") or "",
             "unit": record.get("unit_code") or ""}
    return pattern.format(**facts)


def stamp_qr(pdf: bytes, payload: str, *, caption: str, position: str = "bottom-right",
             size_mm: float = 22.0) -> bytes:
    """``pdf`` with the QR of ``payload`` (and ``caption`` under it) over its first page."""
    import pikepdf
    from reportlab.pdfgen import canvas

    from kiosk.forms.barcodes import qr_matrix
    from kiosk.forms.fonts import REGULAR, register_fonts

    if position not in POSITIONS:
        raise InvalidInput(_("Vị trí mã QR «{value}» không hợp lệ.", value=position[:40]),
                           hint=", ".join(POSITIONS), field="results.qr_position")
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        box = [float(v) for v in doc.pages[0].mediabox]
        x0, y0, width, height = box[0], box[1], box[2] - box[0], box[3] - box[1]
        matrix = qr_matrix(payload)
        side, margin, text_h = size_mm * _MM, _MARGIN_MM * _MM, 7.0
        left = x0 + (margin if position.endswith("left") else width - margin - side)
        bottom = y0 + (margin + text_h if position.startswith("bottom")
                       else height - margin - side)
        register_fonts()
        out = io.BytesIO()
        c = canvas.Canvas(out, pagesize=(width + x0, height + y0))
        cell = side / (len(matrix) + 8)  # a quiet zone of four modules on each side
        c.setFillColorRGB(1, 1, 1)
        c.rect(left, bottom - text_h, side, side + text_h, stroke=0, fill=1)
        c.setFillColorRGB(0, 0, 0)
        for r, row in enumerate(matrix):
            for k, dark in enumerate(row):
                if dark:
                    c.rect(left + (k + 4) * cell, bottom + side - (r + 5) * cell, cell, cell,
                           stroke=0, fill=1)
        c.setFont(REGULAR, 5.5)
        c.drawCentredString(left + side / 2, bottom - text_h + 1.5, caption[:60])
        c.showPage()
        c.save()
        with pikepdf.open(io.BytesIO(out.getvalue())) as overlay:
            doc.pages[0].add_overlay(overlay.pages[0],
                                    pikepdf.Rectangle(0, 0, width + x0, height + y0))
            result = io.BytesIO()
            doc.save(result)
    return result.getvalue()


def printable(store: Any, result: dict[str, Any], record: dict[str, Any]) -> bytes:
    """The copy of ``result`` to print: its stored file with the QR on the first page."""
    config = store.config
    payload = qr_payload(str(config.get("results.qr_content")), result, record)
    return stamp_qr(store.files.read(result["sha256"]), payload,
                    caption=_("Mã số hoá: {code}", code=result.get("code") or ""),
                    position=str(config.get("results.qr_position")),
                    size_mm=float(config.get("results.qr_size_mm")))


def print_results(store: Any, record: dict[str, Any], results: list[dict[str, Any]],
                  printer: Any) -> list[dict[str, Any]]:
    """Print each result's copy on ``printer`` (a :class:`kiosk.devices.printer.Printer`);
    a refusal of the print system stops here, before anything is recorded."""
    name = str(store.config.get("printer.name")) or None
    jobs = []
    for result in results:
        job = printer.submit(printable(store, result, record), printer=name, media="A4",
                             title=f"{record['code']} {result.get('code') or ''}".strip())
        jobs.append({"result": result["id"], **job.to_json()})
    return jobs
