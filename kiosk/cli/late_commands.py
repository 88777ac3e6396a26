"""``kiosk dossier postpone|due-soon|overdue``: late dossiers on the record (issue 13)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from kiosk.cli.argtypes import float_range, parse_moment, text
from kiosk.cli.common import acting_clerk, open_store
from kiosk.i18n import _
from kiosk.limits import ACTOR_MAX, REASON_MAX


def register_dossier(dsub: Any) -> None:
    c = dsub.add_parser("postpone", help="record an apology letter (Mẫu 04) with a new due")
    c.add_argument("code")
    c.add_argument("--new-due", required=True, metavar="YYYY-MM-DDTHH:MM",
                   help="the new due time, inside working hours and after now")
    c.add_argument("--reason", required=True, type=text(REASON_MAX),
                   help="why the result is late")
    c.add_argument("--print", dest="print_letter", action="store_true",
                   help="print the letter through CUPS")
    c.add_argument("--actor", type=text(ACTOR_MAX))
    c.set_defaults(func=_postpone)

    c = dsub.add_parser("due-soon", help="dossiers due within N working hours (JSON lines)")
    c.add_argument("--hours", type=float_range(0, 10_000),
                   help="default: alerts.due_soon_hours")
    c.add_argument("--procedure", help="only this procedure code")
    c.set_defaults(func=_due_soon)

    c = dsub.add_parser("overdue", help="overdue dossiers, latest first (JSON lines)")
    c.add_argument("--procedure", help="only this procedure code")
    c.set_defaults(func=_overdue)


def parse_local_time(text: str, what: str) -> datetime:
    return parse_moment(text, what)


def _postpone(args: argparse.Namespace) -> Any:

    new_due = parse_local_time(args.new_due, "--new-due")
    with open_store() as store:
        letter = store.postpone(args.code, new_due, args.reason, acting_clerk(args))
        if args.print_letter:
            job = print_letter(store, letter, args.reason)
            print(_("Đã gửi phiếu xin lỗi tới máy in {printer} (lệnh in số {job}).",
                    printer=job["printer"], job=job["job"]), file=sys.stderr)
    return letter


def print_letter(store: Any, letter: dict[str, Any], reason: str) -> dict[str, Any]:
    """Print Mẫu 04 for a recorded letter: the old appointment, the reason, the new date."""
    from kiosk.clock import parse_iso
    from kiosk.devices.printer import media_for, open_printer

    pdf = render_letter(store, letter, reason)
    config = store.config
    printer = open_printer(config)
    name = str(config.get("printer.name")) or None
    job = printer.submit(pdf.pdf, printer=name, media=media_for(pdf.paper, pdf.height_mm),
                         title=f"{letter['code']} mau-{pdf.form}")
    out: dict[str, Any] = job.to_json()
    out["issued_at"] = parse_iso(letter["letter"]["issued_at"]).isoformat()
    return out


def render_letter(store: Any, letter: dict[str, Any], reason: str) -> Any:
    from kiosk.clerks import ClerkDirectory
    from kiosk.clock import parse_iso
    from kiosk.errors import KioskError
    from kiosk.forms import render_form, unit_from_config
    from kiosk.forms.records import context_from_record

    record = store.get_dossier(letter["code"])
    this = next(p for p in record["postponements"]
                if p["letter_number"] == letter["letter"]["number"])
    # The letter quotes the appointment it replaces, not the new one.
    record = {**record, "due_at": this["previous_due_at"]}
    try:
        names = {c.login: c.full_name for c in ClerkDirectory().list()}
    except KioskError:
        names = {}
    config = store.config
    ctx = context_from_record(record, unit_from_config(config),
                              clerk_name=lambda login: names.get(login, login),
                              lookup_url=str(config.get("forms.lookup_url")),
                              delay_reason=reason.strip(),
                              new_due_at=parse_iso(this["new_due_at"]),
                              letter_number=this["letter_number"],
                              printed_at=parse_iso(this["issued_at"]))
    set_id = record.get("form_set") or str(config.get("forms.set"))
    return render_form(ctx, "04", paper="a4", set_id=set_id)


def _due_soon(args: argparse.Namespace) -> Any:
    from kiosk.cli import emit

    with open_store() as store:
        for row in store.due_soon(args.hours, args.procedure):
            emit(row)
    return None


def _overdue(args: argparse.Namespace) -> Any:
    from kiosk.cli import emit

    with open_store() as store:
        for row in store.overdue(args.procedure):
            emit(row)
    return None
