"""``kiosk booking slots|make|checkin|cancel|report|publish`` (issue 27): booked times.

The JSON keys are the issue's contract: ``slots`` → ``[{"at", "capacity", "free"}]``,
``make`` → ``{"code", "service", "at"}``, ``checkin`` → the ticket.
"""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli import command_help
from kiosk.cli.report_commands import parse_day, parse_period


def register(sub: Any) -> None:
    p = sub.add_parser("booking", help=command_help("booking"))
    bs = p.add_subparsers(dest="booking_command", metavar="ACTION", required=True)
    slots = bs.add_parser("slots", help="a group's slots on a day, with free places")
    slots.add_argument("--service", required=True, help="service group letter")
    slots.add_argument("--date", required=True, help="YYYY-MM-DD")
    slots.set_defaults(func=_slots)
    make = bs.add_parser("make", help="book a slot (by phone number or CCCD number)")
    make.add_argument("--service", required=True, help="service group letter")
    make.add_argument("--at", required=True, help="the slot's start, e.g. 2026-12-08T07:30")
    make.add_argument("--phone", default=None, help="the person's phone number")
    make.add_argument("--cccd", default=None, help="the person's CCCD number")
    make.add_argument("--actor", default="", help="the clerk booking (empty: self-service)")
    make.add_argument("--print", dest="print_slip", action="store_true",
                      help="print the slip with the code's QR")
    make.set_defaults(func=_make)
    checkin = bs.add_parser("checkin", help="the person arrived: a ticket ahead of walk-ins")
    checkin.add_argument("code", help="the booking code (read from its QR)")
    checkin.add_argument("--no-print", action="store_true", help="do not print the ticket")
    checkin.set_defaults(func=_checkin)
    cancel = bs.add_parser("cancel", help="cancel a booking")
    cancel.add_argument("code")
    cancel.set_defaults(func=_cancel)
    report = bs.add_parser("report", help="bookings and slot use for a period")
    report.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
    report.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
    report.set_defaults(func=_report)
    publish = bs.add_parser("publish", help="send the booking settings to the central "
                            "server's booking page")
    publish.add_argument("--replace", action="store_true",
                         help="this machine's settings are right: replace the server's "
                              "current revision even if it is newer than this machine saw")
    publish.set_defaults(func=_publish)


def _run(fn: Any) -> Any:
    from kiosk.citizen.booking import BookingService
    from kiosk.citizen.queue import QueueService
    from kiosk.cli.common import open_store
    from kiosk.config import Config

    config = Config.load()
    store = open_store(sweep=False)
    queue = QueueService(store, config)
    try:
        return fn(BookingService(queue))
    finally:
        queue.close()
        store.close()


def _slots(args: argparse.Namespace) -> Any:
    day = parse_day(args.date, "--date")
    return _run(lambda b: b.slots(args.service, day))


def _make(args: argparse.Namespace) -> Any:
    from kiosk.citizen.booking_rules import parse_at

    at = parse_at(args.at)

    def work(b: Any) -> Any:
        made = b.make(args.service, at, phone=args.phone, id_number=args.cccd, by=args.actor)
        if args.print_slip:
            from kiosk.citizen.ticket import print_booking_slip
            from kiosk.devices.printer import open_printer

            made["print"] = print_booking_slip(
                made, b.queue.services().get(made["service"], ""), b.queue.config,
                open_printer(b.queue.config))
        return made

    return _run(work)


def _checkin(args: argparse.Namespace) -> Any:
    def work(b: Any) -> Any:
        ticket = b.checkin(args.code)
        if not args.no_print:
            from kiosk.citizen.ticket import print_ticket
            from kiosk.devices.printer import open_printer

            ticket["serviceName"] = b.queue.services().get(ticket["service"], "")
            ticket["print"] = print_ticket(ticket, b.queue.config, open_printer(b.queue.config))
        return ticket

    return _run(work)


def _cancel(args: argparse.Namespace) -> Any:
    return _run(lambda b: b.cancel(args.code))


def _report(args: argparse.Namespace) -> Any:
    first, last = parse_period(args)
    return {"from": first.isoformat(), "to": last.isoformat(),
            **_run(lambda b: b.report(first, last))}


def _publish(args: argparse.Namespace) -> Any:
    return _run(lambda b: {**b.publish(replace=args.replace), "settings": b.settings()})
