"""The demo clerks come pre-hashed: they still sign in with their published PINs only."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.clerks import ITERATIONS, Clerk, ClerkDirectory
from kiosk.errors import InvalidInput


def test_demo_clerks_sign_in_with_their_pins(tmp_path: Path) -> None:
    clerks = ClerkDirectory(tmp_path / "clerks.json")
    assert clerks.ensure_demo() == Clerk("canbo", "Nguyễn Thị Demo", "clerk")
    assert clerks.sign_in("1234") == Clerk("canbo", "Nguyễn Thị Demo", "clerk")
    assert clerks.sign_in("9999") == Clerk("admin", "Quản trị viên", "admin")
    assert clerks.sign_in("9999").is_admin
    with pytest.raises(InvalidInput):
        clerks.sign_in("0000")
    # As strong as a PIN set by "kiosk clerk add", and never stored in the clear.
    text = (tmp_path / "clerks.json").read_text(encoding="utf-8")
    assert "1234" not in text and "9999" not in text
    assert f'"iterations": {ITERATIONS}' in text


def test_demo_clerks_are_added_only_to_an_empty_directory(tmp_path: Path) -> None:
    clerks = ClerkDirectory(tmp_path / "clerks.json")
    clerks.add("lan", "Trần Thị Lan", "4321")
    assert clerks.ensure_demo() is None
    assert [c.login for c in clerks.list()] == ["lan"]
    with pytest.raises(InvalidInput):
        clerks.sign_in("1234")


def test_a_demo_pin_stays_unique(tmp_path: Path) -> None:
    clerks = ClerkDirectory(tmp_path / "clerks.json")
    clerks.ensure_demo()
    with pytest.raises(InvalidInput):
        clerks.add("lan", "Trần Thị Lan", "1234")
    clerks.add("canbo", "Nguyễn Thị Demo", "2468")  # replacing resets the PIN
    assert clerks.sign_in("2468").login == "canbo"
