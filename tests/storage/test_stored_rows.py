"""Rows built in Python for an INSERT equal what SQLite's RETURNING gives, or come from it.

Each case inserts the same values twice into a real SQLite file, once through
``stored_rows.insert`` and once with ``RETURNING``, and compares the two rows key for key,
in order and by type (the outbox payload is their JSON).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.storage import stored_rows
from kiosk.storage.connection import connect
from kiosk.storage.sqlite import Database
from kiosk.storage.store import Store
from tests.storage.helpers import make_input

COLUMNS = """
    num INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 1,
    note TEXT NOT NULL DEFAULT 'it''s',
    minus INTEGER DEFAULT -3,
    empty TEXT,
    payload BLOB"""


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = connect(tmp_path / "t.sqlite3")
    database.execute(f"CREATE TABLE t ({COLUMNS})")
    database.execute(f"CREATE TABLE t_now ({COLUMNS}, "
                     "created TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)")
    return database


def _returning(db: Database, table: str, columns: tuple[str, ...], values: tuple[Any, ...],
               returning: tuple[str, ...] | None) -> dict[str, Any]:
    cur = db.conn.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
        f"RETURNING {'*' if returning is None else ', '.join(returning)}", values)
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def _same(built: dict[str, Any], asked: dict[str, Any], key: str = "num") -> None:
    asked = {**asked, key: built[key]} if key in asked else asked  # a new rowid each time
    assert list(built) == list(asked)
    assert repr(built) == repr(asked)  # values and their types


@pytest.mark.parametrize("values", [
    ("Nguyễn Văn An", 2, None),
    ("", 0, b"\x00bytes"),
    ("x", 7, "text in a BLOB column"),
    # Values SQLite converts: through RETURNING, so the row says what it stored.
    ("bool", True, None),
    ("numeric text", "12", None),
    ("float", 3.0, 4.5),
    (42, 1, None),
])
def test_built_row_is_the_stored_row(db: Database, values: tuple[Any, ...]) -> None:
    columns = ("name", "count", "payload")
    built = stored_rows.insert(db, "t", columns, values)
    assert db.memo[stored_rows.MEMO][("t", columns, None)].exact
    _same(built, _returning(db, "t", columns, values, None))
    assert db.query("SELECT * FROM t WHERE num = ?", [built["num"]]).__next__() == built


def test_a_list_of_returned_columns_keeps_its_order(db: Database) -> None:
    columns = ("name", "empty")
    wanted = ("note", "num", "name", "minus")
    built = stored_rows.insert(db, "t", columns, ("Lê Thị Hoa", None), wanted)
    assert list(built) == list(wanted)
    _same(built, _returning(db, "t", columns, ("Lê Thị Hoa", None), wanted))
    assert built["note"] == "it's" and built["minus"] == -3


def test_a_default_sqlite_computes_comes_back_from_sqlite(db: Database) -> None:
    built = stored_rows.insert(db, "t_now", ("name",), ("a",))
    assert built["created"] and len(built["created"]) == 19  # CURRENT_TIMESTAMP, stored
    assert db.execute("SELECT created FROM t_now").fetchone()[0] == built["created"]


def test_the_save_builds_its_rows_without_asking_sqlite(store: Store) -> None:
    """The save's dossier, person, component and first timeline rows take the exact path (were the layout
    ever to defeat it, saves would stay correct but slow: this says so)."""
    store.save_dossier(make_input(store, pages=1), actor="clerk1")

    def shapes(db: Database) -> dict[str, bool]:
        return {spec[0]: shape.exact for spec, shape in db.memo[stored_rows.MEMO].items()}

    assert store.call(shapes) == {"dossiers": True, "applicants": True, "components": True,
                                  "status_events": True}


@pytest.mark.parametrize(("rows", "inserts"), [
    ([("Nguyễn Văn An", 2, None), ("Lê Thị Hoa", 0, b"\x00"), ("x", 7, "text")], 1),
    ([("one row", 1, None)], 1),
    # A value SQLite converts in any row: each row by itself, through RETURNING.
    ([("a", 1, None), ("bool", True, None), ("float", 3.0, 4.5)], 3),
])
def test_rows_inserted_by_one_statement_are_the_stored_rows(
        db: Database, rows: list[tuple[Any, ...]], inserts: int) -> None:
    columns = ("name", "count", "payload")
    wanted = ("name", "count", "note", "minus", "empty", "payload")
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    built = stored_rows.insert_many(db, "t", columns, rows, wanted)
    db.conn.set_trace_callback(None)
    assert len([sql for sql in statements if sql.startswith("INSERT")]) == inserts
    stored = db.conn.execute(f"SELECT {', '.join(wanted)} FROM t ORDER BY num").fetchall()
    assert [tuple(row.values()) for row in built] == stored
    for row, values in zip(built, rows, strict=True):
        assert list(row) == list(wanted)
        assert repr(row) == repr(_returning(db, "t", columns, values, wanted))
