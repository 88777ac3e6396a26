"""A hand-edited or damaged config.toml (issue 22 §0): a setting that shapes a dossier code,
a due time or a legal number is never replaced by its default, a hostile file never hangs
or crashes a command, and two programs changing settings at once both keep their change."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import ROOT, assert_refused, kiosk

CARD = "001158024485|110419092|Đinh Thị Huyền|08101958|Nữ|Khánh Vân, Thường Tín, Hà Nội|24042021"
NEW_DOSSIER = ("dossier", "new", "--procedure", "1.001193", "--cccd", CARD)
DUE = ("due", "--received", "2026-11-20T09:00", "--working-days", "5")


def _config(home: Path, body: str) -> Path:
    path = home / "config.toml"
    path.write_text("config_version = 2\n" + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(("section", "key", "raw", "shown"), [
    ("counter", "number", "99", "99"),
    ("counter", "number", '"abc"', "abc"),
    ("counter", "number", "0", "0"),
    ("unit", "code", '"xã Mẫu; DROP"', "xã Mẫu; DROP"),
    ("unit", "code", "12", "12"),
    ("unit", "timezone", '"Mars/Olympus"', "Mars/Olympus"),
    ("office", "hours", '["25:00-26:00"]', "25:00-26:00"),
    ("office", "working_saturday", '"yes"', "yes"),
    ("forms", "set", '"tt99"', "tt99"),
])
def test_a_bad_setting_that_shapes_codes_stops_issuing(
        kiosk_home: Path, section: str, key: str, raw: str, shown: str) -> None:
    path = _config(kiosk_home, f"[{section}]\n{key} = {raw}\n")
    err = assert_refused(kiosk(*NEW_DOSSIER))
    assert f"{section}.{key}" in err and str(path) in err and shown in err, err
    assert kiosk("dossier", "list").stdout == b""  # no code was issued
    if section in ("unit", "office") and key != "code":
        assert f"{section}.{key}" in assert_refused(kiosk(*DUE))
    # The admin can still repair it with the command the message names.
    fixed = {"counter.number": "2", "unit.code": "000.00.04.H40",
             "unit.timezone": "Asia/Ho_Chi_Minh", "office.hours": "07:00-11:30,13:30-17:00",
             "office.working_saturday": "false", "forms.set": "tt03-2025"}[f"{section}.{key}"]
    r = kiosk("config", "set", f"{section}.{key}", fixed)
    assert r.returncode == 0, r.stderr.decode()
    r = kiosk(*NEW_DOSSIER)
    assert r.returncode == 0, r.stderr.decode()


@pytest.mark.parametrize(("body", "words"), [
    ('config_version = "two"\n', "config_version"),
    ("config_version = 2.5\n", "config_version"),
    ("config_version = true\n", "config_version"),
    ("config_version = 2\nx = " + "[" * 5000 + "]" * 5000 + "\n", "sâu"),
    ("config_version = 2\n[unit\ncode = 1\n", "config.toml"),
    ("\udcff", "UTF-8"),
])
def test_a_hostile_config_file_is_refused_clearly(kiosk_home: Path, body: str,
                                                  words: str) -> None:
    path = kiosk_home / "config.toml"
    path.write_bytes(body.encode("utf-8", "surrogateescape"))
    for args in (DUE, ("config", "show")):
        err = assert_refused(kiosk(*args, timeout=30))
        assert words in err, err


@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
def test_something_else_in_place_of_the_file_is_refused(kiosk_home: Path, kind: str) -> None:
    path = kiosk_home / "config.toml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")
    err = assert_refused(kiosk(*DUE, timeout=30))
    assert "config.toml" in err


def test_concurrent_config_set_keeps_both_changes(kiosk_home: Path) -> None:
    """Two ``kiosk config set`` at once, many rounds: neither change is ever lost."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for round_ in range(12):
        procs = [subprocess.Popen([sys.executable, "-m", "kiosk", "config", "set", key, value],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for key, value in (("unit.name", f"Xã {round_}"),
                                    ("unit.address", f"Số {round_} đường Làng"))]
        for proc in procs:
            assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
        shown = json.loads(kiosk("config", "show").stdout)
        assert shown["unit.name"] == f"Xã {round_}"
        assert shown["unit.address"] == f"Số {round_} đường Làng"


def test_the_app_and_a_script_saving_at_once_keep_both(kiosk_home: Path) -> None:
    from kiosk.config import Config

    app = Config.load()
    script = Config.load()
    app.set("unit.name", "Phường Hoàn Kiếm")
    script.set("counter.number", 3)
    script.save()
    app.save()
    again = Config.load()
    assert again.get("unit.name") == "Phường Hoàn Kiếm"
    assert again.get("counter.number") == 3
