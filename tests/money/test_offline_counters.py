"""Receipt and register numbers across a unit's counters, offline and through crashes.

Two counters (their own KIOSK_HOME, database and file store, like two machines on a commune's
LAN with the network down) collect fees and certify at the same time, each with two
processes writing (the app and a CLI command). Every receipt number is used once per series
and none is skipped; every register number once per book, none skipped; a void keeps its
number. Then a writer is killed with SIGKILL at random points: whatever it acknowledged is
there afterwards, and the numbers stay gapless.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.storage import Store

from .helpers import ROOT, configure

WRITER = r"""
import json, os, sys
from kiosk.storage import Store, DossierInput, ApplicantInput
from kiosk.money.cashier import Cashier
from kiosk.money.certify import Certifier, CertifyRequest

tag, n = sys.argv[1], int(sys.argv[2])
with Store(orphan_grace_seconds=None) as store:
    cashier, certifier = Cashier(store), Certifier(store)
    print("ready", flush=True)
    for i in range(n):
        if i % 3 == 2:
            done = certifier.certify(CertifyRequest("copy", copies=1 + i % 2, pages=2 + i,
                                                    requester=f"{tag} {i}"), f"clerk-{tag}")
            print(json.dumps({"receipt": done["receipt"]["ref"], "register":
                              [done["register"]["book"], done["register"]["number"]]}),
                  flush=True)
        else:
            saved = store.save_dossier(DossierInput("2.000884", ApplicantInput(f"{tag} {i}")),
                                       f"clerk-{tag}")
            receipt = cashier.collect(saved.code, "cash" if i % 2 else "transfer",
                                      clerk=f"clerk-{tag}")
            print(json.dumps({"receipt": receipt["ref"]}), flush=True)
"""


def start_writer(home: Path, tag: str, n: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", WRITER, tag, str(n)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "KIOSK_HOME": str(home)})


def rows(home: Path, sql: str) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(f"file:{home / 'data' / 'kiosk.sqlite3'}?mode=ro", uri=True)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def assert_gapless(home: Path) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    receipts = rows(home, "SELECT series, number FROM receipts WHERE number IS NOT NULL")
    register = rows(home, "SELECT book, number FROM register_entries")
    for pairs, counters in ((receipts, "SELECT series, last_number FROM receipt_counters"),
                            (register, "SELECT book, last_number FROM register_counters")):
        assert len(pairs) == len(set(pairs)), "a number issued twice"
        for name, last in rows(home, counters):
            numbers = sorted(n for s, n in pairs if s == name)
            assert numbers == list(range(1, last + 1)), (name, numbers, last)
    return set(receipts), set(register)


def test_two_counters_collect_offline_at_once(tmp_path: Path) -> None:
    homes = [tmp_path / "quay-1", tmp_path / "quay-2"]
    for counter, home in enumerate(homes, start=1):
        home.mkdir()
        configure(home, counter=counter)
        Store(orphan_grace_seconds=None, path=home / "data" / "kiosk.sqlite3",
              files_root=home / "data" / "files").close()  # created before the race
    n = 9
    writers = [start_writer(home, f"{home.name}-{w}", n) for home in homes for w in "ab"]
    acked: list[dict[str, Any]] = []
    for proc in writers:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        acked += [json.loads(line) for line in out.splitlines() if line != "ready"]
    assert len(acked) == 4 * n
    unit: set[tuple[str, int]] = set()
    books: set[tuple[str, int]] = set()
    for counter, home in enumerate(homes, start=1):
        receipts, register = assert_gapless(home)
        year = rows(home, "SELECT year FROM receipts")[0][0]
        assert {s for s, _n in receipts} == {f"Q{counter}-{year % 100:02d}E"}
        assert len(receipts) == 2 * n and len(register) == 2 * (n // 3)
        assert all(book.startswith(f"{counter:02d}/") for book, _n in register)
        assert not unit & receipts and not books & register  # nothing shared across counters
        unit |= receipts
        books |= register
    assert {a["receipt"] for a in acked} == {f"{s}-{n:07d}" for s, n in unit}


CHILD = r"""
import os, sys
from kiosk.storage import Store, DossierInput, ApplicantInput
from kiosk.money.cashier import Cashier
from kiosk.money.certify import Certifier, CertifyRequest

