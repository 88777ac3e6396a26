"""Printer kinds, states and errors shared by the CUPS driver and the fake."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

from kiosk.errors import DeviceError, NotFound
from kiosk.i18n import _

#: IPP job-state (RFC 8011 §5.3.7).
JOB_STATES = {3: "pending", 4: "held", 5: "processing", 6: "stopped", 7: "canceled",
              8: "aborted", 9: "completed"}
FINAL_JOB_STATES = frozenset({"canceled", "aborted", "completed"})
#: IPP printer-state.
PRINTER_STATES = {3: "idle", 4: "printing", 5: "stopped"}

#: printer-state-reasons that mean "no paper" on IPP and CUPS drivers.
PAPER_OUT = ("media-empty", "media-needed")
OFFLINE = ("offline", "connecting-to-device", "shutdown", "timed-out")


@dataclass(frozen=True)
class PrinterInfo:
    name: str
    state: str  # idle / printing / stopped
    accepting: bool = True
    reasons: tuple[str, ...] = ()
    message: str = ""
    is_default: bool = False
    device_uri: str = ""
    description: str = ""

    @property
    def problem(self) -> str | None:
        """What keeps a print from coming out, in the order a clerk can fix it."""
        reasons = {r.removesuffix("-error").removesuffix("-warning").removesuffix("-report")
                   for r in self.reasons}
        if reasons & set(PAPER_OUT):
            return "out_of_paper"
        if self.state == "stopped" or not self.accepting or "paused" in reasons:
            return "stopped"
        if reasons & set(OFFLINE):
            return "offline"
        return None

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "state": self.state, "accepting": self.accepting,
                "reasons": list(self.reasons), "message": self.message,
                "default": self.is_default, "problem": self.problem,
                "device_uri": self.device_uri}


@dataclass(frozen=True)
class PrintJob:
    job_id: int
    printer: str
    media: str
    title: str = ""

    def to_json(self) -> dict[str, object]:
        return {"job": self.job_id, "printer": self.printer, "media": self.media}


@dataclass(frozen=True)
class JobStatus:
    job_id: int
    state: str
    reasons: tuple[str, ...] = field(default=())

    @property
    def done(self) -> bool:
        return self.state in FINAL_JOB_STATES

    def to_json(self) -> dict[str, object]:
        return {"job": self.job_id, "state": self.state, "reasons": list(self.reasons)}


class Printer(Protocol):
    """What the app needs from a print system; blocking calls (run them off the UI thread)."""

    def list_printers(self) -> list[PrinterInfo]: ...

    def printer(self, name: str | None = None) -> PrinterInfo: ...

    def submit(self, pdf: bytes, *, printer: str | None = None, media: str = "A4",
               title: str = "", copies: int = 1) -> PrintJob: ...

    def job_status(self, job_id: int) -> JobStatus: ...


def media_for(paper: str, height_mm: float) -> str:
    """CUPS media name: ``A4`` or ``Custom.80x<height>mm`` for a ticket as long as its content."""
    if paper == "thermal":
        return f"Custom.80x{math.ceil(height_mm)}mm"
    return "A4"


def check_ready(info: PrinterInfo) -> None:
    """Raise the clerk-facing error for a printer that would not print now."""
    problem = info.problem
    if problem == "out_of_paper":
        raise DeviceError(
            _("Máy in {name} hết giấy.", name=info.name),
            hint=_("Nạp thêm giấy (cuộn giấy nhiệt hoặc khay A4) rồi in lại."), problem=problem)
    if problem == "stopped":
        raise DeviceError(
            _("Máy in {name} đang tạm dừng, không nhận lệnh in.", name=info.name),
            hint=_("Kiểm tra máy in rồi bật lại hàng đợi (cupsenable {name}; cupsaccept {name}).",
                   name=info.name), problem=problem)
    if problem == "offline":
        raise DeviceError(
            _("Máy in {name} không kết nối.", name=info.name),
            hint=_("Kiểm tra nguồn điện và cáp USB/mạng của máy in."), problem=problem)


def no_printer() -> DeviceError:
    return DeviceError(
        _("Chưa có máy in nào được cài đặt."),
        hint=_("Báo quản trị viên cài máy in (CUPS) rồi chọn nó trong Cài đặt → In ấn."),
        problem="no_printer")


def unknown_printer(name: str, known: list[str]) -> NotFound:
    return NotFound(
        _("Không có máy in {name}.", name=name),
        hint=_("Các máy in hiện có: {names}.", names=", ".join(known) or "—"))
