"""The ``kiosk`` command line: JSON on stdout, messages on stderr, non-zero exit on error.

Each command group lives in its own module under ``kiosk.cli`` and exposes
``register(subparsers)``; it sets ``func`` on its parser to a callable taking the parsed
arguments and returning a JSON-able value (printed), an ``int`` exit status, or ``None``.
Command modules import heavy libraries (OpenCV, reportlab, httpx...) inside their functions
so that ``kiosk --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from kiosk import __version__
from kiosk.errors import KioskError
from kiosk.i18n import _

#: Command modules, in the order they appear in ``kiosk --help``.
COMMAND_MODULES: list[str] = [
    "kiosk.cli.domain_commands",
    "kiosk.cli.config_commands",
    "kiosk.cli.run_commands",
    "kiosk.cli.storage_commands",
    "kiosk.cli.scan_commands",
    "kiosk.cli.sync_commands",
    "kiosk.cli.central_commands",
    "kiosk.cli.forms_commands",
    "kiosk.cli.barcode_commands",
    "kiosk.cli.cups_commands",
    "kiosk.cli.report_commands",
    "kiosk.cli.signing_commands",
    "kiosk.cli.citizen_commands",
]


#: Top-level command → the module that registers it, so that running one command imports
#: and registers only its module (``kiosk --help`` still registers them all).
#: tests/core/test_cli_commands.py checks this against what the modules register.
COMMAND_OWNERS: dict[str, str] = {
    "cccd": "kiosk.cli.domain_commands", "due": "kiosk.cli.domain_commands",
    "catalog": "kiosk.cli.domain_commands", "config": "kiosk.cli.config_commands",
    "run": "kiosk.cli.run_commands", "dossier": "kiosk.cli.storage_commands",
    "search": "kiosk.cli.storage_commands", "db": "kiosk.cli.storage_commands",
    "scan": "kiosk.cli.scan_commands", "import": "kiosk.cli.scan_commands",
    "devices": "kiosk.cli.scan_commands", "sync": "kiosk.cli.sync_commands",
    "central": "kiosk.cli.central_commands", "form": "kiosk.cli.forms_commands",
    "book": "kiosk.cli.forms_commands", "print": "kiosk.cli.forms_commands",
    "printers": "kiosk.cli.forms_commands", "decode": "kiosk.cli.barcode_commands",
    "listen": "kiosk.cli.barcode_commands", "cups": "kiosk.cli.cups_commands",
    "separator": "kiosk.cli.cups_commands", "report": "kiosk.cli.report_commands",
    "sign": "kiosk.cli.signing_commands", "verify": "kiosk.cli.signing_commands",
    "queue": "kiosk.cli.citizen_commands", "rating": "kiosk.cli.citizen_commands",
}


def emit(value: Any) -> None:
    """Print one JSON document (one line) on stdout."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; given the arguments, only the named command's module is loaded."""
    from kiosk.cli.argtypes import KioskArgumentParser

    parser = KioskArgumentParser(
        prog="kiosk",
        description="Counter application for commune one-stop centres (JSON on stdout).",
    )
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    args = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in args if not a.startswith("-")), None)
    owner = COMMAND_OWNERS.get(first or "")
    for name in [owner] if owner and not args[0].startswith("-") else COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _refuse(exc: KioskError) -> int:
    print(exc.message, file=sys.stderr)
    if exc.hint:
        print(exc.hint, file=sys.stderr)
    return exc.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    from kiosk.cli.argtypes import reject_bad_argv, shown

    try:
        # Bytes that are not UTF-8 would reach JSON, SQLite and the screen as surrogates.
        reject_bad_argv(sys.argv[1:] if argv is None else argv)
    except KioskError as exc:
        return _refuse(exc)
    lang = os.environ.get("KIOSK_LANG")
    if lang:
        from kiosk.i18n import LANGUAGES, set_language

        if lang not in LANGUAGES:
            print(_("KIOSK_LANG={lang} không được hỗ trợ; dùng một trong: {choices}.",
                    lang=shown(lang), choices=", ".join(LANGUAGES)), file=sys.stderr)
            return 2
        set_language(lang)  # before parsing: usage errors are messages too
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # bad usage (already explained), --help, --version
        return exc.code if isinstance(exc.code, int) else 2
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    try:
        result = func(args)
    except KioskError as exc:
        return _refuse(exc)
    except KeyboardInterrupt:
        print(_("Đã dừng theo yêu cầu."), file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        # The machine said no (permissions, a vanished USB stick, a full disk): not a bug.
        where = shown(str(exc.filename)) if exc.filename else ""
        print(_("Hệ thống không cho thực hiện thao tác ({error}) {path}",
                error=exc.strerror or type(exc).__name__, path=where).strip(), file=sys.stderr)
        print(_("Kiểm tra đường dẫn, quyền truy cập và dung lượng ổ đĩa rồi thử lại."),
              file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: say so plainly, keep the trace for a maintainer
        print(
            _("Lỗi không mong đợi ({kind}): {error}", kind=type(exc).__name__, error=str(exc)),
            file=sys.stderr,
        )
        if os.environ.get("KIOSK_DEBUG"):
            import traceback

            traceback.print_exc()
        return 70
    if isinstance(result, bool):
        return 0 if result else 1
    if isinstance(result, int):
        return result
    if result is not None:
        emit(result)
    return 0
