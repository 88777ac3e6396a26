"""Storage at scale: save latency, search latency, open time and size, for N dossiers.

    .venv/bin/python bench/storage_data.py --count 1000000 --out /tmp/kiosk-bench/1m
    .venv/bin/python bench/storage_bench.py --db /tmp/kiosk-bench/1m

A 10,000-dossier database is generated in the same process and measured the same way
(``--baseline 0`` skips it): those ratios show how each figure grows with size. The search
figures also come with a same-run baseline on the same million rows: the word-index (FTS5)
search that was the only path before ``kiosk.storage.name_search``, timed query by query
in turn with the project's. Saves against raw SQLite are ``bench/save_bench.py``; here
saves go through ``Store.save_dossier`` with a fresh 1-page PDF each, as counter 9, so the
bench adds ``--saves`` dossiers to the database it measures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from storage_data import Generator, bulk_load

from kiosk.config import Config
from kiosk.storage import (
    ApplicantInput,
    ComponentInput,
    DossierInput,
    PageInput,
    Store,
)
from kiosk.working_time import WorkingCalendar


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def summary(ms: list[float], high: int) -> dict[str, float]:
    return {"median_ms": round(statistics.median(ms), 3), f"p{high}_ms": round(pct(ms, high), 3),
            "n": len(ms)}


def warm(path: Path) -> None:
    """Read the database file once so it sits in the OS page cache, as a counter's
    database does after a morning's work (otherwise the first query to touch each
    random dossier row pays a disk read, whichever search path runs it)."""
    with path.open("rb") as fh:
        while fh.read(1 << 24):
            pass


def measure(root: Path, saves: int, queries: int, seed: int) -> dict[str, Any]:
    db_path, files = root / "kiosk.sqlite3", root / "files"
    warm(db_path)
    rng = random.Random(seed)
    gen = Generator(seed + 1)
    calendar = WorkingCalendar.from_config()
    config = Config.load()
    config.set("counter.number", 9)
    # A unit code of its own for each run: a counter issues 999 codes a day.
    config.set("unit.code", f"BENCH.{uuid.uuid4().hex[:6].upper()}")

    opens = []
    for _ in range(5):
        start = time.perf_counter()
        store = Store(db_path, files, config=config, catalog=gen.catalog, calendar=calendar)
        store.stats_today()  # the home screen's first paint
        opens.append((time.perf_counter() - start) * 1000)
        store.close()

    store = Store(db_path, files, config=config, catalog=gen.catalog, calendar=calendar)
    try:
        db = store.reader()
        top = db.execute("SELECT max(num) FROM dossiers").fetchone()[0]
        samples = []
        while len(samples) < queries:
            row = db.execute(
                "SELECT d.code, a.name, a.id_number, a.phone FROM dossiers d JOIN applicants a "
                "ON a.dossier_id = d.id WHERE d.num = ?", (rng.randint(1, top),)).fetchone()
            if row:
                samples.append(row)
        kinds: dict[str, Callable[[tuple[str, ...]], str]] = {
            "code (exact)": lambda s: s[0],
            "ID number (12 digits)": lambda s: s[2],
            "phone (10 digits)": lambda s: s[3],
            "full name": lambda s: s[1],
            "surname + given name, no marks": lambda s: " ".join(
                gen_fold(s[1]).split()[::len(s[1].split()) - 1]),
            "first letters typed (\"nguyen thi h\")": lambda s: gen_fold(s[1])[:len(
                " ".join(s[1].split()[:-1])) + 2],
        }
        search: dict[str, Any] = {}
        for label, make in kinds.items():
            ms, hits, ms_fts, hits_fts = [], 0, [], 0
            cpu: list[float] = []
            cpu_fts: list[float] = []
            for n, sample in enumerate(samples):
                text = make(sample)
                # Whoever goes second finds the result rows in the page cache: take turns.
                for which in ((0, 1) if n % 2 else (1, 0)):
                    start, start_cpu = time.perf_counter(), time.thread_time()
                    found = store.search(text) if which == 0 else word_search(db, text)
                    took = (time.perf_counter() - start) * 1000
                    (cpu if which == 0 else cpu_fts).append(
                        (time.thread_time() - start_cpu) * 1000)
                    hit = any(r["code"] == sample[0] for r in found)
                    if which == 0:
                        ms.append(took)
                        hits += hit
                    else:
                        ms_fts.append(took)
                        hits_fts += hit
            search[label] = {**summary(ms, 95), "found_target": f"{hits}/{len(samples)}",
                             "cpu": summary(cpu, 95),
                             "fts_only": {**summary(ms_fts, 95), "cpu": summary(cpu_fts, 95),
                                          "found_target": f"{hits_fts}/{len(samples)}"}}
        home = [timed(store.stats_today) for _ in range(20)]
        overdue = [timed(lambda: store.list_dossiers(overdue=True)) for _ in range(20)]

        save_ms, put_ms = [], []
        for i in range(saves):
            person = gen.person()
            proc = gen.procedure()
            start = time.perf_counter()
            sha = store.put_file(b"%PDF-1.4 bench " + os.urandom(200_000 + i))
            put_ms.append((time.perf_counter() - start) * 1000)
            comps = [ComponentInput(c.name, code=c.code, pages=[PageInput(sha)] if n == 0 else [])
                     for n, c in enumerate(proc.components)]
            inp = DossierInput(proc.code, ApplicantInput(person.name, id_number=person.id_number,
                                                         phone=person.phone), components=comps)
            save_ms.append(timed(lambda inp=inp: store.save_dossier(inp, "bench")))
        count = db.execute("SELECT count(*) FROM dossiers").fetchone()[0]
    finally:
        store.close()
    size = db_path.stat().st_size
    wal = root / "kiosk.sqlite3-wal"
    return {
        "dossiers": count,
        "open_ms": {"median_ms": round(statistics.median(opens), 2), "max_ms":
                    round(max(opens), 2)},
        "save": summary(save_ms, 99),
        "put_file_200k": summary(put_ms, 99),
        "search": search,
        "home_stats": summary(home, 95),
        "overdue_list_200": summary(overdue, 95),
        "db_bytes": size,
        "wal_bytes": wal.stat().st_size if wal.exists() else 0,
        "bytes_per_dossier": round(size / count),
    }


def word_search(db: Any, text: str, limit: int = 50) -> list[dict[str, Any]]:
    """The search as it was before the name index: code, ID number, then FTS5 only."""
    from kiosk.storage import records

    text = text.strip()
    exact = records._summaries(db, "WHERE d.code = ?", [text.upper()], "", 1)
    if exact:
        return exact
    if text.isdigit() and len(text) in (9, 12):
        by_id = records.find_by_id_number(db, text, limit)
        if by_id:
            return by_id
    query = records.fts_query(text)
    if query is None:
        return []
    return records._summaries(
        db, "WHERE d.num IN (SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH ? "
        "ORDER BY rowid DESC LIMIT ?)", [query, limit], "ORDER BY d.num DESC", limit)


def gen_fold(text: str) -> str:
    from kiosk.text import fold

    return fold(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True,
                        help="directory made by storage_data.py (kiosk.sqlite3 + files/)")
    parser.add_argument("--baseline", type=int, default=10_000)
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    big = measure(args.db, args.saves, args.queries, args.seed)
    print("| search | project wall median / p95 ms | CPU median / p95 ms | found "
          "| FTS5 only (before) wall median / p95 | CPU median / p95 | found | p95 ratio "
          "wall / CPU |")
    print("|---|---|---|---|---|---|---|---|")
    for label, r in big["search"].items():
        f = r["fts_only"]
        print(f"| {label} | {r['median_ms']:.2f} / {r['p95_ms']:.2f} | "
              f"{r['cpu']['median_ms']:.2f} / {r['cpu']['p95_ms']:.2f} | {r['found_target']} | "
              f"{f['median_ms']:.2f} / {f['p95_ms']:.2f} | "
              f"{f['cpu']['median_ms']:.2f} / {f['cpu']['p95_ms']:.2f} | {f['found_target']} | "
              f"{r['p95_ms'] / f['p95_ms']:.2f} / "
              f"{r['cpu']['p95_ms'] / max(f['cpu']['p95_ms'], 1e-6):.2f} |")
    if not args.baseline:
        print(json.dumps({"big": big}, ensure_ascii=False))
        return
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        base_root = Path(tmp)
        bulk_load(base_root / "kiosk.sqlite3", base_root / "files", args.baseline,
                  progress=False)
        baseline = measure(base_root, args.saves, args.queries, args.seed)

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}x" if b else "-"

    rows = [("open + first home-screen query", "open_ms", None, "median_ms"),
            ("save_dossier (1 page, fsync)", "save", None, "median_ms"),
            ("save_dossier p99", "save", None, "p99_ms"),
            ("home-screen counts", "home_stats", None, "median_ms"),
            ("overdue list (200)", "overdue_list_200", None, "median_ms")]
    for label in big["search"]:
        rows.append((f"search: {label}", "search", label, "median_ms"))
        rows.append((f"search: {label} p95", "search", label, "p95_ms"))
    print(f"| measure | {baseline['dossiers']:,} dossiers | {big['dossiers']:,} dossiers "
          "| ratio |")
    print("|---|---|---|---|")
    for label, key, sub, stat in rows:
        a = baseline[key][sub][stat] if sub else baseline[key][stat]
        b = big[key][sub][stat] if sub else big[key][stat]
        print(f"| {label} | {a:.2f} ms | {b:.2f} ms | {ratio(b, a)} |")
    print(f"| database size | {baseline['db_bytes'] / 2**20:.1f} MiB | "
          f"{big['db_bytes'] / 2**20:.1f} MiB | {big['bytes_per_dossier']} B/dossier |")
    print(json.dumps({"baseline": baseline, "big": big}, ensure_ascii=False))


if __name__ == "__main__":
    main()
