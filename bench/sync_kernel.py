"""``bench/sync_backlog.py --modes kernel``: the sync through the kernel-shaped link
(``bench/kernel_link.py``), with curl carrying the same bytes over the same link in the
same run; optionally an added round trip (``bench/delay_relay.py``) and several settings
of ``sync.parallel_uploads`` synced one after another in each run (``--compare auto,2,4``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any


def sync_once(rate_mbit: float, parallel: str, args: argparse.Namespace, link: Any,
              pki: dict[str, Path], delay_ms: float, body: Path | None) -> dict[str, Any]:
    """One sync of a fresh backlog through the link; writes the scans to ``body`` (curl's
    upload) when asked."""
    import kernel_link
    from sync_backlog import PatchCounter, count_patches, drain, make_backlog

    from central import service
    from central.blobstore import BlobStore
    from central.db import Database
    from central.runner import ServerThread
    from kiosk.storage import Store
    from kiosk.sync.engine import SyncEngine
    from kiosk.sync.inflight import pinned
    from kiosk.sync.transport import make_client

    # The same duration per run at any rate: the backlog scales with the cap.
    dossiers = max(2, round(args.dossiers * rate_mbit / args.rate_mbit))
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        os.environ["KIOSK_HOME"] = str(Path(tmp) / "home")
        store = Store(orphan_grace_seconds=None)
        payload = make_backlog(store, dossiers, args.pages, seed=1)
        if body is not None:
            with body.open("wb") as out:
                for (sha,) in store.read(lambda db: db.execute("SELECT sha256 FROM files")
                                         .fetchall()):
                    out.write(store.files.path_for(sha).read_bytes())
        db = Database(str(Path(tmp) / "central.sqlite3"))
        token = service.add_device(db, "000.00.04.H40")["token"]
        server = ServerThread(db, BlobStore(Path(tmp) / "blobs"), server_kw={
            "ssl_certfile": str(pki["cert"]), "ssl_keyfile": str(pki["key"])})
        counter = PatchCounter(server.app)
        server._server.config.app = counter
        sock = link.listen()
        port = sock.getsockname()[1]
        server._thread = threading.Thread(target=server._server.run, kwargs={"sockets": [sock]},
                                          name="central-server", daemon=True)
        server.start()
        if delay_ms:
            port = stack.enter_context(kernel_link.DelayRelay(link, delay_ms, [port])).ports[0]
        link.set_loss(link.loss)
        link.reset_shaper()
        engine = SyncEngine(store, make_client(f"https://{link.ip}:{port}", str(pki["ca"])),
                            lambda: token, parallel=pinned(parallel),
                            parallel_dossiers=args.parallel_dossiers)
        chunks = count_patches(engine.http)
        files = kernel_link.count_files(engine.http)
        passes, elapsed = drain(engine)
        shaped, lost = link.shaper_stats(), link.loss_dropped()
        engine.http.close()
        server.stop()
        store.close()
    rate = rate_mbit * 1_000_000 / 8
    levels = engine.in_flight.history if engine.in_flight else []
    return {"parallel": parallel, "dossiers": dossiers, "payload_mb": payload / 1e6,
            "seconds": elapsed, "share": payload / elapsed / rate,
            "packets": shaped["packets"], "dropped": shaped["dropped"],
            "drop_pct": 100 * shaped["dropped"] / max(shaped["packets"] + shaped["dropped"], 1),
            "nft_dropped": lost, "files": len(files["length"]),
            "files_sent_twice": kernel_link.files_sent_twice(files),
            "resent_chunks": chunks["resent_chunks"],
            "client_resent_mb": chunks["resent_bytes"] / 1e6,
            "server_unacked_mb": (counter.received - counter.acknowledged) / 1e6,
            "passes": passes, "load1": os.getloadavg()[0],
            "settled": engine.in_flight.settled if engine.in_flight else int(parallel),
            "levels": " ".join(f"{level}:{rate / 1e6:.2f}" for level, rate in levels)}


def curl_once(rate_mbit: float, link: Any, pki: dict[str, Path], delay_ms: float,
              body: Path) -> dict[str, Any]:
    import kernel_link

    sink = kernel_link.TlsSink(link.listen(), pki)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    try:
        with ExitStack() as stack:
            port = sink.server_address[1]
            if delay_ms:
                port = stack.enter_context(
                    kernel_link.DelayRelay(link, delay_ms, [port])).ports[0]
            time.sleep(1.0)  # the shaper's queue empties before its counters restart
            link.reset_shaper()
            link.reset_loss_counter()
            seconds = kernel_link.curl_upload(f"https://{link.ip}:{port}/sink", pki["ca"], body)
            shaped, lost = link.shaper_stats(), link.loss_dropped()
    finally:
        sink.shutdown()
        sink.server_close()
    size = body.stat().st_size
    return {"seconds": seconds, "share": size / seconds / (rate_mbit * 1_000_000 / 8),
            "drop_pct": 100 * shaped["dropped"] / max(shaped["packets"] + shaped["dropped"], 1),
            "nft_dropped": lost, "load1": os.getloadavg()[0]}


def kernel_mode(args: argparse.Namespace) -> None:
    import kernel_link

    why = kernel_link.unavailable()
    if why:
        print(f"kernel      skipped: {why}", flush=True)
        return
    specs = []
    for spec in args.kernel_runs.split(","):
        parts = spec.split(":")
        specs.append((float(parts[0]), int(parts[1]), float(parts[2]) if len(parts) > 2 else 0))
    if any(loss for _r, loss, _d in specs) and shutil.which("nft") is None:
        print("kernel      loss runs skipped: `nft` (nftables) is not installed", flush=True)
        specs = [s for s in specs if not s[1]]
    if shutil.which("curl") is None:
        print("kernel      skipped: `curl` (the baseline) is not installed", flush=True)
        return
    settings = [s.strip() for s in (args.compare or args.parallel).split(",") if s.strip()]
    print(f"kernel      tbf burst {args.tbf_burst}, latency {args.tbf_latency_ms:g} ms; "
          f"uploads at once {', '.join(settings)}; load average {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory() as pki_dir:
        for rate_mbit, loss, delay_ms in specs:
            label = f"{rate_mbit:g} Mbit/s, loss {loss} %" + (
                f", +{delay_ms:g} ms round trip" if delay_ms else "")
            runs: list[dict[str, Any]] = []
            with kernel_link.Link(rate_mbit, args.tbf_latency_ms, args.tbf_burst) as link:
                pki = kernel_link.make_pki(Path(pki_dir), link.ip)
                link.set_loss(loss)
                for _ in range(args.repeat):
                    body = Path(pki_dir) / "body"
                    syncs = [sync_once(rate_mbit, p, args, link, pki, delay_ms,
                                       body if i == 0 else None)
                             for i, p in enumerate(settings)]
                    curl = curl_once(rate_mbit, link, pki, delay_ms, body)
                    runs.append({"syncs": syncs, "curl": curl})
                    for r in syncs:
                        print(f"  {label}: uploads at once {r['parallel']}"
                              + (f" (levels {r['levels']}, settled {r['settled']})"
                                 if r["levels"] else "")
                              + f": sync {r['share']:.0%} of the cap ({r['payload_mb']:.1f} MB "
                              f"in {r['seconds']:.1f} s), sync/curl "
                              f"{curl['seconds'] / r['seconds']:.2f}; shaper dropped "
                              f"{r['drop_pct']:.1f} %; nft dropped {r['nft_dropped']:g}; whole "
                              f"files sent twice {r['files_sent_twice']:g} of {r['files']:g}; "
                              f"chunks re-sent {r['resent_chunks']:g}, server unacknowledged "
                              f"{r['server_unacked_mb']:.2f} MB; passes {r['passes']:g}; "
                              f"load {r['load1']:.2f}", flush=True)
                    print(f"  {label}: curl {curl['share']:.0%} of the cap "
                          f"({curl['seconds']:.1f} s); shaper dropped {curl['drop_pct']:.1f} %; "
                          f"nft dropped {curl['nft_dropped']:g}; load {curl['load1']:.2f}",
                          flush=True)
            curl_share = statistics.median(r["curl"]["share"] for r in runs)
            for i, p in enumerate(settings):
                mine = [r["syncs"][i] for r in runs]
                ratios = sorted(r["curl"]["seconds"] / r["syncs"][i]["seconds"] for r in runs)
                shares = ", ".join(format(m["share"], ".0%") for m in mine)
                loads = ", ".join(format(m["load1"], ".1f") for m in mine)
                each = ", ".join(format(x, ".2f") for x in ratios)
                print(f"kernel {label}, uploads at once {p}: sync "
                      f"{statistics.median(m['share'] for m in mine):.0%} of the cap "
                      f"({shares}), curl {curl_share:.0%}, sync/curl "
                      f"{statistics.median(ratios):.2f} ({each}); shaper drops "
                      f"{statistics.median(m['drop_pct'] for m in mine):.1f} % vs "
                      f"{statistics.median(r['curl']['drop_pct'] for r in runs):.1f} %; whole "
                      f"files sent twice (max) {max(m['files_sent_twice'] for m in mine):g}; "
                      f"settled {[m['settled'] for m in mine]}; load {loads} "
                      f"(median of {args.repeat})", flush=True)
