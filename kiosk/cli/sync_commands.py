"""``kiosk sync enroll|status|run`` and ``kiosk sync --once``."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kiosk.cli import command_help
from kiosk.cli.argtypes import (
    float_range,
    input_file,
    int_range,
    iso_day,
    read_stdin_text,
    shown,
    text,
)
from kiosk.errors import ConfigError, InvalidInput
from kiosk.i18n import _

#: What a device token may hold: the URL-safe base64 alphabet, bounded.
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~+/=")


def register(sub: Any) -> None:
    p = sub.add_parser("sync", help=command_help("sync"))
    p.add_argument("--once", action="store_true", help="one pass, then exit")
    p.add_argument("--now", action="store_true",
                   help="with --once: also retry items whose next attempt is not due yet")
    p.set_defaults(func=_once)
    ssub = p.add_subparsers(dest="sync_command", metavar="ACTION")
    enroll = ssub.add_parser("enroll", help="store the server address and device token")
    enroll.add_argument("--server", default=None, type=text(2000),
                        help="the server's address (the enrolment QR carries it)")
    token = enroll.add_mutually_exclusive_group(required=True)
    token.add_argument("--code", help="the one-time enrolment code, or the whole text of the "
                                      "province page's QR; - to read it from stdin (the "
                                      "barcode reader)")
    token.add_argument("--token", help="the device token, or - to read it from stdin "
                                       "(keeps it out of the process list and shell history)")
    token.add_argument("--token-file", type=input_file, metavar="FILE",
                       help="read the device token from FILE")
    enroll.add_argument("--ca", default="", help="PEM file of the province's CA")
    enroll.set_defaults(func=_enroll)
    status = ssub.add_parser("status", help="what is waiting, last success, last error (JSON)")
    status.set_defaults(func=_status)
    run = ssub.add_parser("run", help="keep syncing until stopped")
    run.add_argument("--interval", type=float_range(0, 86400), default=30.0)
    run.set_defaults(func=_run)
    audit = ssub.add_parser("audit", help="compare what the server holds with what this "
                                          "counter sent, per day; queue again what is missing")
    when = audit.add_mutually_exclusive_group()
    when.add_argument("--days", type=int_range(1, 3660), default=None,
                      help="today and the N-1 days before (default: sync.audit_days)")
    when.add_argument("--day", type=iso_day, default=None, help="one day, YYYY-MM-DD")
    audit.set_defaults(func=_audit)
    parked = ssub.add_parser("parked", help="items needing a person, with the server's reason")
    parked.set_defaults(func=_parked)
    retry = ssub.add_parser("retry", help="send parked items again (an operation id or a "
                                          "dossier code, or --all)")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("ids", nargs="*", default=[], metavar="ID", type=text(200))
    which.add_argument("--all", action="store_true")
    retry.set_defaults(func=_retry)


def _enroll(args: argparse.Namespace) -> Any:
    from kiosk.config import Config
    from kiosk.sync import credentials
    from kiosk.sync.engine import SyncEngine  # noqa: F401 - fail early if deps are missing
    from kiosk.sync.transport import check_server_url, make_client

    code, server = None, args.server
    if args.code is not None:
        from kiosk.sync.enrol import parse_payload

        code, carried = parse_payload(
            read_stdin_text("--code") if args.code == "-" else args.code)
        server = server or carried
    if not server:
        raise InvalidInput(_("Chưa có địa chỉ máy chủ."),
                           hint=_("Thêm --server URL, hoặc quét mã QR đăng ký của tỉnh."))
    url = _server_url(server, check_server_url)
    ca = _ca_file(args.ca)
    if code is not None:
        from kiosk.sync.enrol import redeem

        with make_client(url, ca) as http:
            token = redeem(http, code)
    else:
        token = _token(args)
    with make_client(url, ca) as http:
        try:
            r = http.get("/v1/changes", params={"limit": 1},
                         headers={"Authorization": f"Bearer {token}"})
        except Exception as exc:
            raise ConfigError(_("Không kết nối được máy chủ {url}: {error}", url=url,
                                error=str(exc) or type(exc).__name__),
                              hint=_("Kiểm tra mạng, địa chỉ và tệp CA.")) from exc
    if r.status_code == 401:
        from kiosk.sync.errors import refused_token
        from kiosk.sync.token_check import REFUSAL_CODES, error_code

        message = refused_token(r) if error_code(r) in REFUSAL_CODES else _(
            "Máy chủ không nhận mã truy cập này.")
        raise InvalidInput(message,
                           hint=_("Xin quản trị cấp lại mã: kiosk central device add --unit MÃ"))
    credentials.save_token(url, token)
    config = Config.load()
    config.set("sync.server_url", url)
    config.set("sync.ca_file", ca)
    config.save()
    return {"server": url, "ca_file": ca, "enrolled": True,
            **({"by": "code"} if code is not None else {})}


def _server_url(value: str, check: Any) -> str:
    try:
        return str(check(value))
    except ValueError:  # urlsplit: "http://[::1" and the like
        raise ConfigError(_("Địa chỉ máy chủ «{url}» không hợp lệ.", url=shown(value)),
                          hint=_("Dùng dạng https://motcua.tinh.gov.vn")) from None


def _ca_file(value: str) -> str:
    """The CA file must be a readable PEM with at least one certificate, checked now."""
    import ssl

    if not value:
        return ""
    path = input_file_or_config_error(value)
    try:
        ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, ValueError, OSError):
        raise ConfigError(
            _("Tệp CA {path} không chứa chứng thư PEM đọc được.", path=shown(value)),
            hint=_("Dùng tệp .pem do tỉnh cấp (bắt đầu bằng -----BEGIN CERTIFICATE-----)."),
        ) from None
    return str(path)


def input_file_or_config_error(value: str) -> Any:
    try:
        return input_file(value)
    except argparse.ArgumentTypeError as exc:
        raise ConfigError(_("Tệp CA: {problem}", problem=str(exc)),
                          hint=_("Dùng tệp .pem do tỉnh cấp.")) from None


def _token(args: argparse.Namespace) -> str:
    if args.token_file is not None:
        from kiosk.input_file import read_bytes

        try:
            raw = read_bytes(args.token_file, max_bytes=4096,
                             what=_("tệp mã truy cập")).decode("utf-8-sig")
        except UnicodeDecodeError:
            raw = "\x00"  # refused below, without echoing the bytes
    elif args.token == "-":
        raw = read_stdin_text("--token")
    else:
        raw = args.token
    token = raw.strip()
    if not token or len(token) > 512 or not set(token) <= _TOKEN_CHARS:
        raise InvalidInput(_("Mã truy cập của thiết bị không hợp lệ."),
                           hint=_("Dán đúng mã do lệnh kiosk central device add in ra "
                                  "(một dòng, không dấu cách)."))
    return token


def _engine() -> Any:
    from kiosk.storage import Store
    from kiosk.sync.background import build_engine

    store = Store()
    try:
        return build_engine(store)
    except BaseException:
        store.close()
        raise


def _lock() -> Any:
    from kiosk import paths
    from kiosk.sync.worker import InstanceLock

    return InstanceLock(paths.data_dir() / "sync.lock")


#: ``kiosk sync --once`` exit statuses (README, docs/SYNC-IMPL.md).
ALL_DELIVERED, STILL_WAITING, PASS_FAILED = 0, 1, 3


def _once(args: argparse.Namespace) -> Any:
    """0: everything delivered; 1: items still waiting or parked (``still_waiting`` in the
    JSON); 3: the pass failed with nothing waiting (offline, a bad answer); 2: not
    configured (not enrolled, a bad ``sync.ca_file``)."""
    if not args.once:
        return _status(args)
    import sys

    from kiosk.cli import emit

    with _locked_engine() as engine:
        result = engine.run_once(ignore_backoff=args.now)
    status = once_exit_status(result)
    emit(result)
    if status == STILL_WAITING:
        # Nothing is lost (every item is still here); say why it did not go.
        print(_("Còn {n} mục chưa gửi được.", n=result["still_waiting"]), result.get("error")
              or result.get("last_error") or "", file=sys.stderr)
    elif status == PASS_FAILED:
        print(result.get("error") or result.get("last_error") or "", file=sys.stderr)
    return status


def once_exit_status(result: dict[str, Any]) -> int:
    """The exit status of one pass's result (and ``still_waiting`` added to it)."""
    result["still_waiting"] = int(result.get("waiting") or 0) + int(
        result.get("needs_attention") or 0)
    if result["still_waiting"]:
        return STILL_WAITING
    return ALL_DELIVERED if result.get("ok") else PASS_FAILED


