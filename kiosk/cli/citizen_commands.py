"""``kiosk queue ...`` and ``kiosk rating report``: queue tickets and satisfaction (issue 16).

The period figures here are the ``satisfaction`` and ``queue`` blocks that ``kiosk report
summary`` includes (both come from :func:`kiosk.citizen.ratings_report.period_blocks`).
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from kiosk.cli import command_help
from kiosk.cli.argtypes import iso_day
from kiosk.errors import InvalidInput
from kiosk.i18n import _


def _day(text: str) -> date:
    return iso_day(text)


def register(sub: Any) -> None:
    q = sub.add_parser("queue", help=command_help("queue"))
    qs = q.add_subparsers(dest="queue_command", metavar="ACTION", required=True)
    take = qs.add_parser("take", help="take a number and print the ticket")
    take.add_argument("--service", default=None, help="service group letter (queue.services)")
    take.add_argument("--no-print", action="store_true", help="do not print the ticket")
    take.set_defaults(func=_take)
    call = qs.add_parser("call", help="call the next ticket to this counter")
    call.add_argument("--service", action="append", default=[], help="only these groups")
    call.add_argument("--actor", default="", help="the clerk calling")
    call.set_defaults(func=_call)
    qs.add_parser("status", help="today's queue as JSON").set_defaults(func=_status)
    report = qs.add_parser("report", help="tickets and median wait for a period")
    _period(report)
    report.set_defaults(func=_queue_report)
    r = sub.add_parser("rating", help=command_help("rating"))
    rs = r.add_subparsers(dest="rating_command", metavar="ACTION", required=True)
    rr = rs.add_parser("report", help="satisfaction per clerk and per procedure for a period")
    _period(rr)
    rr.set_defaults(func=_rating_report)


def _period(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="start", type=_day, required=True, help="YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=_day, required=True, help="YYYY-MM-DD")


def _service() -> Any:
    from kiosk.citizen.queue import QueueService
    from kiosk.config import Config
    from kiosk.storage import Store

    config = Config.load()
    return QueueService(Store(config=config), config)


def _take(args: argparse.Namespace) -> Any:
    queue = _service()
    try:
        ticket = queue.take(args.service)
        if not args.no_print:
            from kiosk.citizen.ticket import print_ticket
            from kiosk.devices.printer import open_printer

            ticket["print"] = print_ticket(ticket, queue.config, open_printer(queue.config))
        return ticket
    finally:
        queue.close()
        queue.store.close()


def _call(args: argparse.Namespace) -> Any:
    queue = _service()
    try:
        services = [s.strip().upper() for s in args.service]
        unknown = [s for s in services if s not in queue.services()]
        if unknown:
            raise InvalidInput(_("Không có nhóm dịch vụ «{service}».", service=unknown[0]))
        return {"called": queue.call_next(args.actor, services), "mode": queue.last_mode}
    finally:
        queue.close()
        queue.store.close()


def _status(args: argparse.Namespace) -> Any:
    queue = _service()
    try:
        return queue.status()
    finally:
        queue.close()
        queue.store.close()


def _check_period(args: argparse.Namespace) -> None:
    if args.end < args.start:
        raise InvalidInput(_("Ngày kết thúc ({end}) trước ngày bắt đầu ({start}).",
                             end=args.end.isoformat(), start=args.start.isoformat()))


def _blocks(args: argparse.Namespace) -> dict[str, Any]:
    from kiosk.citizen.ratings_report import period_blocks
    from kiosk.clerks import ClerkDirectory
    from kiosk.storage import Store

    _check_period(args)
    names = {c.login: c.full_name for c in ClerkDirectory().list()}
    with Store() as store:
        return period_blocks(store, args.start, args.end, names)


def _queue_report(args: argparse.Namespace) -> Any:
    return {"from": args.start.isoformat(), "to": args.end.isoformat(),
            "queue": _blocks(args)["queue"]}


def _rating_report(args: argparse.Namespace) -> Any:
    return {"from": args.start.isoformat(), "to": args.end.isoformat(),
            "satisfaction": _blocks(args)["satisfaction"]}
