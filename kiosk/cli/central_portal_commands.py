"""``kiosk central portal push|failed|list|retry|emulator``: the national portal push
(issue 25 §4; central/portal_push.py). Settings come from the environment only
(central/portal_settings.py), so no secret is ever in argv."""

from __future__ import annotations

import argparse
import os
from typing import Any

from kiosk.cli.argtypes import int_range, output_file, text
from kiosk.errors import InvalidInput, NotFound
from kiosk.i18n import _


def register(csub: Any, db_opt: argparse.ArgumentParser) -> None:
    p = csub.add_parser("portal", help="the push to the national portal (DongBoHoSoMC, "
                                       "CapNhatTienDoHoSoMC)")
    psub = p.add_subparsers(dest="portal_command", metavar="ACTION", required=True)
    push = psub.add_parser("push", parents=[db_opt],
                           help="send what is owed to the portal (settings: KIOSK_PORTAL_*)")
    push.add_argument("--once", action="store_true",
                      help="one pass, then print the counts (JSON); else until interrupted")
    push.set_defaults(func=_push)
    failed = psub.add_parser("failed", parents=[db_opt],
                             help="items that need a person, with the portal's answer (JSON)")
    failed.add_argument("--unit", default=None, type=text(100), help="only this unit")
    failed.set_defaults(func=_failed)
    listing = psub.add_parser("list", parents=[db_opt],
                              help="every queued item (of one dossier), with its state (JSON)")
    listing.add_argument("code", nargs="?", default=None, type=text(100))
    listing.set_defaults(func=_list)
    retry = psub.add_parser("retry", parents=[db_opt],
                            help="send a failed item again (after its cause was fixed)")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("item_id", metavar="ID", type=int_range(1, 1 << 62), nargs="?",
                       help="the item's number (kiosk central portal failed)")
    which.add_argument("--all", action="store_true", help="every failed item")
    retry.add_argument("--unit", default=None, type=text(100), help="with --all: only this unit")
    retry.set_defaults(func=_retry)
    emu = psub.add_parser("emulator", help="run a stand-in for the portal's sync API on "
                                           "127.0.0.1 (for tests and trials)")
    emu.add_argument("--port", type=int_range(1, 65535), required=True)
    emu.add_argument("--state", type=output_file, required=True,
                     help="its SQLite file: what it received survives a restart")
    emu.add_argument("--user", type=text(200), required=True,
                     help="the account it accepts (password: $KIOSK_PORTAL_PASSWORD)")
    emu.add_argument("--unit", type=text(100), action="append", required=True,
                     help="a madonvi it accepts (repeat for more)")
    emu.add_argument("--dstcode", type=text(100, empty=True), default="",
                     help="the dstcode header it requires (default: none)")
    emu.set_defaults(func=_emulator)


def _settings() -> Any:
    from central.portal_settings import PortalSettings

    settings = PortalSettings.from_env()
    if not settings.configured:
        raise InvalidInput(_("Chưa cấu hình cổng dịch vụ công quốc gia."),
                           hint=_("Đặt KIOSK_PORTAL_URL, KIOSK_PORTAL_UNIT, KIOSK_PORTAL_USER "
                                  "và KIOSK_PORTAL_PASSWORD trong môi trường của máy chủ."))
    return settings


def _push(args: argparse.Namespace) -> Any:
    from central import portal_outbox
    from central.portal_push import Pusher, push_once
    from kiosk.cli.central_db import open_db_of

    settings = _settings()
    db = open_db_of(args)
    if args.once:
        counts = push_once(db, settings)
        return {**counts, "queue": portal_outbox.counts(db)}
    pusher = Pusher(db, settings)
    try:
        pusher.run()  # until Ctrl-C; the CLI turns that into a clean exit
    finally:
        pusher.stop(0)
    return None


def _failed(args: argparse.Namespace) -> Any:
    from central import portal_outbox
    from kiosk.cli.central_db import open_db_of

    return portal_outbox.failed(open_db_of(args), args.unit)


def _list(args: argparse.Namespace) -> Any:
    from central import portal_outbox
    from kiosk.cli.central_db import open_db_of

    return portal_outbox.items(open_db_of(args), args.code)


def _retry(args: argparse.Namespace) -> Any:
    from central import portal_outbox
    from kiosk.cli.central_db import open_db_of

    if args.all:
        return portal_outbox.retry_all(open_db_of(args), args.unit)
    item = portal_outbox.retry(open_db_of(args), args.item_id)
    if item is None:
        raise NotFound(_("Không có mục gửi cổng dịch vụ công số {id}.", id=args.item_id),
                       hint=_("Xem danh sách bằng: kiosk central portal failed"))
    if not item["requeued"]:
        raise InvalidInput(_("Mục {id} không ở trạng thái lỗi (đang là {state}).",
                             id=args.item_id, state=item["state"]))
    return item


def _emulator(args: argparse.Namespace) -> Any:
    from central.portal_emulator import serve

    password = os.environ.get("KIOSK_PORTAL_PASSWORD", "")
    if not password:
        raise InvalidInput(_("Trình giả lập cần mật khẩu trong KIOSK_PORTAL_PASSWORD."))
    serve(args.port, args.state, args.user, password, set(args.unit), args.dstcode)
    return None
