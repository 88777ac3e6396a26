"""One throw-away PostgreSQL cluster for the whole test run (central and sync tests).

Started lazily by the first test that asks for ``pg_url``; each test takes a fresh database in
it (:func:`fresh_pg_db`). Starting a cluster is slow on a loaded machine, so there is only one
and it is given time.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster (initdb + pg_ctl, as the postgres user when root)."""
    initdb = shutil.which("initdb")
    pg_ctl = shutil.which("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL (initdb, pg_ctl) is not installed")
    # Not under pytest's own temp tree: every pytest session resets /tmp/pytest-of-<user> to
    # mode 0700, so a second suite starting on the machine locked the postgres user out of a
    # running cluster (pg_control: Permission denied).
    base = Path(tempfile.mkdtemp(prefix="kiosk-test-pg-"))
    data = base / "data"
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL")
        shutil.chown(base, "postgres")
        os.chmod(base, 0o700)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    run = subprocess.run([*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "postgres",
                          "--no-sync", "-E", "UTF8"],
                         capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        pytest.skip(f"initdb failed: {run.stderr.strip()[:300]}")
    opts = f"-p {port} -k {base} -h 127.0.0.1 -F -c fsync=off"
    start = subprocess.run([*prefix, pg_ctl, "-D", str(data), "-o", opts, "-l", str(base / "log"),
                            "-w", "-t", "180", "start"],
                           capture_output=True, text=True, timeout=200)
    if start.returncode != 0:
        pytest.skip(f"pg_ctl start failed: {start.stderr.strip()[:300]}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


_pg_counter = [0]


def fresh_pg_db(pg_url: str) -> str:
    """A new database in the session's cluster, so tests never see each other's rows."""
    import psycopg

    _pg_counter[0] += 1
    name = f"t{os.getpid()}_{_pg_counter[0]}_{int(time.time() * 1000) % 100000}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return pg_url.rsplit("/", 1)[0] + "/" + name


