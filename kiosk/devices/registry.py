"""Device kinds for ``kiosk devices``: a registry of listers, imported only when used.

Each kind maps to ``"module:function"``; the function takes the loaded Config and returns a
list of JSON-able dicts with at least ``name`` and ``state`` ("ready", "busy", "offline",
"error"...). To add a kind (barcode readers, printers), add one line to :data:`LISTERS` or
call :func:`register` — nothing else changes. A kind whose lister fails is reported with
``state: "error"`` and its message; it never hides the other kinds.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from kiosk.errors import KioskError

Lister = Callable[[Any], list[dict[str, Any]]]

LISTERS: dict[str, str] = {
    "scanners": "kiosk.devices.scanner.listing:list_scanners",
    "printers": "kiosk.devices.printer:list_for_devices",
    "barcode_readers": "kiosk.devices.barcode.listing:list_readers",
}


def register(kind: str, target: str) -> None:
    """Register ``target`` (``"package.module:function"``) as the lister of ``kind``."""
    if ":" not in target:
        raise ValueError(f"lister must be 'module:function', got {target!r}")
    LISTERS[kind] = target


def _load(target: str) -> Lister:
    module, _, name = target.partition(":")
    func: Lister = getattr(importlib.import_module(module), name)
    return func


def list_all(config: Any, kinds: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind, target in LISTERS.items():
        if kinds and kind not in kinds:
            continue
        try:
            out[kind] = _load(target)(config)
        except KioskError as exc:
            out[kind] = [{"name": "", "state": "error", **exc.to_json()}]
    return out
