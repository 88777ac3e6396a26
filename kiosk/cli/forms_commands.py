"""``kiosk form``, ``kiosk book``, ``kiosk print``, ``kiosk printers``."""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.cli import command_help
from kiosk.cli.argtypes import (
    int_range,
    output_file,
    parse_day,
    parse_moment,
    printer_name,
    text,
)
from kiosk.errors import InvalidInput, KioskError
from kiosk.i18n import _

#: One tracking book covers a year at most (the paper book is opened per year).
MAX_BOOK_DAYS = 366

if TYPE_CHECKING:
    from kiosk.config import Config
    from kiosk.forms import RenderedForm


def register(sub: Any) -> None:
    form = sub.add_parser("form", help=command_help("form"))
    _form_args(form)
    form.add_argument("--out", required=True, type=output_file, help="PDF file to write")
    form.set_defaults(func=_form)

    book = sub.add_parser("book", help=command_help("book"))
    book.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
    book.add_argument("--to", dest="date_to", help="last day, YYYY-MM-DD (default: --from)")
    book.add_argument("--set", dest="set_id", help="template set (default: forms.set)")
    book.add_argument("--volume", default="", type=text(100, empty=True),
                      help="book volume printed in the header")
    book.add_argument("--out", required=True, type=output_file, help="PDF file to write")
    book.set_defaults(func=_book)

    prn = sub.add_parser("print", help=command_help("print"))
    _form_args(prn)
    prn.add_argument("--printer", type=printer_name,
                     help="CUPS queue (default: printer.name, then CUPS default)")
    prn.add_argument("--copies", type=int_range(1, 99), default=1)
    prn.add_argument("--wait", action="store_true", help="wait until the job leaves the queue")
    prn.set_defaults(func=_print)

    lst = sub.add_parser("printers", help=command_help("printers"))
    lst.set_defaults(func=_printers)


def _form_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("code", type=text(64), help="dossier code (mã hồ sơ)")
    p.add_argument("--form", default="01", type=text(8), help="form number in the set (01 = receipt)")
    p.add_argument("--paper", choices=("a4", "thermal"), help="default: printer.paper")
    p.add_argument("--set", dest="set_id", help="template set (default: the dossier's, "
                                                  "then forms.set)")
    p.add_argument("--item", action="append", default=[], metavar="TEXT[|REASON]",
                   help="Mẫu 02 item / 03 reason / 2025 set: 05 reason (repeatable)")
    p.add_argument("--contact", default="", type=text(500, empty=True),
                   help="Mẫu 02: who to ask, with a phone number")
    p.add_argument("--reason", default="", type=text(1000, empty=True),
                   help="Mẫu 04: reason for the delay")
    p.add_argument("--new-due", default="", help="Mẫu 04: new due time, YYYY-MM-DDTHH:MM")
    p.add_argument("--date", default="", help="date printed on the form (default: today)")


def _parse_day(text: str, what: str) -> date:
    return parse_day(text, what)


def _parse_time(text: str, what: str) -> datetime:
    return parse_moment(text, what)


def _open_store(config: Config) -> Any:
    from kiosk.storage import Store

    # A print command must not collect orphaned files: the UI may be saving right now.
    return Store(config=config, orphan_grace_seconds=None)


def _clerk_names() -> dict[str, str]:
    from kiosk.clerks import ClerkDirectory

    try:
        return {c.login: c.full_name for c in ClerkDirectory().list()}
    except KioskError:
        return {}  # an unreadable clerk list must not stop a reprint: print the login


