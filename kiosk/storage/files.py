"""Content-addressed file store for scans and generated PDFs.

A file is named by the sha256 of its bytes: ``files/ab/abcdef…``. Writing goes to ``tmp/``,
is fsynced, renamed to its name and the directory fsynced, so after :meth:`FileStore.put`
returns the bytes survive a power cut, and a crash at any point leaves either no file or a
whole one (a stray temp file at worst, removed at the next start-up). The database row that
references a file commits only after the file is durable; files no row references are
collected at start-up (:meth:`FileStore.collect_orphans`).
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from kiosk.errors import NotFound, StorageError
from kiosk.i18n import _

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_HEX = "0123456789abcdef"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    path: Path


def disk_full_error(path: Path) -> StorageError:
    return StorageError(
        _("Ổ đĩa đầy, không lưu được dữ liệu vào {path}.", path=str(path)),
        hint=_(
            "Dữ liệu đã lưu trước đó vẫn an toàn và hồ sơ đang nhập được giữ lại. "
            "Hãy giải phóng dung lượng ổ đĩa (hoặc báo quản trị viên) rồi lưu lại."
        ),
    )


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileStore:
    """The directory ``root`` holding files by hash, with ``root/tmp`` for writes in progress."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._prefix = os.fspath(root) + os.sep
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def size_of(self, sha256: str) -> int:
        """The stored file's size; FileNotFoundError when it is not here. One ``stat`` on a
        string path: a save checks every page this way (pathlib cost it more than the stat).
        Plain lower-case hex passes without the regular expression (cold on a save)."""
        if (len(sha256) != 64 or sha256.strip(_HEX)) and not SHA256_RE.match(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return os.stat(f"{self._prefix}{sha256[:2]}{os.sep}{sha256}").st_size

    def path_for(self, sha256: str) -> Path:
        if not SHA256_RE.match(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def put(self, data: bytes | Path | BinaryIO,
            on_hashed: Callable[[str], None] | None = None) -> StoredFile:
        """Store bytes, a file at a path, or a binary stream; returns its hash and size.

        ``on_hashed(sha256)`` runs once the bytes are durable under a temporary name and
        before they get their own: whatever it records about the file is never later than
        the file itself. Raises :class:`StorageError` (disk full, unreadable source) and
        leaves no temp file.
        """
        if isinstance(data, Path):
            try:
                with data.open("rb") as fh:
                    return self._put_stream(fh, on_hashed)
            except FileNotFoundError:
                raise NotFound(
                    _("Không tìm thấy tệp {path}.", path=str(data)),
                    hint=_("Kiểm tra lại đường dẫn tệp đính kèm."),
                ) from None
        if isinstance(data, bytes | bytearray | memoryview):
            return self._put_chunks([bytes(data)], on_hashed)
        return self._put_stream(data, on_hashed)

    def _put_stream(self, fh: BinaryIO,
                    on_hashed: Callable[[str], None] | None) -> StoredFile:
        return self._put_chunks(iter(lambda: fh.read(_CHUNK), b""), on_hashed)

    def _put_chunks(self, chunks: Iterable[bytes],
                    on_hashed: Callable[[str], None] | None) -> StoredFile:
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = _mkstemp(self.tmp)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            if on_hashed is not None:
                on_hashed(sha)
            final = self.path_for(sha)
            # Even when the name exists the rename goes ahead: it costs little and replaces
            # a copy that rotted on disk with the bytes just verified by hashing.
            created = not final.parent.exists()
            final.parent.mkdir(exist_ok=True)
            if created:
                _fsync_dir(self.root)
            os.replace(tmp, final)
            _fsync_dir(final.parent)
            return StoredFile(sha, size, final)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            if exc.errno in (28, 122):  # ENOSPC, EDQUOT
                raise disk_full_error(self.root) from exc
            raise StorageError(
                _("Không ghi được tệp vào kho lưu trữ: {error}", error=exc.strerror or str(exc)),
                hint=_("Kiểm tra ổ đĩa và quyền ghi thư mục dữ liệu rồi thử lại."),
            ) from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path_for(sha256).open("rb")
        except FileNotFoundError:
            raise NotFound(
                _("Thiếu tệp {sha256} trong kho lưu trữ.", sha256=sha256),
                hint=_("Chạy «kiosk db check» và khôi phục từ bản sao lưu."),
            ) from None

    def read(self, sha256: str) -> bytes:
        with self.open(sha256) as fh:
            return fh.read()

    def verify(self, sha256: str) -> str | None:
        """None when the file is present and re-hashes to its name; else the problem."""
        path = self.path_for(sha256)
        if not path.exists():
            return "missing"
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                digest.update(chunk)
        return None if digest.hexdigest() == sha256 else "hash_mismatch"

    def iter_hashes(self) -> Iterator[str]:
        for sub in self.root.iterdir():
            if sub.is_dir() and len(sub.name) == 2:
                for f in sub.iterdir():
                    if SHA256_RE.match(f.name):
                        yield f.name

    def collect_orphans(self, referenced: set[str], *, min_age_seconds: float) -> list[str]:
        """Delete files not in ``referenced`` and stale temp files older than the grace period.

        The grace period protects a file another process has just written and whose row is
        about to commit. Returns the hashes (and temp names) removed.
        """
        cutoff = time.time() - min_age_seconds
        removed: list[str] = []
        for sha in list(self.iter_hashes()):
            path = self.path_for(sha)
            if sha not in referenced and _mtime(path) <= cutoff:
                path.unlink(missing_ok=True)
                removed.append(sha)
        for tmp in self.tmp.iterdir():
            if _mtime(tmp) <= cutoff:
                tmp.unlink(missing_ok=True)
                removed.append(tmp.name)
        return removed


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return float("inf")


def _mkstemp(directory: Path) -> tuple[int, str]:
    import tempfile

    try:
        return tempfile.mkstemp(prefix="put-", dir=directory)
    except OSError as exc:
        if exc.errno in (28, 122):
            raise disk_full_error(directory) from exc
        raise
