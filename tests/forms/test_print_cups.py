"""Printing through a real CUPS daemon with a cups-pdf queue, then reading the printed file."""

from __future__ import annotations

import shutil
import struct
import subprocess
import threading
from pathlib import Path

import httpx
import pytest

from kiosk.devices.printer import ipp
from kiosk.devices.printer.base import PrinterInfo, media_for
from kiosk.devices.printer.cups import CupsPrinter
from kiosk.devices.printer.fake import FakePrinter
from kiosk.devices.printer.service import PrintService
from kiosk.errors import DeviceError, NotFound
from kiosk.forms import render_form
from tests.forms.cups_server import CupsServer
from tests.forms.helpers import CODE, DUE_TEXT, NAME, decode, pdf_text, rasterize, realistic_context


def _page_size_pt(pdf: Path) -> tuple[float, float]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True,
                         text=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("Page size:"))
    w, _x, h = line.split(":", 1)[1].split()[:3]
    return float(w), float(h)


@pytest.mark.parametrize("paper", ["a4", "thermal"])
def test_receipt_printed_through_cups_decodes(cups: CupsServer, tmp_path: Path,
                                              paper: str) -> None:
    form = render_form(realistic_context(), "01", paper=paper)
    printer = CupsPrinter(cups.socket)
    service = PrintService(printer)
    try:
        job = service.print_form(form, code=CODE).result(timeout=60)
        assert job.printer == "KioskPDF"
        assert job.media == ("A4" if paper == "a4" else media_for("thermal", form.height_mm))
        status = printer.wait(job.job_id, timeout=60)
        assert status.state == "completed", cups.log_text()
    finally:
        service.close()
        printer.close()
    printed = cups.printed(job.job_id)
    width, height = _page_size_pt(printed)
    if paper == "a4":
        assert (round(width), round(height)) == (595, 842)
    else:
        assert round(width / 72 * 25.4) == 80
        assert abs(height / 72 * 25.4 - form.height_mm) < 1.5
    dpi = 203 if paper == "thermal" else 150
    codes = decode(rasterize(printed, dpi, mono=paper == "thermal")[0])
    assert codes == {"Code128": [CODE], "QRCode": [CODE]}
    # cups-pdf re-renders through PostScript and Ghostscript, which drops the font's
    # ToUnicode map: the words print but are no longer extractable, so the text is checked
    # on the PDF we sent (the same bytes CUPS received).
    text = pdf_text(_sent(tmp_path, form.pdf))
    assert NAME in text and DUE_TEXT in text


def _sent(tmp_path: Path, pdf: bytes) -> Path:
    path = tmp_path / "sent.pdf"
    path.write_bytes(pdf)
    return path


def test_printer_list_reports_state(cups: CupsServer) -> None:
    cups.add_pdf_printer("KioskPDF-Stopped")
    cups.admin("cupsdisable", "KioskPDF-Stopped")
    printer = CupsPrinter(cups.socket)
    try:
        listed = {p.name: p for p in printer.list_printers()}
        assert listed["KioskPDF"].state == "idle"
        assert listed["KioskPDF"].is_default and listed["KioskPDF"].problem is None
        assert listed["KioskPDF"].device_uri == "cups-pdf:/"
        stopped = listed["KioskPDF-Stopped"]
        assert (stopped.state, stopped.problem) == ("stopped", "stopped")
        with pytest.raises(DeviceError, match="đang tạm dừng") as exc:
            printer.submit(b"%PDF-1.4", printer="KioskPDF-Stopped")
        assert exc.value.hint and "cupsenable KioskPDF-Stopped" in exc.value.hint
        with pytest.raises(NotFound, match="Không có máy in Khong-Co"):
            printer.printer("Khong-Co")
        with pytest.raises(NotFound, match="lệnh in số 99999"):
            printer.job_status(99999)
    finally:
        printer.close()
        cups.admin("lpadmin", "-x", "KioskPDF-Stopped")


def test_no_printer_installed() -> None:
    from tests.forms.cups_server import unavailable_reason

    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    empty = CupsServer().start()
    printer = CupsPrinter(empty.socket)
    try:
        assert printer.list_printers() == []
        with pytest.raises(DeviceError, match="Chưa có máy in nào") as exc:
            printer.submit(b"%PDF-1.4")
        assert exc.value.details["problem"] == "no_printer"
    finally:
        printer.close()
        empty.stop()


