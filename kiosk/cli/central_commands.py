"""``kiosk central serve|device add|export|status`` — the reference central server."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kiosk import paths
from kiosk.errors import InvalidInput, NotFound
from kiosk.i18n import _


def _default_db() -> str:
    return str(paths.data_dir() / "central" / "central.sqlite3")


def _default_blobs() -> Path:
    return paths.data_dir() / "central" / "blobs"


def register(sub: Any) -> None:
    p = sub.add_parser("central", help="the reference central one-stop server")
    p.add_argument("--db", default=None,
                   help="database: a SQLite path or postgresql://... (default: under KIOSK_HOME)")
    # --db is accepted before or after the action (``kiosk central serve --db URL``).
    db_opt = argparse.ArgumentParser(add_help=False)
    db_opt.add_argument("--db", dest="db_sub", default=None, metavar="DB",
                        help="database: a SQLite path or postgresql://...")
    csub = p.add_subparsers(dest="central_command", metavar="ACTION", required=True)
    serve = csub.add_parser("serve", parents=[db_opt],
                            help="run the server (HTTP; put TLS in front of it)")
    serve.add_argument("--blobs", type=Path, default=None, help="directory for scans")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--trust", type=Path, default=None,
                       help="CA bundle (PEM) the signatures of uploaded files are checked "
                            "against (default: $KIOSK_CENTRAL_TRUST)")
    serve.set_defaults(func=_serve)
    device = csub.add_parser("device", help="counters (devices) and admins")
    dsub = device.add_subparsers(dest="device_command", metavar="ACTION", required=True)
    add = dsub.add_parser("add", parents=[db_opt],
                          help="create a device and print its token (shown once)")
    group = add.add_mutually_exclusive_group(required=True)
    group.add_argument("--unit", help="unit code the device writes for")
    group.add_argument("--admin", action="store_true", help="an admin token instead")
    add.add_argument("--name", default="")
    add.set_defaults(func=_device_add)
    export = csub.add_parser("export", parents=[db_opt],
                             help="a dossier in the national portal's field names")
    export.add_argument("code")
    export.set_defaults(func=_export)
    status = csub.add_parser("status", parents=[db_opt],
                             help="move a dossier to status N (provincial side)")
    status.add_argument("code")
    status.add_argument("--to", type=int, required=True)
    status.add_argument("--note", default="")
    status.add_argument("--by", default="admin")
    status.set_defaults(func=_status)


def _db_url(args: argparse.Namespace) -> str:
    return str(getattr(args, "db_sub", None) or args.db or _default_db())


def _db(args: argparse.Namespace) -> Any:
    from central.db import Database

    return Database(_db_url(args))


def _serve(args: argparse.Namespace) -> int:
    from central.runner import serve

    if args.trust is not None:
        from kiosk.signing.verify import load_trust

        load_trust(args.trust)  # a bad bundle is a clear error now, not at the first upload
    serve(_db_url(args), args.blobs or _default_blobs(), args.host, args.port,
          **({"trust_file": args.trust} if args.trust else {}))
    return 0


def _device_add(args: argparse.Namespace) -> Any:
    from central import service
    from kiosk.config import UNIT_CODE_RE

    if args.admin:
        return service.add_device(_db(args), "ADMIN", args.name, role="admin") | {"role": "admin"}
    if not UNIT_CODE_RE.match(args.unit):
        raise InvalidInput(_("Mã định danh đơn vị «{code}» không hợp lệ.", code=args.unit),
                           hint=_("Ví dụ: 000.00.04.H40"))
    return service.add_device(_db(args), args.unit, args.name) | {"role": "device"}


def _find(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    from central import service

    db = _db(args)
    row = service.find_dossier(db, code=args.code)
    if row is None:
        raise NotFound(_("Máy chủ không có hồ sơ {code}.", code=args.code),
                       hint=_("Kiểm tra mã hồ sơ hoặc chờ quầy đồng bộ."))
    return db, row


def _export(args: argparse.Namespace) -> Any:
    from central import service
    from central.portal import export_dossier

    row = _find(args)[1]
    return export_dossier(service.dossier_state(row))


def _status(args: argparse.Namespace) -> Any:
    from central import service

    db, _row = _find(args)
    try:
        return service.set_status(db, args.code, args.to, args.note, args.by)
    except service.ApiError as exc:
        raise InvalidInput(exc.message) from exc
