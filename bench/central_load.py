"""A province's load on the central server (issue 15 §6).

N simulated counters (bench/central_load_client.py: each its own device token from enrolment
over the admin API, its own connection and outbox, real HTTP) push dossiers with scans (tus)
at once to W ``kiosk central serve`` processes on one private PostgreSQL cluster and one blob
directory, and read the change feed after every push. Afterwards the server's database and
blob directory are checked for exactly-once. Same-run baseline: the same rows inserted
straight into PostgreSQL with psycopg (one transaction per dossier, as many connections as
the server has worker processes). Optional py-spy profile of server process 0.

    .venv/bin/python bench/central_load.py [--counters 300] [--dossiers 3] [--workers 2]
        [--scans 1-2] [--scan-kb 40] [--time-cap 120] [--load-procs 2] [--pull-every 1]
        [--health-every 1] [--old-uploads]
        [--pg-fsync-off] [--profile [--profile-gil]] [--pg-stats]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter as Tally
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.central_load_client import CounterSpec, Results, run_counters  # noqa: E402
from bench.central_procs import CentralProcs, PgCluster, cpu_seconds, pg_cpu_seconds  # noqa: E402


def enrol(url: str, admin_token: str, n: int, per_unit: int) -> list[CounterSpec]:
    """Real enrolment: POST /v1/admin/devices with the province's admin token."""
    import httpx

    async def go() -> list[CounterSpec]:
        sem = asyncio.Semaphore(20)
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            async def one(i: int) -> CounterSpec:
                commune, slot = divmod(i, per_unit)
                unit = f"000.{commune // 100:02d}.{commune % 100:02d}.H40"
                async with sem:
                    r = await client.post("/v1/admin/devices", json={
                        "unit_code": unit, "name": f"quầy {slot + 1}"},
                        headers={"Authorization": f"Bearer {admin_token}"})
                r.raise_for_status()
                # Counters of one commune number their dossiers in their own blocks.
                return CounterSpec(i, unit, 1000 * (slot + 1), r.json()["token"], "")
            return list(await asyncio.gather(*(one(i) for i in range(n))))

    return asyncio.run(go())