def test_cups_not_running(tmp_path: Path) -> None:
    printer = CupsPrinter(str(tmp_path / "missing.sock"))
    with pytest.raises(DeviceError, match="Không kết nối được dịch vụ in") as exc:
        printer.list_printers()
    assert exc.value.details["problem"] == "no_cups"


def _ipp_printer_reply(reasons: list[str], state: int = 3) -> bytes:
    def attr(tag: int, name: str, value: bytes) -> bytes:
        return (struct.pack(">BH", tag, len(name)) + name.encode()
                + struct.pack(">H", len(value)) + value)

    body = struct.pack(">BBHI", 1, 1, 0, 1) + bytes([ipp.OPERATION])
    body += attr(ipp.CHARSET, "attributes-charset", b"utf-8")
    body += bytes([ipp.PRINTER]) + attr(ipp.NAME, "printer-name", b"Thermal80")
    body += attr(ipp.ENUM, "printer-state", struct.pack(">i", state))
    for i, r in enumerate(reasons):
        body += attr(ipp.KEYWORD, "printer-state-reasons" if i == 0 else "", r.encode())
    body += attr(ipp.BOOLEAN, "printer-is-accepting-jobs", b"\x01")
    return body + bytes([ipp.END])


def test_out_of_paper_is_reported_before_printing() -> None:
    # A cups-pdf queue never runs out of paper: inject the state a thermal driver reports.
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        op = struct.unpack(">H", request.content[2:4])[0]
        seen.append(op)
        reply = _ipp_printer_reply(["media-empty-error", "offline-report"])
        return httpx.Response(200, content=reply, headers={"Content-Type": "application/ipp"})

    client = ipp.IppClient("fake:631", transport=httpx.MockTransport(handler))
    printer = CupsPrinter("fake:631", default_name="Thermal80", client=client,
                          lp="/nonexistent/lp")
    info = printer.printer()
    assert info.reasons == ("media-empty-error", "offline-report")
    assert info.problem == "out_of_paper"
    with pytest.raises(DeviceError, match="hết giấy") as exc:
        printer.submit(b"%PDF-1.4")
    assert exc.value.details["problem"] == "out_of_paper"
    assert ipp.GET_PRINTER_ATTRIBUTES in seen


def test_garbage_from_the_print_server_is_a_device_error() -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=b"\x01\x01"))
    printer = CupsPrinter("fake:631", default_name="X",
                          client=ipp.IppClient("fake:631", transport=transport))
    with pytest.raises(DeviceError, match="CUPS"):
        printer.printer()


def test_print_service_never_blocks_the_caller() -> None:
    gate = threading.Event()
    fake = FakePrinter(gate=gate)
    service = PrintService(fake)
    try:
        future = service.print_pdf(b"%PDF-1.4 receipt", title=CODE)
        # The submission is still held inside the "print system", yet we are here.
        assert not future.done()
        gate.set()
        job = future.result(timeout=10)
        assert fake.jobs[job.job_id].pdf == b"%PDF-1.4 receipt"
        assert service.status(job.job_id).result(timeout=10).state == "completed"
        fake.set_state("Fake-A4", reasons=("media-empty-error",))
        failed = service.print_pdf(b"%PDF-1.4")
        with pytest.raises(DeviceError, match="hết giấy"):
            failed.result(timeout=10)
    finally:
        gate.set()
        service.close()


def test_problem_classification() -> None:
    assert PrinterInfo("p", "idle", reasons=("media-needed-warning",)).problem == "out_of_paper"
    assert PrinterInfo("p", "idle", accepting=False).problem == "stopped"
    assert PrinterInfo("p", "idle", reasons=("paused",)).problem == "stopped"
    assert PrinterInfo("p", "idle", reasons=("offline-report",)).problem == "offline"
    assert PrinterInfo("p", "printing", reasons=("toner-low-warning",)).problem is None
    assert media_for("thermal", 174.3) == "Custom.80x175mm"
    assert shutil.which("pdfinfo") is not None
