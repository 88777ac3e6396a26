"""The fleet at a province's scale (issue 26 §4): health reports, catalog pulls and the
province page's counters list with N counters, on a private PostgreSQL cluster (or SQLite).

One ``kiosk central serve`` process; the counters are real HTTP clients (each its own device
token and machine id) sending health reports and pulling the catalog, ``--rounds`` each,
``--concurrency`` at once. Then the province page (signed in) is read ``--page-reads``
times. Each figure is printed with the same-run baseline of the bare query behind it (the
upsert of one report; the select of the fleet list), run with psycopg/sqlite3 directly.

    .venv/bin/python bench/fleet_bench.py [--counters 300] [--rounds 10] [--concurrency 20]
        [--page-reads 50] [--interval 30] [--paced-rounds 3] [--sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.central_procs import CentralProcs, PgCluster  # noqa: E402


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def show(name: str, seconds: list[float]) -> dict[str, Any]:
    ms = [s * 1000 for s in seconds]
    out = {"what": name, "n": len(ms), "p50_ms": round(pct(ms, 50), 2),
           "p95_ms": round(pct(ms, 95), 2), "p99_ms": round(pct(ms, 99), 2),
           "mean_ms": round(statistics.fmean(ms), 2),
           "load": round(os.getloadavg()[0], 2)}  # the machine is shared: say how busy
    print(json.dumps(out, ensure_ascii=False), flush=True)
    return out


def report(i: int) -> dict[str, Any]:
    return {"app_version": "0.9.0", "catalog_version": "2025.12.1",
            "calendar_version": "2026.11.1", "outbox_depth": i % 7, "parked": 0,
            "outbox_oldest_age_seconds": 60 * (i % 5), "disk_free_bytes": (20 + i % 30) << 30,
            "clock_skew_seconds": i % 3, "last_success": "2026-12-07T10:00:00+07:00",
            "printers": [{"name": "KioskPDF", "state": "ready"}],
            "scanners": [{"name": "fujitsu:fi-7160", "state": "ready"}]}


async def counters_load(url: str, tokens: list[str], rounds: int, concurrency: int,
                        interval: float = 0.0) -> tuple[list[float], list[float]]:
    """``interval`` > 0: each counter reports once per interval, the counters spread over
    it (a sync pass every ``interval`` seconds, as in the field); 0: as fast as
    ``concurrency`` allows (saturation)."""
    import httpx

    health: list[float] = []
    pulls: list[float] = []
    sem = asyncio.Semaphore(concurrency)
    # One machine per counter, the same in every run (a token is bound to its machine).
    machines = [hashlib.sha256(t.encode()).hexdigest() for t in tokens]

    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        start = time.perf_counter()

        async def one(i: int, token: str) -> None:
            headers = {"Authorization": f"Bearer {token}", "Kiosk-Machine": machines[i]}
            etag = None
            for round_ in range(rounds):
                if interval:
                    due = start + interval * (round_ + i / len(tokens))
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                async with sem:
                    t = time.perf_counter()
                    r = await client.put("/v1/devices/self/health", json=report(i),
                                         headers=headers)
                    health.append(time.perf_counter() - t)
                    r.raise_for_status()
                    t = time.perf_counter()
                    r = await client.get("/v1/publications/catalog", headers={
                        **headers, **({"If-None-Match": etag} if etag else {})})
                    pulls.append(time.perf_counter() - t)
                    assert r.status_code in (200, 304), r.text
                    etag = r.headers.get("ETag", etag)

        await asyncio.gather(*(one(i, tok) for i, tok in enumerate(tokens)))
    return health, pulls


def page_reads(url: str, password: str, n: int) -> list[float]:
    import httpx

    times = []
    with httpx.Client(base_url=url, timeout=60) as client:
        page = client.get("/province/login")
        csrf = re.search(r'name=csrf value="([^"]+)"', page.text)[1]  # type: ignore[index]
        r = client.post("/province/login", data={"csrf": csrf, "username": "tinh",
                                                 "password": password})
        assert r.status_code == 303, r.text
        for _ in range(n):
            t = time.perf_counter()
            r = client.get("/province/")
            times.append(time.perf_counter() - t)
            assert r.status_code == 200 and "counters" in r.text
    return times


def bare_queries(db: Any, device_ids: list[str], n: int) -> tuple[list[float], list[float]]:
    """The same work without HTTP, FastAPI or the health logic: one report's upsert and log
    insert, and the fleet list's select."""
    from central import fleet

    text = json.dumps(report(0))
    upserts, selects = [], []
    for i in range(n):
        dev = device_ids[i % len(device_ids)]
        t = time.perf_counter()
        with db.transaction() as tx:  # the report's own statements (central.fleet)
            if db.postgres:
                tx.execute("SET LOCAL synchronous_commit TO OFF")
            tx.execute("INSERT INTO device_health (device_id, reported_at, report) VALUES "
                       "(?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET reported_at = "
                       "excluded.reported_at, report = excluded.report",
                       (dev, "2026-12-07T10:00:00+07:00", text))
            tx.execute("INSERT INTO device_health_log (device_id, reported_at, report)"
                       " VALUES (?, ?, ?)", (dev, "2026-12-07T10:00:00+07:00", text))
            tx.execute("DELETE FROM device_health_log WHERE device_id = ? AND reported_at <= ("
                       "SELECT reported_at FROM device_health_log WHERE device_id = ? ORDER BY"
                       " reported_at DESC LIMIT 1 OFFSET 50)", (dev, dev))
        upserts.append(time.perf_counter() - t)
    for _ in range(min(n, 50)):
        t = time.perf_counter()
        with db.transaction(write=False) as tx:
            tx.all("SELECT d.id, d.unit_code, d.name, h.reported_at, h.report FROM devices d"
                   " LEFT JOIN device_health h ON h.device_id = d.id WHERE d.role = 'device'")
        selects.append(time.perf_counter() - t)
    t = time.perf_counter()
    fleet.devices(db)
    print(json.dumps({"what": "fleet.devices() in process", "ms": round(
        (time.perf_counter() - t) * 1000, 2)}), flush=True)
    return upserts, selects


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--counters", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--page-reads", type=int, default=50)
    ap.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    ap.add_argument("--interval", type=float, default=30.0,
                    help="the paced run: seconds between one counter's passes (0: skip it)")
    ap.add_argument("--paced-rounds", type=int, default=3)
    args = ap.parse_args()
    from central import fleet, province_auth, service
    from central.db import Database
    from kiosk.catalog import SAMPLE_CATALOG

    work = Path(tempfile.mkdtemp(prefix="kiosk-fleet-bench-"))
    cluster = None
    if args.sqlite:
        url = str(work / "central.sqlite3")
    else:
        cluster = PgCluster(work / "pg").start()
        url = cluster.create_db("fleet")
    db = Database(url)
    password = "mật-khẩu-bench-2026"
    province_auth.add_user(db, "tinh", password, "province")
    fleet.publish(db, "catalog", SAMPLE_CATALOG.read_bytes())
    devices = [service.add_device(db, f"000.{i // 300:02d}.{i % 100:02d}.H40", f"quầy {i}")
               for i in range(args.counters)]
    for sub in ("blobs/blobs", "blobs/partial", "blobs/tmp", "logs"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    procs = CentralProcs(url, work / "blobs", 1, work / "logs").start()
    try:
        server = procs.urls[0]
        print(json.dumps({"counters": args.counters, "rounds": args.rounds,
                          "database": "sqlite" if args.sqlite else "postgresql"}), flush=True)
        tokens = [d["token"] for d in devices]
        health, pulls = asyncio.run(counters_load(server, tokens, args.rounds,
                                                  args.concurrency))
        show(f"saturated ({args.concurrency} at once): PUT /v1/devices/self/health", health)
        show(f"saturated ({args.concurrency} at once): GET /v1/publications/catalog", pulls)
        if args.interval:
            paced, paced_pulls = asyncio.run(counters_load(
                server, tokens, args.paced_rounds, args.concurrency, args.interval))
            show(f"paced (each counter every {args.interval:g} s): PUT health", paced)
            show(f"paced (each counter every {args.interval:g} s): GET catalog (304)",
                 paced_pulls)
        show("GET /province/ (the counters page)", page_reads(server, password,
                                                             args.page_reads))
        upserts, selects = bare_queries(db, [d["device_id"] for d in devices],
                                        len(health) // 4 or 1)
        show("bare: one report's upsert + log INSERT + trim", upserts)
        show("bare: the fleet list's SELECT", selects)
    finally:
        procs.stop()
        db.close()
        if cluster is not None:
            cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
