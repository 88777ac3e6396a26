"""``kiosk central serve|device add|export|status`` — the reference central server."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli import command_help
from kiosk.cli.argtypes import (
    float_range,
    input_file,
    int_range,
    iso_day,
    output_dir,
    shown,
    text,
)
from kiosk.cli.central_db import db_url, default_blobs, find_dossier, open_db, open_db_of
from kiosk.errors import InvalidInput, NotFound
from kiosk.i18n import _
from kiosk.limits import NOTE_MAX, PERSON_MAX


def register(sub: Any) -> None:
    p = sub.add_parser("central", help=command_help("central"))
    p.add_argument("--db", default=None,
                   help="database: a SQLite path or postgresql://... (default: under KIOSK_HOME)")
    # --db is accepted before or after the action (``kiosk central serve --db URL``).
    db_opt = argparse.ArgumentParser(add_help=False)
    db_opt.add_argument("--db", dest="db_sub", default=None, metavar="DB",
                        help="database: a SQLite path or postgresql://...")
    csub = p.add_subparsers(dest="central_command", metavar="ACTION", required=True)
    serve = csub.add_parser("serve", parents=[db_opt],
                            help="run the server (HTTP; put TLS in front of it)")
    serve.add_argument("--blobs", type=output_dir, default=None, help="directory for scans")
    serve.add_argument("--host", default="127.0.0.1", type=text(255))
    serve.add_argument("--port", type=int_range(1, 65535), default=8765)
    serve.add_argument("--trust", type=input_file, default=None,
                       help="CA bundle (PEM) the signatures of uploaded files are checked "
                            "against (default: $KIOSK_CENTRAL_TRUST)")
    _limit_options(serve)
    serve.set_defaults(func=_serve)
    device = csub.add_parser("device", help="counters (devices) and admins")
    dsub = device.add_subparsers(dest="device_command", metavar="ACTION", required=True)
    add = dsub.add_parser("add", parents=[db_opt],
                          help="create a device and print its token (shown once)")
    group = add.add_mutually_exclusive_group(required=True)
    group.add_argument("--unit", help="unit code the device writes for")
    group.add_argument("--admin", action="store_true", help="an admin token instead")
    add.add_argument("--name", default="", type=text(200, empty=True))
    add.add_argument("--expires", type=_expiry_date, default=None, metavar="YYYY-MM-DD",
                     help="the token is refused after this day (server time); default: never")
    add.set_defaults(func=_device_add)
    listing = dsub.add_parser("list", parents=[db_opt],
                              help="every device: unit, name, created, last seen, bound "
                                   "machine, expiry, revoked (JSON)")
    listing.set_defaults(func=_device_list)
    revoke = dsub.add_parser("revoke", parents=[db_opt],
                             help="revoke a device's token: its next request is refused")
    revoke.add_argument("device_id", metavar="ID",
                        help="the device's id (kiosk central device list), or a unique "
                             "beginning of it (8 characters at least)")
    revoke.set_defaults(func=_device_revoke)
    export = csub.add_parser("export", parents=[db_opt],
                             help="a dossier in the national portal's field names")
    export.add_argument("code")
    export.set_defaults(func=_export)
    handover = csub.add_parser("handover", parents=[db_opt],
                               help="what a counter handed over for a dossier (JSON): per "
                                    "result paper, electronic or both, printed or sent")
    handover.add_argument("code")
    handover.set_defaults(func=_handover)
    status = csub.add_parser("status", parents=[db_opt],
                             help="move a dossier to status N (provincial side)")
    status.add_argument("code")
    status.add_argument("--to", type=int_range(1, 10), required=True)
    status.add_argument("--note", default="", type=text(NOTE_MAX, empty=True))
    status.add_argument("--by", default="admin", type=text(PERSON_MAX))
    status.set_defaults(func=_status)
    result = csub.add_parser("result", parents=[db_opt],
                             help="attach a result document (PDF) the province issued to a "
                                  "dossier; its counters download it at their next sync")
    result.add_argument("code")
    result.add_argument("--file", type=input_file, required=True, help="the result, a PDF")
    result.add_argument("--kind", type=text(64), required=True,
                        help="result document kind code, e.g. KQ.G15.000031")
    result.add_argument("--number", type=text(100), required=True, help="số, ký hiệu")
    result.add_argument("--issued", type=_day, required=True, metavar="YYYY-MM-DD")
    result.add_argument("--valid-until", type=_day, default=None, metavar="YYYY-MM-DD")
    result.add_argument("--issuer", type=text(300, empty=True), default="",
                        help="the issuing body (cơ quan ban hành)")
    result.add_argument("--result-code", type=text(128), default=None,
                        help="its digitisation code when the province assigned one")
    result.add_argument("--blobs", type=output_dir, default=None,
                        help="the server's scan directory (as given to serve)")
    result.set_defaults(func=_result)
    from kiosk.cli import central_report_commands

    central_report_commands.register(csub, db_opt)
    from kiosk.cli import central_incoming_commands

    central_incoming_commands.register(csub, db_opt)
    from kiosk.cli import fleet_commands

    fleet_commands.register(csub, db_opt)
    from kiosk.cli import central_portal_commands

    central_portal_commands.register(csub, db_opt)


def _limit_options(serve: argparse.ArgumentParser) -> None:
    """The connection and body limits (central/limits.py, docs/SCALING.md)."""
    from central.limits import MIB, ServerLimits

    d = ServerLimits()
    group = serve.add_argument_group("limits per process (docs/SCALING.md)")
    group.add_argument("--max-connections", type=int_range(1, 1_000_000),
                       default=d.max_connections, help="open connections (default %(default)s)")
    group.add_argument("--header-timeout", type=float_range(0, 3600), default=d.header_timeout,
                       help="seconds to send a request's headers (default %(default)s)")
    group.add_argument("--body-timeout", type=float_range(0, 3600), default=d.body_timeout,
                       help="seconds a body may take, plus one per --body-min-rate bytes "
                            "received (default %(default)s)")
    group.add_argument("--body-min-rate", type=int_range(1, 1 << 30), default=d.body_min_rate,
                       help="bytes per second that extend --body-timeout (default %(default)s)")
    group.add_argument("--keep-alive", type=float_range(0, 3600),
                       default=d.keep_alive_timeout,
                       help="seconds an idle connection stays open (default %(default)s)")
    group.add_argument("--max-json-kb", type=int_range(1, 1 << 20),
                       default=d.max_json_body // 1024,
                       help="largest JSON body in KiB (default %(default)s)")
    group.add_argument("--max-blob-mb", type=int_range(1, 1 << 20),
                       default=d.max_blob_size // MIB,
                       help="largest scan in MiB (default %(default)s)")


def _limits(args: argparse.Namespace) -> Any:
    from central.limits import MIB, ServerLimits

    return ServerLimits(max_connections=args.max_connections,
                        header_timeout=args.header_timeout, body_timeout=args.body_timeout,
                        body_min_rate=args.body_min_rate, keep_alive_timeout=args.keep_alive,
                        max_json_body=args.max_json_kb * 1024,
                        max_blob_size=args.max_blob_mb * MIB)


def _serve(args: argparse.Namespace) -> int:
    from central.runner import serve

    url = db_url(args)
    blobs = args.blobs or default_blobs()
    try:
        for sub_dir in ("blobs", "partial", "tmp"):
            (blobs / sub_dir).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(
            _("Không tạo được thư mục lưu tệp {path}: {error}", path=shown(str(blobs)),
              error=exc.strerror or str(exc)),
            hint=_("Chọn thư mục khác bằng --blobs, hoặc kiểm tra quyền ghi.")) from None
    _check_bind(args.host, args.port)
    open_db(url).close()  # a file that is no database is refused before serving
    from central.portal_settings import PortalSettings

    PortalSettings.from_env()  # a bad portal setting is a message now, not a dead pusher
    if args.trust is not None:
        from kiosk.signing.verify import load_trust

        load_trust(args.trust)  # a bad bundle is a clear error now, not at the first upload
    serve(url, blobs, args.host, args.port, limits=_limits(args),
          **({"trust_file": args.trust} if args.trust else {}))
    return 0


def _check_bind(host: str, port: int) -> None:
    """Bind once before starting, so a bad host or a taken port is a message, not a trace."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, _t, _p, _c, address = infos[0]
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
    except (OSError, UnicodeError) as exc:
        raise InvalidInput(
            _("Không mở được cổng {host}:{port}: {error}", host=shown(host), port=port,
              error=getattr(exc, "strerror", None) or str(exc)),
            hint=_("Cổng đã có chương trình khác dùng, hoặc địa chỉ không thuộc máy này.")
        ) from None


