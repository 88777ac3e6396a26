"""Numbers handed out (dossier codes, letter numbers, receipt and certification register
numbers), remembered beside the files too.

The database is the authority, but it can be lost and replaced by an older backup; the
backup's counters are then behind the numbers already printed on receipts and letters, and
the next save would hand one of them out again. So after each commit the store appends the
number to ``files/issued-numbers.log``, and on opening it raises any counter the database
has behind the log (an audit-log entry says so). ``kiosk db check`` then lists the codes
that were issued but have no dossier in the database: their records must come back from the
central server or from paper.

The log is appended without a sync of its own: losing its last line to a power cut leaves
the database ahead of it, which is harmless; it is compacted to one line per counter.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from kiosk.dossier_code import counter_block, format_dossier_code
from kiosk.storage.audit_log import audit
from kiosk.storage.sqlite import Database

log = logging.getLogger(__name__)

JOURNAL_NAME = "issued-numbers.log"
#: Compact once the log is larger than this (one line per save until then): every open
#: reads it, so it stays small (about 700 lines).
COMPACT_BYTES = 32 * 1024
#: A code's day is part of the code: counters of days this old can never issue again.
KEEP_CODE_DAYS = 40

# kind → (table, key columns, value column)
_TABLES = {
    "code": ("code_counters", ("unit_code", "day", "counter"), "last_seq"),
    "letter": ("letter_counters", ("unit_code", "year", "counter"), "last_number"),
    "receipt": ("receipt_counters", ("unit_code", "series", "year"), "last_number"),
    "register": ("register_counters", ("unit_code", "book", "year"), "last_number"),
}
#: How each key's parts are stored (the log keeps text).
_KEY_TYPES = {"code": (str, str, int), "letter": (str, int, int),
              "receipt": (str, str, int), "register": (str, str, int)}


class IssuedNumbers:
    """The append-only log of numbers handed out, in the file store's folder.

    The log stays open for appending: opening it by path for every save cost a path lookup
    and two more system calls (issue 28 §3). Compaction, by this process or another one
    opening the store, replaces the file by rename; a descriptor whose file has no name any
    more (no links) is reopened before it is written to, so no line goes to a file that is
    gone."""

    def __init__(self, root: Path) -> None:
        self.path = root / JOURNAL_NAME
        self._fd: int | None = None
        self._lock = threading.Lock()

    def _open(self) -> int:
        with self._lock:
            fd = self._fd
            if fd is not None and os.fstat(fd).st_nlink:
                return fd  # another thread reopened it meanwhile
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            if fd is not None:
                os.close(fd)
            return self._fd

    def record(self, kind: str, key: tuple[Any, ...], value: int) -> None:
        """Append after the commit that issued ``value``; never fails the caller."""
        line = "\t".join([kind, *map(str, key), str(value)]) + "\n"
        try:
            fd = self._fd
            if fd is None or not os.fstat(fd).st_nlink:
                fd = self._open()
            os.write(fd, line.encode("utf-8"))
        except OSError as exc:  # a full disk: the database still holds the number
            log.warning("could not append to %s: %s", self.path, exc)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def latest(self) -> dict[tuple[str, tuple[str, ...]], int]:
        """The highest value per counter (a torn last line is ignored)."""
        out: dict[tuple[str, tuple[str, ...]], int] = {}
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return out
        for line in text.splitlines():
            parts = line.split("\t")
            if len(parts) != 5 or parts[0] not in _TABLES or not parts[4].isdigit():
                continue
            key = (parts[0], tuple(parts[1:4]))
            out[key] = max(out.get(key, 0), int(parts[4]))
        return out

    def compact(self, today: date) -> None:
        try:
            if self.path.stat().st_size <= COMPACT_BYTES:
                return
        except FileNotFoundError:
            return
        oldest = (today - timedelta(days=KEEP_CODE_DAYS)).isoformat()
        lines = [
            "\t".join([kind, *key, str(value)]) + "\n"
            for (kind, key), value in sorted(self.latest().items())
            if kind != "code" or key[1] >= oldest
        ]
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.writelines(lines)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)


def catch_up(db: Database, journal: IssuedNumbers) -> list[dict[str, Any]]:
    """Raise every counter the database has behind the log (on the writer connection)."""
    raised: list[dict[str, Any]] = []
    with db.atomic():
        for (kind, key), value in journal.latest().items():
            table, columns, column = _TABLES[kind]
            params = tuple(cast(part) for cast, part in zip(_KEY_TYPES[kind], key,
                                                            strict=True))
            where = " AND ".join(f"{c} = ?" for c in columns)
            row = db.conn.execute(f"SELECT {column} FROM {table} WHERE {where}",
                                  params).fetchone()
            have = int(row[0]) if row else 0
            if have >= value:
                continue
            db.conn.execute(
                f"INSERT INTO {table} ({', '.join(columns)}, {column}) VALUES (?, ?, ?, ?) "
                f"ON CONFLICT ({', '.join(columns)}) DO UPDATE SET {column} = excluded.{column}",
                (*params, value))
            entry = {"kind": kind, "key": list(params), "database": have, "issued": value}
            audit(db, "kiosk", "numbers.caught_up", None, **entry)
            raised.append(entry)
    return raised


def money_numbers_without_record(db: Database, limit: int = 1000) -> list[dict[str, Any]]:
    """Receipt and register numbers the counters say were issued that no row holds (after a
    restore): their records come back from the central server or from the paper copies."""
    out: list[dict[str, Any]] = []
    checks = (("receipt", "receipt_counters", "series", "receipts"),
              ("register", "register_counters", "book", "register_entries"))
    for kind, counters, column, rows in checks:
        if not db.has_table(counters):
            continue
        for unit_code, name, year, last in db.execute(
                f"SELECT unit_code, {column}, year, last_number FROM {counters}").fetchall():
            have = {r[0] for r in db.execute(
                f"SELECT number FROM {rows} WHERE unit_code = ? AND {column} = ? AND year = ?",
                (unit_code, name, year))}
            for number in range(1, int(last) + 1):
                if number not in have:
                    out.append({"kind": kind, column: name, "year": year, "number": number})
                    if len(out) >= limit:
                        return out
    return out


def codes_without_record(db: Database, limit: int = 1000) -> list[dict[str, Any]]:
    """Codes the counters say were issued that no dossier row holds (after a restore)."""
    out: list[dict[str, Any]] = []
    rows = db.execute(
        "SELECT c.unit_code, c.day, c.counter, c.last_seq, "
        " (SELECT count(*) FROM dossiers d WHERE d.unit_code = c.unit_code AND d.day = c.day"
        "  AND d.counter = c.counter) FROM code_counters c ORDER BY c.day, c.counter"
    ).fetchall()
    for unit_code, day, counter, last_seq, have in rows:
        block = counter_block(int(counter))
        if have >= last_seq - block.start + 1:
            continue
        seqs = {r[0] for r in db.execute(
            "SELECT seq FROM dossiers WHERE unit_code = ? AND day = ? AND counter = ?",
            (unit_code, day, counter))}
        for seq in range(block.start, last_seq + 1):
            if seq not in seqs:
                out.append({"code": format_dossier_code(unit_code, date.fromisoformat(day), seq)})
                if len(out) >= limit:
                    return out
    return out
