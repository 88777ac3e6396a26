"""Every ``--out`` refuses what is not a regular file (issue 22 §0): as root, a rename over a
device node replaced it (``kiosk report summary --out /dev/null`` broke a machine's
``/dev/null``). Tested on nodes made in a temporary folder, never on the machine's own."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .helpers import assert_refused, kiosk

COMMANDS: list[tuple[str, ...]] = [
    ("report", "summary", "--from", "2026-11-01", "--to", "2026-11-30", "--out"),
    ("report", "summary", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "pdf",
     "--out"),
    ("report", "summary", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "xlsx",
     "--out"),
    ("report", "postal-list", "--out"),
    ("book", "--from", "2026-11-02", "--out"),
    ("separator", "--out"),
    ("import", "IMAGE", "--out"),
    ("sign", "DOC", "--out"),
    ("form", "000.00.04.H40-261102-1001", "--out"),
]


def _device(path: Path) -> None:
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # the same device as /dev/null


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _loop(path: Path) -> None:
    path.symlink_to(path.with_name(path.name + "-b"))
    path.with_name(path.name + "-b").symlink_to(path)


KINDS: dict[str, Callable[[Path], None]] = {"device": _device, "fifo": _fifo, "loop": _loop}


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    yield path
    server.close()


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:3]))
def test_out_refuses_what_is_not_a_regular_file(tmp_path: Path, kind: str,
                                                args: tuple[str, ...]) -> None:
    if kind == "device" and os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    target = tmp_path / "target"
    KINDS[kind](target)
    before = os.lstat(target)
    image = tmp_path / "page.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    doc = tmp_path / "doc.pdf"
    doc.write_bytes(b"%PDF-1.4\n")
    line = [{"IMAGE": str(image), "DOC": str(doc)}.get(a, a) for a in args]
    err = assert_refused(kiosk(*line, str(target), timeout=60))
    assert "target" in err
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino, after.st_rdev) == (
        before.st_mode, before.st_ino, before.st_rdev), "the node was replaced"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_out_refuses_a_socket(unix_socket: Path) -> None:
    err = assert_refused(kiosk("report", "postal-list", "--out", str(unix_socket)))
    assert "sock" in err
    assert stat.S_ISSOCK(os.lstat(unix_socket).st_mode)


def test_the_writer_itself_refuses_a_device(tmp_path: Path) -> None:
    """Callers that do not go through the CLI (the app's report export) are covered too."""
    from kiosk.errors import KioskError
    from kiosk.output_file import write_atomic

    target = tmp_path / "fifo"
    os.mkfifo(target)
    with pytest.raises(KioskError, match="không phải tệp thường"):
        write_atomic(target, b"report")
    assert stat.S_ISFIFO(os.lstat(target).st_mode)