def _expiry_date(value: str) -> str:
    """``YYYY-MM-DD`` today or later → the first moment after that day, server time (ISO)."""
    from datetime import datetime, time, timedelta

    from kiosk import clock

    day = iso_day(value)
    if day < clock.now().date():
        raise argparse.ArgumentTypeError(_("ngày {day} đã qua.", day=day.isoformat()))
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=clock.zone())
    return clock.iso(end)


def _device_add(args: argparse.Namespace) -> Any:
    from central import service
    from kiosk.config_checks import UNIT_CODE_RE

    if args.admin:
        return service.add_device(open_db_of(args), "ADMIN", args.name, role="admin",
                                  expires_at=args.expires) | {"role": "admin"}
    if not UNIT_CODE_RE.match(args.unit):
        raise InvalidInput(_("Mã định danh đơn vị «{code}» không hợp lệ.", code=args.unit),
                           hint=_("Ví dụ: 000.00.04.H40"))
    return service.add_device(open_db_of(args), args.unit, args.name,
                              expires_at=args.expires) | {"role": "device"}


def _device_list(args: argparse.Namespace) -> Any:
    from central import service

    return service.list_devices(open_db_of(args))


def _device_revoke(args: argparse.Namespace) -> Any:
    from central import service

    db = open_db_of(args)
    wanted = args.device_id.strip().lower()
    found = [d["id"] for d in service.list_devices(db)
             if d["id"] == wanted or (len(wanted) >= 8 and d["id"].startswith(wanted))]
    if len(found) != 1:
        message = (_("Có {n} thiết bị có mã bắt đầu bằng «{id}».", n=len(found), id=shown(wanted))
                   if found else _("Không có thiết bị «{id}».", id=shown(wanted)))
        raise NotFound(message, hint=_("Xem mã thiết bị bằng «kiosk central device list»; "
                                       "gõ đủ mã hoặc ít nhất 8 ký tự đầu không trùng."))
    return service.revoke_device(db, found[0])


