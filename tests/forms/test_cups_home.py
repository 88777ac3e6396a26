"""``kiosk cups start`` (what ``make run`` does): one private printer for the app and every
``kiosk`` command with the same KIOSK_HOME, PDFs in ``$KIOSK_HOME/printed``; and with no
printer at all, a message a clerk can read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.devices.printer.private_cups import unavailable_reason

ROOT = Path(__file__).resolve().parents[2]


def kiosk(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CUPS_SERVER"}
    env.update(KIOSK_HOME=str(home), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "kiosk", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    home = tmp_path / "h"
    home.mkdir()
    yield home
    kiosk(home, "cups", "stop")


def test_print_and_printers_reach_the_private_printer(home: Path) -> None:
    started = kiosk(home, "cups", "start")
    assert started.returncode == 0, started.stderr
    info = json.loads(started.stdout)
    assert info["queue"] == "KioskPDF" and info["out"] == str(home / "printed")
    assert f'cups_server = "{info["socket"]}"' in (home / "config.toml").read_text()

    listed = kiosk(home, "printers")  # no CUPS_SERVER in the environment: the config says
    assert listed.returncode == 0, listed.stderr
    assert [(p["name"], p["default"]) for p in json.loads(listed.stdout)] == [("KioskPDF", True)]

    new = kiosk(home, "dossier", "new", "--procedure", "2.000815", "--name", "Phạm Quốc Việt",
                "--id-number", "036095007890")
    code = json.loads(new.stdout)["code"]
    printed = kiosk(home, "print", code, "--wait")
    assert printed.returncode == 0, printed.stderr
    job = json.loads(printed.stdout)
    assert job["printer"] == "KioskPDF" and job["state"] == "completed"
    deadline = time.monotonic() + 30
    while not list((home / "printed").glob(f"*job_{job['job']}.pdf")):
        assert time.monotonic() < deadline, "no PDF in $KIOSK_HOME/printed"
        time.sleep(0.2)

    # A second start finds it running; stop ends it.
    again = kiosk(home, "cups", "start")
    assert json.loads(again.stdout)["reused"] is True
    assert json.loads(kiosk(home, "cups", "stop").stdout) == {"stopped": True}

    # Now no printer answers: a clear message and what to do, no socket error.
    gone = kiosk(home, "printers")
    assert gone.returncode == 2
    assert gone.stderr.splitlines() == [
        "Không kết nối được dịch vụ in.",
        "Máy in PDF thử nghiệm chưa chạy: mở phần mềm bằng «make run», hoặc chạy "
        "«kiosk cups start»."]
