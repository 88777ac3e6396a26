"""``kiosk dossier postpone`` and back-entry through the real CLI, with the wall clock moved
by libfaketime (``faketime``): "after now" is checked against the process's own clock."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
# libfaketime 0.9.10 with a standing clock and real monotonic time fails every
# clock_nanosleep(TIMER_ABSTIME) with EINVAL, which is how time.sleep waits: a save's WAL
# checkpoint thread then dies now and then, and a sleep on the print path fails the command
# (a real counter never runs under libfaketime). Timed waits (select, Event.wait) work, so
# the child's time.sleep waits with select before kiosk is imported.
SLEEP_SHIM = """
import runpy, select, sys, time
time.sleep = lambda seconds: select.select([], [], [], max(0.0, seconds)) and None
sys.argv[0] = "kiosk"
runpy.run_module("kiosk", run_name="__main__", alter_sys=True)
"""
pytestmark = pytest.mark.skipif(shutil.which("faketime") is None, reason="faketime missing")


def kiosk(at: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, Any, str]:
    # faketime reads its start time in TZ: the counter's zone, as on a real counter.
    run_env = {**os.environ, "PYTHONPATH": str(ROOT), "KIOSK_ACTOR": "canbo1",
               "TZ": "Asia/Ho_Chi_Minh",
               "FAKETIME_DONT_FAKE_MONOTONIC": "1", **(env or {})}
    # -f with an absolute time: the clock stands still there (monotonic time is left real).
    proc = subprocess.run(["faketime", "-f", at, sys.executable, "-c", SLEEP_SHIM, *args],
                          capture_output=True, text=True, env=run_env, timeout=120)
    out = proc.stdout.strip()
    return proc.returncode, json.loads(out) if out else None, proc.stderr


def test_postpone_checks_time_and_records_letters(kiosk_home: Path, cups: Any) -> None:
    code, saved, err = kiosk("2026-11-26 10:00:00", "dossier", "new", "--procedure",
                             "1.004873", "--name", "Trần Văn Bình", "--id-number",
                             "001090001234")
    assert code == 0, err
    # Thu 10:00 + 24 working hours → Tue Dec 1 10:00.
    assert saved["due"] == "2026-12-01T10:00:00+07:00"
    number = saved["code"]
    bad = [("2026-12-05T10:00", "ngày nghỉ"),  # a Saturday
           ("2026-12-02T12:00", "giờ làm việc"),  # lunch
           ("2026-12-02T18:00", "giờ làm việc"),  # after closing
           ("2026-11-30T10:00", "hạn hiện tại")]  # before the current due
    for new_due, says in bad:
        rc, out, err = kiosk("2026-11-27 09:00:00", "dossier", "postpone", number,
                             "--new-due", new_due, "--reason", "Chờ xác minh")
        assert rc == 2 and out is None and says in err, (new_due, err)
    # Once overdue, a new due in the past is refused by the process's own (faked) clock.
    rc, _out, err = kiosk("2026-12-02 08:00:00", "dossier", "postpone", number, "--new-due",
                          "2026-12-01T15:00", "--reason", "Chờ xác minh")
    assert rc == 2 and "sau thời điểm hiện tại" in err
    rc, letter, err = kiosk("2026-12-02 08:00:00", "dossier", "postpone", number,
                            "--new-due", "2026-12-03T10:00", "--reason", "Chờ xác minh",
                            "--print", env={"CUPS_SERVER": cups.socket})
    assert rc == 0, err
    assert letter == {"code": number, "due": "2026-12-03T10:00:00+07:00",
                      "original_due": "2026-12-01T10:00:00+07:00",
                      "letter": {"number": "001/2026/PXL-Q1",
                                 "issued_at": "2026-12-02T08:00:00+07:00"}}
    assert "lệnh in số" in err
    rc, second, err = kiosk("2026-12-03 09:00:00", "dossier", "postpone", number,
                            "--new-due", "2026-12-07T16:00", "--reason", "Chờ UBND tỉnh")
    assert rc == 0, err
    assert second["letter"]["number"] == "002/2026/PXL-Q1"
    rc, shown, _err = kiosk("2026-12-03 09:05:00", "dossier", "show", number)
    assert (shown["original_due"], shown["due"]) == ("2026-12-01T10:00:00+07:00",
                                                    "2026-12-07T16:00:00+07:00")
    assert [(p["letter_number"], p["previous_due_at"], p["clerk"])
            for p in shown["postponements"]] == [
        ("001/2026/PXL-Q1", "2026-12-01T10:00:00+07:00", "canbo1"),
        ("002/2026/PXL-Q1", "2026-12-03T10:00:00+07:00", "canbo1")]
    rc, _out, err = kiosk("2026-12-03 09:05:00", "dossier", "postpone", "000.00.04.H40-"
                          "261126-9999", "--new-due", "2026-12-08T10:00", "--reason", "x")
    assert rc != 0 and "Không tìm thấy" in err and "Lỗi không mong đợi" not in err


def test_back_entry_from_the_cli(kiosk_home: Path) -> None:
    rc, saved, err = kiosk("2026-11-26 10:00:00", "dossier", "new", "--procedure", "1.004873",
                           "--name", "Lê Thị Hoa", "--channel", "3", "--return-method", "post",
                           "--received-on-paper", "2026-11-20T08:00")
    assert rc == 0, err
    assert "-261120-" in saved["code"] and saved["received"] == "2026-11-20T08:00:00+07:00"
    rc, shown, _err = kiosk("2026-11-26 10:01:00", "dossier", "show", saved["code"])
    assert shown["entered_at"] == "2026-11-26T10:00:00+07:00"
    assert (shown["channel"], shown["return_method"]) == (3, "post")
    rc, _out, err = kiosk("2026-11-26 10:02:00", "dossier", "new", "--procedure", "1.004873",
                          "--name", "Lê Thị Hoa", "--received-on-paper", "2026-12-20T08:00")
    assert rc == 2 and "tương lai" in err
    rc, _out, err = kiosk("2026-11-26 10:02:00", "dossier", "new", "--procedure", "1.004873",
                          "--name", "Lê Thị Hoa", "--received-on-paper", "20/11/2026")
    assert rc == 2 and "không hợp lệ" in err
