"""The server's side of the possession challenge (the computation is shared with the
counter: :mod:`kiosk.sync.possession`).

A challenge is stateless: ``<time>.<random>.<mac>``, the mac an HMAC (with the database's
``possession_secret``) over the unit, the blob's sha256, the time and the random part. Any
server process on the same database can check it; it is good for :data:`CHALLENGE_TTL` and
for that unit and blob only. Every unit that has not proved possession gets one, whether or
not the blob exists, and a wrong answer costs the server the same work either way (the
answer is computed over zeros when there is no blob of that size), so the challenge tells
nothing about other units' files.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import time

from central.blobstore import BlobStore
from central.db import Database
from central.uploads import blob_size
from kiosk.sync.possession import answer

CHALLENGE_TTL = 600


@functools.lru_cache(maxsize=8)
def _secret(db: Database) -> bytes:
    with db.transaction(write=False) as tx:
        row = tx.one("SELECT value FROM meta WHERE key = 'possession_secret'")
    assert row is not None, "created by central.schema.migrate"
    return bytes.fromhex(row["value"])


def _mac(db: Database, unit: str, sha256: str, stamp: str, rand: str) -> str:
    message = f"{unit}\n{sha256}\n{stamp}\n{rand}".encode()
    return hmac.new(_secret(db), message, hashlib.sha256).hexdigest()[:32]


def challenge(db: Database, unit: str, sha256: str) -> str:
    stamp, rand = str(int(time.time())), secrets.token_hex(16)
    return f"{stamp}.{rand}.{_mac(db, unit, sha256, stamp, rand)}"


def _valid_nonce(db: Database, unit: str, sha256: str, nonce: str) -> bool:
    parts = nonce.split(".")
    if len(parts) != 3 or not parts[0].isascii() or not parts[0].isdigit():
        return False
    stamp, rand, mac = parts
    if not 0 <= time.time() - int(stamp) <= CHALLENGE_TTL:
        return False
    return hmac.compare_digest(mac, _mac(db, unit, sha256, stamp, rand))


def verify(db: Database, blobs: BlobStore, unit: str, sha256: str, length: int,
           proof: str | None) -> bool:
    """Whether ``proof`` (``Blob-Proof``: ``<nonce> <answer>``) shows that the unit holds
    the ``length`` bytes of blob ``sha256``."""
    if not proof or len(proof) > 300:
        return False
    nonce, _sep, given = proof.strip().partition(" ")
    if not _valid_nonce(db, unit, sha256, nonce):
        return False
    size = blob_size(db, sha256)
    present = size == length and blobs.has(sha256)
    zeros = bytes(min(length, 1 << 20))

    def read(start: int, count: int) -> bytes:
        if present:
            return blobs.read_range(sha256, start, count)
        return (zeros * (count // max(1, len(zeros)) + 1))[:count]

    try:
        expected = answer(nonce, length, read)
    except (OSError, ValueError):
        return False
    return present and hmac.compare_digest(expected, given.strip().lower())
