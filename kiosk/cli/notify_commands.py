"""``kiosk notify --once|list|retry``: the notices to citizens (docs/ELSEWHERE.md)."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli import command_help
from kiosk.cli.argtypes import int_range, text
from kiosk.cli.common import open_store
from kiosk.errors import NotFound
from kiosk.i18n import _


def register(sub: Any) -> None:
    p = sub.add_parser("notify", help=command_help("notify"))
    p.add_argument("--once", action="store_true",
                   help="queue what is new and send what is due, once (JSON counts)")
    nsub = p.add_subparsers(dest="notify_command", metavar="ACTION")
    c = nsub.add_parser("list", help="the notices of a dossier, or every one not sent")
    c.add_argument("code", nargs="?", type=text(64), help="dossier code")
    c = nsub.add_parser("retry", help="send a failed or uncertain notice again")
    c.add_argument("id", type=int_range(1, 1 << 62))
    p.set_defaults(func=_notify)


def _notify(args: argparse.Namespace) -> Any:
    from kiosk.storage import notices

    with open_store() as store:
        if args.notify_command == "retry":
            if not store.call(lambda db: notices.retry(db, args.id)):
                raise NotFound(_("Không có thông báo {id} đang lỗi hoặc chưa rõ.", id=args.id),
                               hint=_("Xem danh sách bằng «kiosk notify list»."))
            args.once = True
        if args.notify_command == "list":
            if args.code:
                dossier_id = store.get_dossier(args.code)["id"]
                return store.read(lambda db: notices.of_dossier(db, dossier_id))
            return store.read(lambda db: list(db.query(
                "SELECT n.id, d.code, n.kind, n.channel, n.address, n.state, n.attempts,"
                " n.last_error FROM notices n JOIN dossiers d ON d.id = n.dossier_id"
                " WHERE n.state != 'sent' ORDER BY n.id")))
        # A notice left "sending" is only ever from a dead process: the app runs its own
        # passes under the sync lock, so this command takes it too.
        from kiosk import paths
        from kiosk.notices import run_pass
        from kiosk.sync.worker import AlreadyRunning, InstanceLock

        lock = InstanceLock(paths.data_dir() / "sync.lock")
        try:
            lock.acquire()
        except AlreadyRunning:
            if args.notify_command == "retry":
                return {"retried": args.id}  # the app's own pass sends it
            raise
        try:
            return run_pass(store, first=True)
        finally:
            lock.release()
