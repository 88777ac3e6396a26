"""Seconds for the TTHC summary (``kiosk report summary``) on a busy commune's year.

    .venv/bin/python bench/report_summary.py [--count 100000 | --data DIR] [--runs 3]

Data: ``bench/storage_data.bulk_load`` (about 400 dossiers a working day, real catalog mix
and due times), made in a temporary directory, or an existing one (``--data``, as written
by ``bench/storage_data.py --out DIR``). Each run, in the same process and on the same
read connection, times for the year and for the last month:

- summary (wall, and CPU as ``*_cpu_s``): what ``kiosk report summary`` computes
  (:func:`kiosk.reports.tallies.local_summary`), the project's figure;
- baseline: a bare ``SELECT count(*)`` over the same period's dossiers;
- records (``--records``): the definition it replaces, one record per dossier
  (``Store.report_records``) and :func:`kiosk.reports.summary.summary` over them.

It prints one JSON line per run, then the medians, the ratio summary ÷ baseline and the
load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def seconds(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def cpu_seconds(fn: Callable[[], object]) -> float:
    """CPU time of this process: on a shared machine the wall time also counts the
    neighbours' turns."""
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--data", type=Path, help="an existing bench directory")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--records", action="store_true",
                        help="also time the record-per-dossier definition")
    args = parser.parse_args()
    from kiosk.reports.summary import Period, summary
    from kiosk.reports.tallies import local_summary
    from kiosk.storage import Store

    end = date(2026, 11, 20)
    if args.data:
        root = args.data
    else:
        from bench.storage_data import bulk_load

        root = Path(tempfile.mkdtemp(prefix="kiosk-report-bench-"))
        bulk_load(root / "kiosk.sqlite3", root / "files", args.count, end=end,
                  progress=False)
    store = Store(root / "kiosk.sqlite3", root / "files", orphan_grace_seconds=None)
    periods = {"year": (end - timedelta(days=365), end), "month": (end.replace(day=1), end)}
    load_before = os.getloadavg()
    runs: list[dict[str, float]] = []
    for _ in range(args.runs):
        run: dict[str, float] = {}
        for name, (a, b) in periods.items():
            p = Period(a, b)
            run[f"summary_{name}_s"] = store.read(lambda db, a=a, b=b: seconds(
                lambda: local_summary(db, a, b)))
            run[f"baseline_{name}_s"] = store.read(lambda db, p=p: seconds(lambda: db.execute(
                "SELECT count(*) FROM dossiers WHERE received_at >= ? AND received_at < ?",
                (p.start.isoformat(), p.end.isoformat())).fetchone()))
            run[f"summary_{name}_cpu_s"] = store.read(lambda db, a=a, b=b: cpu_seconds(
                lambda: local_summary(db, a, b)))
            run[f"baseline_{name}_cpu_s"] = store.read(lambda db, p=p: cpu_seconds(
                lambda: db.execute("SELECT count(*) FROM dossiers WHERE received_at >= ? "
                                   "AND received_at < ?",
                                   (p.start.isoformat(), p.end.isoformat())).fetchone()))
            if args.records:
                run[f"records_{name}_s"] = seconds(lambda a=a, b=b, p=p: summary(
                    store.report_records(p.end), a, b))
        runs.append(run)
        print(json.dumps({k: round(v, 4) for k, v in run.items()}))
    dossiers = store.read(lambda db: db.execute("SELECT count(*) FROM dossiers").fetchone()[0])
    store.close()
    med = {k: round(statistics.median(r[k] for r in runs), 4) for k in runs[0]}
    out: dict[str, object] = {"dossiers": dossiers, "runs": args.runs, **med}
    for name in periods:
        for kind in ("", "_cpu"):
            out[f"ratio_{name}{kind}"] = round(med[f"summary_{name}{kind}_s"]
                                               / max(med[f"baseline_{name}{kind}_s"], 1e-6), 1)
    out["load_before"] = [round(x, 2) for x in load_before]
    out["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
