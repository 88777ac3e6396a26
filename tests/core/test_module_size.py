"""Modules stay under about 500 lines (the house rule in docs/DEVELOPING.md): a module that
grows past it is split along its roles before it lands."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 500


def test_no_module_is_over_the_limit() -> None:
    over = {
        str(path.relative_to(ROOT)): n
        for pkg in ("kiosk", "central")
        for path in sorted((ROOT / pkg).rglob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert over == {}, over
