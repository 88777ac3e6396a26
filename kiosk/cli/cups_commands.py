"""``kiosk cups start|stop|status``: the private PDF printer of ``make run``; and
``kiosk separator``, the sheet that splits a one-pass feeder scan."""

from __future__ import annotations

import argparse
import re
from typing import Any

from kiosk.cli import command_help
from kiosk.i18n import _


def queue_name(value: str) -> str:
    """A CUPS queue name: letters, digits, '_' and '-' (CUPS refuses '/', '#', spaces)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,127}", value):
        raise argparse.ArgumentTypeError(
            _("tên hàng in chỉ gồm chữ không dấu, chữ số, «_» và «-» (tối đa 127 ký tự)."))
    return value


def register(sub: Any) -> None:
    cups = sub.add_parser("cups", help=command_help("cups"))
    cmds = cups.add_subparsers(dest="cups_command", metavar="ACTION")
    start = cmds.add_parser("start", help="start it (or find it running), make its PDF queue "
                                          "the default and record it as printer.cups_server")
    start.add_argument("--queue", default="KioskPDF", type=queue_name, help="queue name (default: KioskPDF)")
    start.set_defaults(func=_start)
    stop = cmds.add_parser("stop", help="stop it (printer.cups_server is left as it is)")
    stop.set_defaults(func=_stop)
    status = cmds.add_parser("status", help="whether it runs, and where printed PDFs land")
    status.set_defaults(func=_status)
    cups.set_defaults(func=lambda _args: cups.print_help() or 2)

    sep = sub.add_parser("separator", help=command_help("separator"))
    from kiosk.cli.argtypes import output_file

    sep.add_argument("--out", required=True, type=output_file, help="PDF file to write")
    sep.set_defaults(func=_separator)


def _home() -> Any:
    from kiosk import paths

    return paths.home() or paths.data_dir()


def _start(args: argparse.Namespace) -> Any:
    from kiosk.config import Config
    from kiosk.devices.printer.private_cups import start_detached

    info = start_detached(_home(), args.queue)
    config = Config.load()
    config.set("printer.cups_server", info["socket"])
    config.save()
    return info


def _stop(_args: argparse.Namespace) -> Any:
    from kiosk.devices.printer.private_cups import stop_detached

    return {"stopped": stop_detached(_home())}


def _status(_args: argparse.Namespace) -> Any:
    from kiosk.devices.printer.private_cups import home_server

    server = home_server(_home())
    running = server.answers()
    return {"running": running, "socket": server.socket, "out": str(server.out),
            "message": _("Các phiếu đã in nằm trong {path}.", path=str(server.out))
            if running else _("Máy in PDF thử nghiệm chưa chạy (kiosk cups start).")}


def _separator(args: argparse.Namespace) -> Any:
    from pathlib import Path

    from kiosk.devices.barcode.separator import SEPARATOR_TEXT
    from kiosk.forms.separator import separator_pdf
    from kiosk.output_file import write_atomic

    out = Path(args.out)
    write_atomic(out, separator_pdf())
    return {"file": str(out), "code": SEPARATOR_TEXT}
