"""Several processes writing one database at once: every code unique, no save lost."""

from __future__ import annotations

import os
import sqlite3
import traceback
from pathlib import Path

from kiosk.catalog import load_catalog
from kiosk.config import Config
from kiosk.storage import Store
from kiosk.working_time import WorkingCalendar

from .helpers import MONDAY_9, make_input

PER_PROCESS = 40


def _writer(write_fd: int, counter: int, rules: dict) -> None:
    status = 0
    try:
        config = Config.load()
        config.set("counter.number", counter)
        with Store(config=config, orphan_grace_seconds=None, **rules) as store:
            for i in range(PER_PROCESS):
                inp = make_input(store, pages=1, received_at=MONDAY_9,
                                 content=f"{os.getpid()}-{i}".encode())
                os.write(write_fd, (store.save_dossier(inp, f"p{os.getpid()}").code + "\n")
                         .encode())
    except BaseException:
        traceback.print_exc()
        status = 1
    finally:
        os._exit(status)


def test_processes_writing_at_once_get_unique_codes(kiosk_home: Path) -> None:
    Store(orphan_grace_seconds=None).close()  # created once, as the installed app would
    rules = {"catalog": load_catalog(), "calendar": WorkingCalendar.from_config()}
    counters = [1, 1, 1, 2]  # three processes on counter 1 (app + CLI), one on counter 2
    read_fd, write_fd = os.pipe()
    pids = []
    for counter in counters:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.close(read_fd)
            _writer(write_fd, counter, rules)
        pids.append(pid)
    os.close(write_fd)
    chunks = []
    while chunk := os.read(read_fd, 65536):
        chunks.append(chunk)
    os.close(read_fd)
    statuses = [os.waitpid(pid, 0)[1] for pid in pids]
    assert statuses == [0] * len(counters)

    codes = b"".join(chunks).decode().split()
    assert len(codes) == len(counters) * PER_PROCESS
    assert len(set(codes)) == len(codes)
    seqs = sorted(int(c[-4:]) for c in codes)
    # Each counter's block is used without gaps: nothing was allocated and then lost.
    assert seqs == [*range(1001, 1001 + 3 * PER_PROCESS), *range(2001, 2001 + PER_PROCESS)]
    db = sqlite3.connect(kiosk_home / "data" / "kiosk.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT count(*) FROM dossiers").fetchone()[0] == len(codes)
    finally:
        db.close()


def test_processes_creating_the_database_at_once_all_succeed(kiosk_home: Path) -> None:
    pids = []
    for _ in range(4):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            status = 0
            try:
                Store(orphan_grace_seconds=None).close()
            except BaseException:
                traceback.print_exc()
                status = 1
            os._exit(status)
        pids.append(pid)
    assert [os.waitpid(pid, 0)[1] for pid in pids] == [0, 0, 0, 0]
    with Store(orphan_grace_seconds=None) as store:
        assert store.migrations_applied == []
