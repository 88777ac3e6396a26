"""The content-addressed file store: atomic writes, dedup, verification, orphan collection."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from kiosk.errors import NotFound, StorageError
from kiosk.storage import Store
from kiosk.storage.files import FileStore

from .helpers import make_input


def test_put_names_the_file_by_its_sha256(tmp_path: Path) -> None:
    fs = FileStore(tmp_path / "files")
    data = "Bản sao giấy khai sinh".encode()
    stored = fs.put(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size == len(data)
    assert stored.path == tmp_path / "files" / stored.sha256[:2] / stored.sha256
    assert stored.path.read_bytes() == data
    assert fs.verify(stored.sha256) is None
    assert list(fs.tmp.iterdir()) == []


def test_put_accepts_paths_and_streams_and_dedups(tmp_path: Path) -> None:
    fs = FileStore(tmp_path / "files")
    src = tmp_path / "scan.pdf"
    src.write_bytes(b"%PDF-1.7 " + os.urandom(3 << 20))  # more than one chunk
    a = fs.put(src)
    with src.open("rb") as fh:
        b = fs.put(fh)
    c = fs.put(io.BytesIO(src.read_bytes()))
    assert a.sha256 == b.sha256 == c.sha256 == hashlib.sha256(src.read_bytes()).hexdigest()
    assert list(fs.iter_hashes()) == [a.sha256]
    assert list(fs.tmp.iterdir()) == []


def test_a_missing_source_file_is_a_clear_error(tmp_path: Path) -> None:
    fs = FileStore(tmp_path / "files")
    with pytest.raises(NotFound, match="Không tìm thấy tệp"):
        fs.put(tmp_path / "nope.pdf")


class _BrokenStream(io.RawIOBase):
    """A scanner stream that dies after some bytes (cable pulled)."""

    def __init__(self) -> None:
        self.sent = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.sent > 2 << 20:
            raise OSError(5, "Input/output error")
        self.sent += 1 << 20
        return b"x" * (1 << 20)


def test_a_failed_write_leaves_no_half_file(tmp_path: Path) -> None:
    fs = FileStore(tmp_path / "files")
    with pytest.raises(StorageError, match="Không ghi được tệp"):
        fs.put(_BrokenStream())  # type: ignore[arg-type]
    assert list(fs.tmp.iterdir()) == []
    assert list(fs.iter_hashes()) == []


def test_verify_reports_missing_and_corrupted_files(tmp_path: Path) -> None:
    fs = FileStore(tmp_path / "files")
    sha = fs.put(b"page one").sha256
    fs.path_for(sha).write_bytes(b"page 0ne")
    assert fs.verify(sha) == "hash_mismatch"
    fs.path_for(sha).unlink()
    assert fs.verify(sha) == "missing"
    with pytest.raises(NotFound, match="Thiếu tệp"):
        fs.read(sha)


def test_orphans_are_collected_at_startup_and_referenced_files_kept(kiosk_home: Path) -> None:
    store = Store(orphan_grace_seconds=None)
    saved = store.save_dossier(make_input(store, pages=2), "clerk")
    kept = {p["sha256"] for c in store.get_dossier(saved.code)["components"] for p in c["pages"]}
    orphan = store.put_file(b"scanned, then the intake was abandoned")
    (store.files.tmp / "put-crashed").write_bytes(b"half a scan")
    store.close()

    # Young files survive the default grace period: another process may be mid-save.
    store = Store()
    assert store.files.exists(orphan)
    store.close()

    store = Store(orphan_grace_seconds=0)
    try:
        assert not store.files.exists(orphan)
        assert list(store.files.tmp.iterdir()) == []
        assert set(store.files.iter_hashes()) == kept
        assert store.check()["ok"]
    finally:
        store.close()


def test_storing_the_same_bytes_again_heals_a_rotten_copy(tmp_path: Path) -> None:
    fs = FileStore(tmp_path / "files")
    sha = fs.put(b"page one").sha256
    fs.path_for(sha).write_bytes(b"page 0ne")
    assert fs.verify(sha) == "hash_mismatch"
    fs.put(b"page one")
    assert fs.verify(sha) is None
