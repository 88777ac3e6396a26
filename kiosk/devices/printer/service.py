"""Printing off the caller's thread.

CUPS calls take milliseconds when all is well and seconds when the daemon is busy or the
printer is on the network; the counter's UI must not freeze for that. One worker thread
serialises submissions so two receipts never interleave on a shared thermal printer.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from kiosk.devices.printer.base import JobStatus, Printer, PrintJob, media_for
from kiosk.forms.model import RenderedForm


class PrintService:
    def __init__(self, printer: Printer) -> None:
        self.printer = printer
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="print")

    def print_pdf(self, pdf: bytes, *, printer: str | None = None, media: str = "A4",
                  title: str = "", copies: int = 1,
                  on_done: Callable[[Future[PrintJob]], None] | None = None
                  ) -> Future[PrintJob]:
        """Submit in the background; the future holds the job or the DeviceError."""
        future = self._pool.submit(self.printer.submit, pdf, printer=printer, media=media,
                                   title=title, copies=copies)
        if on_done is not None:
            future.add_done_callback(on_done)
        return future

    def print_form(self, form: RenderedForm, *, code: str, printer: str | None = None,
                   copies: int = 1,
                   on_done: Callable[[Future[PrintJob]], None] | None = None
                   ) -> Future[PrintJob]:
        media = media_for(form.paper, form.height_mm)
        return self.print_pdf(form.pdf, printer=printer, media=media,
                              title=f"{code} mau-{form.form}", copies=copies, on_done=on_done)

    def status(self, job_id: int) -> Future[JobStatus]:
        return self._pool.submit(self.printer.job_status, job_id)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
