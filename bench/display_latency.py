"""Seconds from a call to the wall display showing it in a real Chromium (issue 27).

    .venv/bin/python bench/display_latency.py [--calls 20] [--poll-ms 300]

A counter (offline numbers, its own SQLite file in a temporary KIOSK_HOME) calls ``--calls``
tickets one after another; for each, the time until the page in headless Chromium
(``tests/chromium.py``, DevTools over a pipe) shows the new number, and in the same run the
baseline: the time until the display server's own ``/status`` JSON has it (its poll alone,
without the event stream and the page). Figures: median and maximum of each.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--poll-ms", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["KIOSK_HOME"] = tmp
        from kiosk.citizen.display import DisplayServer
        from kiosk.citizen.queue import QueueService
        from kiosk.config import Config
        from kiosk.storage import Store
        from tests.chromium import Chromium

        store = Store(orphan_grace_seconds=None)
        queue = QueueService(store, Config.load(), client=lambda: None)
        for _ in range(args.calls + 1):
            queue.take("A")
        queue.call_next("bench")
        server = DisplayServer(queue, bind="127.0.0.1", port=0, poll_ms=args.poll_ms).start()
        page = Chromium(server.url, Path(tmp) / "profile")
        shown = "document.getElementById('last').textContent"
        try:
            while page.eval(shown) != "A1-01":
                time.sleep(0.05)
            to_page, to_status = [], []
            for _ in range(args.calls):
                label = queue.call_next("bench")["label"]
                t0 = time.monotonic()
                status_at = page_at = None
                while status_at is None or page_at is None:
                    now = time.monotonic()
                    if status_at is None:
                        with urllib.request.urlopen(server.url + "status") as r:
                            calls = json.loads(r.read())["calls"]
                        if calls and calls[0]["label"] == label:
                            status_at = now - t0
                    if page_at is None and page.eval(shown) == label:
                        page_at = now - t0
                    time.sleep(0.01)
                to_page.append(page_at)
                to_status.append(status_at)
        finally:
            page.close()
            server.stop()
            store.close()
    print(json.dumps({
        "calls": args.calls, "poll_ms": args.poll_ms,
        "page_median_s": round(statistics.median(to_page), 3),
        "page_max_s": round(max(to_page), 3),
        "baseline_status_median_s": round(statistics.median(to_status), 3),
        "baseline_status_max_s": round(max(to_status), 3)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