@contextmanager
def _locked_engine() -> Iterator[Any]:
    """The machine's sync lock (one sync process at a time) and an engine on a Store."""
    lock = _lock()
    lock.acquire()
    try:
        engine = _engine()
        try:
            yield engine
        finally:
            engine.http.close()
            engine.store.close()
    finally:
        lock.release()


def _audit(args: argparse.Namespace) -> int:
    from kiosk.cli import emit
    from kiosk.storage import outbox
    from kiosk.sync import state
    from kiosk.sync.audit import recent_days
    from kiosk.sync.errors import SyncFailed, describe

    with _locked_engine() as engine:
        days = [args.day] if args.day else recent_days(
            args.days or int(engine.store.config.get("sync.audit_days")))
        engine.store.call(state.ensure_tables)
        engine.store.call(outbox.recover_in_flight)
        try:
            result = engine.audit(days)
        except Exception as exc:
            import httpx

            from kiosk.sync.errors import Retry

            if not isinstance(exc, httpx.HTTPError | Retry):
                raise
            raise SyncFailed(_("Không đối chiếu được với máy chủ: {error}",
                               error=describe(exc)),
                             hint=_("Kiểm tra kết nối («kiosk sync status») rồi chạy lại."),
                             ) from None
    emit(result)
    return 0 if result["ok"] else 1


