"""Blobs on disk by sha256, and partial tus uploads beside them.

Layout under the root: ``blobs/ab/abcdef…`` (complete, immutable), ``partial/<upload id>``
(being uploaded), ``tmp/`` (staging for the atomic rename). A blob becomes visible only after
its bytes were re-hashed, fsynced and renamed into place and the directory fsynced, so a
crash never leaves a half blob under a sha256 name (SYNC.md server rule 2).
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from pathlib import Path


class BlobStoreFull(OSError):
    """The server's disk is full (ENOSPC/EDQUOT while writing)."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        for sub in ("blobs", "partial", "tmp"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    def blob_path(self, sha256: str) -> Path:
        return self.root / "blobs" / sha256[:2] / sha256

    def partial_path(self, upload_id: str) -> Path:
        return self.root / "partial" / upload_id

    def has(self, sha256: str) -> bool:
        return self.blob_path(sha256).is_file()

    def size(self, sha256: str) -> int:
        return self.blob_path(sha256).stat().st_size

    def write_chunk(self, upload_id: str, offset: int, data: bytes) -> None:
        """Write ``data`` at ``offset`` and fdatasync; bytes past ``offset`` from a failed earlier
        attempt (written but never acknowledged in the database) are cut off first."""
        path = self.partial_path(upload_id)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o640)
        try:
            os.ftruncate(fd, offset)
            view = memoryview(data)
            pos = offset
            while view:
                written = os.pwrite(fd, view, pos)
                view = view[written:]
                pos += written
            # Data and the file's size: what a reader after a crash needs (the mtime is not).
            os.fdatasync(fd)
        except OSError as exc:
            os.ftruncate(fd, offset)
            if exc.errno in (28, 122):  # ENOSPC, EDQUOT
                raise BlobStoreFull(exc.errno, exc.strerror) from exc
            raise
        finally:
            os.close(fd)

    def open_partial(self, upload_id: str, offset: int) -> PartialFile:
        """The partial upload opened for writing at ``offset`` (see :class:`PartialFile`)."""
        return PartialFile(self.partial_path(upload_id), offset)

    def read_range(self, sha256: str, start: int, length: int) -> bytes:
        with self.blob_path(sha256).open("rb") as fh:
            fh.seek(start)
            return fh.read(length)

    def finish(self, upload_id: str, sha256: str, length: int) -> bool:
        """Re-hash the finished upload; if it matches, move it into place atomically.

        Returns False (and discards the bytes) when the content does not hash to ``sha256``.
        """
        partial = self.partial_path(upload_id)
        digest = hashlib.sha256()
        size = 0
        with partial.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
        if size != length or digest.hexdigest() != sha256:
            partial.unlink(missing_ok=True)
            return False
        target = self.blob_path(sha256)
        target.parent.mkdir(exist_ok=True)
        os.replace(partial, target)
        _fsync_dir(target.parent)
        return True

    def put_bytes(self, sha256: str, data: bytes) -> None:
        """Store a whole file received in one request (a portal's submission), durably."""
        target = self.blob_path(sha256)
        if target.is_file():
            return
        tmp = self.root / "tmp" / f"{sha256}.{os.getpid()}.{uuid.uuid4().hex}"
        try:
            with tmp.open("wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            if exc.errno in (28, 122):  # ENOSPC, EDQUOT
                raise BlobStoreFull(exc.errno, exc.strerror) from exc
            raise
        target.parent.mkdir(exist_ok=True)
        os.replace(tmp, target)
        _fsync_dir(target.parent)

    def partials_older_than(self, seconds: float) -> list[str]:
        """Upload ids of partial files not written for ``seconds``."""
        cutoff = time.time() - seconds
        found = []
        for path in (self.root / "partial").iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    found.append(path.name)
            except FileNotFoundError:
                continue
        return found

    def discard(self, upload_id: str) -> None:
        self.partial_path(upload_id).unlink(missing_ok=True)

    def rehash(self, sha256: str) -> str:
        digest = hashlib.sha256()
        with self.blob_path(sha256).open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


class PartialFile:
    """A partial upload being written as its bytes arrive (a tus PATCH streamed to disk).

    Opening cuts the file at ``offset``: bytes past it were written by an earlier attempt
    but never acknowledged. ``write`` appends at :attr:`end`; ``sync`` makes what was
    written durable (before the database records the new offset); ``cut`` drops what this
    request wrote (a bad checksum). A full disk is :class:`BlobStoreFull`, with the bytes of
    the failed write cut off again.
    """

    def __init__(self, path: Path, offset: int) -> None:
        self.start = self.end = offset
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o640)
        try:
            os.ftruncate(self._fd, offset)
        except OSError:
            os.close(self._fd)
            raise

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        try:
            while view:
                written = os.pwrite(self._fd, view, self.end)
                view = view[written:]
                self.end += written
        except OSError as exc:
            self._failed(exc)

    def sync(self) -> None:
        try:
            # Data and the file's size: what a reader after a crash needs (the mtime is not).
            os.fdatasync(self._fd)
        except OSError as exc:
            self._failed(exc)

    def cut(self, offset: int) -> None:
        os.ftruncate(self._fd, offset)
        self.end = offset

    def close(self) -> None:
        os.close(self._fd)

    def _failed(self, exc: OSError) -> None:
        # What was not synced cannot be trusted after a failed write: back to the start.
        self.cut(self.start)
        if exc.errno in (28, 122):  # ENOSPC, EDQUOT
            raise BlobStoreFull(exc.errno, exc.strerror) from exc
        raise exc