def pctl(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


COMMITS = "SELECT xact_commit FROM pg_stat_database WHERE datname = 'central'"


def _scalar(conn: Any, sql: str) -> int:
    row = conn.execute(sql).fetchone()
    return int(row[0]) if row else 0


def verify(db_url: str, blob_dir: Path, res: Results) -> dict[str, Any]:
    """Exactly-once on the server: every acked dossier once, its pages, its one 'created'
    event, every blob present with the right size and sha256, no duplicate codes, and every
    counter's view of the feed without gaps or repeats."""
    import psycopg

    from central.blobstore import BlobStore

    out: dict[str, Any] = {}
    with psycopg.connect(db_url) as conn:
        rows = conn.execute("SELECT id, code FROM dossiers").fetchall()
        server: dict[str, str] = {r[0]: r[1] for r in rows}
        acked = {a["id"]: a for a in res.acked}
        out["acked"] = len(res.acked)
        out["server_dossiers"] = len(rows)
        out["acked_twice"] = len(res.acked) - len(acked)
        out["missing"] = len(set(acked) - set(server))
        out["unexpected"] = len(set(server) - set(acked))
        out["wrong_code"] = sum(1 for i, a in acked.items() if server.get(i, a["code"]) != a["code"])
        out["duplicate_codes"] = _scalar(
            conn, "SELECT count(*) FROM (SELECT code FROM dossiers GROUP BY code"
            " HAVING count(*) > 1) x")
        created = Tally(r[0] for r in conn.execute(
            "SELECT dossier_id FROM changes WHERE kind = 'created'").fetchall())
        out["created_events_not_once"] = sum(1 for i in acked if created.get(i) != 1)
        pages: dict[str, set[str]] = {}
        for d, s in conn.execute("SELECT dossier_id, sha256 FROM dossier_pages").fetchall():
            pages.setdefault(d, set()).add(s)
        out["pages_wrong"] = sum(1 for i, a in acked.items() if pages.get(i, set()) != set(a["shas"]))
        out["idempotency_rows"] = _scalar(conn, "SELECT count(*) FROM idempotency")
        sizes: dict[str, int] = {r[0]: r[1] for r in conn.execute(
            "SELECT sha256, size FROM blobs").fetchall()}
        events = conn.execute("SELECT seq, unit_code FROM changes").fetchall()
    store = BlobStore(blob_dir)
    bad = 0
    for sha, size in res.blobs.items():
        if sizes.get(sha) != size or not store.has(sha) or store.size(sha) != size \
                or store.rehash(sha) != sha:
            bad += 1
    out["blobs"] = len(res.blobs)
    out["blobs_bad"] = bad
    out["partial_left"] = len(list((blob_dir / "partial").iterdir()))
    by_unit: dict[str, list[int]] = {}
    for seq, unit in events:
        by_unit.setdefault(unit, []).append(seq)
    gaps = dups = 0
    for idx, seen in res.feed.items():
        cursor = res.cursors.get(idx, 0)
        expected = {s for s in by_unit.get(res.units[idx], []) if s <= cursor}
        gaps += len(expected - set(seen))
        dups += len(seen) - len(set(seen))
    out["feed_events_missed"] = gaps
    out["feed_events_repeated"] = dups
    out["ok"] = not any(out[k] for k in (
        "acked_twice", "missing", "unexpected", "wrong_code", "duplicate_codes",
        "created_events_not_once", "pages_wrong", "blobs_bad", "feed_events_missed",
        "feed_events_repeated")) and out["idempotency_rows"] == len(res.acked)
    return out


def raw_baseline(db_url: str, res: Results, conns: int) -> float:
    """The same rows (blob + upload rows, dossier, pages, feed event, idempotency record)
    straight into PostgreSQL, one transaction per dossier: dossiers/s."""
    import psycopg

    from central.db import Database

    Database(db_url).close()  # the same schema and indexes
    work = list(res.acked)
    lock = threading.Lock()

    def worker() -> None:
        with psycopg.connect(db_url) as conn:
            while True:
                with lock:
                    if not work:
                        return
                    a = work.pop()
                now = "2026-12-01T08:15:00+07:00"
                with conn.transaction():
                    for sha in a["shas"]:
                        conn.execute("INSERT INTO blobs VALUES (%s, %s, %s)", (sha, 1, now))
                        conn.execute("INSERT INTO uploads VALUES (%s, 'd', %s, 1, 1, %s, %s, 1)",
                                     (uuid.uuid4().hex, sha, now, now))
                    conn.execute("INSERT INTO dossiers (id, code, unit_code, device_id, status,"
                                 " server_version, body, created_at, updated_at) VALUES"
                                 " (%s, %s, %s, 'd', 2, 1, %s, %s, %s)",
                                 (a["id"], a["code"], a["unit"], "{}" * 600, now, now))
                    for sha in a["shas"]:
                        conn.execute("INSERT INTO dossier_pages VALUES (%s, %s)", (a["id"], sha))
                    conn.execute("INSERT INTO changes (dossier_id, unit_code, kind, status,"
                                 " server_version, origin_device, note, at) VALUES"
                                 " (%s, %s, 'created', 2, 1, 'd', NULL, %s)",
                                 (a["id"], a["unit"], now))
                    conn.execute("INSERT INTO idempotency VALUES ('d', %s, %s, 201, %s, %s)",
                                 (a["key"], "x" * 64, "{}" * 60, now))

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(res.acked) / (time.perf_counter() - start)


class Probes(threading.Thread):
    """During the load: round trips of ``SELECT 1`` on one PostgreSQL connection and of
    ``GET /v1/health`` (no database, but a handler thread) on server 0, to tell waiting for
    PostgreSQL from waiting in the server."""

    def __init__(self, db_url: str, url: str) -> None:
        super().__init__(daemon=True)
        self.db_url, self.url = db_url, url
        self.stop = threading.Event()
        self.pg: list[float] = []
        self.health: list[float] = []

    def run(self) -> None:
        import httpx
        import psycopg

        with psycopg.connect(self.db_url, autocommit=True) as conn, \
                httpx.Client(base_url=self.url, timeout=60) as http:
            while not self.stop.wait(0.1):
                t = time.perf_counter()
                conn.execute("SELECT 1").fetchone()
                self.pg.append(time.perf_counter() - t)
                t = time.perf_counter()
                http.get("/v1/health")
                self.health.append(time.perf_counter() - t)


def _frame_file(frame: str) -> str:
    return frame.rpartition("(")[2].split(":")[0]


# Server files that only pass a request on (middleware, the HTTP protocol, the runner): a
# sample under them belongs to the library code below them, unless they are the leaf.
_WRAPPERS = ("central/gate.py", "central/guard.py", "central/runner.py")
_LIBS = (("anyio thread pool (hand-off to a worker thread, GIL switch)",
          ("anyio/", "/queue.py", "/threading.py")),
         ("fastapi / pydantic (routing, dependencies, body validation, response encoding)",
          ("fastapi/", "pydantic", "starlette/")),
         ("uvicorn / h11 / asyncio (HTTP, event loop)", ("uvicorn/", "h11/", "asyncio/")),
         ("logging", ("logging/",)))


def _part(frames: list[str]) -> str:
    """Which part of the server a sample belongs to: the deepest frame in the server's own
    code (``central/``, apart from the connection wrapper db.py and the pass-through
    wrappers), else the library nearest the leaf."""
    files = [_frame_file(f) for f in frames]
    for i in range(len(frames) - 1, -1, -1):
        path = files[i]
        if "central/" not in path or path.endswith(("central/db.py", "central/clock.py")):
            continue
        if i < len(frames) - 1 and (path.endswith(_WRAPPERS) or "Middleware" in frames[i]):
            continue
        name = path.rsplit("central/", 1)[1]
        if name in ("service.py", "app.py"):
            name += " " + frames[i].split(" (")[0].split(".<locals>.")[-1]
        return name
    for path in reversed(files):
        for label, keys in _LIBS:
            if any(k in path for k in keys):
                return label
    return "other (" + (frames[-1].split(" (")[0] if frames else "?") + ")"


def _kind(frames: list[str]) -> str:
    """What the sample is doing inside its part."""
    files = [_frame_file(f) for f in frames]
    if any("psycopg" in p for p in files):
        return "sql"
    if any(p.endswith(("json/encoder.py", "json/decoder.py", "json/__init__.py"))
           for p in files):
        return "json"
    if any("pydantic" in p for p in files):
        return "pydantic"
    return "python"


def summarize_profile(raw: Path) -> list[str]:
    """py-spy's collapsed stacks: share of samples by part of the server and, within each,
    by what it is doing (SQL round trips in psycopg, json, pydantic, other Python)."""
    cats = {"psycopg (queries, connect)": ("psycopg",), "fsync": ("fsync",),
            "pydantic / fastapi (validation, routing)": ("pydantic", "fastapi", "starlette"),
            "uvicorn / h11 (HTTP)": ("uvicorn", "h11"), "logging (access log)": ("logging",),
            "sha256": ("hashlib", "sha256"), "json": ("json",)}
    total = 0
    inclusive: Tally[str] = Tally()
    leaves: Tally[str] = Tally()
    waits: Tally[str] = Tally()
    parts: dict[str, Tally[str]] = {}
    for line in raw.read_text(errors="replace").splitlines():
        stack, _sep, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        leaves[frames[-1][:90]] += n
        parts.setdefault(_part(frames), Tally())[_kind(frames)] += n
        if "wait" in frames[-1] and "psycopg" in frames[-1]:
            ours = [f for f in frames if "central/" in f and "db.py" not in f]
            waits[(ours[-1] if ours else "?").split(" (")[0]] += n
        for name, keys in cats.items():
            if any(k in f for f in frames for k in keys):
                inclusive[name] += n
    if not total:
        return ["(no samples)"]
    lines = [f"  {name}: {inclusive[name] / total:.0%} of samples (inclusive)" for name in cats]
    lines += [f"  leaf {n / total:.0%}  {f}" for f, n in leaves.most_common(8)]
    lines.append("  waiting for PostgreSQL (psycopg wait), by the server function waiting:")
    lines += [f"    {n / total:.0%}  {f}" for f, n in waits.most_common(8)]
    lines.append(f"  by part ({total} samples; share of all, then sql / json / pydantic /"
                 " other Python within it):")
    for name, kinds in sorted(parts.items(), key=lambda kv: -sum(kv[1].values()))[:20]:
        n = sum(kinds.values())
        inner = " / ".join(f"{kinds[k] / n:.0%}" for k in ("sql", "json", "pydantic", "python"))
        lines.append(f"    {n / total:5.1%}  {name}  [{inner}]")
    return lines


def print_statements(pg: PgCluster, db_url: str, puts: int) -> None:
    """pg_stat_statements over the load: the statements by total execution time."""
    rows = pg.top_statements(db_url, 20)
    if not rows:
        print("pg_stat_statements: nothing counted")
        return
    print(f"pg_stat_statements over the load ({rows[0]['all_calls']} calls,"
          f" {rows[0]['all_ms'] / 1e3:.1f} s of execution in all; {puts} dossier PUTs"
          f" answered): share of execution time, total ms, calls, calls per PUT, mean ms, rows")
    for r in rows:
        query = " ".join(r["query"].split())
        print(f"  {r['total_ms'] / r['all_ms']:5.1%} {r['total_ms']:9.0f} {r['calls']:7d}"
              f" {r['calls'] / max(puts, 1):5.2f} {r['mean_ms']:7.3f} {r['rows']:7d}"
              f"  {query[:150]}")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--counters", type=int, default=300)
    p.add_argument("--per-unit", type=int, default=2, help="counters per commune")
    p.add_argument("--dossiers", type=int, default=3, help="dossiers per counter")
    p.add_argument("--scans", default="1-2", help="scans per dossier, MIN-MAX")
    p.add_argument("--scan-kb", type=float, default=40.0, help="median scan size (KB)")
    p.add_argument("--workers", type=int, default=2, help="server processes")
    p.add_argument("--load-procs", type=int, default=2, help="load-generator processes")
    p.add_argument("--time-cap", type=float, default=120.0, help="seconds of load at most")
    p.add_argument("--replay", type=float, default=0.05,
                   help="fraction of PUTs sent twice with the same Idempotency-Key")
    p.add_argument("--pull-every", type=int, default=1,
                   help="read the change feed after every K-th dossier (0: never)")
    p.add_argument("--health-every", type=int, default=0,
                   help="after every K-th dossier, a health report and a catalog pull "
                        "(issue 26; 0: never)")
    p.add_argument("--old-uploads", action="store_true",
                   help="every scan as HEAD, creation POST and PATCH (the client before"
                        " issue 28 §4) instead of the real client's creation-with-upload")
    p.add_argument("--rate", type=float, default=0.0,
                   help="offered dossiers/s over all counters, each counter on a Poisson clock"
                        " (open loop); 0: every counter pushes back to back (closed loop)")
    p.add_argument("--random-scans", action="store_true",
                   help="scans of random bytes behind a PDF header (the older runs' load)"
                        " instead of real PDF/A pages")
    p.add_argument("--pg-fsync-off", action="store_true")
    p.add_argument("--profile", action="store_true", help="py-spy on server process 0")
    p.add_argument("--profile-gil", action="store_true",
                   help="with --profile: sample only the thread holding the GIL (where the"
                        " process's Python CPU goes, not where its threads wait)")
    p.add_argument("--pg-stats", action="store_true",
                   help="pg_stat_statements on the private cluster: the top statements of the"
                        " load by total time")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = p.parse_args()
    lo, _sep, hi = args.scans.partition("-")
    scans = (int(lo), int(hi or lo))

    from central import service
    from central.db import Database

    tmp = Path(tempfile.mkdtemp(prefix="central-load-"))
    pg = PgCluster(tmp / "pg", fsync=not args.pg_fsync_off, statements=args.pg_stats).start()
    procs: CentralProcs | None = None
    try:
        db_url = pg.create_db("central")
        db = Database(db_url)
        admin = service.add_device(db, "ADMIN", "tỉnh", role="admin")["token"]
        db.close()
        procs = CentralProcs(db_url, tmp / "blobs", args.workers, tmp).start()
        t0 = time.perf_counter()
        specs = enrol(procs.urls[0], admin, args.counters, args.per_unit)
        print(f"enrolled {len(specs)} counters in {time.perf_counter() - t0:.1f} s over"
              f" {len({s.unit for s in specs})} communes; {args.workers} server processes;"
              f" PostgreSQL fsync {'off' if args.pg_fsync_off else 'on'}", flush=True)
        for s in specs:  # one connection per counter, spread like a round-robin balancer
            s.url = procs.urls[s.index % args.workers]
        cfg = {"dossiers": args.dossiers, "scans": scans, "scan_kb": args.scan_kb,
               "replay": args.replay, "pull_every": args.pull_every,
               "health_every": args.health_every, "old_uploads": args.old_uploads,
               "time_cap": args.time_cap, "seed": args.seed, "rate": args.rate,
               "procs": max(1, args.load_procs), "real_pdf": not args.random_scans,
               "day": time.strftime("%y%m%d")}
        import psycopg

        with psycopg.connect(db_url) as conn:
            commits0 = _scalar(conn, COMMITS)
        if args.pg_stats:
            pg.reset_statements(db_url)
        spy = None
        pyspy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
        if args.profile and pyspy:
            spy = subprocess.Popen([pyspy, "record", "-p", str(procs.procs[0].pid), "-r", "40",
                                    "-f", "raw", "-o", str(tmp / "profile.txt"), "--nonblocking",
                                    *(["--gil"] if args.profile_gil else [])],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        srv_cpu0 = sum(cpu_seconds(pr.pid) for pr in procs.procs)
        pg_cpu0 = pg_cpu_seconds(pg.data)
        probes = Probes(db_url, procs.urls[0])
        probes.start()
        start = time.perf_counter()
        res = Results()
        if args.load_procs <= 1:
            res = run_counters(specs, cfg)
        else:
            with ProcessPoolExecutor(args.load_procs) as pool:
                futures = [pool.submit(run_counters, specs[i::args.load_procs], cfg)
                           for i in range(args.load_procs)]
                for f in futures:
                    res.merge(f.result())
        elapsed = time.perf_counter() - start
        probes.stop.set()
        probes.join(timeout=60)
        srv_cpu = sum(cpu_seconds(pr.pid) for pr in procs.procs) - srv_cpu0
        pg_cpu = pg_cpu_seconds(pg.data) - pg_cpu0
        if spy is not None:
            spy.send_signal(2)  # SIGINT: py-spy writes the profile and exits
            spy.wait(timeout=60)
        with psycopg.connect(db_url) as conn:
            commits = _scalar(conn, COMMITS) - commits0
        if args.pg_stats:  # before verify() adds its own statements
            print_statements(pg, db_url, len(res.latencies.get("PUT /v1/dossiers/{id}", [])))
        n = len(res.acked)
        print(f"load: {n} dossiers, {len(res.blobs)} scans ({res.blob_bytes / 1e6:.1f} MB) in"
              f" {elapsed:.1f} s -> {n / elapsed:.1f} dossiers/s,"
              f" {res.blob_bytes / elapsed / 1e6:.2f} MB/s of scans;"
              f" not reached before the time cap: {res.unfinished};"
              f" PostgreSQL commits per dossier {commits / max(n, 1):.1f}, requests per"
              f" dossier {sum(map(len, res.latencies.values())) / max(n, 1):.2f}", flush=True)
        per = 1000 / max(n, 1)
        print(f"CPU per dossier: server processes {srv_cpu * per:.0f} ms, PostgreSQL"
              f" {pg_cpu * per:.0f} ms, load generator {res.cpu * per:.0f} ms; cores busy"
              f" with this run {(srv_cpu + pg_cpu + res.cpu) / elapsed:.2f} of"
              f" {os.cpu_count()} (load average {os.getloadavg()[0]:.1f})", flush=True)
        beside = (pg_cpu + res.cpu) * per / 1000
        print(f"this machine's ceiling with a server that cost no CPU at all: {os.cpu_count()}"
              f" cores / (PostgreSQL + load generator) = {os.cpu_count() / beside:.0f}"
              f" dossiers/s; with the server's CPU too:"
              f" {os.cpu_count() / (beside + srv_cpu * per / 1000):.0f}", flush=True)
        print("latency per endpoint (ms): p50 / p99 / max, requests")
        for name in sorted(res.latencies):
            v = res.latencies[name]
            print(f"  {name:24s} {pctl(v, .5) * 1e3:7.1f} / {pctl(v, .99) * 1e3:7.1f} /"
                  f" {max(v) * 1e3:7.1f}  n={len(v)}")
        print(f"probes during the load (ms, p50 / p99): PostgreSQL SELECT 1"
              f" {pctl(probes.pg, .5) * 1e3:.1f} / {pctl(probes.pg, .99) * 1e3:.1f};"
              f" GET /v1/health {pctl(probes.health, .5) * 1e3:.1f} /"
              f" {pctl(probes.health, .99) * 1e3:.1f}; load generator's event-loop lag"
              f" {pctl(res.loop_lag, .5) * 1e3:.1f} / {pctl(res.loop_lag, .99) * 1e3:.1f}")
        print(f"errors: {dict(res.errors) or 'none'}; replayed PUTs answered from the"
              f" idempotency record: {res.replays_ok} ok, {res.replays_bad} wrong")
        check = verify(db_url, tmp / "blobs", res)
        print(f"exactly-once: {'OK' if check['ok'] else 'FAILED'} {check}", flush=True)
        procs.stop()
        procs = None
        if spy is not None and (tmp / "profile.txt").exists():
            print("profile of server process 0 (py-spy: samples of "
                  + ("the thread holding the GIL):" if args.profile_gil
                     else "its threads, running or waiting):"))
            print("\n".join(summarize_profile(tmp / "profile.txt")))
        raw = raw_baseline(pg.create_db("raw"), res, args.workers)
        print(f"baseline: the same rows straight into PostgreSQL ({args.workers} connections,"
              f" one transaction per dossier): {raw:.0f} dossiers/s;"
              f" server/raw {n / elapsed / raw:.3f} (raw is {raw / (n / elapsed):.0f}x)")
        if not check["ok"]:
            sys.exit(1)
    finally:
        if procs is not None:
            procs.stop()
        pg.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "kiosk.sync.memory_keyring.MemoryKeyring")
    main()
