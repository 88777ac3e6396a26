"""A row as an ``INSERT`` stores it, known without ``RETURNING`` or reading it back.

The save builds the outbox payload from the rows it inserts (issue 15 §1). It used to ask
SQLite for each of them with ``RETURNING``: about 6 µs a statement inside SQLite (the
returned row goes through a scratch table) plus a dict made from the cursor's description,
over seven statements a save (issue 28 §3). What SQLite stores is already known before the
statement runs: the values given, converted by the column's type affinity, and each
omitted column's default. :func:`insert` builds that row in Python where it is certain to
be exact:

- the table's columns and defaults are read once per connection (``PRAGMA table_xinfo``);
  a default that is not a plain constant (``CURRENT_TIMESTAMP``, an expression), a
  generated column, or a key that is not the rowid makes the table's rows come back by
  ``RETURNING`` as before;
- each value must already be of the type its column's affinity keeps unchanged (``int``
  for INTEGER, ``str`` for TEXT, or NULL); any other (a ``bool``, a numeric string, a
  float) goes through ``RETURNING``, so SQLite converts it and says what it stored.

Keys come in the order ``RETURNING`` gives them (the table's, or the list asked for): the
outbox payload is the same JSON, byte for byte (tests/storage/test_saved_record.py). The
layout is read once per connection: the schema changes only by migrations, which run when
the store opens, before any save.
"""

from __future__ import annotations

import re
from typing import Any

from kiosk.storage.sqlite import Database

#: A default SQLite stores as written: NULL, an integer, or a string literal.
#: This module's entry in ``Database.memo``: (table, columns, returning) → shape.
MEMO = "stored_rows"
_CONSTANT = re.compile(r"^(?:NULL|[+-]?\d{1,18}|'(?:[^']|'')*')$", re.IGNORECASE)


class _Shape:
    """One ``INSERT`` statement's SQL, and how to make its stored row from its values."""

    __slots__ = ("exact", "key", "kinds", "many", "names", "picks", "returning_sql", "sql",
                 "template")

    def __init__(self, table: str, columns: tuple[str, ...], names: list[str],
                 returning: tuple[str, ...] | None) -> None:
        self.sql = (f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' for _ in columns)})")
        self.returning_sql = (f"{self.sql} RETURNING "
                              f"{'*' if returning is None else ', '.join(returning)}")
        self.names = names
        #: Row count → the statement inserting that many rows at once.
        self.many: dict[int, str] = {}
        #: False: every row of this statement comes back by ``RETURNING``.
        self.exact = False
        #: The returned columns with their defaults (None for the ones the values give).
        self.template: dict[str, Any] = {}
        #: (returned column, index of its value) for the columns the values give.
        self.picks: tuple[tuple[str, int], ...] = ()
        #: Per value: the Python types its column stores unchanged.
        self.kinds: tuple[tuple[type, ...], ...] = ()
        #: The returned column that is the rowid (filled from ``lastrowid``), if any.
        self.key: str | None = None


_INT, _STR, _ANY = (int,), (str,), (int, str, bytes)


def _kept(declared: str) -> tuple[type, ...]:
    """The Python types a column of this declared type stores unchanged (SQLite's affinity
    rules): none for REAL and NUMERIC, which convert integers and numeric text."""
    upper = declared.upper()
    if "INT" in upper:
        return _INT
    if "CHAR" in upper or "CLOB" in upper or "TEXT" in upper:
        return _STR
    if not upper or "BLOB" in upper:
        return _ANY
    return ()


def _default(text: str | None, kept: tuple[type, ...]) -> tuple[bool, Any]:
    """(known, value) of a column default as SQLite stores it."""
    if text is None or text.upper() == "NULL":
        return True, None
    if not _CONSTANT.match(text):
        return False, None
    if text.startswith("'"):
        return str in kept, text[1:-1].replace("''", "'")
    return int in kept, int(text)


def _shape(db: Database, table: str, columns: tuple[str, ...],
           returning: tuple[str, ...] | None) -> _Shape:
    # cid, name, type, notnull, dflt_value, pk, hidden
    cols = db.conn.execute(f"PRAGMA table_xinfo({table})").fetchall()
    info = {c[1]: c for c in cols}
    names = [c[1] for c in cols] if returning is None else list(returning)
    shape = _Shape(table, columns, names, returning)
    sql = db.conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                          (table,)).fetchone()
    if (sql is None or "WITHOUT ROWID" in sql[0].upper() or any(c[6] for c in cols)
            or any(n not in info for n in (*names, *columns))):
        return shape  # generated columns, no rowid, or names that are not columns
    keys = [c[1] for c in cols if c[5]]
    key = keys[0] if len(keys) == 1 and info[keys[0]][2].upper() == "INTEGER" else None
    kinds = tuple(_kept(info[name][2]) for name in columns)
    picks = []
    for name in names:
        if name in columns:
            picks.append((name, columns.index(name)))
            shape.template[name] = None
        elif name == key:
            shape.key = name
            shape.template[name] = None
        else:
            known, value = _default(info[name][4], _kept(info[name][2]))
            if not known:
                return shape
            shape.template[name] = value
    shape.picks = tuple(picks)
    shape.kinds = kinds
    shape.exact = True
    return shape


