"""Start-up costs against bare baselines, measured in turn in one run (issue 15 §5).

    .venv/bin/python bench/startup.py --runs 7

CLI: ``python -m kiosk --help`` and a real command (``kiosk due``, pure computation)
against bare ``python -c pass`` (the interpreter with site and this venv, nothing
imported). App: process start to the first frame of ``kiosk run --demo`` offscreen
(``KIOSK_FIRST_FRAME_EXIT``: the window quits at its first frameSwapped and prints the
time since process start) against a minimal PySide6 QML window measured the same way.
Each pair runs alternately; medians and minimums of wall time are printed with ratios.

Bytecode: the runs write and use ``.pyc`` files in a temporary ``PYTHONPYCACHEPREFIX``
(``PYTHONDONTWRITEBYTECODE`` is dropped for them), after one untimed warm-up run of each
command, as an installed counter has them; with it set, every start recompiled the
project's modules (~80 ms of the first frame). ``--no-bytecode`` measures that case.
The warm-up run of the app is also its first start (new data folder: demo clerks, demo
dossiers); its time is printed on its own line. The home holds a written configuration.
A third CLI row is the floor the standard library sets: importing just the modules a
command cannot do without (argparse, json, datetime, zoneinfo, tomllib; dataclasses
no longer, see kiosk/values.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

MINIMAL_QML = """
import sys, time
from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlApplicationEngine
app = QGuiApplication(sys.argv)
engine = QQmlApplicationEngine()
engine.loadData(b'import QtQuick\\nimport QtQuick.Window\\nWindow { visible: true; width: 1280; '
                b'height: 800; Rectangle { anchors.fill: parent; color: "white" } }')
win = engine.rootObjects()[0]
def first():
    print(f"FIRST_FRAME {time.time():.6f}", flush=True)
    app.quit()
win.frameSwapped.connect(first)
app.exec()
"""


def run(cmd: list[str], env: dict[str, str], timeout: float = 60) -> float:
    """Wall seconds from spawn to exit, or to the FIRST_FRAME line when printed."""
    start = time.time()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    end = time.time()
    for line in out.stdout.splitlines():
        if line.startswith("FIRST_FRAME "):
            return float(line.split()[1]) - start
    if out.returncode != 0:
        raise RuntimeError(f"{cmd}: exit {out.returncode}: {out.stderr[-500:]}")
    return end - start


def pair(label: str, a: list[str], b: list[str], env: dict[str, str], runs: int) -> float:
    """Times ``a`` against ``b``; returns the time of ``a``'s untimed warm-up run."""
    first = run(a, env)
    run(b, env)
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(runs):
        ta.append(run(a, env))
        tb.append(run(b, env))
    ma, mb = statistics.median(ta), statistics.median(tb)
    print(f"| {label} | {ma * 1000:.0f} (min {min(ta) * 1000:.0f}) | "
          f"{mb * 1000:.0f} (min {min(tb) * 1000:.0f}) | {ma / mb:.2f} | "
          f"{min(ta) / min(tb):.2f} |", flush=True)
    return first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-app", action="store_true", help="CLI figures only")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="keep PYTHONDONTWRITEBYTECODE as it is (sources compiled each run)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiosk-startup-") as home:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "KIOSK_HOME": home,
               "QT_QPA_PLATFORM": "offscreen"}
        if not args.no_bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(home) / "pycache")
        subprocess.run([PY, "-m", "kiosk", "config", "set", "unit.name", "UBND xã Bench"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        print("| start-up | project ms, median (min) | baseline ms, median (min) "
              "| ratio median | ratio min |")
        print("|---|---|---|---|---|")
        bare = [PY, "-c", "pass"]
        pair("`kiosk --help` vs bare python", [PY, "-m", "kiosk", "--help"], bare, env,
             args.runs)
        pair("`kiosk due --received … --working-days 3` vs bare python",
             [PY, "-m", "kiosk", "due", "--received", "2026-11-23T09:00", "--working-days",
              "3"], bare, env, args.runs)
        pair("stdlib floor (argparse, json, datetime, zoneinfo, tomllib) vs bare",
             [PY, "-c", "import argparse, json, datetime, zoneinfo, tomllib"],
             bare, env, args.runs)
        if args.no_app:
            return
        app_env = {**env, "KIOSK_FIRST_FRAME_EXIT": "1"}
        first = pair("`kiosk run --demo` to first frame vs minimal QML window",
                     [PY, "-m", "kiosk", "run", "--demo"], [PY, "-c", MINIMAL_QML], app_env,
                     args.runs)
        print(f"\nfirst start of `kiosk run --demo` (new data folder, demo clerks and "
              f"dossiers created), untimed above: {first * 1000:.0f} ms")


if __name__ == "__main__":
    main()
