"""Run the real ``kiosk`` command in a subprocess and judge how it refuses bad input."""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from pathlib import Path
from struct import pack

ROOT = Path(__file__).resolve().parents[2]
CRASH = "Lỗi không mong đợi"


def kiosk(*args: str | bytes, stdin: bytes | str | None = None, timeout: float = 60,
          cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    """``python -m kiosk ARGS`` with the test's KIOSK_HOME; bytes in, bytes out."""
    env = os.environ.copy()
    env["PYTHONPATH"] = str(ROOT)
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True,
                          input=data if data is not None else b"", timeout=timeout, env=env,
                          cwd=cwd, check=False)


def assert_refused(r: subprocess.CompletedProcess[bytes], *, code: int | None = 2,
                   contains: str | None = None) -> str:
    """Not a crash: the expected exit status, no traceback, a readable message on stderr."""
    err = r.stderr.decode("utf-8")  # strict: a message is always valid UTF-8
    assert CRASH not in err, err
    assert "Traceback" not in err, err
    assert r.returncode != 70, err
    if code is not None:
        assert r.returncode == code, (r.returncode, err)
    else:
        assert r.returncode != 0, err
    assert err.strip(), "a refusal says why"
    assert r.stdout == b"", r.stdout[:300]
    if contains is not None:
        assert contains in err, err
    return err


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A small PNG that declares ``width``×``height`` grey pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return pack(">I", len(data)) + kind + data + pack(">I", zlib.crc32(kind + data))

    comp = zlib.compressobj(9)
    row = b"\0" * (width + 1)
    body = b"".join(comp.compress(row) for _ in range(min(height, 64))) + comp.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", pack(">IIBBBBB", width, height, 8, 0,
                                                                  0, 0, 0))
                     + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    return path
