"""A full disk, for real (small tmpfs mounts), on the server and on the counter."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from central import service
from central.blobstore import BlobStore
from central.db import Database
from central.runner import ServerThread
from kiosk.storage import Store
from tests.sync.conftest import UNIT, Central, assert_sync_properties, engine_for, save_dossier


def _mount(path: Path, size: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {result.stderr.strip()}")


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "small"
    _mount(mnt, "1m")
    yield mnt
    _umount(mnt)


def _drain(engine) -> None:  # type: ignore[no-untyped-def]
    for _ in range(20):
        if engine.run_once(ignore_backoff=True).get("waiting") == 0:
            return
    raise AssertionError("outbox not drained")


def test_server_disk_full_then_space_comes_back(store: Store, tmp_path: Path,
                                                small_disk: Path) -> None:
    db = Database(str(tmp_path / "central.sqlite3"))
    blobs = BlobStore(small_disk)
    token = service.add_device(db, UNIT)["token"]
    with ServerThread(db, blobs) as srv:
        save_dossier(store, pages=3, size=450_000)
        engine = engine_for(store, srv.url, token)
        first = engine.run_once()
        assert first["retrying"] == 1 and "507" in engine.summary()["last_error"]
        # No half blob under a sha256 name, no record without its blobs.
        assert all(blobs.rehash(p.name) == p.name for p in (small_disk / "blobs").rglob("*")
                   if p.is_file())
        assert service.find_dossier(db, code=store.list_dossiers()[0]["code"]) is None
        subprocess.run(["mount", "-o", "remount,size=16m", str(small_disk)], check=True)
        _drain(engine)
        assert_sync_properties(store, Central(srv, db, blobs, None, token, ""))  # type: ignore[arg-type]


def test_counter_disk_full_during_sync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       central: Central) -> None:
    home = tmp_path / "counter"
    _mount(home, "6m")
    try:
        monkeypatch.setenv("KIOSK_HOME", str(home))
        store = Store(orphan_grace_seconds=None)
        saved = [save_dossier(store, pages=2, size=200_000) for _ in range(2)]
        engine = engine_for(store, central.url, central.token)
        engine.run_once(max_items=0, pull=False)  # its tables exist before the disk fills
        filler = home / "filler"
        # Unbuffered: a buffered writer keeps a partial last chunk and its close() raises
        # ENOSPC, depending on how the free space happens to align with the chunks.
        with filler.open("wb", buffering=0) as fh:
            try:
                while True:
                    fh.write(b"\0" * 65536)
                    fh.flush()
            except OSError:
                pass
        result = engine.run_once()  # must not raise: a state to show, not a crash
        assert "đầy" in result["error"] and result["sent"] == 0
        filler.unlink()
        os.sync()
        _drain(engine)
        assert {d.id for d in saved} == {r["id"] for r in _server_ids(central)}
        assert_sync_properties(store, central)
        store.close()
    finally:
        _umount(home)


def _server_ids(central: Central) -> list[dict[str, str]]:
    with central.db.transaction() as tx:
        return tx.all("SELECT id FROM dossiers")
