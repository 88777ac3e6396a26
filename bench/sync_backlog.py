"""Sync a backlog through the real server: direct, through a bandwidth-capped link (our
proxy), and through the capped link with cuts. Prints goodput as a fraction of the cap and
against a same-run baseline: a raw streaming HTTP upload (httpx) of the same scan bytes
through the same capped proxy to a sink that only reads them (what the cap lets through).

Re-sent bytes are counted, not inferred: client side, every PATCH body handed to the
transport, keyed by (upload URL, Upload-Offset) — a repeated key is a chunk sent again;
server side (ASGI middleware), PATCH body bytes that arrived against bytes acknowledged.
Fsyncs per page: run under ``strace -f -c -e trace=fsync,fdatasync`` with
``--modes direct`` (both ends run in this process).

    .venv/bin/python bench/sync_backlog.py [--dossiers 200] [--pages 10] [--rate-mbit 16]
        [--cut-every 4] [--modes direct,capped,capped+cuts]

``--modes kernel`` (root): the link is the kernel's instead of our proxy — a veth pair into a
network namespace with ``tc tbf``, TLS on both ends, optional random loss by nftables — and
the baseline is curl carrying the same bytes over the same link in the same run
(``bench/kernel_link.py``, ``bench/sync_kernel.py``); ``--kernel-runs 16:0,16:1,16:5,2:0``
lists rate (Mbit/s) : loss (%) [: added round trip (ms), ``bench/delay_relay.py``].
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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.sync.engine import SyncEngine

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


class PatchCounter:
    """ASGI middleware: chunk bytes (tus PATCH and creation-with-upload POST bodies) that
    reached the server, and those acknowledged."""

    def __init__(self, app) -> None:
        self.app = app
        self.received = 0
        self.acknowledged = 0
        self.unacknowledged_requests = 0
        self._lock = threading.Lock()

    async def __call__(self, scope, receive, send):
        # Chunks come in PATCH bodies and, for a file of one chunk, in the creation POST
        # (tus creation-with-upload).
        if scope["type"] != "http" or scope["method"] not in ("PATCH", "POST") \
                or not scope["path"].startswith("/v1/uploads"):
            return await self.app(scope, receive, send)
        got = {"n": 0, "status": 0}

        async def counting_receive():
            message = await receive()
            if message["type"] == "http.request":
                got["n"] += len(message.get("body", b""))
            return message

        async def recording_send(message):
            if message["type"] == "http.response.start":
                got["status"] = message["status"]
            await send(message)

        try:
            await self.app(scope, counting_receive, recording_send)
        finally:
            with self._lock:
                self.received += got["n"]
                if got["status"] in (201, 204):
                    self.acknowledged += got["n"]
                elif got["n"]:
                    self.unacknowledged_requests += 1


def count_patches(http) -> dict[str, int]:
    """Client side: every chunk handed to the transport (PATCH, creation POST); a (URL,
    offset) — for a POST (endpoint, file) — seen before is a chunk sent again."""
    counts = {"bytes": 0, "chunks": 0, "resent_bytes": 0, "resent_chunks": 0}
    seen: set[tuple[str, str]] = set()
    lock = threading.Lock()
    original = http.request

    def request(method, url, **kw):
        headers = kw.get("headers") or {}
        n = len(kw.get("content") or b"")
        if n and (method == "PATCH" or (method == "POST" and "Upload-Length" in headers)):
            # A POST's body is the file's first chunk: its key is the file (metadata), at 0.
            key = (str(url), str(headers.get("Upload-Offset", headers.get("Upload-Metadata"))))
            with lock:
                counts["bytes"] += n
                counts["chunks"] += 1
                if key in seen:
                    counts["resent_bytes"] += n
                    counts["resent_chunks"] += 1
                seen.add(key)
        return original(method, url, **kw)

    http.request = request
    return counts


def drain(engine: SyncEngine) -> tuple[int, float]:
    """Sync passes until nothing waits: how many, and the seconds they took."""
    start = time.perf_counter()
    passes = 0
    while True:
        passes += 1
        if engine.run_once(ignore_backoff=True)["waiting"] == 0:
            return passes, time.perf_counter() - start


def raw_baseline(files: list[Path], rate: float, limit: int) -> float:
    """Bytes/s of one streaming HTTP upload of the scans (up to ``limit`` bytes) through the
    same capped proxy to a sink that reads and discards: what the cap lets through."""
    import socketserver

    import httpx
    import kernel_link

    from central.netproxy import FaultProxy, Faults

    sink = socketserver.ThreadingTCPServer(("127.0.0.1", 0), kernel_link.DiscardingSink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    proxy = FaultProxy(sink.server_address[1], Faults(rate=rate)).start()
    chosen, total = [], 0
    for f in files:
        if total >= limit:
            break
        chosen.append(f)
        total += f.stat().st_size

    # Requests of ≤ 8 MB on one kept-alive connection: the proxy's upstream socket times
    # out after 10 s without an answer.
    batches: list[list[Path]] = [[]]
    size = 0
    for f in chosen:
        if size >= 8_000_000:
            batches.append([])
            size = 0
        batches[-1].append(f)
        size += f.stat().st_size

    def body(batch: list[Path]):  # type: ignore[no-untyped-def]
        for f in batch:
            yield f.read_bytes()

    start = time.perf_counter()
    with httpx.Client(timeout=60) as client:
        for batch in batches:
            length = sum(f.stat().st_size for f in batch)
            r = client.post(proxy.url + "/sink", content=body(batch),
                            headers={"Content-Length": str(length)})
            assert r.status_code == 204, r.status_code
    elapsed = time.perf_counter() - start
    proxy.stop()
    sink.shutdown()
    return total / elapsed


def run(mode: str, args: argparse.Namespace) -> dict[str, float]:
    import httpx

    from central import service
    from central.blobstore import BlobStore
    from central.db import Database
    from central.netproxy import FaultProxy, Faults
    from central.runner import ServerThread
    from kiosk.storage import Store
    from kiosk.sync.engine import SyncEngine
    from kiosk.sync.inflight import pinned
    from kiosk.sync.transport import make_client

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["KIOSK_HOME"] = str(Path(tmp) / "home")
        store = Store(orphan_grace_seconds=None)
        payload = make_backlog(store, args.dossiers, args.pages, seed=1)
        db = Database(str(Path(tmp) / "central.sqlite3"))
        token = service.add_device(db, "000.00.04.H40")["token"]
        server = ServerThread(db, BlobStore(Path(tmp) / "blobs"))
        # Wrapped before uvicorn loads the app (at start).
        counter = PatchCounter(server.app)
        server._server.config.app = counter
        server.start()
        rate = args.rate_mbit * 1_000_000 / 8
        baseline = 0.0
        if mode == "capped":
            files = sorted(store.files.path_for(r[0]) for r in store.read(
                lambda db: db.execute("SELECT sha256 FROM files").fetchall()))
            baseline = raw_baseline(files, rate, args.baseline_mb * 1_000_000)
        proxy = None
        url = server.url
        if mode != "direct":
            proxy = FaultProxy(server.port, Faults(rate=rate)).start()
            url = proxy.url
        engine = SyncEngine(store, make_client(url, timeout=httpx.Timeout(10.0)), lambda: token,
                            parallel=pinned(args.parallel),
                            parallel_dossiers=args.parallel_dossiers)
        client = count_patches(engine.http)
        stop = threading.Event()
        cuts = {"n": 0}

        def cutter() -> None:
            while not stop.wait(args.cut_every):
                if proxy and cuts["n"] < args.max_cuts:
                    cuts["n"] += proxy.cut_all() > 0

        if mode == "capped+cuts":
            threading.Thread(target=cutter, daemon=True).start()
        wall_start = time.time()  # to pick this window out of an strace -ttt log
        passes, elapsed = drain(engine)
        wall_end = time.time()
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
                "passes": passes, "pages": args.dossiers * args.pages,
                "sync_window": f"{wall_start:.6f}-{wall_end:.6f}", "baseline_mb_s": baseline / 1e6,
                "vs_baseline": payload / elapsed / baseline if baseline else 0.0,
                "client_patch_mb": client["bytes"] / 1e6, "chunks": client["chunks"],
                "resent_chunks": client["resent_chunks"],
                "client_resent_mb": client["resent_bytes"] / 1e6,
                "server_patch_mb": counter.received / 1e6,
                "server_unacked_mb": (counter.received - counter.acknowledged) / 1e6,
                "server_unacked_patches": counter.unacknowledged_requests}


def main() -> None:
    import statistics

    p = argparse.ArgumentParser()
    p.add_argument("--dossiers", type=int, default=200)
    p.add_argument("--pages", type=int, default=10)
    p.add_argument("--rate-mbit", type=float, default=16.0)
    p.add_argument("--cut-every", type=float, default=4.0)
    p.add_argument("--max-cuts", type=int, default=10)
    p.add_argument("--repeat", type=int, default=1, help="runs per mode; medians are printed")
    p.add_argument("--baseline-mb", type=float, default=30.0,
                   help="bytes of the raw upload baseline (capped mode)")
    p.add_argument("--parallel", default="auto",
                   help="uploads at once (auto: chosen by the link, as sync.parallel_uploads)")
    p.add_argument("--compare", default="",
                   help="kernel mode: several --parallel values synced in each run, e.g. "
                        "auto,2,4 (curl once per run)")
    p.add_argument("--parallel-dossiers", type=int, default=2)
    p.add_argument("--modes", default="direct,capped,capped+cuts")
    p.add_argument("--kernel-runs", default="16:0,16:1,16:5,2:0",
                   help="kernel mode: rate Mbit/s : loss %% [: added round trip ms] per link")
    p.add_argument("--tbf-burst", default="32kb")
    p.add_argument("--tbf-latency-ms", type=float, default=50.0)
    args = p.parse_args()
    if "kernel" in args.modes.split(","):
        import sync_kernel

        sync_kernel.kernel_mode(args)
        args.modes = ",".join(m for m in args.modes.split(",") if m != "kernel")
        if not args.modes:
            return
    results: dict[str, dict[str, float]] = {}
    for mode in args.modes.split(","):
        runs = []
        for _ in range(args.repeat):
            runs.append(run(mode, args))
            print(f"  {mode}: {runs[-1]}", flush=True)
        results[mode] = r = {k: statistics.median(x[k] for x in runs) for k in runs[0]
                             if k != "sync_window"}
        print(f"{mode:12s} payload {r['payload_mb']:.1f} MB in {r['seconds']:.1f} s; "
              f"goodput {r['goodput_mb_s']:.2f} MB/s"
              + (f" = {r['fraction_of_cap']:.0%} of the {args.rate_mbit:g} Mbit/s cap"
                 if mode != "direct" else "")
              + f"; wire {r['wire_mb']:.1f} MB, beyond payload {r['resent_mb']:.2f} MB;"
              f" cuts {r['cuts']:g}; passes {r['passes']:g} (median of {args.repeat})",
              flush=True)
        if mode == "capped":
            print(f"{'':12s} raw streaming upload through the same cap: "
                  f"{r['baseline_mb_s']:.2f} MB/s = "
                  f"{r['baseline_mb_s'] * 8 / args.rate_mbit:.0%} of the cap; "
                  f"sync / raw {r['vs_baseline']:.2f}", flush=True)
        if r["cuts"]:
            cuts = r["cuts"]
            print(f"{'':12s} counted: {r['resent_chunks']:g} chunks re-sent "
                  f"({r['client_resent_mb']:.2f} MB) for {cuts:g} cuts = "
                  f"{r['resent_chunks'] / cuts:.1f} chunks, "
                  f"{r['client_resent_mb'] / cuts:.3f} MB per cut "
                  f"(mean chunk {r['client_patch_mb'] / max(r['chunks'], 1):.3f} MB); "
                  f"server got {r['server_patch_mb']:.2f} MB of PATCH bodies, "
                  f"{r['server_unacked_mb']:.2f} MB in "
                  f"{r['server_unacked_patches']:g} unacknowledged PATCHes", flush=True)
    if not {"direct", "capped", "capped+cuts"} <= results.keys():
        return
    base = results["capped"]
    cut = results["capped+cuts"]
    print(f"bytes re-sent because of {cut['cuts']:g} cuts: "
          f"{(cut['wire_mb'] - base['wire_mb']):.2f} MB "
          f"({(cut['wire_mb'] - base['wire_mb']) / max(cut['cuts'], 1):.2f} MB per cut); "
          f"time ratio cuts/clean {cut['seconds'] / base['seconds']:.2f}; "
          f"capped/direct goodput {base['goodput_mb_s'] / results['direct']['goodput_mb_s']:.2f}")


if __name__ == "__main__":
    main()
