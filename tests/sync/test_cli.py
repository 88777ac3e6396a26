"""The CLI commands, run in-process (the in-memory keyring lives in this process)."""

from __future__ import annotations

import json

import pytest

from kiosk.cli import main
from tests.sync.conftest import UNIT, Central, save_dossier


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def test_enroll_once_status_and_central_commands(capsys, central: Central, tmp_path) -> None:
    from kiosk.storage import Store

    code, out, err = run(capsys, "sync", "status")
    assert code == 0 and out["enrolled"] is False  # type: ignore[index]
    code, out, err = run(capsys, "sync", "--once")
    assert code != 0 and "enroll" in err
    code, out, err = run(capsys, "sync", "enroll", "--server", central.url, "--token", "nope")
    assert code != 0 and "mã truy cập" in err
    code, out, err = run(capsys, "sync", "enroll", "--server", central.url,
                         "--token", central.token)
    assert code == 0 and out["enrolled"] is True  # type: ignore[index]
    store = Store(orphan_grace_seconds=None)
    saved = save_dossier(store, pages=2)
    store.close()
    code, out, err = run(capsys, "sync", "--once")
    assert code == 0 and out["sent"] == 1 and out["waiting"] == 0, err  # type: ignore[index]
    code, out, err = run(capsys, "sync", "status")
    assert out["done"] == 1 and out["last_success"] and out["enrolled"]  # type: ignore[index]
    db = str(tmp_path / "central.sqlite3")
    code, out, err = run(capsys, "central", "--db", db, "status", saved.code, "--to", "4",
                         "--note", "đang xử lý")
    assert code == 0 and out["status"] == 4  # type: ignore[index]
    code, out, err = run(capsys, "central", "--db", db, "status", saved.code, "--to", "1")
    assert code != 0 and err.strip()
    code, out, err = run(capsys, "central", "export", saved.code, "--db", db)
    assert out["MaHoSo"] == saved.code and out["TrangThaiHoSo"] == 4  # type: ignore[index]
    assert len(out["TaiLieuNop"]) == 2 and len(out["TaiLieuNop"][0]["MaHash"]) == 64  # type: ignore[index]
    code, out, err = run(capsys, "central", "--db", db, "export", f"{UNIT}-261122-1999")
    assert code != 0 and "không có hồ sơ" in err
    code, out, err = run(capsys, "sync", "--once")
    assert out["pulled"] == 1  # type: ignore[index]
    code, out, err = run(capsys, "central", "--db", db, "device", "add", "--unit", UNIT)
    assert code == 0 and len(out["token"]) > 20  # type: ignore[index]


def test_http_to_a_remote_host_is_refused(capsys) -> None:
    code, _out, err = run(capsys, "sync", "enroll", "--server", "http://motcua.example.vn",
                         "--token", "x")
    assert code != 0 and "https" in err
