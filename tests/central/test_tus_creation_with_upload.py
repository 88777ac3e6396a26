"""tus creation-with-upload and the one-commit finish (issue 15 §3), over real HTTP."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator

import httpx
import pytest

from tests.central.helpers import TUS, Running, auth, checksum, create, meta, patch

OCTET = {"Content-Type": "application/offset+octet-stream"}


@pytest.fixture
def client(central_server: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=central_server.url, timeout=10) as c:
        yield c


def _post_with(client: httpx.Client, token: str, data: bytes, length: int | None = None,
               check: str | None = None, key: bool = True) -> httpx.Response:
    sha = hashlib.sha256(data).hexdigest()
    extra = {"Idempotency-Key": f"upload-{sha}"} if key else {}
    return client.post("/v1/uploads", content=data, headers={
        **auth(token), **TUS, **OCTET, **extra, "Upload-Checksum": check or checksum(data),
        "Upload-Length": str(len(data) if length is None else length),
        "Upload-Metadata": meta(sha)})


def test_options_offer_creation_with_upload(client: httpx.Client) -> None:
    r = client.options("/v1/uploads")
    assert "creation-with-upload" in r.headers["Tus-Extension"].split(",")


def test_a_whole_file_in_the_creation_post_is_a_finished_blob(
        client: httpx.Client, central_server: Running) -> None:
    token = central_server.token
    data = os.urandom(150_000)
    sha = hashlib.sha256(data).hexdigest()
    r = _post_with(client, token, data)
    assert r.status_code == 201, r.text
    assert r.headers["Upload-Offset"] == str(len(data))
    head = client.head(f"/v1/blobs/{sha}", headers=auth(token))
    assert head.status_code == 200 and head.headers["Upload-Length"] == str(len(data))
    assert central_server.blobs.blob_path(sha).read_bytes() == data
    upload = client.head(r.headers["Location"], headers={**auth(token), **TUS})
    assert upload.headers["Upload-Offset"] == upload.headers["Upload-Length"] == str(len(data))
    # The answer was lost: the repeated POST (same key) is the same finished upload.
    again = _post_with(client, token, data)
    assert again.status_code == 201 and again.headers["Location"] == r.headers["Location"]
    assert again.headers["Upload-Offset"] == str(len(data))


def test_a_first_chunk_in_the_post_then_patch_the_rest(
        client: httpx.Client, central_server: Running) -> None:
    token = central_server.token
    data = os.urandom(300_000)
    sha = hashlib.sha256(data).hexdigest()
    r = client.post("/v1/uploads", content=data[:100_000], headers={
        **auth(token), **TUS, **OCTET, "Upload-Checksum": checksum(data[:100_000]),
        "Upload-Length": str(len(data)), "Upload-Metadata": meta(sha)})
    assert r.status_code == 201 and r.headers["Upload-Offset"] == "100000"
    done = patch(client, token, r.headers["Location"], 100_000, data[100_000:])
    assert done.status_code == 204 and done.headers["Upload-Offset"] == str(len(data))
    assert central_server.blobs.blob_path(sha).read_bytes() == data


def test_a_bad_checksum_or_content_in_the_post_leaves_nothing(
        client: httpx.Client, central_server: Running) -> None:
    token = central_server.token
    data = os.urandom(50_000)
    sha = hashlib.sha256(data).hexdigest()
    bad = _post_with(client, token, data, check=checksum(b"other"))
    assert bad.status_code == 460
    # Bytes that do not hash to the name the metadata gives.
    wrong = client.post("/v1/uploads", content=data, headers={
        **auth(token), **TUS, **OCTET, "Upload-Length": str(len(data)),
        "Upload-Metadata": meta(hashlib.sha256(b"x").hexdigest())})
    assert wrong.status_code == 460 and wrong.json()["error"] == "blob_checksum_mismatch"
    too_long = _post_with(client, token, data, length=len(data) - 1)
    assert too_long.status_code == 400
    assert client.head(f"/v1/blobs/{sha}", headers=auth(token)).status_code == 404
    assert not list((central_server.blobs.root / "blobs").rglob("*" + sha[2:]))


def test_a_crash_after_the_rename_before_the_commit_is_answered_from_the_blob(
        client: httpx.Client, central_server: Running) -> None:
    token = central_server.token
    data = os.urandom(200_000)
    sha = hashlib.sha256(data).hexdigest()
    loc = create(client, token, data, idempotent=True)
    assert patch(client, token, loc, 0, data[:120_000]).status_code == 204
    # What the server had done for the last chunk when it died: bytes written, re-hashed and
    # renamed into place; the commit never happened.
    upload_id = loc.rsplit("/", 1)[1]
    central_server.blobs.write_chunk(upload_id, 120_000, data[120_000:])
    assert central_server.blobs.finish(upload_id, sha, len(data))
    assert client.head(f"/v1/blobs/{sha}", headers=auth(token)).status_code == 404
    retry = patch(client, token, loc, 120_000, data[120_000:])
    assert retry.status_code == 204 and retry.headers["Upload-Offset"] == str(len(data))
    assert client.head(f"/v1/blobs/{sha}", headers=auth(token)).status_code == 200
    assert central_server.blobs.blob_path(sha).read_bytes() == data
