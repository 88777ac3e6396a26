"""``kiosk config show|set``."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli import command_help
from kiosk.config import SETTINGS, Config
from kiosk.i18n import _


def register(sub: Any) -> None:
    p = sub.add_parser("config", help=command_help("config"))
    csub = p.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    show = csub.add_parser("show", help="all settings with their values (JSON)")
    show.add_argument("--describe", action="store_true", help="include descriptions and defaults")
    show.set_defaults(func=_show)
    set_ = csub.add_parser("set", help="set KEY to VALUE (validated)")
    set_.add_argument("key")
    set_.add_argument("value")
    set_.set_defaults(func=_set)


def _show(args: argparse.Namespace) -> Any:
    config = Config.load()
    if not args.describe:
        return {"file": str(config.path), **config.as_dict()}
    return {
        "file": str(config.path),
        "settings": [
            {
                "key": s.key,
                "value": config.get(s.key),
                "default": s.default,
                "description": _(s.description),
                **({"choices": list(s.choices)} if s.choices else {}),
            }
            for s in SETTINGS.values()
        ],
    }


def _set(args: argparse.Namespace) -> Any:
    config = Config.load()
    value = config.set_text(args.key, args.value)
    config.save()
    return {"key": args.key, "value": value, "file": str(config.path)}