def _export(args: argparse.Namespace) -> Any:
    from central import service

    db, row = find_dossier(args)
    return service.portal_export(db, row)


def _handover(args: argparse.Namespace) -> Any:
    from central.handover import for_code

    db, row = find_dossier(args)
    return for_code(db, row["code"])


def _day(value: str) -> Any:
    from kiosk.result_code import parse_day

    try:
        return parse_day(value, "date")
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _result(args: argparse.Namespace) -> Any:
    from central import results
    from central.blobstore import BlobStore
    from central.common import ApiError

    db = open_db_of(args)
    from kiosk.input_file import MAX_PDF_BYTES, read_bytes

    data = read_bytes(args.file, max_bytes=MAX_PDF_BYTES, what=_("tệp PDF"))
    blobs = BlobStore(args.blobs or default_blobs())
    try:
        return results.attach(db, blobs, args.code, data, kind=args.kind.strip(),
                              number=args.number.strip(), issued=args.issued,
                              valid_until=args.valid_until, issuer=args.issuer.strip(),
                              result_code=args.result_code)
    except ApiError as exc:
        if exc.status == 404:
            raise NotFound(exc.message, hint=_("Kiểm tra lại mã hồ sơ.")) from None
        raise InvalidInput(exc.message) from None


def _status(args: argparse.Namespace) -> Any:
    from central import service

    db, _row = find_dossier(args)
    try:
        return service.set_status(db, args.code, args.to, args.note, args.by)
    except service.ApiError as exc:
        raise InvalidInput(exc.message) from exc
