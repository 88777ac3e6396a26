"""``kiosk cccd``, ``kiosk due``, ``kiosk catalog list|search|import``."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from kiosk.cli import command_help
from kiosk.cli.argtypes import float_range, input_file, read_stdin_text, text
from kiosk.errors import InvalidInput
from kiosk.i18n import _
from kiosk.processing_time import MAX_PROCESSING

#: Reception times outside these years are typos (and would overflow the calendar).
RECEIVED_YEARS = (1900, 2200)


def register(sub: Any) -> None:
    p = sub.add_parser("cccd", help=command_help("cccd"))
    p.add_argument("payload")
    p.set_defaults(func=_cccd)

    p = sub.add_parser("due", help=command_help("due"))
    p.add_argument("--received", required=True, help="YYYY-MM-DDTHH:MM (local time, +07:00)")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--procedure", type=text(64),
                   help="national procedure code, e.g. 1.001193")
    g.add_argument("--working-days", type=float_range(0, MAX_PROCESSING["working_days"]))
    g.add_argument("--working-hours", type=float_range(0, MAX_PROCESSING["working_hours"]))
    g.add_argument("--calendar-days", type=float_range(0, MAX_PROCESSING["calendar_days"]))
    g.add_argument("--same-day", action="store_true", help="same day, the 15:00 rule")
    p.set_defaults(func=_due)

    p = sub.add_parser("catalog", help=command_help("catalog"))
    csub = p.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    c = csub.add_parser("list", help="every procedure (JSON lines)")
    c.add_argument("--full", action="store_true", help="with fees and components")
    c.set_defaults(func=_catalog_list)
    c = csub.add_parser("search", help="search ignoring diacritics and case")
    c.add_argument("text", type=text(200, empty=True))
    c.set_defaults(func=_catalog_search)
    c = csub.add_parser("import", help="validate and install a newer catalog JSON file")
    c.add_argument("file", type=input_file)
    c.add_argument("--force", action="store_true", help="allow a version that is not newer")
    c.set_defaults(func=_catalog_import)
    c = csub.add_parser("status", help="the catalog in force: version, published, source "
                                       "(central: the province's publication; local) (JSON)")
    c.set_defaults(func=_catalog_status)


def _cccd(args: argparse.Namespace) -> Any:
    from kiosk.cccd import parse_cccd

    payload = read_stdin_text("--cccd") if args.payload == "-" else args.payload
    return parse_cccd(payload).to_json()


def _parse_received(text: str) -> datetime:
    from kiosk.cli.argtypes import shown
    from kiosk.clock import to_local

    try:
        value = to_local(datetime.fromisoformat(text.strip()))
    except (ValueError, OverflowError):
        raise InvalidInput(
            _("Thời điểm tiếp nhận «{value}» không hợp lệ.", value=shown(text)),
            hint=_("Dùng dạng YYYY-MM-DDTHH:MM, ví dụ 2026-11-25T09:30."),
        ) from None
    if not RECEIVED_YEARS[0] <= value.year <= RECEIVED_YEARS[1]:
        raise InvalidInput(
            _("Thời điểm tiếp nhận «{value}» nằm ngoài các năm {lo}–{hi}.", value=shown(text),
              lo=RECEIVED_YEARS[0], hi=RECEIVED_YEARS[1]),
            hint=_("Dùng dạng YYYY-MM-DDTHH:MM, ví dụ 2026-11-25T09:30."),
        )
    return value


def _due(args: argparse.Namespace) -> Any:
    from kiosk.clock import iso
    from kiosk.config import Config
    from kiosk.processing_time import ProcessingTime
    from kiosk.working_time import WorkingCalendar

    config = Config.load()
    received = _parse_received(args.received)
    out: dict[str, Any] = {"received": iso(received)}
    if args.procedure is not None:
        from kiosk.catalog import load_catalog

        proc = load_catalog(config).get(args.procedure)
        processing = proc.processing
        out["procedure"] = proc.code
    elif args.same_day:
        processing = ProcessingTime("same_day", 0, config.get("office.same_day_cutoff"))
    else:
        unit, value = next(
            (u, v) for u, v in (("working_days", args.working_days),
                                ("working_hours", args.working_hours),
                                ("calendar_days", args.calendar_days)) if v is not None
        )
        if value <= 0:
            raise InvalidInput(_("Thời hạn phải lớn hơn 0."))
        processing = ProcessingTime(unit, value)
    out["processing"] = processing.describe()
    calendar = WorkingCalendar.from_config(config)
    try:
        out["due"] = iso(calendar.due(received, processing))
    except OverflowError:
        raise InvalidInput(_("Hạn xử lý tính ra vượt quá lịch (sau năm 9999)."),
                           hint=_("Kiểm tra lại thời điểm tiếp nhận và thời hạn.")) from None
    return out


def _summary(p: Any) -> dict[str, Any]:
    return {"code": p.code, "name": p.name, "field": p.field,
            "processing": p.processing.describe()}


def _catalog_list(args: argparse.Namespace) -> Any:
    from kiosk.catalog import load_catalog
    from kiosk.cli import emit

    catalog = load_catalog()
    for p in catalog.procedures:
        emit({"version": catalog.version, **(p.to_json() if args.full else _summary(p))})
    return None


def _catalog_search(args: argparse.Namespace) -> Any:
    from kiosk.catalog import load_catalog
    from kiosk.cli import emit

    found = load_catalog().search(args.text)
    for p in found:
        emit(_summary(p))
    if not found:
        print(_("Không tìm thấy thủ tục nào khớp «{text}».", text=args.text), file=sys.stderr)
        return 1
    return None


def _catalog_import(args: argparse.Namespace) -> Any:
    from kiosk.catalog import import_catalog

    catalog = import_catalog(args.file, force=args.force)
    return {"version": catalog.version, "procedures": len(catalog.procedures),
            "file": str(catalog.path)}


def _catalog_status(_args: argparse.Namespace) -> Any:
    from kiosk.publications import calendar_status, catalog_status, forms_status

    return {**catalog_status(), "calendar": calendar_status(), "forms": forms_status()}