tag = sys.argv[1]
store = Store(orphan_grace_seconds=0)
cashier, certifier = Cashier(store), Certifier(store)
os.write(1, b"ready\n")
i = 0
while True:
    i += 1
    if i % 4 == 0:
        done = certifier.certify(CertifyRequest("signature", copies=1, requester=tag), "k")
        line = f"{done['receipt']['ref']} {done['register']['book']}#{done['register']['number']}"
    else:
        saved = store.save_dossier(DossierInput("2.000884", ApplicantInput(f"{tag}-{i}")), "k")
        line = cashier.collect(saved.code, "cash", clerk="k")["ref"] + " -"
        if i % 5 == 0:
            cashier.void(line.split()[0], "thử huỷ", "k")
            line += " void"
    os.write(1, (line + "\n").encode())
"""


def test_kill_9_during_collection_loses_nothing_acknowledged(kiosk_home: Path) -> None:
    configure(kiosk_home)
    Store(orphan_grace_seconds=None).close()
    rng = random.Random(int(os.environ.get("KIOSK_CRASH_SEED", "23")))
    iterations = int(os.environ.get("KIOSK_MONEY_CRASH_ITERATIONS", "30"))
    acked: list[list[str]] = []
    for i in range(iterations):
        proc = subprocess.Popen([sys.executable, "-c", CHILD, f"k{i}"], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env={**os.environ, "KIOSK_HOME": str(kiosk_home)})
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"ready\n"
        # Kill after a few acknowledgements and a random few milliseconds: mid-collection.
        got = [proc.stdout.readline() for _ in range(rng.randint(0, 3))]
        time.sleep(rng.uniform(0, 0.05))
        os.kill(proc.pid, signal.SIGKILL)
        rest, _err = proc.communicate()
        for line in b"".join(got).decode().splitlines() + rest.decode().splitlines():
            acked.append(line.split())
    assert len(acked) > iterations
    receipts, register = assert_gapless(kiosk_home)
    have = {f"{s}-{n:07d}" for s, n in receipts}
    voided = {r[0] for r in rows(kiosk_home, "SELECT series || '-' || printf('%07d', number) "
                                             "FROM receipts WHERE voided_at IS NOT NULL")}
    for line in acked:
        assert line[0] in have, f"acknowledged receipt {line[0]} lost"
        if line[1] != "-":
            book, number = line[1].split("#")
            assert (book, int(number)) in register
        if line[2:] == ["void"]:
            assert line[0] in voided  # the void was acknowledged: it stays, number kept
    # Every receipt and entry commits with its outbox operation, so each reaches the server.
    missing = rows(kiosk_home, "SELECT r.id FROM receipts r WHERE NOT EXISTS (SELECT 1 FROM "
                               "outbox o WHERE o.kind = 'receipt.issue' AND "
                               "json_extract(o.payload, '$.id') = r.id)")
    assert missing == []
    with Store(orphan_grace_seconds=0) as store:
        report = store.check(rehash=False)
        assert report["ok"] and report["numbers_without_record"] == [], report
        # The issued-numbers log never runs ahead of the database's counters.
        assert report["numbers_caught_up"] == []


def test_an_old_backup_restored_never_reissues_a_receipt_or_register_number(
        kiosk_home: Path, tmp_path: Path) -> None:
    from .helpers import kiosk, kiosk_json

    configure(kiosk_home)
    first = kiosk_json("certify", "--kind", "signature", "--copies", "1", home=kiosk_home)
    backup = tmp_path / "backup"
    assert kiosk("db", "backup", str(backup), home=kiosk_home).returncode == 0
    later = [kiosk_json("certify", "--kind", "signature", "--copies", "1", home=kiosk_home)
             for _ in range(2)]
    db = kiosk_home / "data" / "kiosk.sqlite3"
    for side in ("-wal", "-shm"):
        Path(str(db) + side).unlink(missing_ok=True)
    db.write_bytes(b"")  # the database is lost; the scans and the numbers log are not
    r = kiosk("db", "restore", str(backup), home=kiosk_home)
    assert r.returncode == 0, r.stderr
    after = kiosk_json("certify", "--kind", "signature", "--copies", "1", home=kiosk_home)
    numbers = [first["receipt"]["number"], *(x["receipt"]["number"] for x in later)]
    assert after["receipt"]["number"] == max(numbers) + 1
    assert after["register"]["number"] == later[-1]["register"]["number"] + 1
    missing = kiosk_json("db", "check", home=kiosk_home)["numbers_without_record"]
    assert sorted((m.get("kind", "code"), m.get("number")) for m in missing
                  if m.get("kind")) == sorted(
        [("receipt", x["receipt"]["number"]) for x in later]
        + [("register", x["register"]["number"]) for x in later])
