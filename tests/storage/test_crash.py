"""Crash safety: kill -9 a writing process at random points; every acknowledged save survives.

A forked child (no interpreter start-up, so hundreds of kills stay fast) opens the store and
saves dossiers with a scan each, printing ``code id sha256`` on a pipe only after
``save_dossier`` returned. The parent kills it after a random few milliseconds, sometimes
while the store is still opening, then checks the database and the file store.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.catalog import ProcessingTime, load_catalog
from kiosk.clock import TZ
from kiosk.storage import Store
from kiosk.working_time import WorkingCalendar

from .helpers import make_input

ITERATIONS = int(os.environ.get("KIOSK_CRASH_ITERATIONS", "200"))


def _child(write_fd: int, day: datetime, tag: int, rules: dict[str, Any]) -> None:
    try:
        store = Store(orphan_grace_seconds=0, **rules)
        os.write(write_fd, b"ready\n")
        n = 0
        while True:
            n += 1
            inp = make_input(store, pages=1, received_at=day,
                             content=f"scan {tag}-{n} ".encode() + os.urandom(2048))
            sha = inp.components[0].pages[0].sha256
            saved = store.save_dossier(inp, "crash")
            os.write(write_fd, f"{saved.code} {saved.id} {sha}\n".encode())
    finally:
        os._exit(0)


def _run_and_kill(day: datetime, tag: int, rng: random.Random,
                  rules: dict[str, Any]) -> tuple[list[tuple[str, ...]], int]:
    """Fork a writer, kill it; returns the acknowledged saves and how many were waited for.

    Kill points are tied to the child's progress, not to the machine's speed: either a few
    milliseconds after the fork (while the store opens: migrations, recovery, collection),
    or after the child acknowledged ``n`` saves plus a random few milliseconds (mid-save).
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_fd)
        _child(write_fd, day, tag, rules)
    os.close(write_fd)
    buffer = b""
    wait_for = 0
    if rng.random() < 0.3:
        time.sleep(rng.uniform(0, 0.02))
    else:
        wait_for = rng.randint(0, 4)
        while buffer.count(b"\n") < 1 + wait_for:  # "ready" plus n acknowledgements
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            buffer += chunk
        time.sleep(rng.uniform(0, 0.01))
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    while chunk := os.read(read_fd, 65536):
        buffer += chunk
    os.close(read_fd)
    lines = buffer.decode().splitlines()
    acked = [tuple(line.split()) for line in lines if line and line != "ready"]
    return [a for a in acked if len(a) == 3], wait_for


def _assert_every_dossier_complete(db: sqlite3.Connection) -> None:
    missing = db.execute(
        "SELECT d.code FROM dossiers d WHERE "
        "NOT EXISTS (SELECT 1 FROM applicants a WHERE a.dossier_id = d.id) OR "
        "NOT EXISTS (SELECT 1 FROM status_events e WHERE e.dossier_id = d.id) OR "
        "NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dossier_id = d.id) OR "
        "NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.dossier_id = d.id) OR "
        "NOT EXISTS (SELECT 1 FROM dossier_fts f WHERE f.rowid = d.num) OR "
        "(SELECT count(*) FROM pages p JOIN components c ON c.id = p.component_id "
        " WHERE c.dossier_id = d.id) != 1"
    ).fetchall()
    assert missing == []


def test_kill_9_at_random_points_loses_no_acknowledged_save(kiosk_home: Path) -> None:
    rng = random.Random(int(os.environ.get("KIOSK_CRASH_SEED", "20261122")))
    base = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
    acked: dict[str, tuple[str, str]] = {}
    db_path = kiosk_home / "data" / "kiosk.sqlite3"
    killed_before_ready = 0
    waited = 0
    # Loaded once before forking, so a child spends its few milliseconds saving.
    calendar = WorkingCalendar.from_config()
    calendar.due(base, ProcessingTime("working_days", 3))
    rules: dict[str, Any] = {"catalog": load_catalog(), "calendar": calendar}
    for i in range(ITERATIONS):
        # 20 runs share a day, so codes are allocated across crashes within one block
        # (at most ~20 × 6 of its 999 numbers).
        day = base + timedelta(days=i // 20)
        new, wait_for = _run_and_kill(day, i, rng, rules)
        waited += wait_for
        killed_before_ready += not new
        for code, dossier_id, sha in new:
            assert code not in acked, f"code {code} issued twice"
            acked[code] = (dossier_id, sha)
        if not db_path.exists():
            continue
        db = sqlite3.connect(db_path)
        try:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            for code, dossier_id, _sha in new:
                row = db.execute("SELECT id FROM dossiers WHERE code = ?", (code,)).fetchone()
                assert row == (dossier_id,), f"acknowledged {code} lost"
            # A number handed out is never handed out again, crash or not.
            behind = db.execute(
                "SELECT count(*) FROM (SELECT unit_code, day, max(seq) AS m FROM dossiers "
                "GROUP BY unit_code, day) d JOIN code_counters c USING (unit_code, day) "
                "WHERE c.last_seq < d.m"
            ).fetchone()[0]
            assert behind == 0
        except sqlite3.OperationalError as exc:  # pragma: no cover - diagnostic
            pytest.fail(f"iteration {i}: {exc}")
        finally:
            db.close()

    assert len(acked) >= waited > ITERATIONS  # the loop really saved while being killed
    store = Store(orphan_grace_seconds=0)  # start-up collects what the crashes left
    try:
        report = store.check()
        assert report["ok"], report
        for code, (dossier_id, sha) in acked.items():
            record = store.get_dossier(code)
            assert record["id"] == dossier_id
            assert record["components"][0]["pages"][0]["sha256"] == sha
            assert store.files.verify(sha) is None
        db = store.reader().conn
        _assert_every_dossier_complete(db)
        dupes = db.execute("SELECT code FROM dossiers GROUP BY code HAVING count(*) > 1")
        assert dupes.fetchall() == []
        # Every file left is referenced; no temp file survived start-up.
        assert set(store.files.iter_hashes()) <= {
            r[0] for r in db.execute("SELECT sha256 FROM files")
        }
        assert list(store.files.tmp.iterdir()) == []
        print(f"\n{ITERATIONS} kills, {len(acked)} acknowledged saves, "
              f"{killed_before_ready} runs killed before their first save")
    finally:
        store.close()
