"""Saving a dossier against raw SQLite, interleaved in one run (issue 15 §1).

    .venv/bin/python bench/save_bench.py --db /tmp/kiosk-bench/1m --saves 300

Three ways to write one received dossier, taking turns save by save so that the machine's
load hits them alike, all into the same database:

- ``raw``: plain ``sqlite3`` (WAL, ``synchronous=FULL``) writing the same rows in one
  ``BEGIN IMMEDIATE`` transaction: code counter, dossier, applicant, components, page and
  file rows, status event, search rows, audit, outbox and outbox blob, every column as
  the project stored it for a dossier of the same procedure as the round's save (one
  untimed save per procedure gives them). Values and text are precomputed; nothing is
  read back. The floor for one durable save.
- ``dossiers.save``: the storage function called directly on a connection of this thread.
- ``Store.save_dossier``: what the app and the CLI call (writer thread, catalog, calendar).

And the CLI's path, a 200 KB scan plus the save: ``put_file`` + ``Store.save_dossier``
against raw ``write`` + ``fsync`` + ``rename`` + directory ``fsync`` + the raw save.
Where the time goes is printed with ``--profile`` (pyinstrument, Store path only).
Each path's wall time and process CPU time (all threads: the Store's work may run on its
writer thread) are printed, with the load average before and after the run.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import sqlite3
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from storage_data import Generator

from kiosk.clock import iso, now
from kiosk.config import Config
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput, Store, dossiers
from kiosk.storage.connection import connect
from kiosk.text import fold
from kiosk.working_time import WorkingCalendar


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def stats(ms: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(ms), 2), "p99_ms": round(pct(ms, 99), 2),
            "max_ms": round(max(ms), 2), "n": len(ms)}


class RawWriter:
    """The same rows as one save, through a bare sqlite3 connection."""

    def __init__(self, db_path: Path, files_root: Path) -> None:
        self.conn = sqlite3.connect(db_path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        # The floor: this connection never checkpoints (the store's checkpointer, running
        # beside the saves, does it for everyone in the file).
        self.conn.execute("PRAGMA wal_autocheckpoint=0")
        self.files_root = files_root
        self.name_keys = bool(self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'name_keys'").fetchone())
        self.version = self.conn.execute(
            "SELECT catalog_version, procedure_code, procedure_name FROM dossiers "
            "ORDER BY num DESC LIMIT 1").fetchone()

    def put(self, data: bytes) -> str:
        import hashlib

        sha = hashlib.sha256(data).hexdigest()
        tmp = self.files_root / "tmp" / f"raw-{uuid.uuid4().hex}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        final = self.files_root / sha[:2] / sha
        final.parent.mkdir(exist_ok=True)
        os.replace(tmp, final)
        dfd = os.open(final.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
        return sha

    def save(self, name: str, id_number: str, phone: str, sha: str, n_components: int) -> None:
        c = self.conn
        version, proc_code, proc_name = self.version
        stamp = iso(now())
        day = stamp[:10]
        dossier_id = str(uuid.uuid4())
        c.execute("BEGIN IMMEDIATE")
        seq = c.execute(
            "INSERT INTO code_counters (unit_code, day, counter, last_seq) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (unit_code, day, counter) DO UPDATE SET last_seq = last_seq + 1 "
            "RETURNING last_seq", ("RAW", day, 8, 8000)).fetchone()[0]
        code = f"RAW-{day}-{seq}-{dossier_id[:8]}"
        num = c.execute(
            "INSERT INTO dossiers (id, code, unit_code, day, seq, counter, procedure_code, "
            "procedure_name, catalog_version, channel, status, received_at, due_at, sets, note, "
            "received_by, updated_at, form_set) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (dossier_id, code, "RAW", day, seq, 8, proc_code, proc_name, version, 1, 2, stamp,
             stamp, 1, "", "bench", stamp, "tt01"),
        ).lastrowid
        c.execute("INSERT INTO applicants (dossier_id, role, name, id_number, phone) "
                  "VALUES (?, 'owner', ?, ?, ?)", (dossier_id, name, id_number, phone))
        for position in range(1, n_components + 1):
            comp = c.execute(
                "INSERT INTO components (dossier_id, position, code, name, copy_kind, count, "
                "checked, from_national_db) VALUES (?, ?, '', ?, 'original', 1, 1, 0)",
                (dossier_id, position, f"Giấy tờ {position}")).lastrowid
            if position == 1:
                c.execute("INSERT OR IGNORE INTO files (sha256, size, mime, created_at) "
                          "VALUES (?, ?, 'application/pdf', ?)", (sha, 200_000, stamp))
                c.execute("INSERT INTO pages (component_id, position, sha256) VALUES (?, 1, ?)",
                          (comp, sha))
        c.execute("INSERT INTO status_events (dossier_id, at, from_status, to_status, actor, "
                  "due_at) VALUES (?, ?, NULL, 2, 'bench', ?)", (dossier_id, stamp, stamp))
        c.execute("INSERT INTO dossier_fts (rowid, code, name, id_number, phone) "
                  "VALUES (?, ?, ?, ?, ?)", (num, fold(code), fold(name), id_number, phone))
        if self.name_keys:
            c.execute("INSERT INTO name_keys (num, key) VALUES (?, ?)", (num, fold(name)))
        c.execute("INSERT INTO audit_log (at, actor, action, dossier_id, details) "
                  "VALUES (?, 'bench', 'dossier.create', ?, ?)",
                  (stamp, dossier_id, json.dumps({"code": code})))
        op = str(uuid.uuid4())
        payload = json.dumps({"id": dossier_id, "code": code, "applicant": {"name": name},
                              "components": [{"pages": [{"sha256": sha}]}]}, ensure_ascii=False)
        c.execute("INSERT INTO outbox (id, kind, dossier_id, payload, next_attempt_at, "
                  "created_at, updated_at) VALUES (?, 'dossier.upsert', ?, ?, ?, ?, ?)",
                  (op, dossier_id, payload, stamp, stamp, stamp))
        c.execute("INSERT INTO outbox_blobs (operation_id, sha256) VALUES (?, ?)", (op, sha))
        c.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


CODE_MARK = "\x00CODE\x00"
SHA_MARK = "\x00SHA\x00"


class SameRowsWriter(RawWriter):
    """Raw sqlite3 writing exactly the rows a project save writes: every column of a dossier
    the project saved (read once, before timing), the same audit details and the same full
    outbox payload, with only ids, code and the person changed. Text is prepared outside
    the timed call; inside it, one string replace puts the allocated code in.

    One template per procedure (:meth:`add`): each round's raw rows are those of the
    procedure the project's save of that round receives, so both write as many components
    (two to five in the generated catalog)."""

    def __init__(self, db_path: Path, files_root: Path, dossier_id: str) -> None:
        super().__init__(db_path, files_root)
        self.templates: dict[str, SameRowsWriter] = {}
        self._load(dossier_id)

    def _load(self, dossier_id: str) -> None:
        c = self.conn

        def rows(sql: str, *params: Any) -> list[dict[str, Any]]:
            cur = c.execute(sql, params)
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

        self.dossier = rows("SELECT * FROM dossiers WHERE id = ?", dossier_id)[0]
        self.dossier.pop("num")
        self.applicant = rows("SELECT * FROM applicants WHERE dossier_id = ?", dossier_id)[0]
        self.applicant.pop("id")
        self.components = rows("SELECT * FROM components WHERE dossier_id = ? ORDER BY position",
                               dossier_id)
        self.event = rows("SELECT * FROM status_events WHERE dossier_id = ?", dossier_id)[0]
        self.event.pop("id")
        self.audit = rows("SELECT details FROM audit_log WHERE dossier_id = ? AND action = ?",
                          dossier_id, "dossier.create")[0]["details"]
        self.payload = json.loads(rows("SELECT payload FROM outbox WHERE dossier_id = ?",
                                       dossier_id)[0]["payload"])

    def add(self, procedure_code: str, dossier_id: str) -> None:
        """Use the rows of ``dossier_id`` (saved by the project) for ``procedure_code``."""
        template = copy.copy(self)  # the same connection
        template.templates = {}
        template._load(dossier_id)
        self.templates[procedure_code] = template

    def prepare(self, name: str, id_number: str, phone: str,
                procedure_code: str | None = None) -> dict[str, Any]:
        """The round's rows, outside the timed call: those of ``procedure_code``'s
        template when there is one."""
        if procedure_code is not None and procedure_code in self.templates:
            return self.templates[procedure_code].prepare(name, id_number, phone)
        dossier_id = str(uuid.uuid4())
        payload = json.loads(json.dumps(self.payload))
        payload.update(id=dossier_id, code=CODE_MARK, seq=0)
        payload["applicant"].update(name=name, id_number=id_number, phone=phone)
        payload["components"][0]["pages"][0]["sha256"] = SHA_MARK
        return {"writer": self, "id": dossier_id, "name": name, "id_number": id_number,
                "phone": phone,
                "key": fold(name),
                "payload": json.dumps(payload, ensure_ascii=False),
                "audit": self.audit.replace(json.loads(self.audit)["code"], CODE_MARK)}

    def write(self, p: dict[str, Any], sha: str) -> None:
        c = self.conn
        stamp = iso(now())
        day = stamp[:10]
        unit = self.dossier["unit_code"]
        c.execute("BEGIN IMMEDIATE")
        seq = c.execute(
            "INSERT INTO code_counters (unit_code, day, counter, last_seq) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (unit_code, day, counter) DO UPDATE SET last_seq = last_seq + 1 "
            "RETURNING last_seq", (unit, day, 6, 6001)).fetchone()[0]
        code = f"{unit}-{day}-{seq:04d}"
        row = {**self.dossier, "id": p["id"], "code": code, "day": day, "seq": seq,
               "counter": 6}
        num = c.execute(f"INSERT INTO dossiers ({', '.join(row)}) VALUES "
                        f"({', '.join('?' * len(row))})", tuple(row.values())).lastrowid
        person = {**self.applicant, "dossier_id": p["id"], "name": p["name"],
                  "id_number": p["id_number"], "phone": p["phone"]}
        c.execute(f"INSERT INTO applicants ({', '.join(person)}) VALUES "
                  f"({', '.join('?' * len(person))})", tuple(person.values()))
        for n, comp in enumerate(self.components):
            comp = {**comp, "dossier_id": p["id"]}
            comp.pop("id")
            comp_id = c.execute(f"INSERT INTO components ({', '.join(comp)}) VALUES "
                                f"({', '.join('?' * len(comp))})", tuple(comp.values())).lastrowid
            if n == 0:
                c.execute("INSERT OR IGNORE INTO files (sha256, size, mime, created_at) "
                          "VALUES (?, ?, 'application/pdf', ?)", (sha, 200_000, stamp))
                c.execute("INSERT INTO pages (component_id, position, sha256) VALUES (?, 1, ?)",
                          (comp_id, sha))
        event = {**self.event, "dossier_id": p["id"]}
        c.execute(f"INSERT INTO status_events ({', '.join(event)}) VALUES "
                  f"({', '.join('?' * len(event))})", tuple(event.values()))
        c.execute("INSERT INTO dossier_fts (rowid, code, name, id_number, phone) "
                  "VALUES (?, ?, ?, ?, ?)", (num, code.lower(), p["key"], p["id_number"],
                                             p["phone"]))
        c.execute("INSERT INTO name_keys (num, key) VALUES (?, ?)", (num, p["key"]))
        c.execute("INSERT INTO audit_log (at, actor, action, dossier_id, details) "
                  "VALUES (?, 'bench', 'dossier.create', ?, ?)",
                  (stamp, p["id"], p["audit"].replace(CODE_MARK, code)))
        op = str(uuid.uuid4())
        c.execute("INSERT INTO outbox (id, kind, dossier_id, payload, next_attempt_at, "
                  "created_at, updated_at) VALUES (?, 'dossier.upsert', ?, ?, ?, ?, ?)",
                  (op, p["id"], p["payload"].replace(CODE_MARK, code).replace(SHA_MARK, sha),
                   stamp, stamp, stamp))
        c.execute("INSERT INTO outbox_blobs (operation_id, sha256) VALUES (?, ?)", (op, sha))
        c.execute("COMMIT")


def run(db_path: Path, files_root: Path, saves: int, seed: int, profile: bool,
        pause: float) -> dict[str, Any]:
    gen = Generator(seed)
    config = Config.load()
    config.set("counter.number", 9)
    # A unit code of its own for each run: a counter issues 999 codes a day, and runs on the
    # same day would use them up.
    config.set("unit.code", f"BENCH.{uuid.uuid4().hex[:6].upper()}")
    calendar = WorkingCalendar.from_config()
    store = Store(db_path, files_root, config=config, catalog=gen.catalog, calendar=calendar,
                  orphan_grace_seconds=None)
    raw = RawWriter(db_path, files_root)
    direct_db = connect(db_path)
    direct_db.execute("PRAGMA wal_autocheckpoint=0")
    unit = str(config.get("unit.code"))
    times: dict[str, list[float]] = {k: [] for k in (
        "raw save", "raw save, short rows", "dossiers.save", "Store.save_dossier",
        "raw file + save", "put_file + Store.save_dossier")}
    # Process CPU (every thread: the Store's work runs on its writer thread). On a loaded
    # machine wall time mostly measures the neighbours; CPU time measures the save.
    cpu_times: dict[str, list[float]] = {k: [] for k in times}
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
    rng = random.Random(seed)
    sha0 = store.put_file(b"%PDF-1.4 bench shared page")

    def inputs(sha: str) -> DossierInput:
        person = gen.person()
        proc = gen.procedure()
        comps = [ComponentInput(c.name, code=c.code, pages=[PageInput(sha)] if n == 0 else [])
                 for n, c in enumerate(proc.components)]
        return DossierInput(proc.code, ApplicantInput(person.name, id_number=person.id_number,
                                                      phone=person.phone), components=comps)

    template = store.save_dossier(inputs(sha0), "bench")
    same = SameRowsWriter(db_path, files_root, template.id)
    # The raw rows of each round are those of the procedure the project saves that round:
    # one untimed save per procedure gives them.
    for proc in gen.procedures:
        person = gen.person()
        comps = [ComponentInput(c.name, code=c.code, pages=[PageInput(sha0)] if n == 0 else [])
                 for n, c in enumerate(proc.components)]
        same.add(proc.code, store.save_dossier(DossierInput(proc.code, ApplicantInput(
            person.name, id_number=person.id_number, phone=person.phone), components=comps),
            "bench").id)

    def t(label: str, fn: Callable[[], Any]) -> None:
        cpu = time.process_time()
        start = time.perf_counter()
        fn()
        times[label].append((time.perf_counter() - start) * 1000)
        cpu_times[label].append((time.process_time() - cpu) * 1000)

    # Each round's inputs are made before the timed calls, as the raw rows are: building a
    # DossierInput is the caller's work (the intake's), not the save's.
    ready: dict[str, DossierInput] = {}

    def store_save() -> None:
        if profiler is not None:
            profiler.start()
        store.save_dossier(ready["store"], "bench")
        if profiler is not None:
            profiler.stop()

    def direct_save() -> None:
        inp = ready["direct"]
        info, due_for = store.procedure_info(inp.procedure_code)
        dossiers.save(direct_db, inp, actor="bench", unit_code=unit, counter=7, procedure=info,
                      due_for=due_for, files=store.files, form_set="tt01")

    def short_raw_save() -> None:
        person = gen.person()
        raw.save(person.name, person.id_number, person.phone, sha0, 3)

    def prepared(procedure_code: str) -> dict[str, Any]:
        person = gen.person()
        return same.prepare(person.name, person.id_number, person.phone, procedure_code)

    upcoming: dict[str, Any] = {}
    upcoming_file: dict[str, Any] = {}
    payload_file: dict[str, bytes] = {}

    def raw_file_save() -> None:
        sha = raw.put(payload_file["raw"])
        upcoming_file["writer"].write(upcoming_file, sha)

    def store_file_save() -> None:
        sha = store.put_file(payload_file["kiosk"])
        inp = ready["file"]
        for comp in inp.components:
            if comp.pages:
                comp.pages[0] = PageInput(sha)
        store.save_dossier(inp, "bench")

    cases = [("raw save", lambda: upcoming["writer"].write(upcoming, sha0)),
             ("raw save, short rows", short_raw_save), ("dossiers.save", direct_save),
             ("Store.save_dossier", store_save), ("raw file + save", raw_file_save),
             ("put_file + Store.save_dossier", store_file_save)]
    try:
        for _ in range(saves):
            rng.shuffle(cases)  # alternate, and no fixed neighbour for anyone
            ready.update(store=inputs(sha0), direct=inputs(sha0), file=inputs(sha0))
            upcoming.clear()
            upcoming.update(prepared(ready["store"].procedure_code))
            upcoming_file.clear()
            upcoming_file.update(prepared(ready["file"].procedure_code))
            payload_file.update(raw=b"%PDF-1.4 raw " + os.urandom(200_000),
                                kiosk=b"%PDF-1.4 kiosk " + os.urandom(200_000))
            for label, fn in cases:
                t(label, fn)
            time.sleep(pause)
    finally:
        raw.close()
        same.close()
        direct_db.conn.close()
        store.close()
    out: dict[str, Any] = {k: stats(v) for k, v in times.items()}
    out["cpu"] = {k: stats(v) for k, v in cpu_times.items()}
    out["slowest (index, ms)"] = {
        k: sorted(((i, round(ms, 1)) for i, ms in enumerate(v)), key=lambda x: -x[1])[:4]
        for k, v in times.items()}
    if profiler is not None:
        out["profile"] = profiler.output_text(unicode=False, color=False, show_all=False)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True,
                        help="directory made by storage_data.py (kiosk.sqlite3 + files/)")
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--pause", type=float, default=0.3,
                        help="seconds between rounds of five saves (a counter saves a dossier "
                             "every minute or so; 0 = back to back, the worst case)")
    args = parser.parse_args()
    load = os.getloadavg()
    res = run(args.db / "kiosk.sqlite3", args.db / "files", args.saves, args.seed, args.profile,
              args.pause)
    profile = res.pop("profile", None)
    slowest = res.pop("slowest (index, ms)")
    cpu = res.pop("cpu")
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, after: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for title, table in (("wall", res), ("process CPU", cpu)):
        raw, raw_file = table["raw save"], table["raw file + save"]
        print(f"\n{title}\n")
        print("| path | median ms | p99 ms | max ms | median × raw | p99 × raw |")
        print("|---|---|---|---|---|---|")
        for label, s in table.items():
            base = raw_file if "file" in label else raw
            print(f"| {label} | {s['median_ms']:.2f} | {s['p99_ms']:.2f} | {s['max_ms']:.2f} | "
                  f"{s['median_ms'] / base['median_ms']:.2f} | "
                  f"{s['p99_ms'] / base['p99_ms']:.2f} |")
    print(json.dumps({**res, "cpu": cpu, "slowest (index, ms)": slowest}))
    if profile:
        print(profile)


if __name__ == "__main__":
    main()
