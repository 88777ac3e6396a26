"""A lost or emptied database must never make the counter delete its scans or reuse codes
(issue 22 §0): reproduced through the real CLI, as an outside harness found it."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest

from tests.edges.helpers import assert_refused, kiosk

CARD = "001158024485|110419092|Đinh Thị Huyền|08101958|Nữ|Khánh Vân, Thường Tín, Hà Nội|24042021"


def _pdf(path: Path, text: str) -> Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.drawString(100, 700, text)
    c.save()
    return path


def _save_dossiers_with_scans(home: Path, tmp: Path, count: int = 2) -> list[str]:
    codes = []
    for i in range(count):
        scan = _pdf(tmp / f"scan{i}.pdf", f"page {i}")
        r = kiosk("dossier", "new", "--procedure", "1.001193", "--cccd", CARD,
                  "--attach", f"TK={scan}")
        assert r.returncode == 0, r.stderr.decode()
        codes.append(json.loads(r.stdout)["code"])
    return codes


def _age_files(files: Path, seconds: float = 7200) -> list[Path]:
    old = time.time() - seconds
    found = [p for p in files.rglob("*") if p.is_file()]
    for p in found:
        os.utime(p, (old, old))
    return found


def _scans(files: Path) -> list[Path]:
    return [p for p in files.glob("??/*") if p.is_file()]


@pytest.mark.parametrize("loss", ["truncated", "removed"])
def test_a_lost_database_is_refused_and_no_scan_is_deleted(
        kiosk_home: Path, tmp_path: Path, loss: str) -> None:
    _save_dossiers_with_scans(kiosk_home, tmp_path)
    files = kiosk_home / "data" / "files"
    _age_files(files)
    before = sorted(_scans(files))
    assert before
    db = kiosk_home / "data" / "kiosk.sqlite3"
    for side in ("-wal", "-shm"):
        Path(str(db) + side).unlink(missing_ok=True)
    if loss == "truncated":
        db.write_bytes(b"")
    else:
        db.unlink()

    r = kiosk("db", "check")
    assert r.returncode == 1, r.stderr.decode()
    report = json.loads(r.stdout)
    assert report["ok"] is False
    err = r.stderr.decode()
    assert "sao lưu" in err and "kiosk db restore" in err
    assert sorted(_scans(files)) == before, "a scan was deleted"

    # No command re-creates it empty and hands out its codes again.
    err = assert_refused(kiosk("dossier", "new", "--procedure", "1.001193", "--cccd", CARD),
                         code=None)
    assert "sao lưu" in err
    assert sorted(_scans(files)) == before
    assert not db.exists() or db.stat().st_size == 0


def test_another_stores_database_is_refused(kiosk_home: Path, tmp_path: Path) -> None:
    _save_dossiers_with_scans(kiosk_home, tmp_path, count=1)
    other = tmp_path / "other-home"
    other.mkdir()
    env_home = os.environ["KIOSK_HOME"]
    os.environ["KIOSK_HOME"] = str(other)
    try:
        _save_dossiers_with_scans(other, tmp_path, count=1)
    finally:
        os.environ["KIOSK_HOME"] = env_home
    db = kiosk_home / "data" / "kiosk.sqlite3"
    for side in ("", "-wal", "-shm"):
        Path(str(db) + side).unlink(missing_ok=True)
    # A wrong restore: the other counter's database put beside this counter's scans.
    src = sqlite3.connect(other / "data" / "kiosk.sqlite3")
    dst = sqlite3.connect(db)
    src.backup(dst)
    src.close()
    dst.close()
    files = kiosk_home / "data" / "files"
    _age_files(files)
    before = sorted(_scans(files))
    r = kiosk("db", "check")
    assert r.returncode == 1
    assert "khác" in r.stderr.decode()
    assert sorted(_scans(files)) == before


def test_only_files_the_store_released_are_swept(kiosk_home: Path) -> None:
    from kiosk.storage import Store

    store = Store(orphan_grace_seconds=None)
    try:
        kept_unknown = store.files.put(b"written by something else into the folder").sha256
        released = store.put_file(b"scanned, then the page was deleted")
        draft = store.save_draft({"pages": [{"sha256": released}]}, "a")
        store.save_draft({"pages": []}, "a", draft_id=draft)  # the clerk deleted the page
        abandoned = store.put_file(b"scanned, then the app died before the draft saved")
        in_draft = store.put_file(b"in an unfinished intake")
        store.save_draft({"pages": [{"sha256": in_draft}]}, "a")
    finally:
        store.close()
    _age_files(kiosk_home / "data" / "files")
    store = Store(orphan_grace_seconds=3600)
    try:
        assert store.files.exists(kept_unknown)
        assert store.files.exists(in_draft)
        assert not store.files.exists(released)
        assert not store.files.exists(abandoned)
        assert store.check()["ok"]
    finally:
        store.close()


def test_restore_brings_a_lost_database_back_and_never_reuses_codes(
        kiosk_home: Path, tmp_path: Path) -> None:
    first = _save_dossiers_with_scans(kiosk_home, tmp_path, count=2)
    backup = tmp_path / "backup"
    assert kiosk("db", "backup", str(backup)).returncode == 0
    later = _save_dossiers_with_scans(kiosk_home, tmp_path, count=1)  # after the backup
    db = kiosk_home / "data" / "kiosk.sqlite3"
    for side in ("-wal", "-shm"):
        Path(str(db) + side).unlink(missing_ok=True)
    db.write_bytes(b"")

    r = kiosk("db", "restore", str(backup))
    assert r.returncode == 0, r.stderr.decode()
    result = json.loads(r.stdout)
    assert result["dossiers"] == 2
    assert result["moved_aside"]  # the empty file is kept for whoever investigates
    assert kiosk("db", "check").returncode == 0
    # The code issued after the backup is not issued again.
    r = kiosk("dossier", "new", "--procedure", "1.001193", "--cccd", CARD)
    assert r.returncode == 0, r.stderr.decode()
    code = json.loads(r.stdout)["code"]
    assert code not in first + later
    assert code > max(first + later)
    missing = json.loads(kiosk("db", "check").stdout)["numbers_without_record"]
    assert [m["code"] for m in missing] == later


def test_restore_refuses_to_replace_a_healthy_database(kiosk_home: Path, tmp_path: Path) -> None:
    _save_dossiers_with_scans(kiosk_home, tmp_path, count=1)
    backup = tmp_path / "backup"
    assert kiosk("db", "backup", str(backup)).returncode == 0
    err = assert_refused(kiosk("db", "restore", str(backup)), code=None)
    assert "--replace" in err


@pytest.mark.parametrize("where", ["header", "middle"])
def test_db_check_reports_a_corrupt_database(kiosk_home: Path, tmp_path: Path,
                                             where: str) -> None:
    _save_dossiers_with_scans(kiosk_home, tmp_path, count=3)
    db = kiosk_home / "data" / "kiosk.sqlite3"
    r = kiosk("db", "check")  # checkpoints nothing; close everything first
    assert r.returncode == 0
    data = bytearray(db.read_bytes())
    if where == "header":
        data[:100] = b"garbage!" * 12 + b"gar!"
    else:
        for page in range(2, len(data) // 4096):
            data[page * 4096 + 8: page * 4096 + 40] = b"\xff" * 32
    db.write_bytes(bytes(data))
    r = kiosk("db", "check")
    assert r.returncode == 1, r.stderr.decode()
    report = json.loads(r.stdout)
    assert report["ok"] is False
    err = r.stderr.decode()
    assert "kiosk db restore" in err
    assert "Lỗi không mong đợi" not in err


def test_the_numbers_log_compacts_and_survives_a_torn_line(tmp_path: Path) -> None:
    from datetime import date

    from kiosk.storage import numbers

    log = numbers.IssuedNumbers(tmp_path)
    for seq in range(1001, 2000):
        log.record("code", ("000.00.04.H40", "2026-12-07", 1), seq)
    log.record("code", ("000.00.04.H40", "2026-09-01", 1), 1007)  # too old to matter
    log.record("letter", ("000.00.04.H40", 2026, 1), 12)
    with open(log.path, "a", encoding="utf-8") as fh:
        fh.write("code\t000.00.04.H40\t2026-12-07\t1\t99")  # cut by a power loss
    assert log.latest()[("code", ("000.00.04.H40", "2026-12-07", "1"))] == 1999
    log.compact(date(2026, 12, 7))
    assert log.path.read_text(encoding="utf-8").splitlines() == [
        "code\t000.00.04.H40\t2026-12-07\t1\t1999",
        "letter\t000.00.04.H40\t2026\t1\t12",
    ]


def test_the_numbers_log_kept_open_follows_a_compaction_by_another_store(tmp_path: Path
                                                                         ) -> None:
    from datetime import date

    from kiosk.storage import numbers

    app = numbers.IssuedNumbers(tmp_path)  # the counter app, its log open for appending
    for seq in range(1001, 1900):
        app.record("code", ("000.00.04.H40", "2026-12-07", 1), seq)
    # A command opening the store meanwhile compacts the log: a new file under the name.
    numbers.IssuedNumbers(tmp_path).compact(date(2026, 12, 7))
    app.record("code", ("000.00.04.H40", "2026-12-07", 1), 1900)
    assert log_lines(app.path) == ["code\t000.00.04.H40\t2026-12-07\t1\t1899",
                                   "code\t000.00.04.H40\t2026-12-07\t1\t1900"]
    # Removed by hand: the next number makes the file again rather than vanishing.
    app.path.unlink()
    app.record("letter", ("000.00.04.H40", 2026, 1), 3)
    assert log_lines(app.path) == ["letter\t000.00.04.H40\t2026\t1\t3"]
    app.close()


def log_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()
