"""Issue 22 §1: each class of bad input an outside harness found, on the user's path (the
``kiosk`` command as a subprocess): a clear refusal (exit 2, Vietnamese, no traceback, no
"Lỗi không mong đợi") that comes quickly, or the right answer for input that is good.

The walker (test_cli_walk.py) gives the same classes to every argument of every command;
here each class is pinned with the examples the issue named.
"""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

import pytest

from kiosk.input_file import to_windows_1258

from .helpers import CRASH, assert_refused, kiosk

CODE = "000.00.04.H40-261120-1001"
#: A refusal comes at once; a read of /dev/zero or a FIFO would not come at all.
QUICK = 30


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KIOSK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KIOSK_LANG", "vi")
    return tmp_path


def _csv(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def _reconcile(paper: str) -> list[str]:
    return ["report", "reconcile", "--from", "2026-11-02", "--to", "2026-11-03",
            "--paper", paper]


# --- values that start with "--" -------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["due", "--received", "2026-11-20T09:00", "--working-days=--"],
    ["due", "--received=--", "--working-days", "2"],
    ["due", "--received", "2026-11-20T09:00", "--calendar-days=--5"],
    ["dossier", "list", "--limit=--"],
    ["dossier", "list", "--status=--"],
    ["search", "Lê", "--limit=--"],
    ["report", "summary", "--from=--", "--to", "2026-11-30"],
    ["devices", "--kind=--"],
    ["sync", "audit", "--days=--"],
])
def test_an_option_given_dashes_is_its_text_not_a_list(home: Path, argv: list[str]) -> None:
    r = kiosk(*argv, timeout=QUICK)
    err = r.stderr.decode("utf-8")
    assert CRASH not in err and "Traceback" not in err, err
    assert r.returncode in (0, 1, 2), (r.returncode, err)
    if r.returncode:
        assert err.strip()


def test_an_option_given_dashes_reaches_its_type() -> None:
    from kiosk.cli import build_parser

    args = build_parser(["dossier", "new"]).parse_args(
        ["dossier", "new", "--procedure", "1.001193", "--name=--", "--note=--x"])
    assert args.name == "--" and args.note == "--x"


# --- files: encodings, devices, FIFOs, loops ------------------------------------------

def test_paper_csv_in_every_accepted_encoding_is_read(home: Path) -> None:
    rows = "ngày,số hồ sơ\n2026-11-02,3\n2026-11-03,5\n"
    for name, data in [("utf8.csv", rows.encode()),
                       ("bom.csv", b"\xef\xbb\xbf" + rows.encode()),
                       ("cp1258.csv", to_windows_1258(rows)),
                       ("excel.csv", to_windows_1258(rows.replace(",", ";")))]:
        r = kiosk(*_reconcile(_csv(home / name, data)), timeout=QUICK)
        assert r.returncode == 0, (name, r.stderr.decode())
        total = [json.loads(line) for line in r.stdout.decode().splitlines()][-1]
        assert total["paper"] == 8, (name, total)


@pytest.mark.parametrize("data", [bytes(range(256)) * 16, b"\x00\x01PK\x03\x04",
                                  b"date,count\n2026-11-02,3\x81\x8d\n",
                                  b"\x89PNG\r\n\x1a\n" + b"\x00" * 64])
def test_binary_or_undecodable_paper_csv_is_refused_naming_the_encodings(
        home: Path, data: bytes) -> None:
    err = assert_refused(kiosk(*_reconcile(_csv(home / "bad.csv", data)), timeout=QUICK))
    assert "UTF-8" in err and "Windows-1258" in err


@pytest.mark.parametrize("argv", [
    _reconcile("/dev/zero"),
    _reconcile("/dev/urandom"),
    ["verify", "/dev/urandom"],
    ["verify", "/dev/zero"],
    ["verify", "x.pdf", "--trust", "/dev/urandom"],
    ["central", "serve", "--trust", "/dev/urandom", "--port", "9"],
    ["catalog", "import", "/dev/zero"],
    ["import", "/dev/zero", "--out", "x.pdf"],
    ["sync", "enroll", "--server", "http://127.0.0.1:9", "--token-file", "/dev/urandom"],
])
def test_a_device_where_a_file_is_read_is_refused_at_once(home: Path, argv: list[str]) -> None:
    (home / "x.pdf").write_bytes(b"%PDF-1.7\n")
    err = assert_refused(kiosk(*argv, timeout=QUICK, cwd=home))
    assert "không phải tệp thường" in err


