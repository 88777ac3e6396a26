"""``kiosk sync enroll|status|run`` and ``kiosk sync --once``."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli import command_help
from kiosk.cli.argtypes import float_range, input_file, read_stdin_text, shown, text
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
    enroll.add_argument("--server", required=True, type=text(2000))
    token = enroll.add_mutually_exclusive_group(required=True)
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


def _enroll(args: argparse.Namespace) -> Any:
    from kiosk.config import Config
    from kiosk.sync import credentials
    from kiosk.sync.engine import SyncEngine  # noqa: F401 - fail early if deps are missing
    from kiosk.sync.transport import check_server_url, make_client

    url = _server_url(args.server, check_server_url)
    ca = _ca_file(args.ca)
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
    return {"server": url, "ca_file": ca, "enrolled": True}


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
        try:
            raw = args.token_file.read_bytes()[:4096].decode("utf-8-sig")
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


def _once(args: argparse.Namespace) -> Any:
    if not args.once:
        return _status(args)
    import sys

    from kiosk.cli import emit

    lock = _lock()
    lock.acquire()
    try:
        engine = _engine()
        try:
            result = engine.run_once(ignore_backoff=args.now)
        finally:
            engine.store.close()
    finally:
        lock.release()
    emit(result)
    if result.get("ok", True):
        return 0
    # Nothing is lost (every item is still waiting); say why this pass did not finish.
    print(result.get("error") or result.get("last_error") or "", file=sys.stderr)
    return 1


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
    from kiosk.sync import credentials
    from kiosk.sync.status import sync_status

    config = Config.load()
    url = config.get("sync.server_url")
    store = Store(orphan_grace_seconds=None)
    try:
        out = {"server": url or None, **sync_status(store)}
    finally:
        store.close()
    try:
        out["enrolled"] = bool(url and credentials.load_token(url))
    except credentials.CredentialsError as exc:
        out["enrolled"] = False
        out["credentials_error"] = exc.message
    return out
