"""``kiosk scan``, ``kiosk import`` and ``kiosk devices``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kiosk.cli import command_help
from kiosk.cli.argtypes import MAX_DPI, MIN_DPI, input_file, int_range, output_file, text
from kiosk.i18n import _


def register(sub: Any) -> None:
    scan = sub.add_parser("scan", help=command_help("scan"))
    scan.add_argument("--device", type=text(200), help="SANE device name (default: configured, else first)")
    scan.add_argument("--source", choices=("flatbed", "adf", "duplex"))
    scan.add_argument("--resolution", type=int_range(MIN_DPI, MAX_DPI),
                      help=f"dpi, {MIN_DPI}–{MAX_DPI} (default 200)")
    scan.add_argument("--mode", choices=("color", "gray"))
    scan.add_argument("--keep-blank", action="store_true",
                      help="keep blank pages in the PDF instead of setting them aside")
    scan.add_argument("--no-mrc", action="store_true", help="JPEG instead of MRC for colour")
    scan.add_argument("--out", required=True, type=output_file, help="the PDF to write")
    scan.add_argument("--store", action="store_true",
                      help="also put the PDF and page thumbnails in the file store")
    scan.add_argument("--ask", action="store_true",
                      help="on a paper jam, open cover or empty feeder, wait for Enter on "
                           "stdin and continue the same batch")
    scan.set_defaults(func=_scan)

    imp = sub.add_parser("import", help=command_help("import"))
    imp.add_argument("files", nargs="+", type=input_file, metavar="IMAGE_OR_PDF")
    imp.add_argument("--out", required=True, type=output_file, help="the PDF to write")
    imp.add_argument("--resolution", type=int_range(MIN_DPI, MAX_DPI), default=200,
                     help=f"dpi for PDFs and photos, {MIN_DPI}–{MAX_DPI}")
    imp.add_argument("--keep-blank", action="store_true")
    imp.add_argument("--no-mrc", action="store_true")
    imp.add_argument("--store", action="store_true",
                     help="also put the PDF and page thumbnails in the file store")
    imp.set_defaults(func=_import)

    dev = sub.add_parser("devices", help=command_help("devices"))
    dev.add_argument("--kind", action="append", help="only this kind (repeatable)")
    dev.set_defaults(func=_devices)


def _options(args: argparse.Namespace) -> Any:
    from kiosk.devices.pipeline.process import PipelineOptions

    return PipelineOptions(mrc=not args.no_mrc)


def _write(component: Any, out: Path, keep_blank: bool) -> int:
    from kiosk.devices.pipeline.pdf import write_pdf
    from kiosk.errors import InvalidInput

    if keep_blank:
        for page in component.pages:
            component.restore(page.index)
    kept = component.kept()
    if not kept:
        raise InvalidInput(
            _("Tất cả {n} trang đều trắng, không tạo tệp PDF.", n=len(component.pages)),
            hint=_("Kiểm tra mặt giấy khi đặt vào máy, hoặc dùng --keep-blank để giữ lại."),
        )
    return write_pdf([p.encoded for p in kept], out)


class TerminalHandler:
    """The CLI's ScanHandler: tell the clerk on stderr, wait for a line on stdin."""

    def ask_continue(self, error: Any) -> bool:
        print(error.message, file=sys.stderr)
        if error.hint:
            print(error.hint, file=sys.stderr)
        print(_("Nhấn Enter để quét tiếp, gõ q rồi Enter để dừng."), file=sys.stderr)
        line = sys.stdin.readline()
        return bool(line) and line.strip().lower() not in ("q", "quit", "dừng")


def _stored(component: Any) -> dict[str, Any]:
    """Hand the component to the content-addressed file store (kiosk.storage)."""
    from kiosk import paths
    from kiosk.devices.pipeline.store import store_component
    from kiosk.storage.files import FileStore

    return store_component(FileStore(paths.files_dir()), component)


def _scan(args: argparse.Namespace) -> Any:
    from kiosk.config import Config
    from kiosk.devices.scanner import create_driver
    from kiosk.devices.scanner.defaults import remember, resolve_settings
    from kiosk.devices.scanner.protocol import CancelToken
    from kiosk.devices.scanner.sane_driver import pick_device
    from kiosk.devices.scanner.session import scan_batch

    config = Config.load()
    driver = create_driver(config=config)
    cancel = CancelToken()
    try:
        device = pick_device(driver, args.device or config.get("scanner.device"))
        settings = resolve_settings(device, config, source=args.source,
                                    resolution=args.resolution, mode=args.mode)
        last = [-1]

        def progress(index: int, fraction: float) -> None:
            if index != last[0]:
                last[0] = index
                print(_("Đang quét trang {page}…", page=index + 1), file=sys.stderr)

        try:
            result = scan_batch(driver, device, settings, options=_options(args),
                                cancel=cancel, on_progress=progress,
                                handler=TerminalHandler() if args.ask else None)
        except KeyboardInterrupt:
            cancel.cancel()
            raise
    finally:
        driver.close()
    component = result.component
    if result.error is not None:
        if component.pages and component.kept():
            # Nothing scanned is lost: write what came before the error, then report it.
            size = _write(component, args.out, args.keep_blank)
            result.error.details.update(out=str(args.out), bytes=size)
            result.error.hint = (result.error.hint or "") + " " + _(
                "Các trang đã quét được lưu trong {out}.", out=str(args.out))
        raise result.error
    remember(device, settings)
    size = _write(component, args.out, args.keep_blank)
    summary = component.summary(size)
    out = {
        "pages": summary["pages"], "blank_pages": summary["blank_pages"], "bytes": size,
        "device": device, "source": settings.source.value, "resolution": settings.resolution,
        "mode": settings.mode.value, "cancelled": result.cancelled, "out": str(args.out),
        "per_page": summary["per_page"],
    }
    if args.store:
        out["stored"] = _stored(component)
    return out


def _import(args: argparse.Namespace) -> Any:
    from kiosk.devices.pipeline.importer import load_pages
    from kiosk.devices.pipeline.process import Component, PagePipeline

    with PagePipeline(_options(args)) as pipeline:
        for path in args.files:
            for image, dpi in load_pages(path, args.resolution):
                pipeline.submit(image, dpi)
        component = Component(pipeline.results())
    size = _write(component, args.out, args.keep_blank)
    out = {**component.summary(size), "out": str(args.out)}
    if args.store:
        out["stored"] = _stored(component)
    return out


def _devices(args: argparse.Namespace) -> Any:
    from kiosk.config import Config
    from kiosk.devices.registry import list_all

    return list_all(Config.load(), args.kind)
