"""``kiosk decode IMAGE...`` and ``kiosk listen``: barcodes from files and from readers."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path
from typing import Any

from kiosk.cli import command_help
from kiosk.cli.argtypes import float_range, input_file, int_range, shown, text
from kiosk.errors import ConfigError, InvalidInput, KioskError
from kiosk.i18n import _
from kiosk.safe_text import is_ascii_digits


def register(sub: Any) -> None:
    p = sub.add_parser("decode", help=command_help("decode"))
    p.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    p.add_argument("--formats", default=None, type=text(200, empty=True),
                   help="extra symbologies besides QR and Code128, comma-separated "
                        "(default: barcode.extra_formats)")
    p.add_argument("--engine", choices=("auto", "zxing", "zbar"), default="auto",
                   help="auto: zxing-cpp, then zbar in binary mode (default)")
    p.add_argument("--all", dest="exhaustive", action="store_true",
                   help="keep looking after the first code (slower; pages with several codes)")
    p.set_defaults(func=_decode)

    p = sub.add_parser("listen", help=command_help("listen"))
    p.add_argument("--serial", metavar="PORT", default=None, type=text(200),
                   help="serial/virtual COM port (default: barcode.serial_port)")
    p.add_argument("--camera", metavar="N", default=None, type=text(1000),
                   help="camera number or video file (default: barcode.camera)")
    p.add_argument("--wedge", action="store_true",
                   help="read a keyboard-wedge reader typing into this terminal")
    p.add_argument("--count", type=int_range(0, 1_000_000), default=0,
                   help="stop after this many reads")
    p.add_argument("--duration", type=float_range(0, 366 * 86400, above=False), default=0.0,
                   help="stop after this many seconds")
    p.set_defaults(func=_listen)


def _decode(args: argparse.Namespace) -> int:
    import os

    # Broken files make OpenCV log C-level errors; our own message says it plainly.
    os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
    from kiosk.cli import emit
    from kiosk.config import Config
    from kiosk.devices.barcode.decode import ImageDecoder
    from kiosk.devices.barcode.routing import classify

    config = Config.load()
    extra = (args.formats.split(",") if args.formats is not None
             else list(config.get("barcode.extra_formats")))
    engines = ("zxing", "zbar") if args.engine == "auto" else (args.engine,)
    decoder = ImageDecoder([e for e in extra if e.strip()], engines=engines)
    status = 0
    for path in args.images:
        try:
            found = decoder.decode_file(path, exhaustive=args.exhaustive)
        except KioskError as exc:
            print(exc.message, file=sys.stderr)
            if exc.hint:
                print(exc.hint, file=sys.stderr)
            status = 2
            continue
        if not found:
            print(_("Không tìm thấy mã vạch nào trong {path}.", path=str(path)), file=sys.stderr)
            status = max(status, 1)
        for item in found:
            c = classify(item.text)
            line: dict[str, Any] = {"file": str(path), "text": item.text,
                                    "symbology": item.symbology, "kind": c.kind,
                                    "parsed": c.parsed, "engine": item.engine}
            if c.warning:
                line["warning"] = c.warning
            if c.problem is not None and c.kind != "other":
                line["problem"] = c.problem.message
            emit(line)
    return status


def _listen(args: argparse.Namespace) -> int:
    import os

    from kiosk.cli import emit
    from kiosk.config import Config
    from kiosk.devices.barcode.routing import Router
    from kiosk.devices.barcode.source import Read, ThreadedSource
    from kiosk.errors import DeviceError

    os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")  # our own message says it plainly
    config = Config.load()
    router = Router(str(config.get("unit.code")))
    lock = threading.Lock()
    done = threading.Event()
    count = 0
    failed: list[DeviceError] = []

    def on_read(read: Read) -> None:
        nonlocal count
        routed = router.route(read)
        with lock:
            if routed is None or done.is_set():
                return
            emit(routed.to_json())
            count += 1
            if args.count and count >= args.count:
                done.set()

    def on_error(error: DeviceError) -> None:
        with lock:
            failed.append(error)
            print(error.message, file=sys.stderr)
            if error.hint:
                print(error.hint, file=sys.stderr)
            sys.stderr.flush()

    from kiosk.devices.barcode.readers import camera_spec, camera_target, serial_spec

    sources: list[ThreadedSource] = []
    port = args.serial if args.serial is not None else str(config.get("barcode.serial_port"))
    if port:
        sources.append(serial_spec(config, port).create())
    camera: str | int = args.camera if args.camera is not None else camera_target(config)
    if isinstance(camera, str) and is_ascii_digits(camera.lstrip("-")):
        camera = int(camera)
        if not -1 <= camera <= 99:
            raise InvalidInput(_("Số camera {n} không hợp lệ.", n=camera),
                               hint=_("Dùng số từ 0 đến 99 (-1: không dùng), hoặc một tệp video."))
    elif isinstance(camera, str) and camera and "://" not in camera:
        try:
            input_file(camera)
        except argparse.ArgumentTypeError as exc:
            raise InvalidInput(_("Camera «{value}»: {problem}", value=shown(camera),
                                 problem=str(exc)),
                               hint=_("Dùng số camera (0, 1…) hoặc một tệp video.")) from None
    if camera != -1 and camera != "":
        sources.append(camera_spec(config, str(camera)).create())
    if not sources and not args.wedge:
        raise ConfigError(
            _("Chưa có đầu đọc mã vạch nào để nghe."),
            hint=_("Dùng --serial CỔNG, --camera SỐ hoặc --wedge, hoặc đặt barcode.serial_port "
                   "/ barcode.camera bằng kiosk config set."),
        )
    for source in sources:
        source.start(on_read, on_error)
    deadline = time.monotonic() + args.duration if args.duration else None
    try:
        if args.wedge:
            _wedge_loop(config, on_read, done, deadline)
        else:
            while not done.is_set():
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                if not args.wedge and len(failed) >= len(sources) and _all_dead(sources):
                    break  # nothing left that could ever read: say so rather than wait
                done.wait(0.2 if remaining is None else min(0.2, remaining))
    finally:
        for source in sources:
            source.stop()
    if failed:
        # The messages are already on stderr; a script must not take this for success.
        return failed[0].exit_code
    return 0


def _all_dead(sources: list[Any]) -> bool:
    """True when no reader is working: each is waiting to retry or has ended."""
    from kiosk.devices.barcode.source import ENDED, RETRYING, STOPPED

    return bool(sources) and all(s.status.state in (RETRYING, ENDED, STOPPED) for s in sources)


def _wedge_loop(config: Any, on_read: Any, done: threading.Event,
                deadline: float | None) -> None:
    """Feed this terminal's keys to the burst detector, as the UI's key filter will."""
    import select
    import termios
    import tty

    from kiosk.cli import emit
    from kiosk.devices.barcode.wedge import KeyEvent, WedgeDetector, WedgeSettings

    detector = WedgeDetector(WedgeSettings.from_config(config), on_read=on_read)
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd) if sys.stdin.isatty() else None
    if saved is not None:
        tty.setcbreak(fd)  # keys one by one, as typed, without waiting for Enter
    typed: list[str] = []

    def show(events: list[KeyEvent]) -> None:
        typed.extend("\n" if e.is_enter else e.text for e in events)
        if typed and typed[-1] == "\n":
            emit({"typing": "".join(typed).rstrip("\n")})
            typed.clear()

    try:
        while not done.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                break
            ready, _w, _x = select.select([fd], [], [], 0.01)
            now = time.monotonic()
            if not ready:
                show(detector.poll(now))
                continue
            data = _read_utf8_char(fd)
            if not data:
                break  # end of input
            show(detector.feed(KeyEvent(data, now)))
        show(detector.poll(time.monotonic() + 10))
        if typed:
            emit({"typing": "".join(typed)})
    finally:
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _read_utf8_char(fd: int) -> str:
    import os

    first = os.read(fd, 1)
    if not first:
        return ""
    extra = 0
    if first[0] >= 0xF0:
        extra = 3
    elif first[0] >= 0xE0:
        extra = 2
    elif first[0] >= 0xC0:
        extra = 1
    data = first + (os.read(fd, extra) if extra else b"")
    return data.decode("utf-8", "replace")
