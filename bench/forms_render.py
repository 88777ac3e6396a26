"""Milliseconds per rendered form (median of N), with a baseline page in the same process.

    .venv/bin/python bench/forms_render.py [--n 50]

Baseline: a one-line A4 page in the same font (the fixed cost of a reportlab PDF with an
embedded TrueType subset). The QR rows compare our segno-matrix drawing with reportlab's
own QR widget, the known cost the issue warns about.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from kiosk.forms import BookContext, BookRow, fonts, render_book, render_form
from kiosk.forms.barcodes import draw_qr, qr_matrix
from tests.forms.helpers import CODE, UNIT, realistic_context


def median_ms(fn: Callable[[], object], n: int) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds: on a shared, loaded machine the CPU time of
    this process is the steadier figure, the wall clock what a clerk would wait."""
    fn()  # warm-up: font parsing and module imports are paid once per process
    wall, cpu = [], []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def baseline() -> bytes:
    fonts.register_fonts()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    c.setFont(fonts.REGULAR, 11)
    c.drawString(72, 760, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    c.showPage()
    c.save()
    return buf.getvalue()


def qr_segno() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    draw_qr(c, qr_matrix(CODE), 100, 100, 80)
    c.showPage()
    c.save()
    return buf.getvalue()


def qr_reportlab() -> bytes:
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    widget = QrCodeWidget(CODE, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    d = Drawing(80, 80, transform=[80 / (x2 - x1), 0, 0, 80 / (y2 - y1), 0, 0])
    d.add(widget)
    renderPDF.draw(d, c, 100, 100)
    c.showPage()
    c.save()
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=50)
    n = ap.parse_args().n
    ctx = realistic_context()
    start = ctx.received_at
    rows = tuple(BookRow(code=f"000.00.04.H40-261124-1{i:03d}", procedure_name="Đăng ký khai sinh",
                         applicant_name=f"Nguyễn Văn {i}", received_at=start + timedelta(
                             minutes=5 * i), due_at=start + timedelta(days=1))
                 for i in range(1, 61))
    book = BookContext(UNIT, date(2026, 11, 24), date(2026, 11, 24), rows)
    cases: list[tuple[str, Callable[[], object]]] = [
        ("baseline: one-line A4 page", baseline),
        ("Mẫu 01 receipt, A4", lambda: render_form(ctx, "01")),
        ("Mẫu 01 receipt, 80 mm thermal", lambda: render_form(ctx, "01", paper="thermal")),
        ("Mẫu 02 supplement request", lambda: render_form(ctx, "02")),
        ("Mẫu 06 control slip", lambda: render_form(ctx, "06")),
        ("Mẫu 07 tracking book, 60 rows", lambda: render_book(book)),
        ("QR only: zxing-cpp matrix → one path", qr_segno),
        ("QR only: reportlab QrCodeWidget", qr_reportlab),
    ]
    base = None
    print(f"{'case':40} {'wall ms':>8} {'cpu ms':>8} {'cpu × baseline':>15}   (n={n})")
    for name, fn in cases:
        wall, cpu = median_ms(fn, n)
        base = base or cpu
        print(f"{name:40} {wall:8.1f} {cpu:8.1f} {cpu / base:15.1f}")

if __name__ == "__main__":
    main()
