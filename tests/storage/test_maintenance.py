"""``check`` and ``backup``: a consistent copy while the app writes, and restore from it."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from kiosk.errors import StorageError
from kiosk.storage import Store

from .helpers import make_input


def test_check_finds_missing_and_corrupted_scans(store: Store) -> None:
    saved = store.save_dossier(make_input(store, pages=2), "a")
    assert store.check()["ok"]
    first, second = (p["sha256"] for p in store.get_dossier(saved.code)["components"][0]["pages"])
    store.files.path_for(first).write_bytes(b"tampered")
    store.files.path_for(second).unlink()
    result = store.check()
    assert not result["ok"]
    assert result["integrity_check"] == ["ok"]
    assert sorted(p["problem"] for p in result["file_problems"]) == ["hash_mismatch", "missing"]
    quick = store.check(rehash=False)
    assert [p["problem"] for p in quick["file_problems"]] == ["missing"]


def test_backup_while_saving_is_consistent_and_restores(store: Store, tmp_path: Path) -> None:
    for _ in range(5):
        store.save_dossier(make_input(store, pages=2), "a")
    stop = threading.Event()
    saved_during: list[str] = []

    running = threading.Event()

    def keep_saving() -> None:
        while not stop.is_set():
            saved_during.append(store.save_dossier(make_input(store, pages=1), "a").code)
            running.set()

    writer = threading.Thread(target=keep_saving)
    writer.start()
    try:
        assert running.wait(30)
        manifest = store.backup(tmp_path / "backup")
    finally:
        stop.set()
        writer.join()
    assert manifest["dossiers"] >= 5

    # Restore = put the copy where the app looks for its data, then open it.
    restored_home = tmp_path / "restored"
    restored_home.mkdir()
    shutil.copyfile(tmp_path / "backup" / "kiosk.sqlite3", restored_home / "kiosk.sqlite3")
    shutil.copytree(tmp_path / "backup" / "files", restored_home / "files")
    restored = Store(restored_home / "kiosk.sqlite3", restored_home / "files",
                     orphan_grace_seconds=0)
    try:
        result = restored.check()
        assert result["ok"], result
        assert result["files_checked"] == len(list(restored.files.iter_hashes()))
        assert len(restored.list_dossiers()) == manifest["dossiers"]
    finally:
        restored.close()


def test_backup_refuses_a_non_empty_destination(store: Store, tmp_path: Path) -> None:
    dest = tmp_path / "used"
    dest.mkdir()
    (dest / "something").write_text("x")
    with pytest.raises(StorageError, match="không trống"):
        store.backup(dest)


def test_backup_includes_the_scans_of_drafts(store: Store, tmp_path: Path) -> None:
    sha = store.put_file(b"scan of an unfinished intake")
    store.save_draft({"components": [{"pages": [{"sha256": sha}]}]}, "a")
    manifest = store.backup(tmp_path / "b")
    assert manifest["files"] == 1
    assert (tmp_path / "b" / "files" / sha[:2] / sha).read_bytes() == store.files.read(sha)