def test_a_fifo_a_directory_and_a_loop_are_refused_without_waiting(home: Path) -> None:
    os.mkfifo(home / "fifo")
    os.symlink(home / "b", home / "a")
    os.symlink(home / "a", home / "b")
    (home / "dir").mkdir()
    for target, words in [("fifo", "không phải tệp thường"), ("dir", "thư mục"),
                          ("a", "vòng liên kết")]:
        for argv in (_reconcile(str(home / target)), ["verify", str(home / target)],
                     ["central", "serve", "--trust", str(home / target), "--port", "9"]):
            err = assert_refused(kiosk(*argv, timeout=QUICK))
            assert words in err, (argv, err)


def test_a_file_that_is_too_large_is_refused(home: Path) -> None:
    from kiosk.reports.reconcile import MAX_PAPER_BYTES

    big = home / "big.csv"
    with big.open("wb") as fh:
        fh.truncate(MAX_PAPER_BYTES + 1)  # sparse: no disk used
    err = assert_refused(kiosk(*_reconcile(str(big)), timeout=QUICK))
    assert "quá lớn" in err


# --- paths -------------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["sign", "doc.pdf", "--out", "~nonexistentuser/x.pdf"],
    _reconcile("~nonexistentuser/paper.csv"),
    ["verify", "~nonexistentuser/x.pdf"],
    ["report", "summary", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "pdf",
     "--out", "~nonexistentuser/r.pdf"],
    ["db", "backup", "~nonexistentuser/backup"],
    ["central", "report", "--db", "~nonexistentuser/c.sqlite3", "--from", "2026-11-01",
     "--to", "2026-11-30"],
])
def test_home_of_an_unknown_account_is_a_clear_refusal(home: Path, argv: list[str]) -> None:
    err = assert_refused(kiosk(*argv, timeout=QUICK, cwd=home))
    assert "nonexistentuser" in err


def test_deep_paths_and_a_loop_as_output_are_refused(home: Path) -> None:
    (home / "doc.pdf").write_bytes(b"%PDF-1.7\n")
    deep = str(home) + "/d" * 1500 + "/x.pdf"
    os.symlink(home / "l2", home / "l1")
    os.symlink(home / "l1", home / "l2")
    for argv, words in [
            (["sign", str(home / "doc.pdf"), "--out", deep], "sâu quá"),
            (["report", "summary", "--from", "2026-11-01", "--to", "2026-11-30", "--format",
              "pdf", "--out", deep], "sâu quá"),
            (["db", "backup", deep.removesuffix("/x.pdf")], "sâu quá"),
            (["sign", str(home / "doc.pdf"), "--out", str(home / "l1")], "vòng liên kết"),
            (["sign", str(home / "doc.pdf"), "--out", str(home / "l1" / "x.pdf")], "vòng"),
            (["verify", "/" + "a" * 5000], "dài quá")]:
        err = assert_refused(kiosk(*argv, timeout=QUICK))
        assert words in err, (argv[:3], err)


# --- dates and numbers -----------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["report", "summary", "--from", "2026-11-01", "--to", "9999-12-31"],
    ["report", "summary", "--from", "0001-01-01", "--to", "2026-11-30"],
    ["report", "postal-list", "--date", "9999-12-31", "--out", "p.pdf"],
    ["central", "report", "--from", "2026-11-01", "--to", "9999-12-31"],
    ["book", "--from", "9999-12-31", "--out", "b.pdf"],
    ["fee", "book", "--date", "9999-12-31"],
    ["queue", "report", "--from", "2026-11-01", "--to", "9999-12-31"],
    ["dossier", "postpone", CODE, "--new-due", "9999-12-31T23:59", "--reason", "x"],
    ["due", "--received", "9999-12-31T23:59", "--working-days", "2"],
    ["central", "device", "add", "--unit", "000.00.04.H40", "--expires", "9999-12-31"],
])
def test_a_day_past_the_calendar_horizon_is_refused(home: Path, argv: list[str]) -> None:
    err = assert_refused(kiosk(*argv, timeout=QUICK, cwd=home))
    assert "1900" in err and "2200" in err, err


