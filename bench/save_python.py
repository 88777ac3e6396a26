"""The save's own Python against the raw writer's, with SQLite taken out (issue 28 §3).

    .venv/bin/python bench/save_python.py --db /tmp/save-bench/100k --saves 200 --pause 0.3

After warm-up saves on the real database (so every memo a save keeps is filled), both the
store's write connection and ``save_bench``'s raw writer get a connection that runs no SQL
(each statement returns a fixed cursor at once). What is left of each save is its Python:
for ``Store.save_dossier`` the validation, due time, code, rows, record, JSON, audit entry,
writer hand-over and the issued-numbers log; for the raw writer its precomputed rows.
Thread CPU time, the two taking turns, after ``--pause`` seconds of sleep each (0: back to
back, caches warm). Nothing this writes is kept: the log line goes to the real log, the
rows go nowhere.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from save_bench import SameRowsWriter
from storage_data import Generator

from kiosk.config import Config
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput, Store
from kiosk.working_time import WorkingCalendar


class _Cursor:
    lastrowid = 1
    rowcount = 1
    description = (("x",),)

    def fetchone(self) -> tuple[int]:
        return (9001,)


class NoSQL:
    """A connection that runs nothing: what remains of a save is its Python."""

    total_changes = 0
    in_transaction = False
    _cursor = _Cursor()

    def execute(self, sql: str, params: Any = ()) -> _Cursor:
        NoSQL.total_changes += 1
        return self._cursor

    def executemany(self, sql: str, params: Any) -> _Cursor:
        return self._cursor

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--pause", type=float, default=0.3)
    args = parser.parse_args()
    gen = Generator(11)
    config = Config.load()
    config.set("counter.number", 9)
    config.set("unit.code", f"BENCH.{uuid.uuid4().hex[:6].upper()}")
    store = Store(args.db / "kiosk.sqlite3", args.db / "files", config=config,
                  catalog=gen.catalog, calendar=WorkingCalendar.from_config(),
                  orphan_grace_seconds=None)
    sha0 = store.put_file(b"%PDF-1.4 bench shared page")

    def inputs(proc: Any = None) -> DossierInput:
        person = gen.person()
        proc = proc or gen.procedure()
        comps = [ComponentInput(c.name, code=c.code, pages=[PageInput(sha0)] if n == 0 else [])
                 for n, c in enumerate(proc.components)]
        return DossierInput(proc.code, ApplicantInput(person.name, id_number=person.id_number,
                                                      phone=person.phone), components=comps)

    raw = SameRowsWriter(args.db / "kiosk.sqlite3", args.db / "files",
                         store.save_dossier(inputs(), "bench").id)
    for proc in gen.procedures:
        raw.add(proc.code, store.save_dossier(inputs(proc), "bench").id)
    load = os.getloadavg()
    writer_db = store._writer._db  # type: ignore[union-attr]  # swapped by the bench
    assert writer_db is not None
    real = writer_db.conn
    writer_db.conn = NoSQL()
    raw_conn = raw.conn
    for template in (raw, *raw.templates.values()):
        template.conn = NoSQL()  # type: ignore[assignment]
    cpu: dict[str, list[float]] = {"Store.save_dossier": [], "raw save": []}
    try:
        for _ in range(args.saves):
            inp = inputs()
            person = gen.person()
            rows = raw.prepare(person.name, person.id_number, person.phone, inp.procedure_code)
            turns = list(cpu)
            random.shuffle(turns)
            for label in turns:
                time.sleep(args.pause)
                start = time.thread_time_ns()
                if label == "raw save":
                    rows["writer"].write(rows, sha0)
                else:
                    store.save_dossier(inp, "bench")
                cpu[label].append((time.thread_time_ns() - start) / 1000)
    finally:
        writer_db.conn = real
        raw_conn.close()
        store.close()
    print(f"load average before: {load[0]:.2f}, after: {os.getloadavg()[0]:.2f}; "
          f"pause {args.pause} s")
    base = statistics.median(cpu["raw save"])
    for label, values in cpu.items():
        median = statistics.median(values)
        print(f"{label}: Python only, thread CPU median {median:.0f} µs "
              f"({median / base:.2f}× raw)")


if __name__ == "__main__":
    main()
