"""``make fuzz``: the fuzz suites (tests/fuzz) with a budget of about a million inputs.

Runs pytest at the lowest CPU priority (``nice -n 19``) for a bounded time, then prints
one JSON line: inputs per suite, Hypothesis examples, wall time, failures. Record it in
docs/BENCHMARKS.md ("Fuzzing"). ``--examples`` / ``--batch`` scale the budget.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--examples", type=int, default=500, help="Hypothesis examples (scale 1)")
    ap.add_argument("--batch", type=int, default=2000, help="havoc mutants per example")
    ap.add_argument("--max-seconds", type=int, default=3600, help="stop after this long")
    ap.add_argument("--log", type=Path, default=Path(tempfile.gettempdir()) / "kiosk-fuzz.log",
                    help="the whole pytest output (failing examples, to replay)")
    ap.add_argument("--walk", action="store_true",
                    help="also the full CLI walk (every argument × every hostile value)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiosk-fuzz-") as tmp:
        report = Path(tmp) / "report.json"
        env = {**os.environ, "KIOSK_FUZZ_EXAMPLES": str(args.examples),
               "KIOSK_FUZZ_BATCH": str(args.batch), "KIOSK_FUZZ_REPORT": str(report),
               "KIOSK_WALK": "full", "PYTHONPATH": str(ROOT)}
        targets = ["tests/fuzz"] + (["tests/edges/test_cli_walk.py"] if args.walk else [])
        # The suite's per-test timeout (pyproject: 300 s) is for make test's budget; here one
        # test may rightly take most of the run (the sync suites at 500 examples).
        cmd = ["nice", "-n", "19", sys.executable, "-m", "pytest", "-q", "-p",
               "no:cacheprovider", f"--timeout={args.max_seconds}", "-W",
               "ignore::UserWarning", "-W",
               "ignore::DeprecationWarning", *targets]
        started = time.monotonic()
        try:
            proc = subprocess.run(cmd, cwd=ROOT, env=env, timeout=args.max_seconds,
                                  capture_output=True, text=True, check=False)
            status, tail = proc.returncode, proc.stdout[-3000:]
            args.log.write_text(proc.stdout + proc.stderr, encoding="utf-8")
        except subprocess.TimeoutExpired as exc:
            status, tail = -1, f"stopped after {args.max_seconds} s: {exc}"
        elapsed = time.monotonic() - started
        counts = json.loads(report.read_text()) if report.exists() else {}
    summary = {"total_inputs": counts.get("total_inputs", 0), "inputs": counts.get("inputs"),
               "examples": counts.get("examples"), "seconds": round(elapsed, 1),
               "pytest_status": status, "examples_setting": args.examples,
               "batch": args.batch, "log": str(args.log)}
    if status != 0:
        print(tail, file=sys.stderr)
    print(json.dumps(summary))
    return 0 if status == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