def _known_shape(db: Database, table: str, columns: tuple[str, ...],
                 returning: tuple[str, ...] | None) -> _Shape:
    """The statement's shape, worked out once per connection (``db.memo``)."""
    known = db.memo.get(MEMO)
    if known is None:
        known = db.memo[MEMO] = {}
    spec = (table, columns, returning)
    shape = known.get(spec)
    if shape is None:
        shape = known[spec] = _shape(db, table, columns, returning)
    return shape


def insert(db: Database, table: str, columns: tuple[str, ...], values: tuple[Any, ...],
           returning: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Insert one row of ``values`` into ``columns``; returns the row as stored: every
    column, or those of ``returning`` in that order (as ``RETURNING`` would)."""
    shape = _known_shape(db, table, columns, returning)
    if shape.exact:
        for value, kept in zip(values, shape.kinds, strict=True):
            if value is not None and type(value) not in kept:
                break
        else:
            cur = db.conn.execute(shape.sql, values)
            row = shape.template.copy()
            for name, index in shape.picks:
                row[name] = values[index]
            if shape.key is not None:
                row[shape.key] = cur.lastrowid
            return row
    cur = db.conn.execute(shape.returning_sql, values)
    return dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))


def insert_many(db: Database, table: str, columns: tuple[str, ...],
                rows: list[tuple[Any, ...]], returning: tuple[str, ...]) -> list[dict[str, Any]]:
    """Insert ``rows`` with one statement where each row can be built in Python (and none
    asks for the rowid, which only the last row's insert would tell): one ``INSERT … VALUES
    (…), (…)`` instead of one statement per row, each of which cost a save about 0.02 ms
    of CPU after a pause (issue 28 §3). Else one :func:`insert` per row. The rows as stored,
    in the given order."""
    if len(rows) < 2:
        return [insert(db, table, columns, values, returning) for values in rows]
    shape = _known_shape(db, table, columns, returning)
    exact = shape.exact and shape.key is None
    if exact:
        for values in rows:
            for value, kept in zip(values, shape.kinds, strict=True):
                if value is not None and type(value) not in kept:
                    exact = False
    if not exact:
        return [insert(db, table, columns, values, returning) for values in rows]
    sql = shape.many.get(len(rows))
    if sql is None:
        marks = shape.sql[shape.sql.rindex(" VALUES ") + 8:]
        sql = shape.many[len(rows)] = f"{shape.sql}{f', {marks}' * (len(rows) - 1)}"
    db.conn.execute(sql, [value for values in rows for value in values])
    out = []
    for values in rows:
        row = shape.template.copy()
        for name, index in shape.picks:
            row[name] = values[index]
        out.append(row)
    return out
