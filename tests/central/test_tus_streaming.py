"""A tus PATCH of any size streamed to disk, and what a cut PATCH leaves (issue 22 §2): the
bytes that arrived are kept and the offset advances (tus 1.0: SHOULD), whether the client
went away, the server cut a stalled body, or a retry took the upload over."""

from __future__ import annotations

import hashlib
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from central import service
from central.blobstore import BlobStore
from central.db import Database
from central.limits import ServerLimits
from central.runner import ServerThread
from tests.central.helpers import TUS, UNIT, auth, checksum, create, patch


def wait_until(condition: Callable[[], bool], bound: float = 30.0) -> bool:
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[ServerThread, str, httpx.Client]]:
    db = Database(str(tmp_path / "central.sqlite3"))
    token = service.add_device(db, UNIT)["token"]
    limits = ServerLimits(body_timeout=1.0, body_min_rate=1 << 20)
    with ServerThread(db, BlobStore(tmp_path / "blobs"), limits=limits) as srv, \
            httpx.Client(base_url=srv.url, timeout=60) as client:
        yield srv, token, client


def offset_of(client: httpx.Client, token: str, location: str) -> int:
    r = client.head(location, headers={**auth(token), **TUS})
    assert r.status_code == 200, r.text
    return int(r.headers["Upload-Offset"])


def start_patch(srv: ServerThread, token: str, location: str, offset: int, length: int,
                first: bytes) -> socket.socket:
    """A PATCH announcing ``length`` bytes of which only ``first`` is sent (for now)."""
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    sock.sendall(f"PATCH {location} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                 f"Tus-Resumable: 1.0.0\r\nUpload-Offset: {offset}\r\n"
                 "Content-Type: application/offset+octet-stream\r\n"
                 f"Content-Length: {length}\r\n\r\n".encode() + first)
    return sock


def test_one_patch_of_any_size_within_upload_length(server) -> None:
    _srv, token, client = server
    data = os.urandom(20 << 20)
    sha = hashlib.sha256(data).hexdigest()
    location = create(client, token, data)
    r = patch(client, token, location, 0, data)  # 20 MiB in one PATCH, with its checksum
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(len(data))
    assert client.get(f"/v1/blobs/{sha}", headers=auth(token)).content == data


def test_a_patch_cut_by_the_client_keeps_what_arrived(server) -> None:
    srv, token, client = server
    data = os.urandom(3 << 20)
    sha = hashlib.sha256(data).hexdigest()
    location = create(client, token, data)
    sock = start_patch(srv, token, location, 0, len(data), data[:1_200_000])
    sock.close()  # the link drops: what was sent still arrives, then the FIN
    assert wait_until(lambda: offset_of(client, token, location) == 1_200_000)
    r = patch(client, token, location, 1_200_000, data[1_200_000:])
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(len(data))
    assert srv.blobs.rehash(sha) == sha


def test_a_stalled_patch_is_cut_by_the_server_and_keeps_its_bytes(server) -> None:
    srv, token, client = server
    data = os.urandom(1 << 20)
    location = create(client, token, data)
    sock = start_patch(srv, token, location, 0, len(data), data[:300_000])
    try:  # then nothing more: the body deadline (1 s + 1 s per MiB here) cuts it
        assert wait_until(lambda: offset_of(client, token, location) == 300_000)
        sock.settimeout(30)
        assert sock.recv(100) == b""  # closed by the server, no answer to a cut body
    finally:
        sock.close()
    assert patch(client, token, location, 300_000, data[300_000:]).status_code == 204


def test_a_retry_takes_over_an_upload_its_stalled_original_still_holds(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "central.sqlite3"))
    token = service.add_device(db, UNIT)["token"]
    # A long body deadline: the original is not cut by time, the retry interrupts it.
    with ServerThread(db, BlobStore(tmp_path / "blobs"), limits=ServerLimits(
            body_timeout=600)) as srv, httpx.Client(base_url=srv.url, timeout=60) as client:
        data = os.urandom(1 << 20)
        location = create(client, token, data)
        original = start_patch(srv, token, location, 0, len(data), data[:400_000])
        try:
            # The client's retry, resuming as a tus client does. Whichever of the two holds
            # the upload is asked to stop by the other and keeps what it had: the answers
            # are a 409 with the kept offset, or a 204 with an offset short of the end, and
            # no byte is written twice or lost.
            offset, answers = 0, []
            for _attempt in range(5):
                r = patch(client, token, location, offset, data[offset:])
                answers.append(r.status_code)
                assert r.status_code in (204, 409), r.text
                offset = int(r.headers["Upload-Offset"]) if r.status_code == 204 \
                    else r.json()["offset"]
                assert offset == offset_of(client, token, location)
                if offset == len(data):
                    break
            assert offset == len(data), answers
        finally:
            original.close()
        sha = hashlib.sha256(data).hexdigest()
        assert srv.blobs.rehash(sha) == sha


def test_a_chunk_with_a_wrong_checksum_leaves_the_offset(server) -> None:
    _srv, token, client = server
    data = os.urandom(2 << 20)
    location = create(client, token, data)
    assert patch(client, token, location, 0, data[:500_000]).status_code == 204
    bad = patch(client, token, location, 500_000, data[500_000:],
                check=checksum(b"other bytes"))
    assert bad.status_code == 460 and bad.json()["error"] == "checksum_mismatch"
    assert offset_of(client, token, location) == 500_000
    past = client.patch(location, content=data[500_000:] + b"x", headers={
        **auth(token), **TUS, "Upload-Offset": "500000",
        "Content-Type": "application/offset+octet-stream"})
    assert past.status_code == 400 and past.json()["error"] == "past_length"
    assert patch(client, token, location, 500_000, data[500_000:]).status_code == 204


def test_partial_files_no_upload_names_are_removed_at_start(tmp_path: Path) -> None:
    """A creation POST cut by a crash leaves a partial file without an upload row."""
    db = Database(str(tmp_path / "central.sqlite3"))
    token = service.add_device(db, UNIT)["token"]
    blobs = BlobStore(tmp_path / "blobs")
    with ServerThread(db, blobs) as srv, httpx.Client(base_url=srv.url) as client:
        data = os.urandom(10_000)
        kept_upload = create(client, token, data).rsplit("/", 1)[1]
        assert patch(client, token, f"/v1/uploads/{kept_upload}", 0, data[:5000]) \
            .status_code == 204
    day_old = time.time() - 2 * 86400
    for name in ("orphan", "young-orphan"):
        blobs.partial_path(name).write_bytes(b"x" * 100)
    for name in ("orphan", kept_upload):
        os.utime(blobs.partial_path(name), (day_old, day_old))
    with ServerThread(Database(str(tmp_path / "central.sqlite3")), blobs):
        pass
    assert not blobs.partial_path("orphan").exists()
    assert blobs.partial_path("young-orphan").exists()  # another server may be writing it
    assert blobs.partial_path(kept_upload).read_bytes() == data[:5000]
