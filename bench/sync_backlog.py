"""Sync a backlog through the real server: direct, through a bandwidth-capped link (our
proxy), and through the capped link with cuts. Prints goodput as a fraction of the cap and
the bytes sent again after cuts.

    .venv/bin/python bench/sync_backlog.py [--dossiers 200] [--pages 10] [--rate-mbit 16]
        [--cut-every 4]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "kiosk.sync.memory_keyring.MemoryKeyring")


def make_backlog(store, n_dossiers: int, pages: int, seed: int) -> int:  # type: ignore[no-untyped-def]
    from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput

    rng = random.Random(seed)
    total = 0
    for i in range(n_dossiers):
        shas = []
        for _ in range(pages):
            # A 200 dpi A4 page after the pipeline (G4 / MRC / JPEG): tens of KB to ~300 KB.
            size = int(min(400_000, max(15_000, rng.lognormvariate(11.0, 0.6))))
            shas.append(store.put_file(b"%PDF-1.4\n" + rng.randbytes(size)))
            total += size + 9
        half = max(1, pages // 2)
        inp = DossierInput("1.001193", ApplicantInput(f"Nguyễn Văn {i}", id_number="001158024485"),
                           components=[
                               ComponentInput("Tờ khai", code="TK",
                                              pages=[PageInput(s) for s in shas[:half]]),
                               ComponentInput("Giấy chứng sinh", code="GCS", copy_kind="copy",
                                              pages=[PageInput(s) for s in shas[half:]])])
        store.save_dossier(inp, actor="bench")
    return total


def run(mode: str, args: argparse.Namespace) -> dict[str, float]:
    import httpx

    from central import service
    from central.blobstore import BlobStore
    from central.db import Database
    from central.netproxy import FaultProxy, Faults
    from central.runner import ServerThread
    from kiosk.storage import Store
    from kiosk.sync.engine import SyncEngine
    from kiosk.sync.transport import make_client

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["KIOSK_HOME"] = str(Path(tmp) / "home")
        store = Store(orphan_grace_seconds=None)
        payload = make_backlog(store, args.dossiers, args.pages, seed=1)
        db = Database(str(Path(tmp) / "central.sqlite3"))
        token = service.add_device(db, "000.00.04.H40")["token"]
        server = ServerThread(db, BlobStore(Path(tmp) / "blobs")).start()
        rate = args.rate_mbit * 1_000_000 / 8
        proxy = None
        url = server.url
        if mode != "direct":
            proxy = FaultProxy(server.port, Faults(rate=rate)).start()
            url = proxy.url
        engine = SyncEngine(store, make_client(url, timeout=httpx.Timeout(10.0)), lambda: token)
        stop = threading.Event()
        cuts = {"n": 0}

        def cutter() -> None:
            while not stop.wait(args.cut_every):
                if proxy and cuts["n"] < args.max_cuts:
                    cuts["n"] += proxy.cut_all() > 0

        if mode == "capped+cuts":
            threading.Thread(target=cutter, daemon=True).start()
        start = time.perf_counter()
        passes = 0
        while True:
            passes += 1
            if engine.run_once(ignore_backoff=True)["waiting"] == 0:
                break
        elapsed = time.perf_counter() - start
        stop.set()
        wire = proxy.bytes_up if proxy else engine.bytes_sent
        server.stop()
        if proxy:
            proxy.stop()
        store.close()
        return {"payload_mb": payload / 1e6, "seconds": elapsed, "wire_mb": wire / 1e6,
                "goodput_mb_s": payload / elapsed / 1e6,
                "fraction_of_cap": payload / elapsed / rate if mode != "direct" else 0.0,
                "resent_mb": max(0.0, (wire - payload) / 1e6), "cuts": cuts["n"],
                "passes": passes}


def main() -> None:
    import statistics

    p = argparse.ArgumentParser()
    p.add_argument("--dossiers", type=int, default=200)
    p.add_argument("--pages", type=int, default=10)
    p.add_argument("--rate-mbit", type=float, default=16.0)
    p.add_argument("--cut-every", type=float, default=4.0)
    p.add_argument("--max-cuts", type=int, default=10)
    p.add_argument("--repeat", type=int, default=1, help="runs per mode; medians are printed")
    args = p.parse_args()
    results: dict[str, dict[str, float]] = {}
    for mode in ("direct", "capped", "capped+cuts"):
        runs = []
        for _ in range(args.repeat):
            runs.append(run(mode, args))
            print(f"  {mode}: {runs[-1]}", flush=True)
        results[mode] = r = {k: statistics.median(x[k] for x in runs) for k in runs[0]}
        print(f"{mode:12s} payload {r['payload_mb']:.1f} MB in {r['seconds']:.1f} s; "
              f"goodput {r['goodput_mb_s']:.2f} MB/s"
              + (f" = {r['fraction_of_cap']:.0%} of the {args.rate_mbit:g} Mbit/s cap"
                 if mode != "direct" else "")
              + f"; wire {r['wire_mb']:.1f} MB, beyond payload {r['resent_mb']:.2f} MB;"
              f" cuts {r['cuts']:g}; passes {r['passes']:g} (median of {args.repeat})",
              flush=True)
    base = results["capped"]
    cut = results["capped+cuts"]
    print(f"bytes re-sent because of {cut['cuts']:g} cuts: "
          f"{(cut['wire_mb'] - base['wire_mb']):.2f} MB "
          f"({(cut['wire_mb'] - base['wire_mb']) / max(cut['cuts'], 1):.2f} MB per cut); "
          f"time ratio cuts/clean {cut['seconds'] / base['seconds']:.2f}; "
          f"capped/direct goodput {base['goodput_mb_s'] / results['direct']['goodput_mb_s']:.2f}")


if __name__ == "__main__":
    main()
