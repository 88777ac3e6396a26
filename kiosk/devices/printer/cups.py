"""Printing through CUPS: ``lp`` submits, IPP reports printer and job states.

``lp`` is used for submission because it is how every CUPS install accepts a PDF with
options (media, copies, title) and it needs no compiled binding; it reads the PDF from
stdin, so no temporary file holds a citizen's data. Status comes over IPP (see ``ipp.py``).
All calls block for at most a few seconds; :class:`kiosk.devices.printer.service.PrintService`
runs them on a worker thread so the counter's UI never waits on the print system.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

from kiosk.devices.printer import ipp
from kiosk.devices.printer.base import (
    JOB_STATES,
    PRINTER_STATES,
    JobStatus,
    PrinterInfo,
    PrintJob,
    check_ready,
    no_printer,
    unknown_printer,
)
from kiosk.errors import DeviceError, NotFound
from kiosk.i18n import _
from kiosk.limits import PRINTER_NAME_MAX, printer_name_ok

PRINTER_ATTRS = ["printer-name", "printer-state", "printer-state-reasons",
                 "printer-is-accepting-jobs", "printer-state-message", "device-uri",
                 "printer-info"]
_REQUEST_ID = re.compile(r"request id is (?P<printer>\S+)-(?P<job>\d+)")


def default_server() -> str:
    """``CUPS_SERVER`` when set (tests, remote print servers), else the local socket."""
    env = os.environ.get("CUPS_SERVER", "").strip()
    if env:
        return env
    for path in ("/run/cups/cups.sock", "/var/run/cups/cups.sock"):
        if Path(path).exists():
            return path
    return "localhost:631"


class CupsPrinter:
    def __init__(self, server: str | None = None, *, default_name: str = "",
                 client: ipp.IppClient | None = None, lp: str = "lp",
                 submit_timeout: float = 30.0, offline_hint: str = "") -> None:
        self.server = server or default_server()
        self._offline_hint = offline_hint
        self.default_name = default_name
        self._ipp = client or ipp.IppClient(self.server)
        self._lp = lp
        self._submit_timeout = submit_timeout

    def close(self) -> None:
        self._ipp.close()

    # --- status ------------------------------------------------------------------------

    def _call(self, path: str, op: int, attrs: list[tuple[int, str, object]]) -> ipp.Response:
        try:
            return self._ipp.request(path, op, attrs)
        except ipp.IppError as exc:
            # The socket error is for the log and the admin, not for the clerk's screen.
            raise DeviceError(
                _("Không kết nối được dịch vụ in."),
                hint=self._offline_hint or _("Kiểm tra máy in đã bật và dịch vụ in (CUPS) đang "
                                             "chạy, rồi in lại."),
                problem="no_cups", server=self.server, error=str(exc)) from exc

    def _system_default(self) -> str:
        resp = self._call("/", ipp.CUPS_GET_DEFAULT,
                          [(ipp.KEYWORD, "requested-attributes", ["printer-name"])])
        names = resp.first(ipp.PRINTER).get("printer-name", [])
        return str(names[0]) if names else ""

    def list_printers(self) -> list[PrinterInfo]:
        resp = self._call("/", ipp.CUPS_GET_PRINTERS,
                          [(ipp.KEYWORD, "requested-attributes", PRINTER_ATTRS)])
        default = self._system_default()
        return [_info(attrs, default) for attrs in resp.group(ipp.PRINTER)]

    def resolve(self, name: str | None = None) -> str:
        """The printer to use: the one asked for, the configured one, or CUPS's default."""
        chosen = name or self.default_name or self._system_default()
        if chosen and not printer_name_ok(chosen):
            # printer.name from a hand-edited config: never into a URL or an IPP attribute.
            from kiosk.safe_text import shown

            raise DeviceError(
                _("Tên máy in «{name}» không hợp lệ.", name=shown(chosen)),
                hint=_("Tên hàng đợi CUPS tối đa {n} ký tự, không có dấu cách, «/», «#», «\\» "
                       "hay ký tự điều khiển; sửa printer.name trong cấu hình.",
                       n=PRINTER_NAME_MAX), problem="bad_name")
        if chosen:
            return chosen
        printers = self.list_printers()
        if not printers:
            raise no_printer()
        if len(printers) == 1:  # one queue and no default: obviously that one
            return printers[0].name
        raise DeviceError(
            _("Có nhiều máy in nhưng chưa chọn máy in mặc định."),
            hint=_("Đặt printer.name trong cấu hình (một trong: {names}).",
                   names=", ".join(p.name for p in printers)), problem="no_default")

    def printer(self, name: str | None = None) -> PrinterInfo:
        chosen = self.resolve(name)
        resp = self._call(f"/printers/{chosen}", ipp.GET_PRINTER_ATTRIBUTES,
                          [(ipp.URI, "printer-uri", ipp.printer_uri(chosen)),
                           (ipp.KEYWORD, "requested-attributes", PRINTER_ATTRS)])
        attrs = resp.first(ipp.PRINTER)
        if resp.status > ipp.STATUS_OK_MAX or not attrs:
            raise unknown_printer(chosen, [p.name for p in self.list_printers()])
        return _info(attrs, self._system_default())

    def job_status(self, job_id: int) -> JobStatus:
        resp = self._call("/jobs", ipp.GET_JOB_ATTRIBUTES,
                          [(ipp.URI, "job-uri", ipp.job_uri(job_id)),
                           (ipp.KEYWORD, "requested-attributes",
                            ["job-state", "job-state-reasons"])])
        attrs = resp.first(ipp.JOB)
        if resp.status > ipp.STATUS_OK_MAX or not attrs:
            raise NotFound(_("Không có lệnh in số {job}.", job=job_id),
                           hint=_("Lệnh in đã bị xoá khỏi lịch sử của CUPS hoặc số sai."))
        state = JOB_STATES.get(int(attrs.get("job-state", [0])[0]), "unknown")
        return JobStatus(job_id, state, tuple(str(r) for r in attrs.get("job-state-reasons",
                                                                          [])))

    def wait(self, job_id: int, timeout: float = 30.0, poll: float = 0.2) -> JobStatus:
        """Poll until the job is final or ``timeout`` passes (returns the last state seen)."""
        deadline = time.monotonic() + timeout
        status = self.job_status(job_id)
        while not status.done and time.monotonic() < deadline:
            time.sleep(poll)
            status = self.job_status(job_id)
        return status

    # --- printing ----------------------------------------------------------------------

    def submit(self, pdf: bytes, *, printer: str | None = None, media: str = "A4",
               title: str = "", copies: int = 1) -> PrintJob:
        info = self.printer(printer)
        check_ready(info)
        cmd = [self._lp, "-d", info.name, "-o", f"media={media}", "-n", str(max(1, copies))]
        if title:
            cmd += ["-t", title]
        cmd.append("-")
        env = {**os.environ, "CUPS_SERVER": self.server, "LANG": "C", "LC_ALL": "C"}
        try:
            proc = subprocess.run(cmd, input=pdf, capture_output=True, env=env,
                                  timeout=self._submit_timeout, check=False)
        except FileNotFoundError as exc:
            raise DeviceError(_("Không tìm thấy lệnh in {cmd}.", cmd=self._lp),
                              hint=_("Cài gói cups-client."), problem="no_lp") from exc
        except subprocess.TimeoutExpired as exc:
            raise DeviceError(_("Dịch vụ in không phản hồi khi gửi lệnh in."),
                              hint=_("Kiểm tra dịch vụ CUPS rồi in lại."),
                              problem="timeout") from exc
        out = proc.stdout.decode(errors="replace")
        match = _REQUEST_ID.search(out)
        if proc.returncode != 0 or match is None:
            raise DeviceError(
                _("Máy in {name} từ chối lệnh in.", name=info.name),
                hint=_("Kiểm tra máy in và khổ giấy rồi in lại."), problem="rejected",
                error=(proc.stderr.decode(errors="replace") or out).strip())
        return PrintJob(int(match["job"]), info.name, media, title)


def _info(attrs: dict[str, list[object]], default: str) -> PrinterInfo:
    def one(key: str, fallback: object = "") -> object:
        values = attrs.get(key) or [fallback]
        return values[0]

    name = str(one("printer-name"))
    reasons = tuple(str(r) for r in attrs.get("printer-state-reasons", []) if r != "none")
    return PrinterInfo(
        name=name,
        state=PRINTER_STATES.get(int(str(one("printer-state", 3))), "unknown"),
        accepting=bool(one("printer-is-accepting-jobs", True)),
        reasons=reasons,
        message=str(one("printer-state-message")),
        is_default=name == default,
        device_uri=str(one("device-uri")),
        description=str(one("printer-info")),
    )
