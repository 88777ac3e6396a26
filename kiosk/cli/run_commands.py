"""``kiosk run``: start the counter application (the only command that loads Qt)."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli import command_help


def register(sub: Any) -> None:
    p = sub.add_parser("run", help=command_help("run"))
    p.add_argument("--demo", action="store_true",
                   help="create the demo clerks (PIN 1234, admin 9999) and sample dossiers "
                        "when the database is empty")
    p.add_argument("--fullscreen", action="store_true", help="kiosk mode: full screen")
    p.add_argument("--citizen", action="store_true",
                   help="only the citizen screen (self-service kiosk: procedure board, queue "
                        "tickets, status by receipt)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> Any:
    from kiosk.ui.app import run

    return run(demo=args.demo, fullscreen=args.fullscreen, citizen=args.citizen)
