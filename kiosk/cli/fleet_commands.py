"""``kiosk central catalog|calendar|forms publish|promote|list``, ``kiosk central devices`` and
``kiosk central user add``: the province runs the fleet (issue 26, docs/FLEET.md)."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli.argtypes import float_range, input_file, read_stdin_text, text
from kiosk.errors import InvalidInput, NotFound
from kiosk.i18n import _


def register(csub: Any, db_opt: argparse.ArgumentParser) -> None:
    for kind, what in (("catalog", "the procedure catalog"),
                       ("calendar", "the calendar overrides (days off, make-up working days)"),
                       ("forms", "the form template sets (a bundle: schema, version, sets)")):
        p = csub.add_parser(kind, help=f"publish {what} to every counter")
        sub = p.add_subparsers(dest=f"{kind}_command", metavar="ACTION", required=True)
        pub = sub.add_parser("publish", parents=[db_opt],
                             help="check FILE with the counter's rules and publish it (JSON)")
        pub.add_argument("file", type=input_file)
        pub.add_argument("--draft", action="store_true",
                         help="a draft: only the --pilot counters receive it")
        pub.add_argument("--pilot", action="append", default=[], metavar="DEVICE_ID",
                         help="a counter that tries the draft (repeat for more)")
        pub.add_argument("--by", default="admin", type=text(200))
        pub.set_defaults(func=_publish, kind=kind)
        pro = sub.add_parser("promote", parents=[db_opt],
                             help="publish a draft to every counter")
        pro.add_argument("version", type=text(40))
        pro.set_defaults(func=_promote, kind=kind)
        lst = sub.add_parser("list", parents=[db_opt],
                             help="every version, newest first, with the counters using it")
        lst.set_defaults(func=_list, kind=kind)
    dev = csub.add_parser("devices", parents=[db_opt],
                          help="every counter: unit, last contact, its latest health report "
                               "and what is wrong (JSON; the failing ones first)")
    dev.add_argument("--stale-hours", type=float_range(0.01, 24 * 365), default=None,
                     help="no report for this long is stale (default 24)")
    dev.add_argument("--unit", default=None, type=text(60))
    dev.add_argument("--problems", action="store_true",
                     help="only the counters that need someone; exit 3 when there are any")
    dev.set_defaults(func=_devices)
    user = csub.add_parser("user", help="the province page's accounts")
    usub = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = usub.add_parser("add", parents=[db_opt],
                          help="add an account; the password is read from stdin")
    add.add_argument("name", type=text(64))
    add.add_argument("--role", required=True, choices=("province", "unit"))
    add.add_argument("--unit", default=None, type=text(60))
    add.set_defaults(func=_user_add)


def _db(args: argparse.Namespace) -> Any:
    from kiosk.cli.central_db import open_db_of

    return open_db_of(args)


def _api(call: Any) -> Any:
    from central.common import ApiError

    try:
        return call()
    except ApiError as exc:
        kind = NotFound if exc.status == 404 else InvalidInput
        raise kind(exc.message) from None


#: A catalog, calendar or form set published to every counter (the catalog's own cap).
PUBLISH_MAX_BYTES = 50 << 20


def _publish(args: argparse.Namespace) -> Any:
    from central import fleet

    if args.pilot and not args.draft:
        raise InvalidInput(_("--pilot chỉ dùng cùng --draft."),
                           hint=_("Bản chính thức đến mọi quầy; bản nháp đến các quầy thử."))
    from kiosk.input_file import read_bytes

    content = read_bytes(args.file, max_bytes=PUBLISH_MAX_BYTES)
    return _api(lambda: fleet.publish(_db(args), args.kind, content, draft=args.draft,
                                      pilots=args.pilot, by=args.by))


def _promote(args: argparse.Namespace) -> Any:
    from central import fleet

    return _api(lambda: fleet.promote(_db(args), args.kind, args.version.strip()))


def _list(args: argparse.Namespace) -> Any:
    from central import fleet

    return fleet.publications(_db(args), args.kind)


def _devices(args: argparse.Namespace) -> Any:
    import sys

    from central import fleet
    from kiosk.cli import emit

    found = fleet.devices(_db(args), stale_hours=args.stale_hours or fleet.STALE_HOURS,
                          unit=args.unit)
    if args.problems:
        found = [d for d in found if d["problems"]]
        emit(found)
        if found:
            print(_("{n} quầy cần xem: {names}", n=len(found),
                    names=", ".join(f"{d['unit_code']}/{d['name'] or d['id'][:8]}"
                                    for d in found)), file=sys.stderr)
            return 3
        return 0
    return found


def _user_add(args: argparse.Namespace) -> Any:
    from central import province_auth

    password = read_stdin_text(_("mật khẩu")).rstrip("\r\n")
    return province_auth.add_user(_db(args), args.name, password, args.role, args.unit)
