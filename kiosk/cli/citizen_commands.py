"""``kiosk queue ...`` and ``kiosk rating report``: queue tickets and satisfaction (issue 16).

The period figures here are the ``satisfaction`` and ``queue`` blocks that ``kiosk report
summary`` includes (both come from :func:`kiosk.citizen.ratings_report.period_blocks`).
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from typing import Any

from kiosk.cli import command_help
from kiosk.cli.argtypes import int_range, iso_day
from kiosk.cli.argtypes import text as bounded_text
from kiosk.errors import InvalidInput
from kiosk.i18n import _


def _day(text: str) -> date:
    return iso_day(text)


def register(sub: Any) -> None:
    q = sub.add_parser("queue", help=command_help("queue"))
    qs = q.add_subparsers(dest="queue_command", metavar="ACTION", required=True)
    take = qs.add_parser("take", help="take a number and print the ticket")
    take.add_argument("--service", default=None, help="service group letter (queue.services)")
    take.add_argument("--priority", default=None,
                      help="a priority key (queue.priorities), e.g. nguoi-cao-tuoi")
    take.add_argument("--no-print", action="store_true", help="do not print the ticket")
    take.set_defaults(func=_take)
    for action, text in (("recall", "call a ticket again (a held one: the person is back)"),
                         ("hold", "the person stepped out: keep the ticket's place"),
                         ("noshow", "record the ticket as absent (after the recalls)"),
                         ("transfer", "send the ticket to another group or counter")):
        op = qs.add_parser(action, help=text)
        op.add_argument("label", nargs="?", default=None,
                        help="the ticket number (default: the one this counter serves)")
        op.add_argument("--actor", default="", help="the clerk doing it")
        if action == "transfer":
            op.add_argument("--service", default=None, help="the group it goes to")
            op.add_argument("--counter", type=int, default=None, help="the counter it goes to")
        op.set_defaults(func=_operate, action=action)
    call = qs.add_parser("call", help="call the next ticket to this counter")
    call.add_argument("--service", action="append", default=[], help="only these groups")
    call.add_argument("--actor", default="", help="the clerk calling")
    call.set_defaults(func=_call)
    qs.add_parser("status", help="today's queue as JSON").set_defaults(func=_status)
    show = qs.add_parser("display", help="serve the wall display page (until stopped)")
    show.add_argument("--port", type=int_range(0, 65535), default=None,
                      help="default: queue.display_port")
    show.add_argument("--bind", default="0.0.0.0", type=bounded_text(255),
                      help="address to listen on")
    show.set_defaults(func=_display)
    say = qs.add_parser("announce", help="the spoken call as a WAV file (espeak-ng)")
    say.add_argument("label", help="the ticket number, e.g. A012")
    say.add_argument("--counter", type=int, default=None, help="default: counter.number")
    say.add_argument("--out", required=True, help="the WAV file to write")
    say.set_defaults(func=_announce)
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
        ticket = queue.take(args.service, priority=args.priority)
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


def _operate(args: argparse.Namespace) -> Any:
    from kiosk.citizen.queue_ops import operate

    to_counter = getattr(args, "counter", None)
    if to_counter is not None and not 1 <= to_counter <= 9:
        raise InvalidInput(_("Quầy chuyển đến phải từ 1 đến 9."))
    queue = _service()
    try:
        ticket = operate(queue, args.action, args.label, by=args.actor,
                         to_service=getattr(args, "service", None), to_counter=to_counter)
        return {"ticket": ticket, "mode": queue.last_mode}
    finally:
        queue.close()
        queue.store.close()


def _display(args: argparse.Namespace) -> Any:
    import signal
    import threading

    from kiosk.citizen.display import DisplayServer
    from kiosk.cli import emit

    queue = _service()
    port = args.port if args.port is not None else int(queue.config.get("queue.display_port"))
    try:
        server = DisplayServer(queue, bind=args.bind, port=port,
                               poll_ms=int(queue.config.get("queue.display_poll_ms")))
    except OSError as exc:
        raise InvalidInput(_("Không mở được cổng {port} cho màn hình gọi số: {detail}",
                             port=port, detail=exc.strerror or str(exc))) from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_a: stop.set())
    server.start()
    emit({"url": server.url, "bind": args.bind, "port": server.httpd.server_address[1]})
    try:
        stop.wait()
    finally:
        server.stop()
        queue.close()
        queue.store.close()
    return {"stopped": True}


def _announce(args: argparse.Namespace) -> Any:
    from pathlib import Path

    from kiosk.citizen.announce import render_call
    from kiosk.config import Config

    config = Config.load()
    label = args.label.strip().upper()
    if not re.fullmatch(r"[A-Z](\d{3}|\d-\d{2,4})", label):
        raise InvalidInput(_("Số «{label}» không hợp lệ (ví dụ A012 hoặc A2-07).",
                             label=args.label))
    counter = args.counter if args.counter is not None else int(config.get("counter.number"))
    if not 1 <= counter <= 9:
        raise InvalidInput(_("Số quầy phải từ 1 đến 9."))
    return render_call(label, counter, Path(args.out), config)


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
    from kiosk.citizen.booking import BookingService
    from kiosk.citizen.booking_central import BookingServerUnreachable

    out = {"from": args.start.isoformat(), "to": args.end.isoformat(),
           "queue": _blocks(args)["queue"]}
    queue = _service()
    try:  # slot use (issue 27); without the server's answer the queue figures still print
        out["booking"] = BookingService(queue).report(args.start, args.end)
    except BookingServerUnreachable as exc:
        out["booking"] = {"error": exc.message}
    finally:
        queue.close()
        queue.store.close()
    return out


def _rating_report(args: argparse.Namespace) -> Any:
    return {"from": args.start.isoformat(), "to": args.end.isoformat(),
            "satisfaction": _blocks(args)["satisfaction"]}
