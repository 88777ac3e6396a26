"""Proof that a machine holds a file's bytes, not just its sha256 (issue 22).

The central server stores scans once by sha256. A counter that asks about a scan its unit
has not proved it holds gets a challenge (a nonce, ``Blob-Challenge`` on ``HEAD
/v1/blobs/{sha256}``); the answer, sent as ``Blob-Proof: <nonce> <answer>`` on the tus
creation, is a sha256 over the nonce, the size and windows of the file's bytes that the
nonce chooses. Files up to :data:`WHOLE_FILE_UP_TO` are hashed whole (most scans): knowing
most of a file is not enough to answer. Larger files are sampled (:data:`WINDOWS` windows of
:data:`WINDOW` bytes), so neither side reads more than about a megabyte.

Both ends compute the same thing with :func:`answer`: the client over its file, the server
over its blob (``central/possession.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

WHOLE_FILE_UP_TO = 4 << 20
WINDOWS = 64
WINDOW = 16 << 10
CHALLENGE_HEADER = "Blob-Challenge"
PROOF_HEADER = "Blob-Proof"


def windows(nonce: str, size: int) -> list[tuple[int, int]]:
    """The ``(start, length)`` ranges the answer covers, in file order."""
    if size <= WHOLE_FILE_UP_TO:
        return [(0, size)]
    spots = []
    for i in range(WINDOWS):
        digest = hashlib.sha256(f"{nonce}\n{size}\n{i}".encode()).digest()
        spots.append(int.from_bytes(digest[:8], "big") % (size - WINDOW + 1))
    return [(start, WINDOW) for start in sorted(spots)]


def answer(nonce: str, size: int, read: Callable[[int, int], bytes]) -> str:
    """sha256 (hex) over the nonce, the size and the chosen windows of the bytes."""
    digest = hashlib.sha256(f"kiosk-possession\n{nonce}\n{size}\n".encode())
    for start, length in windows(nonce, size):
        chunk = read(start, length)
        if len(chunk) != length:
            raise ValueError("the file is shorter than its size")
        digest.update(chunk)
    return digest.hexdigest()


def answer_file(path: Path, nonce: str) -> str:
    """The answer for a file on this machine."""
    with path.open("rb") as fh:
        size = fh.seek(0, 2)

        def read(start: int, length: int) -> bytes:
            fh.seek(start)
            return fh.read(length)

        return answer(nonce, size, read)
