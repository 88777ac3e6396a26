"""A full disk (a small tmpfs): a clear Vietnamese error, no half rows, no half files."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.errors import StorageError
from kiosk.storage import Store

from .helpers import make_input
from .test_crash import _assert_every_dossier_complete


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "disk"
    mnt.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {result.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(path: Path) -> Path:
    """Write a filler file until the disk refuses another byte."""
    filler = path / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 16, 1 << 12, 1 << 9, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def test_a_file_that_does_not_fit_is_refused_whole(small_disk: Path) -> None:
    with Store(small_disk / "kiosk.sqlite3", small_disk / "files",
               orphan_grace_seconds=None) as store:
        with pytest.raises(StorageError) as err:
            store.put_file(os.urandom(4 << 20))
        assert "Ổ đĩa đầy" in err.value.message
        assert err.value.hint and "giải phóng dung lượng" in err.value.hint
        assert list(store.files.tmp.iterdir()) == []
        assert list(store.files.iter_hashes()) == []
        assert store.put_file(b"a small page")  # the store still works


def test_saves_on_a_full_disk_fail_cleanly_and_resume_after(small_disk: Path) -> None:
    store = Store(small_disk / "kiosk.sqlite3", small_disk / "files", orphan_grace_seconds=None)
    try:
        acked = [store.save_dossier(make_input(store, content=b"same page"), "a").code
                 for _ in range(3)]
        filler = _fill(small_disk)
        error: StorageError | None = None
        for _ in range(5000):
            try:
                # The page is already stored (same bytes), so only the database grows.
                acked.append(store.save_dossier(make_input(store, content=b"same page"),
                                                "a").code)
            except StorageError as exc:
                error = exc
                break
        assert error is not None, "the disk never filled up"
        assert "Ổ đĩa đầy" in error.message, error.message

        with pytest.raises(StorageError, match="Ổ đĩa đầy"):
            store.put_file(b"a new scan that cannot fit " * 400)
        assert list(store.files.tmp.iterdir()) == []

        filler.unlink()
        after = store.save_dossier(make_input(store, content=b"same page"), "a").code
        # The failed save gave its number back: the sequence has no hole.
        assert int(after[-4:]) == int(acked[-1][-4:]) + 1
        for code in acked:
            assert store.get_dossier(code)["code"] == code
        _assert_every_dossier_complete(store.reader().conn)
        assert store.reader().execute("SELECT count(*) FROM dossiers").fetchone()[0] == len(
            acked) + 1
        report = store.check()
        assert report["ok"], report
    finally:
        store.close()


def test_a_backup_to_a_full_stick_fails_cleanly(small_disk: Path, kiosk_home: Path) -> None:
    with Store(orphan_grace_seconds=None) as store:
        for i in range(4):  # about 4 MB of scans: more than the 3 MB stick holds
            inp = make_input(store, pages=1, content=os.urandom(1 << 20) + bytes([i]))
            store.save_dossier(inp, "a")
        dest = small_disk / "backup-2026-11-23"
        with pytest.raises(StorageError, match="Ổ đĩa đầy"):
            store.backup(dest)
        assert not dest.exists()  # nothing half-written that could pass for a backup
        assert list(small_disk.iterdir()) == []
        assert store.check()["ok"]
