"""Processes for bench/central_load.py: a private PostgreSQL cluster in a temp dir and several
``kiosk central serve`` processes on one database and one blob directory."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgCluster:
    """initdb + pg_ctl in ``base`` (as the postgres user when we are root)."""

    def __init__(self, base: Path, *, fsync: bool = True, max_connections: int = 400,
                 statements: bool = False) -> None:
        self.base = base
        self.statements = statements
        self.data = base / "data"
        self.port = free_port()
        self.fsync = fsync
        self.max_connections = max_connections
        self.prefix: list[str] = []

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> PgCluster:
        initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
        if not initdb or not pg_ctl:
            for cand in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
                initdb, pg_ctl = str(cand / "initdb"), str(cand / "pg_ctl")
                break
        if not initdb or not pg_ctl or not Path(initdb).exists():
            raise SystemExit("PostgreSQL (initdb, pg_ctl) is not installed")
        self._pg_ctl = pg_ctl
        self.base.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres")
            os.chmod(self.base, 0o700)
            for parent in self.base.parents:
                if str(parent).startswith(tempfile_root()):
                    os.chmod(parent, os.stat(parent).st_mode | 0o111)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        if not (self.data / "PG_VERSION").exists():  # else: a kept cluster, started again
            subprocess.run([*self.prefix, initdb, "-D", str(self.data), "-A", "trust", "-U",
                            "postgres", "-E", "UTF8"], check=True, capture_output=True,
                           timeout=180)
        opts = (f"-p {self.port} -k {self.base} -h 127.0.0.1"
                f" -c max_connections={self.max_connections}"
                + ("" if self.fsync else " -F -c fsync=off")
                + (" -c shared_preload_libraries=pg_stat_statements"
                   " -c pg_stat_statements.max=2000" if self.statements else ""))
        subprocess.run([*self.prefix, pg_ctl, "-D", str(self.data), "-o", opts, "-l",
                        str(self.base / "log"), "-w", "-t", "180", "start"],
                       check=True, capture_output=True, timeout=200)
        return self

    def create_db(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        url = self.url.rsplit("/", 1)[0] + "/" + name
        if self.statements:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        return url

    def reset_statements(self, db_url: str) -> None:
        """Forget what pg_stat_statements counted so far (enrolment, schema)."""
        import psycopg

        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("SELECT pg_stat_statements_reset()")

    def top_statements(self, db_url: str, n: int = 15) -> list[dict[str, Any]]:
        """The statements run in ``db_url``'s database, by total execution time."""
        import psycopg
        from psycopg.rows import dict_row

        with psycopg.connect(db_url, autocommit=True, row_factory=dict_row) as conn:
            return list(conn.execute(
                "SELECT s.query, s.calls, s.total_exec_time AS total_ms, s.rows,"
                " s.mean_exec_time AS mean_ms, s.shared_blks_hit + s.shared_blks_read AS blks,"
                " sum(s.total_exec_time) OVER () AS all_ms, sum(s.calls) OVER () AS all_calls"
                " FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid"
                " WHERE d.datname = current_database()"
                " ORDER BY s.total_exec_time DESC LIMIT %s", (n,)).fetchall())

    def stop(self) -> None:
        subprocess.run([*self.prefix, self._pg_ctl, "-D", str(self.data), "-m", "fast", "stop"],
                       capture_output=True, timeout=60)


def cpu_seconds(pid: int) -> float:
    """utime + stime of a live process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pg_cpu_seconds(data_dir: Path) -> float:
    """CPU of the postmaster and its live children (backends, WAL writer, checkpointer)."""
    try:
        postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    total = cpu_seconds(postmaster)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                total += cpu_seconds(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return total


def tempfile_root() -> str:
    import tempfile

    return tempfile.gettempdir()


class CentralProcs:
    """``python -m kiosk central serve`` ×N on free ports, one database, one blob dir."""

    def __init__(self, db_url: str, blob_dir: Path, n: int, log_dir: Path) -> None:
        self.db_url = db_url
        self.blob_dir = blob_dir
        self.ports = [free_port() for _ in range(n)]
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen[bytes]] = []

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.ports]

    def start(self, timeout: float = 90.0) -> CentralProcs:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "KIOSK_HOME": str(self.log_dir / "home")}
        for i, port in enumerate(self.ports):
            log = (self.log_dir / f"server{i}.log").open("wb")
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "kiosk", "central", "serve", "--db", self.db_url,
                 "--blobs", str(self.blob_dir), "--port", str(port)],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT))
        deadline = time.monotonic() + timeout
        for url, proc in zip(self.urls, self.procs, strict=True):
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"central server exited: see {self.log_dir}")
                try:
                    if httpx.get(url + "/v1/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("central server did not start")
                time.sleep(0.2)
        return self

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
