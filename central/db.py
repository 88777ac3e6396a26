"""A thin SQL adapter so the server runs on SQLite (embedded default) and PostgreSQL.

The SQL is written once with ``?`` placeholders and portable types; the adapter rewrites the
placeholders for psycopg. Each :meth:`Database.transaction` is one connection in one
transaction: SQLite takes the write lock up front (``BEGIN IMMEDIATE``) so two writers never
deadlock on lock upgrade; PostgreSQL runs at READ COMMITTED and we rely on unique constraints
plus row locks (``FOR UPDATE``) where a read decides a write.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from central import schema

#: Advisory lock key between change-feed writers (shared) and readers (exclusive).
FEED_LOCK = 0x6B696F736B_0001


class IntegrityError(Exception):
    """A unique or foreign-key constraint failed (either engine)."""


class Tx:
    """One open transaction: ``execute``/``one``/``all`` with ``?`` placeholders."""

    def __init__(self, conn: Any, postgres: bool) -> None:
        self._conn = conn
        self._pg = postgres

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self._pg else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            cur = self._conn.execute(self._sql(sql), tuple(params))
        except Exception as exc:
            _reraise_integrity(exc)
            raise
        return int(cur.rowcount or 0)

    def insert_returning_seq(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT into ``changes`` and return the new ``seq``."""
        try:
            if self._pg:
                # Held until commit: a feed reader waits for it (see feed_horizon).
                self._conn.execute("SELECT pg_advisory_xact_lock_shared(%s)", (FEED_LOCK,))
                row = self._conn.execute(self._sql(sql) + " RETURNING seq", tuple(params))
                return int(row.fetchone()[0])
            cur = self._conn.execute(sql, tuple(params))
            return int(cur.lastrowid)
        except Exception as exc:
            _reraise_integrity(exc)
            raise

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        cur = self._conn.execute(self._sql(sql), tuple(params))
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cur.description], row, strict=True))

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self._conn.execute(self._sql(sql), tuple(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def lock(self, name: str) -> None:
        """Serialise transactions on ``name`` until commit (SQLite: the write lock does it)."""
        if self._pg:
            self._conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (name,))

    def for_update(self) -> str:
        """Row-lock suffix for a SELECT that decides a write (SQLite already holds the lock)."""
        return " FOR UPDATE" if self._pg else ""


def _reraise_integrity(exc: Exception) -> None:
    if isinstance(exc, sqlite3.IntegrityError):
        raise IntegrityError(str(exc)) from exc
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a declared dependency of central
        return
    if isinstance(exc, psycopg.errors.IntegrityError):
        raise IntegrityError(str(exc)) from exc


class Database:
    """The server's database: ``sqlite:///path``, a bare path, or ``postgresql://...``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith(("postgresql://", "postgres://"))
        self._local = threading.local()
        # Feed horizons (feed_horizon): rounds started and finished, the last one's result.
        self._feed = threading.Condition()
        self._feed_busy = False
        self._feed_done = self._feed_horizon = 0
        self.feed_rounds = 0
        if not self.postgres:
            path = url.removeprefix("sqlite:///") if url.startswith("sqlite:") else url
            self.path: Path | None = Path(path)
            self.path.parent.mkdir(parents=True, exist_ok=True)
        else:
            self.path = None
        self._migrate()

    # --- connections ---------------------------------------------------------------------

    def _connect(self) -> Any:
        if self.postgres:
            import psycopg

            return psycopg.connect(self.url, autocommit=True)
        assert self.path is not None
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30,
                               check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a 2xx is only sent after a durable commit (SYNC.md server rule 2).
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def _conn(self) -> Any:
        # One connection per thread: sqlite3 and psycopg connections are not shared safely.
        conn = getattr(self._local, "conn", None)
        if conn is None or (self.postgres and conn.closed):
            conn = self._connect()
            self._local.conn = conn
            conns = self.__dict__.setdefault("_all_conns", [])
            conns.append(conn)
        return conn

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Tx]:
        """``write=False`` for reads: on SQLite they then never wait for the write lock."""
        conn = self._conn()
        if self.postgres:
            with conn.transaction():
                yield Tx(conn, True)
            return
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield Tx(conn, False)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def read_one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        """One row of one statement, in the statement's own implicit transaction: one round
        trip to PostgreSQL instead of three (BEGIN, the statement, COMMIT). Only for a
        single read, which sees committed data just as it would inside a transaction."""
        return Tx(self._conn(), self.postgres).one(sql, params)

    def feed_horizon(self) -> int:
        """The highest feed ``seq`` a reader may read up to: no event at or below it is still
        being committed, and every event committed before this call is at or below it.

        Seqs are taken at insert but commits land in any order, so without this a reader
        could see seq 11, move its cursor past 10 and never see 10 (several workers or
        servers on PostgreSQL). Writers hold the feed lock shared from their event's insert
        to their commit; the horizon is read holding it exclusively, which waits for the
        commits in flight, and released at once. Every turn of the lock also stalls the
        writers queued behind it, so the readers of this process share turns as group
        commit does: a reader waits for the next turn that starts after it arrived, and
        all readers waiting for it take its result (docs/SCALING.md, issue 28 §4).
        SQLite serialises writers and needs nothing."""
        if not self.postgres:
            return 2**62
        with self._feed:
            need = self.feed_rounds + 1
            while self._feed_done < need:
                if self._feed_busy:
                    self._feed.wait()
                    continue
                self._feed_busy = True
                self.feed_rounds += 1
                mine = self.feed_rounds
                self._feed.release()
                try:
                    horizon = self._read_horizon()
                finally:
                    self._feed.acquire()
                    self._feed_busy = False
                    self._feed.notify_all()
                self._feed_horizon, self._feed_done = horizon, mine
            return self._feed_horizon

    def _read_horizon(self) -> int:
        # One simple-query message is one implicit transaction: the xact lock ends with it,
        # on error too, and the max is read with a snapshot taken after the lock was granted.
        cur = self._conn().execute(f"SELECT pg_advisory_xact_lock({FEED_LOCK});"
                                   " SELECT COALESCE(max(seq), 0) FROM changes")
        cur.nextset()
        row = cur.fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        for conn in self.__dict__.get("_all_conns", []):
            try:
                conn.close()
            except Exception:
                pass
        self.__dict__["_all_conns"] = []
        self._local = threading.local()

    # --- schema --------------------------------------------------------------------------

    def _migrate(self) -> None:
        autoinc = "BIGSERIAL PRIMARY KEY" if self.postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"
        with self.transaction() as tx:
            schema.migrate(tx, autoinc)

    def integrity_ok(self) -> bool:
        if self.postgres:
            return True
        with self.transaction() as tx:
            row = tx.one("PRAGMA integrity_check")
        return row is not None and next(iter(row.values())) == "ok"
