"""≤ 8 touches from Home to the printed receipt for a same-day copy certification with the
copies scanned, counted on the real window (issue 23).

The app runs on Xvfb in its own process (``tests/ui/certify_xapp.py``); every touch is a real
X pointer click sent with xdotool at the centre of the item a clerk would touch. The scanner
is SANE's ``test`` backend; the receipt goes to a real CUPS with a cups-pdf queue, and is then
read back (its text, its number) and checked against the register and the cash book.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.money.helpers import configure
from tests.ui.xcounter import Counter, start_xvfb

ROOT = Path(__file__).resolve().parents[2]
MAX_TOUCHES = 8


class CertifyCounter(Counter):
    def __init__(self, display: str, env: dict[str, str], log: Path) -> None:
        self.display = display
        self.touches: list[str] = []
        self._log = open(log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.ui.certify_xapp"], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True)


@pytest.fixture
def counter(cups: Any, kiosk_home: Path, tmp_path: Path) -> Iterator[CertifyCounter]:
    import shutil

    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    configure(kiosk_home)
    xvfb, display = start_xvfb()
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
           "CUPS_SERVER": cups.socket, "KIOSK_HOME": str(kiosk_home),
           "PYTHONPATH": str(ROOT)}
    app = CertifyCounter(display, env, tmp_path / "app.log")
    try:
        app.wait("the sign-in screen", lambda: app.ask("where", name="pinDots"))
        yield app
    finally:
        app.close()
        xvfb.terminate()
        xvfb.wait(10)
        print((tmp_path / "app.log").read_text(errors="replace")[-3000:])


def test_same_day_copy_certification_within_eight_touches(counter: CertifyCounter, cups: Any,
                                                           kiosk_home: Path,
                                                           tmp_path: Path) -> None:
    app = counter
    assert app.ask("signin", pin="1234")  # before Home: not part of the count
    app.wait("home", lambda: app.ask("where", name="certifyButton"))

    app.tap("certifyButton")
    assert app.ask("state")["kind"] == "copy"  # the most frequent kind is the default
    app.tap("copiesPlus")  # two copies
    app.tap("scanCopyButton")
    state = app.wait("the scanned copy and its fee", lambda: (lambda s: s if s["scanned"] and
                     s["fee"].get("amount") and not s["busy"] else None)(app.ask("state")),
                     timeout=120)
    pages = state["pages"]
    assert state["copies"] == 2 and pages >= 1
    per_copy = 2000 * min(pages, 2) + 1000 * max(0, pages - 2)
    assert state["fee"]["amount"] == 2 * min(per_copy, 200_000)
    app.tap("certifySubmit")
    state = app.wait("the printed receipt", lambda: (lambda s: s if s["job"] else None)(
        app.ask("state")), timeout=120)

    touches = len(app.touches)
    print(f"touches Home → printed receipt (copy certification): {touches}: {app.touches}")
    assert touches <= MAX_TOUCHES, app.touches
    job, result = state["job"], state["result"]
    assert job["receipt"] == result["receipt"]["ref"]
    assert cups.printed(job["job"]).stat().st_size > 10_000  # cups-pdf wrote the receipt
    assert cups.printed(job["copies_job"]["job"]).stat().st_size > 10_000
    # The same receipt, as the app rendered it, read back through the CLI.
    env = {**os.environ, "KIOSK_HOME": str(kiosk_home), "PYTHONPATH": str(ROOT)}
    pdf = tmp_path / "bien-lai.pdf"
    subprocess.run([sys.executable, "-m", "kiosk", "fee", "receipt", job["receipt"], "--pdf",
                    str(pdf)], cwd=ROOT, env=env, check=True, capture_output=True, timeout=60)
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "BIÊN LAI THU PHÍ, LỆ PHÍ" in text and result["dossier"] in text
    day = result["receipt"]["at"][:10]
    book = json.loads(subprocess.run(
        [sys.executable, "-m", "kiosk", "certify", "book", "--from", day, "--to", day],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=60).stdout)
    [entry] = book["entries"]
    assert (entry["copies"], entry["pages"], entry["receipt"]) == (2, pages, job["receipt"])
    assert entry["signer_name"] == "Nguyễn Văn An"
