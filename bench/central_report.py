"""The province's report pages and the period report at a province's scale (issues 26 §4 and
28 §2): a year of dossiers (``--dossiers``, 1 million by default) from 300 counters in 150
communes, on a private PostgreSQL cluster (bench/central_procs.py).

The data: bench/report_data.py's generated dossiers (bodies as counters send them, province
notes and letters, and the ``report_facts`` rows the server's own code computes), one queue
ticket per dossier and a rating for 40 % of them, written with ``COPY`` (not the API). Then,
``--runs`` times:

- ``central.reports.summary`` in process (what ``kiosk central report`` runs), for the year
  and for a month, all units: p50/p95 over ``--reads`` calls; the same-run baseline is
  the bare SQL of the same numbers: the very statements the report ran (traced), replayed
  with psycopg, rows fetched, no Python around them;
- the province's page ``GET /province/reports`` from one ``kiosk central serve`` process
  over HTTP, signed in as the province (every unit) and as one unit's viewer, for the
  month (the page's default) and the year: p50/p95; baseline: the page's bare SQL (the
  report's, the overdue list's and the citizen figures' statements) replayed the same way;
- the per-dossier definition (``summary_from_records``: every body read and parsed) for
  one unit's year, against the SQL path for the same unit: the speed-up of issue 28 §2.

For each page, the bare replay's slowest statements are printed too (p50 per statement):
where the page's SQL time goes.

``--keep DIR`` keeps the cluster (and its filled database) in DIR; a later run with the
same ``--keep DIR`` and the same ``--dossiers``/``--units``/``--no-citizen`` starts it again
instead of generating the data anew (the fill takes minutes at a million).

    .venv/bin/python bench/central_report.py [--dossiers 1000000] [--units 150]
        [--runs 3] [--reads 20] [--page-reads 10] [--no-citizen] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import report_data  # noqa: E402
from bench.central_procs import CentralProcs, PgCluster  # noqa: E402
from kiosk.clock import TZ, iso  # noqa: E402

PASSWORD = "mật-khẩu-bench-2026"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def show(name: str, seconds: list[float], base: list[float] | None = None) -> dict[str, Any]:
    ms = [s * 1000 for s in seconds]
    out: dict[str, Any] = {"what": name, "n": len(ms), "p50_ms": round(pct(ms, 50), 1),
                           "p95_ms": round(pct(ms, 95), 1), "mean_ms": round(
                               statistics.fmean(ms), 1)}
    if base:
        b = [s * 1000 for s in base]
        out.update(bare_p50_ms=round(pct(b, 50), 1), bare_p95_ms=round(pct(b, 95), 1),
                   ratio_p95=round(pct(ms, 95) / pct(b, 95), 2))
    out["load"] = os.getloadavg()[0]
    print(json.dumps(out, ensure_ascii=False), flush=True)
    return out


def citizen_rows(rnd: random.Random, row: dict[str, Any], n: int
                 ) -> tuple[tuple[Any, ...], tuple[Any, ...] | None]:
    """One queue ticket for a dossier, and a rating for 40 % of them."""
    body = json.loads(row["body"])
    received = datetime.fromisoformat(body["received_at"])
    taken = received - timedelta(minutes=rnd.randrange(2, 40))
    called = received - timedelta(minutes=1)
    unit, day = row["unit_code"], taken.date().isoformat()
    ticket = (f"t{n}", unit, day, "A", n, f"A{n % 1000:03d}", "dev", 1, iso(taken), iso(called),
              1, "dev", "canbo", iso(received + timedelta(minutes=8)), "done")
    rating = None
    if rnd.random() < 0.4:
        rating = (f"r{n}", unit, row["id"], "intake", rnd.choice([1, 2, 3, 3, 3]),
                  rnd.choice(["slow", "rude", ""]), "canbo", body["procedure_code"], 1,
                  iso(received + timedelta(minutes=9)), "dev", iso(received))
    return ticket, rating


#: The columns of citizen_rows' ticket, as queue_facts.row reads them.
TICKET_KEYS = ("id", "unit_code", "day", "service", "number", "label", "device_id", "counter",
               "taken_at", "called_at", "called_counter", "called_device", "called_by",
               "finished_at", "state")


def fill(url: str, count: int, units: list[str], citizen: bool = True) -> float:
    import psycopg

    from central import queue_facts

    t0 = time.perf_counter()
    shape = report_data.Shape(first=datetime(2025, 12, 7, 7, tzinfo=TZ), days=365,
                              units=units, walks=report_data.BUSY_WALKS, lettered=0.03)
    rnd = random.Random(5)
    tcols = ", ".join(TICKET_KEYS)
    rcols = ("id, unit_code, dossier_id, occasion, level, reason, clerk, procedure_code, "
             "counter, at, device_id, received_at")
    with psycopg.connect(url) as conn:
        batch: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        n = 0
        for item in report_data.generate(count, 1, shape):
            batch.append(item)
            if len(batch) == 20000 or n + len(batch) == count:
                report_data.write(conn, True, batch)
                tickets, ratings = [], []
                for k, (row, _letters) in enumerate(batch if citizen else []):
                    ticket, rating = citizen_rows(rnd, row, n + k)
                    tickets.append(ticket)
                    if rating:
                        ratings.append(rating)
                with conn.cursor().copy(f"COPY queue_tickets ({tcols}) FROM STDIN") as copy:
                    for r in tickets:
                        copy.write_row(r)
                # Each ticket's facts row, computed by the server's own code.
                with conn.cursor().copy(f"COPY queue_facts ({', '.join(queue_facts.COLUMNS)})"
                                        " FROM STDIN") as copy:
                    for r in tickets:
                        copy.write_row(queue_facts.row(dict(zip(TICKET_KEYS, r, strict=True))))
                with conn.cursor().copy(f"COPY ratings ({rcols}) FROM STDIN") as copy:
                    for r in ratings:
                        copy.write_row(r)
                conn.commit()
                n += len(batch)
                batch = []
                if n % 100000 == 0:
                    print(json.dumps({"written": n, "s": round(time.perf_counter() - t0)}),
                          flush=True)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - t0


def replay(url: str, trace: list[tuple[str, tuple[Any, ...]]],
           each: list[list[float]] | None = None) -> float:
    """The traced statements, bare: psycopg, rows fetched, nothing else. ``each`` gathers
    every statement's own time (one list per statement)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        t = time.perf_counter()
        with conn.transaction():
            for k, (sql, params) in enumerate(trace):
                s = time.perf_counter()
                conn.execute(sql.replace("?", "%s"), params).fetchall()
                if each is not None:
                    while len(each) <= k:
                        each.append([])
                    each[k].append(time.perf_counter() - s)
        return time.perf_counter() - t


