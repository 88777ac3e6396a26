"""Every case issue 12 §1 lists, through the real CLI: a clear refusal (exit 2), never the
"Lỗi không mong đợi" of a crash (exit 70), never a hang, never a stray file."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from .helpers import assert_refused, kiosk, png_header_only

CARD = "001158024485|110419092|Đinh Thị Huyền|08101958|Nữ|Khánh Vân, Thường Tín, Hà Nội|24042021"


@pytest.mark.parametrize("args", [
    ("cccd", CARD.replace("08101958", "²/01/2000")),
    ("due", "--received", "9999-12-31T23:59", "--working-days", "5"),
    ("due", "--received", "0001-01-01T00:00", "--working-days", "5"),
    ("due", "--received", "2026-11-20T09:00", "--working-days", "nan"),
    ("due", "--received", "2026-11-20T09:00", "--working-days", "inf"),
    ("due", "--received", "2026-11-20T09:00", "--working-days", "-inf"),
    ("due", "--received", "2026-11-20T09:00", "--working-days", "1e308"),
    ("due", "--received", "2026-11-20T09:00", "--working-hours", "1e308"),
    ("due", "--received", "2026-11-20T09:00", "--calendar-days", "100000000"),
    ("due", "--received", "2026-11-20T09:00", "--procedure", ""),
    ("due", "--received", "2026-11-20T09:00", "--procedure", "   "),
    ("dossier", "list", "--limit", "99999999999999999999999"),
    ("dossier", "list", "--limit", "-1"),
    ("search", "x", "--limit", "99999999999999999999999"),
    ("search", "x", "--limit", "0"),
    ("import", "x.jpg", "--out", "o.pdf", "--resolution", "0"),
    ("import", "x.jpg", "--out", "o.pdf", "--resolution", "-200"),
    ("scan", "--resolution", "99999999", "--out", "s.pdf"),
    ("book", "--from", "0001-01-01", "--to", "9999-12-31", "--out", "b.pdf"),
    ("sync", "enroll", "--server", "http://[::1", "--token", "abc"),
    ("central", "serve", "--port", "99999"),
    ("central", "serve", "--port", "0"),
], ids=lambda a: " ".join(a)[:60])
def test_listed_bad_values_are_refused(args: tuple[str, ...], tmp_path: Path) -> None:
    (tmp_path / "x.jpg").write_bytes(b"")
    assert_refused(kiosk(*args, cwd=tmp_path, timeout=30))


def test_a_directory_where_a_file_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    for args in (("catalog", "import", str(folder)), ("import", str(folder), "--out",
                                                       str(tmp_path / "o.pdf"))):
        assert "thư mục" in assert_refused(kiosk(*args))
    err = assert_refused(kiosk("dossier", "new", "--procedure", "1.001193", "--name", "Lê Văn A",
                               "--attach", f"TK={folder}"))
    assert "--attach" in err and "thư mục" in err
    assert kiosk("dossier", "list").stdout == b""  # nothing half-saved


def test_import_onto_a_directory_leaves_no_temp_file(tmp_path: Path) -> None:
    from PIL import Image

    photo = tmp_path / "photo.png"
    Image.new("RGB", (400, 560), "white").save(photo)
    out = tmp_path / "out"
    out.mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    assert "thư mục" in assert_refused(kiosk("import", str(photo), "--out", str(out),
                                             "--keep-blank"))
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("dest", ["/dev/null", "file"])
def test_backup_onto_a_file(dest: str, tmp_path: Path) -> None:
    target = "/dev/null" if dest == "/dev/null" else str(tmp_path / "f.txt")
    if dest == "file":
        Path(target).write_text("keep me")
    assert_refused(kiosk("db", "backup", target))
    if dest == "file":
        assert Path(target).read_text() == "keep me"


@pytest.mark.parametrize("command", ["import", "decode"])
def test_decompression_bombs_are_refused_from_the_header(command: str, tmp_path: Path) -> None:
    # 20000×20000 declared (400 megapixels) in a file of a few kilobytes: decoding it would
    # take gigabytes; it is refused from the header, at once.
    bomb = png_header_only(tmp_path / "bomb.png", 20000, 20000)
    mid = png_header_only(tmp_path / "mid.png", 12000, 12000)  # beyond our limit, within 2×
    assert bomb.stat().st_size < 100_000
    extra = ["--out", str(tmp_path / "o.pdf")] if command == "import" else []
    for path in (bomb, mid):
        err = assert_refused(kiosk(command, str(path), *extra, timeout=30))
        assert "quá lớn" in err and "Warning" not in err
    assert not (tmp_path / "o.pdf").exists()


def test_a_pdf_with_a_huge_page_is_refused_before_rendering(tmp_path: Path) -> None:
    # A 14400×14400 pt page (the PDF maximum) is 40000×40000 px at 200 dpi.
    pdf = tmp_path / "huge.pdf"
    pdf.write_bytes(_one_page_pdf(14400, 14400))
    for command, extra in (("import", ["--out", str(tmp_path / "o.pdf")]), ("decode", [])):
        assert "quá lớn" in assert_refused(kiosk(command, str(pdf), *extra, timeout=60))


def _one_page_pdf(width: int, height: int) -> bytes:
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] >>".encode()]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def test_sync_enroll_with_a_garbage_ca(tmp_path: Path) -> None:
    garbage = tmp_path / "ca.pem"
    garbage.write_text("GARBAGE")
    err = assert_refused(kiosk("sync", "enroll", "--server", "https://127.0.0.1:1",
                               "--token", "abc", "--ca", str(garbage)))
    assert "PEM" in err
    assert_refused(kiosk("sync", "enroll", "--server", "https://127.0.0.1:1", "--token", "abc",
                         "--ca", str(tmp_path)))


def test_central_serve_refuses_bad_places(tmp_path: Path) -> None:
    assert_refused(kiosk("central", "serve", "--blobs", "/proc/nope", "--port", "1", timeout=20))
    work = tmp_path / "work"
    work.mkdir()
    err = assert_refused(kiosk("central", "serve", "--db", "garbage://x", "--port", "1",
                               cwd=work, timeout=20))
    assert "garbage://x" in err
    assert list(work.iterdir()) == []  # no file named like the URL
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert_refused(kiosk("central", "serve", "--db", str(tmp_path / "c.sqlite3"),
                             "--blobs", str(tmp_path / "b"), "--port", str(port), timeout=20))
    assert_refused(kiosk("central", "serve", "--host", "203.0.113.9", "--port", "18999",
                         "--db", str(tmp_path / "c.sqlite3"), "--blobs", str(tmp_path / "b"),
                         timeout=20))


def test_a_catalog_nested_100000_deep(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert "sâu" in assert_refused(kiosk("catalog", "import", str(deep)))
    deep.write_text('{"a":' * 100_000 + "1" + "}" * 100_000)
    assert_refused(kiosk("catalog", "import", str(deep)))


def test_book_over_the_whole_calendar_is_refused_not_a_hang(tmp_path: Path) -> None:
    out = tmp_path / "b.pdf"
    # Past the calendar's horizon (kiosk.limits): refused before any date arithmetic.
    assert "1900–2200" in assert_refused(kiosk("book", "--from", "0001-01-01", "--to",
                                               "9999-12-31", "--out", str(out), timeout=30))
    assert "366" in assert_refused(kiosk("book", "--from", "1900-01-01", "--to", "2200-12-31",
                                         "--out", str(out), timeout=30))
    # The last day of the horizon itself is fine.
    r = kiosk("book", "--from", "2200-12-31", "--out", str(out), timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    assert json.loads(r.stdout)["rows"] == 0


@pytest.mark.parametrize("args", [("--serial", "/nonexistent"), ("--camera", "99"),
                                  ("--camera", "99999999999999999999"),
                                  ("--camera", "/nonexistent.mp4")])
def test_listen_with_a_reader_that_cannot_open_fails(args: tuple[str, ...]) -> None:
    # No --duration: it must not wait forever for a reader that is not there either.
    err = assert_refused(kiosk("listen", *args, timeout=30))
    assert "Không mở được" in err or "không hợp lệ" in err or "không tìm thấy" in err.lower()
    assert "WARN" not in err  # OpenCV's own log lines stay out of the clerk's message


def test_device_tokens_never_begin_with_a_dash(tmp_path: Path) -> None:
    from central import service
    from central.db import Database

    db = Database(str(tmp_path / "c.sqlite3"))
    try:
        tokens = [service.add_device(db, "000.00.04.H40")["token"] for _ in range(400)]
    finally:
        db.close()
    assert not [t for t in tokens if t.startswith("-")]
    assert len(set(tokens)) == len(tokens)


CRASHERS = sorted((Path(__file__).parent / "data").glob("*.img"))


@pytest.mark.parametrize("crasher", CRASHERS, ids=lambda p: p.stem)
def test_images_broken_inside_are_refused(crasher: Path, tmp_path: Path) -> None:
    # Found by tests/fuzz/test_fuzz_images.py (kept as data/*.img): Pillow lets
    # SyntaxError, KeyError, TypeError, ValueError and struct.error out of load() for files
    # whose header reads fine — exit 70 before.
    assert_refused(kiosk("import", str(crasher), "--out", str(tmp_path / "o.pdf")))
    r = kiosk("decode", str(crasher))
    err = r.stderr.decode()
    assert r.returncode in (1, 2) and "Traceback" not in err and "Lỗi không mong đợi" not in err
    assert "TIFF_Error" not in err  # OpenCV's C-level log stays out of the clerk's message
