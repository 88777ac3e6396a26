"""``kiosk dossier|search|db`` through the real CLI entry point (JSON out, errors on stderr)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main

CCCD = "001158024485|110419092|Đinh Thị Huyền|08101958|Nữ|Khánh Vân, Khánh Hà, Thường Tín, Hà Nội|24042021"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_receive_show_search_status_check_backup(capsys, tmp_path: Path) -> None:
    scan = tmp_path / "to-khai.pdf"
    scan.write_bytes(b"%PDF-1.4 to khai")
    code, [saved], _ = run(capsys, "dossier", "new", "--procedure", "1.001193", "--cccd", CCCD,
                           "--phone", "0912345678", "--attach", f"TK={scan}",
                           "--attach", f"TK={scan}", "--actor", "canbo.lan")
    assert code == 0
    assert set(saved) == {"id", "code", "received", "due", "status", "attached"}
    # Not a PDF one can open: kept as it is, and said to be no PDF/A (docs/SIGNING.md).
    assert [(a["component"], a["pdfa"], a["converted"]) for a in saved["attached"]] == [
        ("TK", False, False)] * 2
    assert saved["attached"][0]["pdfa_problems"][0].startswith("not a readable PDF")
    assert saved["code"].endswith("-1001") and saved["status"] == 2

    code, [shown], _ = run(capsys, "dossier", "show", saved["code"])
    assert shown["applicant"]["cccd_raw"] == CCCD
    assert shown["applicant"]["birth_date"] == "1958-10-08"
    tk = next(c for c in shown["components"] if c["code"] == "TK")
    assert tk["checked"] and len(tk["pages"]) == 2
    assert {c["code"] for c in shown["components"] if not c["checked"]} >= {"GCS"}

    code, rows, _ = run(capsys, "dossier", "new", "--procedure", "2.000815", "--name",
                        "Phạm Quốc Việt", "--id-number", "036095007890", "--channel", "3")
    assert code == 0
    code, rows, _ = run(capsys, "search", "quoc viet")
    assert [r["name"] for r in rows] == ["Phạm Quốc Việt"]
    code, rows, _ = run(capsys, "dossier", "list")
    assert len(rows) == 2

    code, [event], _ = run(capsys, "dossier", "status", saved["code"], "--to", "9")
    assert (event["from"], event["to"]) == (2, 9)
    code, rows, _ = run(capsys, "dossier", "list", "--status", "9")
    assert [r["code"] for r in rows] == [saved["code"]]
    code, [stats], _ = run(capsys, "dossier", "stats")
    assert stats["waiting_to_sync"] == 3

    code, [check], _ = run(capsys, "db", "check")
    assert code == 0 and check["ok"] and check["files_checked"] == 1
    code, [backup], _ = run(capsys, "db", "backup", str(tmp_path / "bk"))
    assert code == 0 and backup["dossiers"] == 2 and backup["files"] == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["dossier", "new", "--procedure", "1.001193"], "Chưa có thông tin người nộp"),
        (["dossier", "new", "--procedure", "9.999999", "--name", "A"], "Không có thủ tục"),
        (["dossier", "new", "--procedure", "1.001193", "--name", "A", "--attach", "XX=/x"],
         "không có thành phần XX"),
        (["dossier", "new", "--procedure", "1.001193", "--name", "A", "--attach", "TK"],
         "--attach «TK» không hợp lệ"),
        (["dossier", "new", "--procedure", "1.001193", "--name", "A", "--attach",
          "TK=/no/such.pdf"], "Không tìm thấy tệp"),
        (["dossier", "new", "--procedure", "1.001193", "--cccd", "abc"], "CCCD"),
        (["dossier", "new", "--procedure", "1.001193", "--name", "A", "--channel", "9"],
         "Kênh nộp"),
        (["dossier", "show", "000.00.04.H40-261123-1999"], "Không tìm thấy hồ sơ"),
        (["dossier", "list", "--date", "2026-13-01"], "Ngày «2026-13-01» không hợp lệ"),
        (["dossier", "list", "--status", "11"], "trạng thái"),
    ],
)
def test_bad_commands_fail_with_a_message_and_no_traceback(capsys, argv, message) -> None:
    code, out, err = run(capsys, *argv)
    assert code != 0
    assert out == []
    assert message in err
    assert "Traceback" not in err


def test_check_exits_non_zero_on_a_damaged_store(capsys, tmp_path: Path, kiosk_home) -> None:
    scan = tmp_path / "a.pdf"
    scan.write_bytes(b"%PDF-1.4 a")
    run(capsys, "dossier", "new", "--procedure", "1.001193", "--name", "A",
        "--attach", f"TK={scan}")
    for f in (kiosk_home / "data" / "files").rglob("*"):
        if f.is_file() and f.parent.name != "tmp":
            f.unlink()
    code, [check], err = run(capsys, "db", "check")
    assert code == 1 and not check["ok"]
    assert check["file_problems"][0]["problem"] == "missing"
    assert "sao lưu" in err


def test_a_failed_save_keeps_the_input_as_a_draft(capsys, kiosk_home) -> None:
    from kiosk.storage import Store

    code, [_saved], _ = run(capsys, "dossier", "new", "--procedure", "1.001193", "--name", "A")
    assert code == 0
    with Store(orphan_grace_seconds=None) as store:
        store.call(lambda db: db.execute("UPDATE code_counters SET last_seq = 1999"))
    code, out, err = run(capsys, "dossier", "new", "--procedure", "1.001193", "--name",
                         "Lê Thị Bé", "--phone", "0900000001")
    assert code != 0 and out == []
    assert "đã dùng hết số thứ tự" in err and "nháp" in err
    with Store(orphan_grace_seconds=None) as store:
        [draft] = store.load_drafts()
        assert draft["payload"]["applicant"]["name"] == "Lê Thị Bé"
        assert len(store.list_dossiers()) == 1