def _render(args: argparse.Namespace, config: Config) -> tuple[RenderedForm, str]:
    from kiosk.forms import Issue, render_form, unit_from_config
    from kiosk.forms.records import context_from_record

    with _open_store(config) as store:
        record = store.get_dossier(args.code)
    names = _clerk_names()
    extra: dict[str, Any] = {}
    if args.item:
        extra["issues"] = tuple(Issue(*(p.strip() for p in i.split("|", 1))) for i in args.item)
    if args.contact:
        extra["contact"] = args.contact
    if args.reason:
        extra["delay_reason"] = args.reason
    if args.new_due:
        extra["new_due_at"] = _parse_time(args.new_due, "--new-due")
    if args.date:
        extra["printed_at"] = _parse_time(args.date, "--date")
    else:
        from kiosk.clock import now

        extra["printed_at"] = now() if args.form not in ("01", "1") else None
    ctx = context_from_record(record, unit_from_config(config),
                              clerk_name=lambda login: names.get(login, login),
                              lookup_url=str(config.get("forms.lookup_url")), **extra)
    # Reprints use the set the dossier was received under, when storage recorded it.
    set_id = args.set_id or record.get("form_set") or str(config.get("forms.set"))
    paper = args.paper or str(config.get("printer.paper"))
    return render_form(ctx, args.form, paper=paper, set_id=set_id), record["code"]


def _describe(form: RenderedForm) -> dict[str, Any]:
    return {"set": form.set_id, "form": form.form, "paper": form.paper, "pages": form.pages,
            "width_mm": form.width_mm, "height_mm": form.height_mm,
            **({"warnings": list(form.warnings)} if form.warnings else {})}


def _write(path: Path, data: bytes) -> None:
    from kiosk.output_file import write_atomic as _atomic

    _atomic(path, data)


def _form(args: argparse.Namespace) -> Any:
    from kiosk.cli.signing_commands import read_pin
    from kiosk.config import Config
    from kiosk.signing.forms import sign_form
    from kiosk.signing.settings import SigningSettings

    config = Config.load()
    form, code = _render(args, config)
    data, signing = sign_form(form.pdf, form.form, SigningSettings.from_config(config), read_pin)
    _write(args.out, data)
    return {"file": str(args.out), "code": code, **_describe(form),
            **({"signing": signing} if signing else {})}


def _book(args: argparse.Namespace) -> Any:
    from kiosk.config import Config
    from kiosk.forms import render_book, unit_from_config
    from kiosk.forms.records import book_from_records

    config = Config.load()
    first = _parse_day(args.date_from, "--from")
    last = _parse_day(args.date_to, "--to") if args.date_to else first
    if last < first:
        raise InvalidInput(
            _("Khoảng ngày không hợp lệ: {start} sau {end}.", start=first.isoformat(),
              end=last.isoformat()), hint=_("Đổi lại ngày bắt đầu và ngày kết thúc."))
    if (last - first).days + 1 > MAX_BOOK_DAYS:
        raise InvalidInput(
            _("Khoảng ngày {start}–{end} dài quá {n} ngày.", start=first.isoformat(),
              end=last.isoformat(), n=MAX_BOOK_DAYS),
            hint=_("In sổ theo từng năm (hoặc từng tháng)."))
    records = []
    with _open_store(config) as store:
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)  # never steps past 9999-12-31
            for summary in store.list_dossiers(day=day, limit=100_000):
                records.append(store.get_dossier(summary["code"]))
    unit = unit_from_config(config)
    book = book_from_records(records, unit, first, last, volume=args.volume)
    form = render_book(book, set_id=args.set_id or str(config.get("forms.set")))
    _write(args.out, form.pdf)
    return {"file": str(args.out), "rows": len(book.rows), **_describe(form)}


def _print(args: argparse.Namespace) -> Any:
    from kiosk.config import Config
    from kiosk.devices.printer import media_for, open_printer

    config = Config.load()
    form, code = _render(args, config)
    printer = open_printer(config)
    job = printer.submit(form.pdf, printer=args.printer, media=media_for(form.paper,
                                                                         form.height_mm),
                         title=f"{code} mau-{form.form}", copies=args.copies)
    out: dict[str, Any] = {**job.to_json(), "code": code, **_describe(form)}
    if args.wait:
        wait = getattr(printer, "wait", None)
        status = wait(job.job_id) if wait else printer.job_status(job.job_id)
        out["state"] = status.state
    return out


def _printers(args: argparse.Namespace) -> Any:
    from kiosk.config import Config
    from kiosk.devices.printer import open_printer

    printer = open_printer(Config.load())
    return [p.to_json() for p in printer.list_printers()]
