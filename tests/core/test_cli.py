"""The CLI as an installer or script sees it: JSON on stdout, messages on stderr, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = ("001158024485|110419092|Đinh Thị Huyền|08101958|Nữ|"
           "Khánh Vân, Khánh Hà, Thường Tín, Hà Nội|24042021")


def kiosk(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True,
                          text=True, input=stdin, timeout=60, env=os.environ.copy())


def ok_json(*args: str, stdin: str | None = None) -> dict:
    r = kiosk(*args, stdin=stdin)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_cccd_argument_and_stdin() -> None:
    out = ok_json("cccd", EXAMPLE)
    assert out == {
        "id_number": "001158024485", "old_id_number": "110419092",
        "full_name": "Đinh Thị Huyền", "date_of_birth": "1958-10-08", "sex": "Nữ",
        "address": "Khánh Vân, Khánh Hà, Thường Tín, Hà Nội", "issue_date": "2021-04-24",
        "raw": EXAMPLE,
    }
    assert ok_json("cccd", "-", stdin="\ufeff" + EXAMPLE + "\r\n")["full_name"] == "Đinh Thị Huyền"


@pytest.mark.parametrize(
    "args",
    [("cccd", "nonsense"), ("due", "--received", "hôm qua", "--same-day"),
     ("due", "--received", "2026-11-20T09:00", "--procedure", "9.999999"),
     ("due", "--received", "2026-11-20T09:00", "--working-days", "-1"),
     ("config", "set", "counter.number", "12"), ("catalog", "import", "/no/such/file.json")],
)
def test_errors_are_clear_and_never_tracebacks(args: tuple[str, ...]) -> None:
    r = kiosk(*args)
    assert r.returncode != 0
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    assert r.stderr.strip()


def test_due_variants() -> None:
    assert ok_json("due", "--received", "2026-11-20T16:00", "--procedure", "2.000815")["due"] == (
        "2026-11-23T17:00:00+07:00")
    assert ok_json("due", "--received", "2026-11-23T09:00", "--working-days", "1")["due"] == (
        "2026-11-25T09:00:00+07:00")
    assert ok_json("due", "--received", "2026-11-18T11:00", "--working-hours", "1")["due"] == (
        "2026-11-18T14:00:00+07:00")
    out = ok_json("due", "--received", "2026-11-18T15:30", "--same-day")
    assert out == {"received": "2026-11-18T15:30:00+07:00",
                   "processing": "Trong ngày (nhận sau 15:00 trả ngày làm việc tiếp theo)",
                   "due": "2026-11-19T17:00:00+07:00"}


def test_catalog_commands(tmp_path: Path) -> None:
    r = kiosk("catalog", "search", "chung thuc")
    assert r.returncode == 0
    first = json.loads(r.stdout.splitlines()[0])
    assert first["name"].startswith("Chứng thực bản sao từ bản chính")
    assert len(kiosk("catalog", "list").stdout.splitlines()) >= 15
    assert kiosk("catalog", "search", "zzzz").returncode == 1
    data = json.loads(kiosk("catalog", "list", "--full").stdout.splitlines()[0])
    assert data["components"]


def test_config_show_and_set(kiosk_home: Path) -> None:
    out = ok_json("config", "set", "unit.name", "UBND xã Tân Lập")
    assert out["file"] == str(kiosk_home / "config.toml")
    shown = ok_json("config", "show")
    assert shown["unit.name"] == "UBND xã Tân Lập"
    described = ok_json("config", "show", "--describe")
    keys = {s["key"] for s in described["settings"]}
    assert {"unit.code", "unit.name", "counter.number", "office.hours", "locale.language"} <= keys


def test_english_messages() -> None:
    r = subprocess.run([sys.executable, "-m", "kiosk", "config", "set", "nope", "1"],
                       capture_output=True, text=True, timeout=60,
                       env={**os.environ, "KIOSK_LANG": "en"})
    assert r.returncode == 2
    assert "There is no setting nope." in r.stderr
