"""What several command modules share: the store every command opens, and who is acting.

Public here, so no command module imports another's private helpers (and none imports
another command module for them: that made import cycles).
"""

from __future__ import annotations

import argparse
import getpass
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.storage import Store


def open_store(*, sweep: bool = True) -> Store:
    """The counter's store as the configuration names it (opened, migrated, checked).

    ``sweep=False``: no start-up sweep of the files the database let go of (commands that
    only add to the store and must start fast)."""
    from kiosk.storage import Store

    return Store() if sweep else Store(orphan_grace_seconds=None)


def acting_clerk(args: argparse.Namespace) -> str:
    """``--actor``, else ``$KIOSK_ACTOR``, else the operating system's user."""
    if getattr(args, "actor", None):
        return str(args.actor)
    return os.environ.get("KIOSK_ACTOR") or getpass.getuser()
