"""The wall display page (issue 27) in a real Chromium: it shows the number called and its
counter after a call, in Vietnamese, with the earlier calls below; the page's state stream
carries nothing but numbers, counters and the waiting counts."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import httpx
import pytest

from kiosk.citizen.display import DisplayServer
from kiosk.citizen.queue import QueueService
from kiosk.config import Config
from kiosk.storage import Store
from tests.chromium import Chromium

pytestmark = pytest.mark.skipif(shutil.which("chromium") is None,
                                reason="chromium is not installed")


def test_a_call_shows_on_the_page_in_chromium(store: Store, tmp_path: Path) -> None:
    config = Config.load()
    queue = QueueService(store, config, client=lambda: None)  # offline: this counter's own
    for _ in range(3):
        queue.take("A")
    queue.call_next("c1")
    server = DisplayServer(queue, bind="127.0.0.1", port=0, poll_ms=200).start()
    page = Chromium(server.url, tmp_path / "profile")
    try:
        end = time.monotonic() + 20
        while page.eval("document.getElementById('last').textContent") != "A1-01":
            assert time.monotonic() < end, "the page never showed the first call"
            time.sleep(0.05)
        called = queue.call_next("c1")
        assert called is not None
        t0 = time.monotonic()
        while page.eval("document.getElementById('last').textContent") != "A1-02":
            assert time.monotonic() < t0 + 20, "the page never showed the new call"
            time.sleep(0.02)
        print(f"call shown after {time.monotonic() - t0:.3f} s")  # the figure: bench/
        assert page.eval("document.getElementById('lastCounter').textContent") == \
            "đến quầy số 1"
        assert page.eval("document.querySelector('#calls td').textContent") == "A1-01"
        assert "Tiếp nhận hồ sơ: 1 người chờ" in page.eval(
            "document.getElementById('waiting').textContent")
        if shutil.which("espeak-ng"):  # the page asked for the spoken call and played it
            end = time.monotonic() + 20
            while page.eval("document.body.dataset.spoken || ''") != "A1-02":
                assert time.monotonic() < end, "the spoken call was not played"
                time.sleep(0.05)
            assert server.wav_served == 1
            assert httpx.get(server.url + "call.wav?label=Z999&counter=1").status_code == 404
        page.screenshot(Path(os.environ.get("KIOSK_DISPLAY_SHOT") or tmp_path / "display.png"))
        state = json.loads(httpx.get(server.url + "status").text)
        assert set(state) == {"centre", "calls", "waiting"}
        assert set(state["calls"][0]) == {"label", "counter", "service", "at"}
    finally:
        page.close()
        server.stop()


def test_cli_serves_the_page_until_stopped(kiosk_home: Path) -> None:
    import signal
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "queue", "display", "--port", "0", "--bind",
         "127.0.0.1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=root,
        env={"PYTHONPATH": str(root), "KIOSK_HOME": str(kiosk_home), "PATH": "/usr/bin:/bin"})
    try:
        assert proc.stdout is not None
        started = json.loads(proc.stdout.readline())
        page = httpx.get(started["url"], timeout=5)
        assert page.status_code == 200 and "Màn hình gọi số" in page.text
        assert httpx.get(started["url"] + "status", timeout=5).json()["calls"] == []
        assert httpx.get(started["url"] + "nothing", timeout=5).status_code == 404
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1]) == {"stopped": True}