def slowest(trace: list[tuple[str, tuple[Any, ...]]], each: list[list[float]],
            shown: int = 4) -> list[dict[str, Any]]:
    """The statements of a trace by their p50, slowest first."""
    rows = [{"p50_ms": round(pct(times, 50) * 1000, 1),
             "sql": " ".join(trace[k][0].split())[:90]} for k, times in enumerate(each)]
    return sorted(rows, key=lambda r: -r["p50_ms"])[:shown]


def page_trace(db: Any, first: date, last: date, unit: str | None
               ) -> list[tuple[str, tuple[Any, ...]]]:
    """The statements behind one reports page (the report, overdue lists, citizen
    figures), captured from the code itself."""
    from central import province_figures, report_sql
    from kiosk import clock

    trace: list[tuple[str, tuple[Any, ...]]] = []
    now = clock.now()
    report_sql.summary(db, first, last, unit, now, trace)
    report_sql.overdue(db, first, last, unit, now, trace, province_figures.OVERDUE_SHOWN)
    province_figures.citizen(db, first, last, unit, trace, breakdown=False)  # as the page
    return trace


def signed_in(url: str, username: str) -> Any:
    import httpx

    client = httpx.Client(base_url=url, timeout=120)
    page = client.get("/province/login")
    csrf = re.search(r'name=csrf value="([^"]+)"', page.text)[1]  # type: ignore[index]
    r = client.post("/province/login", data={"csrf": csrf, "username": username,
                                             "password": PASSWORD})
    assert r.status_code == 303, r.text
    return client


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dossiers", type=int, default=1_000_000)
    ap.add_argument("--units", type=int, default=150)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--reads", type=int, default=20)
    ap.add_argument("--page-reads", type=int, default=10)
    ap.add_argument("--keep", type=Path, default=None,
                    help="keep the filled cluster here and reuse it on a later run")
    ap.add_argument("--no-citizen", action="store_true",
                    help="no queue tickets or ratings (the page's citizen figures still read "
                         "every one of the period into Python)")
    args = ap.parse_args()
    from central import province_auth, reports
    from central.db import Database
    from kiosk import clock

    work = args.keep or Path(tempfile.mkdtemp(prefix="kiosk-report-bench-"))
    shape = {"dossiers": args.dossiers, "units": args.units, "citizen": not args.no_citizen}
    marker = work / "filled.json"
    reuse = marker.exists() and json.loads(marker.read_text()) == shape
    if args.keep and marker.exists() and not reuse:
        raise SystemExit(f"{work} holds other data ({marker.read_text()}): choose another "
                         "--keep directory")
    cluster = PgCluster(work / "pg", fsync=False).start()
    url = (cluster.url.rsplit("/", 1)[0] + "/report") if reuse else cluster.create_db("report")
    units = [f"000.{c // 100:02d}.{c % 100:02d}.H40" for c in range(args.units)]
    db = Database(url)  # on a kept cluster: migrates it if the code's schema moved on
    procs = None
    try:
        if reuse:
            print(json.dumps({**shape, "reused": str(work), "load": os.getloadavg()}),
                  flush=True)
        else:
            province_auth.add_user(db, "tinh", PASSWORD, "province")
            province_auth.add_user(db, "xa", PASSWORD, "unit", units[3])
            took = fill(url, args.dossiers, units, not args.no_citizen)
            marker.write_text(json.dumps(shape))
            print(json.dumps({**shape, "fill_s": round(took), "load": os.getloadavg()}),
                  flush=True)
        for sub in ("blobs/blobs", "blobs/partial", "blobs/tmp", "logs"):
            (work / sub).mkdir(parents=True, exist_ok=True)
        procs = CentralProcs(url, work / "blobs", 1, work / "logs").start()
        server = procs.urls[0]
        today = clock.now().date()
        year = (date(today.year - 1, today.month, 1), today)
        month = (today.replace(day=1), today)
        periods = {"month": month, "year": year}
        for run in range(1, args.runs + 1):
            print(json.dumps({"run": run, "load": os.getloadavg()}), flush=True)
            for name, (a, b) in periods.items():
                fn, bare = [], []
                trace: list[tuple[str, tuple[Any, ...]]] = []
                from central import report_sql

                report_sql.summary(db, a, b, None, clock.now(), trace)
                for _ in range(args.reads):
                    t = time.perf_counter()
                    reports.summary(db, a, b)
                    fn.append(time.perf_counter() - t)
                    bare.append(replay(url, trace))
                show(f"central.reports.summary, all units, {name} {a}..{b}", fn, bare)
            for who, unit in (("province", None), ("unit viewer", units[3])):
                client = signed_in(server, "tinh" if unit is None else "xa")
                try:
                    for name, (a, b) in periods.items():
                        trace = page_trace(db, a, b, unit)
                        got, bare = [], []
                        each: list[list[float]] = []
                        for _ in range(args.page_reads):
                            t = time.perf_counter()
                            r = client.get("/province/reports",
                                           params={"from": a.isoformat(), "to": b.isoformat()})
                            got.append(time.perf_counter() - t)
                            assert r.status_code == 200, r.status_code
                            bare.append(replay(url, trace, each))
                        out = show(f"GET /province/reports as {who}, {name}", got, bare)
                        print(json.dumps({"what": out["what"], "statements": len(trace),
                                          "slowest": slowest(trace, each)},
                                         ensure_ascii=False), flush=True)
                finally:
                    client.close()
            one = units[min(7, len(units) - 1)]
            slow, fast = [], []
            for _ in range(3):
                now = clock.now()
                t = time.perf_counter()
                old = reports.summary_from_records(db, *year, one, now)
                slow.append(time.perf_counter() - t)
                t = time.perf_counter()
                new = reports.summary(db, *year, one, now)
                fast.append(time.perf_counter() - t)
                assert old == new
            print(json.dumps({"what": f"one unit's year ({new['received']['total']} dossiers):"
                              " per-dossier definition vs SQL", "definition_ms": round(
                                  pct(slow, 50) * 1000, 1), "sql_ms": round(
                                  pct(fast, 50) * 1000, 1), "speedup": round(
                                  pct(slow, 50) / pct(fast, 50), 1),
                              "load": os.getloadavg()[0]}), flush=True)
    finally:
        if procs is not None:
            procs.stop()
        db.close()
        cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