def _parked(_args: argparse.Namespace) -> Any:
    from kiosk.storage import Store
    from kiosk.sync import state

    store = Store(orphan_grace_seconds=None)
    try:
        store.call(state.ensure_tables)
        return {"parked": store.read(state.parked)}
    finally:
        store.close()


def _retry(args: argparse.Namespace) -> Any:
    from kiosk.sync import state

    def work(db: Any) -> list[str]:
        state.ensure_tables(db)
        if args.all:
            return state.retry_parked(db)
        items = state.parked(db)
        chosen: list[str] = []
        for wanted in args.ids:
            found = [p["id"] for p in items if wanted.strip() in (p["id"], p["code"])]
            if not found:
                raise InvalidInput(
                    _("Không có mục cần xử lý nào mang mã «{id}».", id=shown(wanted)),
                    hint=_("Xem danh sách bằng «kiosk sync parked»."))
            chosen += found
        return state.retry_parked(db, chosen)

    lock = _lock()
    lock.acquire()  # the sync worker must not be pushing these very items
    try:
        from kiosk.storage import Store

        store = Store(orphan_grace_seconds=None)
        try:
            retried = store.call(work)
        finally:
            store.close()
    finally:
        lock.release()
    return {"retried": retried, "count": len(retried)}


def _run(args: argparse.Namespace) -> int:
    import signal
    import threading

    from kiosk.cli import emit
    from kiosk.storage import Store
    from kiosk.sync.background import start_background_sync

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_a: done.set())
    store = Store()
    try:
        worker = start_background_sync(
            store, on_event=lambda e: emit(e) if e.get("kind") != "dossier" else None,
            interval=args.interval)
        try:
            done.wait()
        finally:
            worker.stop()
    finally:
        store.close()
    return 0


def _status(_args: argparse.Namespace) -> Any:
    from kiosk.config import Config
    from kiosk.storage import Store
    from kiosk.sync import credentials, state
    from kiosk.sync.status import sync_status

    config = Config.load()
    url = config.get("sync.server_url")
    store = Store(orphan_grace_seconds=None)
    try:
        out = {"server": url or None, **sync_status(store)}
        out["parked"] = store.read(lambda db: state.parked(db)[:100]) \
            if out["needs_attention"] else []
    finally:
        store.close()
    try:
        out["enrolled"] = bool(url and credentials.load_token(url))
    except credentials.CredentialsError as exc:
        out["enrolled"] = False
        out["credentials_error"] = exc.message
    return out
