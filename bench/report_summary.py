"""Seconds for the TTHC summary (``kiosk report summary``) on a busy commune's year.

    .venv/bin/python bench/report_summary.py [--count 50000] [--runs 3]

Data: ``bench/storage_data.bulk_load`` (about 400 dossiers a working day, real catalog mix
and due times). Figures, each the median of ``--runs`` in the same process:

- read: every dossier as a report record from SQLite (``Store.report_records``);
- summary: the pure function over those records, for the last month and the whole year;
- baseline: the cheapest SQL any such report needs, one ``GROUP BY channel`` over the
  period's dossiers, on the same connection.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def median_s(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from bench.storage_data import bulk_load
    from kiosk.reports.summary import Period, summary
    from kiosk.storage import Store

    root = Path(tempfile.mkdtemp(prefix="kiosk-report-bench-"))
    end = date(2026, 11, 20)
    made = bulk_load(root / "kiosk.sqlite3", root / "files", args.count, end=end,
                     progress=False)
    store = Store(root / "kiosk.sqlite3", root / "files", orphan_grace_seconds=None)
    month = (end.replace(day=1), end)
    year = (end - timedelta(days=365), end)
    records = store.report_records(Period(*year).end)
    out: dict[str, object] = {"dossiers": made.get("dossiers", args.count),
                              "records": len(records)}
    out["read_s"] = median_s(lambda: store.report_records(Period(*year).end), args.runs)
    for name, (a, b) in (("month", month), ("year", year)):
        out[f"summary_{name}_s"] = median_s(lambda a=a, b=b: summary(records, a, b),
                                            args.runs)

        def baseline(a: date = a, b: date = b) -> object:
            return store.read(lambda db: db.execute(
                "SELECT channel, count(*) FROM dossiers WHERE received_at >= ? AND "
                "received_at < ? GROUP BY channel",
                (a.isoformat(), (b + timedelta(days=1)).isoformat())).fetchall())

        out[f"baseline_{name}_s"] = median_s(baseline, args.runs)
    store.close()
    for k, v in list(out.items()):
        if isinstance(v, float):
            out[k] = round(v, 4)
    out["ratio_year"] = round((out["read_s"] + out["summary_year_s"])  # type: ignore[operator]
                              / max(out["baseline_year_s"], 1e-6), 1)  # type: ignore[arg-type]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
