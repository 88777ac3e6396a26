"""Which database owns the file store beside it.

A database that is missing or empty (a disk fault, a wrong path, a restore gone wrong) must
never be re-created silently next to a file store that holds scans: the new, empty database
would own none of them, the start-up sweep would see every scan as an orphan, and the
counter would issue the day's first code again. So the store has an identity, a random id
kept in the database (``settings.store_id``) and in a marker file beside the files
(``files/store-identity.json``). On opening:

- no database (or a zero-byte or schema-less one) and a file store that holds data (the
  marker or any stored file): refused, naming the backup to restore;
- a database whose id differs from the marker's: refused (another store's database);
- a database from before identities existed, or a marker lost: the two are bound again.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kiosk.clock import iso, now
from kiosk.errors import StorageError
from kiosk.i18n import _
from kiosk.storage import settings
from kiosk.storage.files import FileStore
from kiosk.storage.sqlite import Database

MARKER_NAME = "store-identity.json"
STORE_ID_KEY = "store_id"


def database_is_blank(path: Path) -> bool:
    """No database file, or one with no bytes: opening it would create an empty database."""
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True


def has_schema(db: Database) -> bool:
    return db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0


def read_marker(files: FileStore) -> dict[str, Any] | None:
    path = files.root / MARKER_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError):
        # A damaged marker still says that a database once owned these files.
        return {STORE_ID_KEY: None, "damaged": True}
    return data if isinstance(data, dict) else {STORE_ID_KEY: None, "damaged": True}


def write_marker(files: FileStore, store_id: str, database: Path) -> None:
    body = {STORE_ID_KEY: store_id, "database": str(database), "written_at": iso(now())}
    path = files.root / MARKER_NAME
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(body, fh, ensure_ascii=False, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fd = os.open(files.root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def stored_file_count(files: FileStore, limit: int = 100_000) -> int:
    count = 0
    for _sha in files.iter_hashes():
        count += 1
        if count >= limit:
            break
    return count


def refuse_if_files_are_owned(files: FileStore, database: Path) -> None:
    """Called before a blank database is created: refuse when the files belong to one."""
    marker = read_marker(files)
    count = stored_file_count(files)
    if marker is None and count == 0:
        return
    raise StorageError(
        _("Cơ sở dữ liệu {path} bị mất hoặc trống, trong khi kho tệp {files} vẫn giữ dữ liệu "
          "của nó ({count} tệp).", path=str(database), files=str(files.root), count=count),
        hint=_("Phần mềm không tạo cơ sở dữ liệu trống để không xoá bản quét và không cấp "
               "trùng mã hồ sơ. Khôi phục từ bản sao lưu gần nhất: kiosk db restore "
               "THƯ_MỤC_SAO_LƯU (docs/STORAGE.md), hoặc kiểm tra lại đường dẫn dữ liệu "
               "(KIOSK_HOME)."),
        database=str(database), files=str(files.root), stored_files=count,
        reason="database_lost",
    )


def bind(db: Database, files: FileStore, database: Path) -> str:
    """The store's id, after checking that this database owns these files (on the writer
    connection, after migrations). A database or marker without an id gets one."""
    marker = read_marker(files)
    store_id = settings.get(db, STORE_ID_KEY)
    marker_id = marker.get(STORE_ID_KEY) if marker else None
    if store_id is None:
        # A database from before identities, or a new one: take the marker's id if the
        # files already have one, so a pre-identity backup restored by hand binds again.
        store_id = marker_id if isinstance(marker_id, str) and marker_id else str(uuid.uuid4())
        settings.put(db, STORE_ID_KEY, store_id)
    elif marker_id is not None and marker_id != store_id:
        raise StorageError(
            _("Cơ sở dữ liệu {path} là của một kho dữ liệu khác, không phải của kho tệp {files}.",
              path=str(database), files=str(files.root)),
            hint=_("Không dùng cơ sở dữ liệu này ở đây: các bản quét của quầy sẽ bị coi là "
                   "thừa. Khôi phục đúng bản sao lưu của quầy này (kiosk db restore) hoặc kiểm "
                   "tra lại đường dẫn dữ liệu (KIOSK_HOME)."),
            database=str(database), files=str(files.root), store_id=store_id,
            files_store_id=marker_id, reason="store_mismatch",
        )
    if marker is None or marker_id != store_id:
        write_marker(files, store_id, database)
    return store_id


def _lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def hold_shared_lock(database: Path) -> int | None:
    """Every open store holds this lock shared, so a restore can tell that the app (or a
    command) is using the data. None when the lock file cannot be made (a full disk)."""
    try:
        fd = os.open(_lock_path(database), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
    except OSError:
        os.close(fd)
        return None
    return fd


def release_lock(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)


@contextlib.contextmanager
def opening_lock(database: Path) -> Iterator[None]:
    """Held while a store checks, creates or migrates its database (briefly, blocking)."""
    try:
        fd = os.open(database.with_name(database.name + ".open-lock"),
                     os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        # No room for the lock file: the database is not being created on this disk anyway.
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def exclusive_store_lock(database: Path) -> Iterator[None]:
    database.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(_lock_path(database), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StorageError(
                _("Ứng dụng quầy hoặc một lệnh kiosk khác đang dùng dữ liệu {path}.",
                  path=str(database)),
                hint=_("Đóng ứng dụng quầy (và chờ các lệnh khác xong) rồi chạy lại."),
            ) from None
        yield
    finally:
        os.close(fd)
