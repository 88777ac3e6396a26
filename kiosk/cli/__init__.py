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

#: Every top-level command: the module under ``kiosk.cli`` that registers it, and its line in
#: ``kiosk --help``, in that order. Running one command imports and registers only its module;
#: ``kiosk --help`` imports none (the modules take their help lines from here).
#: tests/core/test_cli_commands.py checks this against what the modules register.
COMMANDS: dict[str, tuple[str, str]] = {
    "cccd": ("domain_commands", 'parse a CCCD QR payload (or - for stdin)'),
    "due": ("domain_commands", 'the legal due time for a reception time'),
    "catalog": ("domain_commands", 'the procedure catalog'),
    "config": ("config_commands", 'show or change the configuration'),
    "run": ("run_commands", 'start the counter application (touch UI)'),
    "dossier": ("storage_commands", 'receive, show, list dossiers and change their status'),
    "search": ("storage_commands", 'find dossiers by code, name, ID number or phone'),
    "db": ("storage_commands", 'check or back up the database and the scans'),
    "scan": ("scan_commands", 'scan a batch into one PDF (one dossier component)'),
    "import": ("scan_commands", 'run images or PDFs through the page pipeline'),
    "devices": ("scan_commands", 'scanners (and other devices) with their state'),
    "sync": ("sync_commands", 'send dossiers and scans to the central server'),
    "central": ("central_commands", 'the reference central one-stop server'),
    "form": ("forms_commands", 'render a form of one dossier to PDF'),
    "book": ("forms_commands", 'the tracking book (sổ theo dõi) for a date range'),
    "print": ("forms_commands", 'print a form of one dossier through CUPS'),
    "printers": ("forms_commands", 'CUPS printers with their state'),
    "decode": ("barcode_commands", 'decode the barcodes in images or PDFs (one JSON line each)'),
    "listen": ("barcode_commands", 'print reads from barcode readers as they come'),
    "cups": ("cups_commands", "a private CUPS with a PDF printer under KIOSK_HOME "
                              "(the demo's receipt printer)"),
    "separator": ("cups_commands", "the separator sheet for scanning a whole dossier in one "
                                   "feeder pass (PDF to print)"),
    "report": ("report_commands", 'statistics: TTHC resolution summary, reconciliation'),
    "sign": ("signing_commands", "sign a PDF file, or a dossier's unsigned components (PAdES, "
                                 "with the PKCS#11 token of signing.*)"),
    "verify": ("signing_commands", "check a PDF's signatures and PDF/A-2b (JSON; exit 1 when "
                                   "not signed, not intact or not valid)"),
    "queue": ("citizen_commands", 'queue tickets: take, call, recall, hold, noshow, transfer, '
                                  'status, report'),
    "rating": ("citizen_commands", 'satisfaction ratings given on the citizen screen'),
    "booking": ("booking_commands", "booked times: free slots, book, check in, cancel, report"),
    "fee": ("fee_commands", "fees: quote, collect with a numbered receipt, void, refund, "
                            "VietQR, the cash book and the handover"),
    "notify": ("notify_commands", "notices to citizens (e-mail, SMS): send, list, retry"),
    "certify": ("certify_commands", "certify a copy, a signature or a contract (register "
                                    "number, attestation, receipt); the register"),
    "store": ("result_commands", "the citizen's store of digitised papers (this counter's, "
                                 "then the province's), found by the ID number"),
    "ocr": ("result_commands", "read the text of stored scans (Tesseract, Vietnamese) for "
                               "«kiosk search --text»"),
}

#: Top-level command → its module.
COMMAND_OWNERS: dict[str, str] = {name: f"kiosk.cli.{module}"
                                  for name, (module, _help) in COMMANDS.items()}
#: Command modules, in the order their commands appear in ``kiosk --help``.
COMMAND_MODULES: list[str] = list(dict.fromkeys(COMMAND_OWNERS.values()))


def command_help(name: str) -> str:
    """The line ``kiosk --help`` shows for a top-level command."""
    return COMMANDS[name][1]


#: Characters JSON leaves raw that a line reader splits at (Python's str.splitlines, editors):
#: escaped, one document stays one line whatever a value holds (found by the CLI walk).
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def emit(value: Any) -> None:
    """Print one JSON document (one line) on stdout."""
    text = json.dumps(value, ensure_ascii=False, default=str).translate(_LINE_BREAKS)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def build_parser(argv: Sequence[str] | None = None, *, every_command: bool = False
                 ) -> argparse.ArgumentParser:
    """The parser; given the arguments, only the named command's module is loaded.

    ``every_command`` registers every module, for tools that walk the whole command tree."""
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
    if owner is None and not every_command:
        # The list of commands (help, a mistyped command): their names and lines are enough.
        for name, (_module, line) in COMMANDS.items():
            sub.add_parser(name, help=line)
        return parser
    for module in [owner] if owner and not args[0].startswith("-") else COMMAND_MODULES:
        importlib.import_module(module).register(sub)
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
