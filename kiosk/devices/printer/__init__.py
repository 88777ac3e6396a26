"""Printers: CUPS (``lp`` + IPP status) and an in-memory fake, behind :class:`Printer`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.devices.printer.base import (
    JobStatus,
    Printer,
    PrinterInfo,
    PrintJob,
    check_ready,
    media_for,
)

if TYPE_CHECKING:
    from kiosk.config import Config

__all__ = ["JobStatus", "PrintJob", "Printer", "PrinterInfo", "check_ready", "list_for_devices",
           "media_for", "open_printer"]


def open_printer(config: Config) -> Printer:
    """The configured print system (CUPS; ``printer.name`` picks the queue)."""
    from kiosk.devices.printer.cups import CupsPrinter

    # printer.cups_server first: `kiosk cups start` records the private demo cupsd there, so
    # the app, `kiosk print` and `kiosk printers` with one KIOSK_HOME reach one printer.
    server = str(config.get("printer.cups_server")).strip() or None
    hint = ""
    if server:
        from kiosk import paths
        from kiosk.devices.printer.private_cups import home_server
        from kiosk.i18n import _

        home = paths.home() or paths.data_dir()
        if server == home_server(home).socket:
            hint = _("Máy in PDF thử nghiệm chưa chạy: mở phần mềm bằng «make run», hoặc chạy "
                     "«kiosk cups start».")
    return CupsPrinter(server, default_name=str(config.get("printer.name")),
                       offline_hint=hint)


def list_for_devices(config: Config) -> list[dict[str, object]]:
    """Lister for ``kiosk.devices.registry`` (``"printers"``): name and state per queue."""
    states = {"idle": "ready", "printing": "busy", "stopped": "offline"}
    out: list[dict[str, object]] = []
    for p in open_printer(config).list_printers():
        item = p.to_json()
        item["cups_state"] = item.pop("state")
        item["state"] = "error" if p.problem else states.get(p.state, p.state)
        out.append(item)
    return out