@pytest.mark.parametrize("argv", [
    ["dossier", "list", "--limit", "9" * 5000],
    ["dossier", "list", "--limit", "99999999999999999999999"],
    ["due", "--received", "2026-11-20T09:00", "--working-days", "1" + "0" * 400],
    ["central", "serve", "--port", "9" * 5000],
])
def test_huge_numbers_are_bounded(home: Path, argv: list[str]) -> None:
    assert_refused(kiosk(*argv, timeout=QUICK))


# --- strings: the models' limits at the edge ------------------------------------------

@pytest.mark.parametrize("option,limit", [("--reason", "REASON_MAX"),
                                          ("--letter", "LETTER_NUMBER_MAX"),
                                          ("--by", "PERSON_MAX")])
def test_central_postpone_refuses_what_the_model_would(home: Path, option: str,
                                                       limit: str) -> None:
    from kiosk import limits

    argv = {"--reason": "Thiếu giấy tờ", "--letter": "12/UBND", "--by": "admin"}
    argv[option] = "x" * (getattr(limits, limit) + 1)
    line = ["central", "postpone", CODE, "--new-due", "2026-12-20T10:00"]
    for name, value in argv.items():
        line += [name, value]
    err = assert_refused(kiosk(*line, timeout=QUICK))
    assert "dài quá" in err and "ValidationError" not in err


def test_the_cli_and_the_server_models_share_their_limits() -> None:
    from central import models
    from kiosk import limits

    def max_length(model: type, field: str) -> int:
        found = [m.max_length for m in model.model_fields[field].metadata  # type: ignore[attr-defined]
                 if getattr(m, "max_length", None) is not None]
        return found[0]

    assert max_length(models.PostponeIn, "reason") == limits.REASON_MAX
    assert max_length(models.PostponeIn, "letter_number") == limits.LETTER_NUMBER_MAX
    assert max_length(models.PostponeIn, "by") == limits.PERSON_MAX
    assert max_length(models.Applicant, "name") == limits.PERSON_MAX
    assert max_length(models.Applicant, "email") == limits.EMAIL_MAX
    assert max_length(models.Applicant, "address") == limits.ADDRESS_MAX


@pytest.mark.parametrize("name", ["a\x01b", "x" * 70_000, "two words", "a/b", "\x1b[2J",
                                  "q" * 128])
def test_printer_names_are_what_cups_accepts(home: Path, name: str) -> None:
    err = assert_refused(kiosk("print", CODE, "--printer", name, timeout=QUICK))
    assert "--printer" in err


@pytest.mark.parametrize("argv", [
    ["dossier", "postpone", CODE, "--new-due", "2026-12-20T10:00", "--reason", "x" * 70_000],
    ["sign", CODE, "--reason", "x" * 70_000],
    ["dossier", "list", "--status", "1\x1b[2J"],
    ["config", "set", "unit.name", "x" * 70_000],
    ["cccd", "a\x07b"],
])
def test_over_long_or_control_strings_stop_at_the_edge(home: Path, argv: list[str]) -> None:
    assert_refused(kiosk(*argv, timeout=QUICK))


def test_every_vietnamese_letter_survives_windows_1258() -> None:
    from kiosk.input_file import decode_text

    letters = "".join(v + t for v in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
                      for t in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"))
    text = unicodedata.normalize("NFC", letters + "đĐ")
    assert decode_text(to_windows_1258(text), path="x") == text
    assert decode_text(b"\xef\xbb\xbf" + text.encode(), path="x") == text
    assert decode_text(text.encode(), path="x") == text


def test_a_bad_printer_name_in_the_config_is_named_not_sent_to_cups(home: Path) -> None:
    r = kiosk("dossier", "new", "--procedure", "1.001193", "--name", "Lê Văn A")
    assert r.returncode == 0, r.stderr.decode()
    code = json.loads(r.stdout)["code"]
    for name in ("two words", "a#b", "q" * 200):
        assert kiosk("config", "set", "printer.name", name).returncode == 0
        err = assert_refused(kiosk("print", code, timeout=QUICK))
        assert "printer.name" in err, err
