"""An in-memory print system for UI tests and fault injection (beside the real CUPS one)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

from kiosk.devices.printer.base import (
    JobStatus,
    PrinterInfo,
    PrintJob,
    check_ready,
    no_printer,
    unknown_printer,
)
from kiosk.errors import NotFound
from kiosk.i18n import _


@dataclass
class FakeJob:
    job: PrintJob
    pdf: bytes
    copies: int
    state: str = "completed"


@dataclass
class FakePrinter:
    printers: list[PrinterInfo] = field(default_factory=lambda: [
        PrinterInfo("Fake-A4", "idle", is_default=True)])
    #: Blocks each submit until set: lets a test prove the caller's thread is not held.
    gate: threading.Event | None = None
    jobs: dict[int, FakeJob] = field(default_factory=dict)
    _next: int = 1

    def set_state(self, name: str, **changes: object) -> None:
        self.printers = [replace(p, **changes) if p.name == name else p  # type: ignore[arg-type]
                         for p in self.printers]

    def list_printers(self) -> list[PrinterInfo]:
        return list(self.printers)

    def printer(self, name: str | None = None) -> PrinterInfo:
        if not self.printers:
            raise no_printer()
        if name is None:
            return next((p for p in self.printers if p.is_default), self.printers[0])
        for p in self.printers:
            if p.name == name:
                return p
        raise unknown_printer(name, [p.name for p in self.printers])

    def submit(self, pdf: bytes, *, printer: str | None = None, media: str = "A4",
               title: str = "", copies: int = 1) -> PrintJob:
        if self.gate is not None:
            self.gate.wait(10)
        info = self.printer(printer)
        check_ready(info)
        job = PrintJob(self._next, info.name, media, title)
        self.jobs[job.job_id] = FakeJob(job, pdf, copies)
        self._next += 1
        return job

    def job_status(self, job_id: int) -> JobStatus:
        try:
            return JobStatus(job_id, self.jobs[job_id].state)
        except KeyError:
            raise NotFound(_("Không có lệnh in số {job}.", job=job_id)) from None
