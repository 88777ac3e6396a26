"""``kiosk central report|postpone``: the province's side of issue 13."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli.argtypes import text
from kiosk.errors import InvalidInput
from kiosk.limits import LETTER_NUMBER_MAX, PERSON_MAX, REASON_MAX


def register(csub: Any, db_opt: argparse.ArgumentParser) -> None:
    rep = csub.add_parser("report", parents=[db_opt],
                          help="the TTHC summary per unit and for all units (JSON)")
    rep.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
    rep.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD")
    rep.add_argument("--unit", help="only this unit code")
    rep.set_defaults(func=_report)
    post = csub.add_parser("postpone", parents=[db_opt],
                           help="the province issues an apology letter with a new due")
    post.add_argument("code")
    post.add_argument("--new-due", required=True, metavar="YYYY-MM-DDTHH:MM")
    # The model's bounds (kiosk.limits): a value accepted here is never refused later.
    post.add_argument("--reason", required=True, type=text(REASON_MAX))
    post.add_argument("--letter", required=True, type=text(LETTER_NUMBER_MAX),
                      help="the letter's number")
    post.add_argument("--by", default="admin", type=text(PERSON_MAX))
    post.set_defaults(func=_postpone)
    booking = csub.add_parser("booking-settings", parents=[db_opt],
                              help="who published which booking settings of a unit (JSON)")
    booking.add_argument("--unit", help="only this unit code")
    booking.add_argument("--limit", type=int, default=200, help="newest rows (200)")
    booking.set_defaults(func=_booking_settings)


def _report(args: argparse.Namespace) -> Any:
    from central import reports
    from kiosk.cli.central_db import open_db_of
    from kiosk.cli.report_commands import parse_period

    first, last = parse_period(args)
    return reports.summary(open_db_of(args), first, last, args.unit or None)


def _postpone(args: argparse.Namespace) -> Any:
    from central import reports, service
    from central.models import PostponeIn
    from kiosk.cli.central_db import find_dossier
    from kiosk.cli.late_commands import parse_local_time

    db, _row = find_dossier(args)
    body = PostponeIn(new_due_at=parse_local_time(args.new_due, "--new-due"),
                      reason=args.reason, letter_number=args.letter, by=args.by)
    try:
        return reports.postpone(db, args.code, body)
    except service.ApiError as exc:
        raise InvalidInput(exc.message) from exc


def _booking_settings(args: argparse.Namespace) -> Any:
    from central.booking_settings import history
    from kiosk.cli.central_db import open_db_of

    if not 1 <= args.limit <= 10_000:
        raise InvalidInput("--limit: 1–10000")
    return {"publications": history(open_db_of(args), args.unit or None, args.limit)}
