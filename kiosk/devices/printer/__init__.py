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

    return CupsPrinter(default_name=str(config.get("printer.name")))


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
