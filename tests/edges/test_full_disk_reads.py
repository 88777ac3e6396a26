"""Issue 12 §6: on a full disk the read-only commands keep working; only writes are refused
(with the "Ổ đĩa đầy" message, never a crash). The disk is a small tmpfs, as in
tests/storage/test_full_disk.py, and nothing else holds the database open — the hard case,
where SQLite cannot create the WAL's shared-memory file to read."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.storage.test_full_disk import _fill, small_disk  # noqa: F401 - the fixture

from .helpers import assert_refused, kiosk


@pytest.fixture
def full_home(small_disk: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: F811
    home = small_disk / "home"
    home.mkdir()
    monkeypatch.setenv("KIOSK_HOME", str(home))
    page = small_disk / "page.pdf"
    page.write_bytes(b"%PDF-1.4 a scanned page\n" * 20)
    for name in ("Lê Văn An", "Trần Thị Bình"):
        r = kiosk("dossier", "new", "--procedure", "1.001193", "--name", name,
                  "--attach", f"TK={page}")
        assert r.returncode == 0, r.stderr.decode()
    page.unlink()
    _fill(small_disk)
    assert os.statvfs(small_disk).f_bavail == 0
    return home


def test_reads_work_and_writes_are_refused_on_a_full_disk(full_home: Path) -> None:
    listed = [json.loads(line) for line in kiosk("dossier", "list").stdout.splitlines()]
    assert sorted(d["name"] for d in listed) == ["Lê Văn An", "Trần Thị Bình"]
    stats = json.loads(kiosk("dossier", "stats").stdout)
    assert stats["received_today"] == 2 and stats["outbox"]["pending"] == 2
    for args in (("db", "check"), ("db", "check", "--no-rehash")):
        r = kiosk(*args)
        assert r.returncode == 0, r.stderr.decode()
        report = json.loads(r.stdout)
        assert report["ok"] and report["files_checked"] == 1 and report["file_problems"] == []
        assert report["search_index_ok"] is None  # FTS5's check is a write: not run
    code = listed[0]["code"]
    assert json.loads(kiosk("dossier", "show", code).stdout)["code"] == code
    found = [json.loads(line) for line in kiosk("search", "Bình").stdout.splitlines()]
    assert [d["name"] for d in found] == ["Trần Thị Bình"]
    assert json.loads(kiosk("sync", "status").stdout)["waiting"] == 2
    assert kiosk("config", "show").returncode == 0
    assert kiosk("catalog", "list").returncode == 0

    # Writes: the usual clear message, and nothing half-done.
    for args in (("dossier", "new", "--procedure", "1.001193", "--name", "Phạm Văn C"),
                 ("dossier", "status", code, "--to", "3"),
                 ("config", "set", "unit.name", "UBND xã Mới")):
        err = assert_refused(kiosk(*args), code=None)
        assert "Ổ đĩa đầy" in err or "No space" in err or "dung lượng" in err, err
    assert len(kiosk("dossier", "list").stdout.splitlines()) == 2


def test_reads_come_back_to_normal_after_space_is_freed(full_home: Path) -> None:
    assert kiosk("dossier", "list").returncode == 0
    (full_home.parent / "filler").unlink()
    r = kiosk("dossier", "new", "--procedure", "1.001193", "--name", "Phạm Văn C")
    assert r.returncode == 0, r.stderr.decode()
    report = json.loads(kiosk("db", "check").stdout)
    assert report["ok"] and report["search_index_ok"] is True
    assert len(kiosk("dossier", "list").stdout.splitlines()) == 3
