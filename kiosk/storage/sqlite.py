"""The little of sqlite-utils the counter used, on the standard library's sqlite3.

The counter called ``Database.execute``, ``.query``, ``.atomic`` and ``.conn`` and the
named ``Migrations``; importing sqlite-utils for them took 48 ms of every command that opens
the database and of the app's start (its plugin system loads click, pluggy and dateutil),
and numpy had to be hidden from it. The migration record is the same table sqlite-utils
keeps (``_sqlite_migrations``), so databases it created are read and brought forward as
they are.
"""

from __future__ import annotations

import contextlib
import datetime
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any


class Database:
    """One sqlite3 connection; ``execute`` returns the cursor, ``query`` yields dicts.

    As with sqlite-utils, a write outside a transaction is committed by itself, and
    transactions are opened explicitly (``BEGIN IMMEDIATE`` or :meth:`atomic`): the
    connection is put in SQLite's own autocommit mode rather than the sqlite3 module's
    implicit ``BEGIN`` before each change.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        conn.isolation_level = None
        self.conn = conn
        #: What a module remembers about this connection (kiosk.storage.stored_rows),
        #: looked up on every save: a plain dict, cheaper than a weak mapping.
        self.memo: dict[str, Any] = {}

    def execute(self, sql: str, parameters: Iterable[Any] | dict[str, Any] | None = None
                ) -> sqlite3.Cursor:
        if parameters is None:
            return self.conn.execute(sql)
        return self.conn.execute(sql, parameters)  # type: ignore[arg-type]

    def query(self, sql: str, parameters: Iterable[Any] | dict[str, Any] | None = None
              ) -> Iterator[dict[str, Any]]:
        cursor = self.execute(sql, parameters if parameters is not None else ())
        keys = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(keys, row, strict=True))

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        """One transaction; inside another, a savepoint that undoes only its own work."""
        conn = self.conn
        if conn.in_transaction:
            savepoint = f"kiosk_{secrets.token_hex(8)}"
            conn.execute(f"SAVEPOINT {savepoint}")
            try:
                yield self
            except BaseException:
                # A RAISE(ROLLBACK) or a full disk may already have ended the transaction.
                if conn.in_transaction:
                    conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                    conn.execute(f"RELEASE SAVEPOINT {savepoint}")
                raise
            conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            return
        conn.execute("BEGIN")
        try:
            yield self
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def table_names(self) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]

    def has_table(self, name: str) -> bool:
        return self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                 (name,)).fetchone() is not None

    def close(self) -> None:
        self.conn.close()


MIGRATIONS_TABLE = "_sqlite_migrations"


@dataclass(frozen=True)
class Migration:
    name: str
    fn: Callable[[Database], None]


@dataclass(frozen=True)
class AppliedMigration:
    name: str
    applied_at: str


class Migrations:
    """Named migrations of one set, each applied in one transaction with its record."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._migrations: list[Migration] = []

    def __call__(self, *, name: str) -> Callable[[Callable[[Database], None]],
                                                 Callable[[Database], None]]:
        def register(fn: Callable[[Database], None]) -> Callable[[Database], None]:
            if any(m.name == name for m in self._migrations):
                raise ValueError(f"migration {name!r} is already registered in {self.name!r}")
            self._migrations.append(Migration(name, fn))
            return fn

        return register

    def applied(self, db: Database) -> list[AppliedMigration]:
        if not db.has_table(MIGRATIONS_TABLE):
            return []
        rows = db.execute(f"SELECT name, applied_at FROM {MIGRATIONS_TABLE} "
                          "WHERE migration_set = ? ORDER BY rowid", (self.name,)).fetchall()
        return [AppliedMigration(name, applied_at) for name, applied_at in rows]

    def pending(self, db: Database) -> list[Migration]:
        done = {m.name for m in self.applied(db)}
        return [m for m in self._migrations if m.name not in done]

    def apply(self, db: Database, *, stop_before: str | None = None) -> None:
        if stop_before is not None and stop_before in {m.name for m in self.applied(db)}:
            raise ValueError(f"cannot stop before {stop_before!r}: it is already applied")
        self._ensure_table(db)
        for migration in self.pending(db):
            if migration.name == stop_before:
                return
            with db.atomic():
                migration.fn(db)
                db.execute(
                    f"INSERT INTO {MIGRATIONS_TABLE} (migration_set, name, applied_at) "
                    "VALUES (?, ?, ?)",
                    (self.name, migration.name,
                     str(datetime.datetime.now(datetime.UTC))))

    @staticmethod
    def _ensure_table(db: Database) -> None:
        # The very table and index sqlite-utils creates, so that either can read the other's.
        with db.atomic():
            db.execute(f'CREATE TABLE IF NOT EXISTS "{MIGRATIONS_TABLE}" (\n'
                       '   "id" INTEGER PRIMARY KEY,\n   "migration_set" TEXT,\n'
                       '   "name" TEXT,\n   "applied_at" TEXT\n)')
            db.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS "idx_{MIGRATIONS_TABLE}_'
                       f'migration_set_name"\n    ON "{MIGRATIONS_TABLE}" ("migration_set", "name")')
