"""tus-js-client (the official JavaScript client, in Node) uploading to our central server."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import httpx

from tests.central.helpers import TUS, Running, auth, create, patch
from tests.tus.conftest import tus_js_upload

EMPTY_SHA = hashlib.sha256(b"").hexdigest()


def _has_blob(srv: Running, sha: str) -> bool:
    r = httpx.head(f"{srv.url}/v1/blobs/{sha}", headers=auth(srv.token))
    return r.status_code == 200


def _file(tmp_path: Path, data: bytes) -> tuple[Path, str]:
    path = tmp_path / "scan.pdf"
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def test_chunked_upload_from_tus_js_client(central_server: Running, tmp_path: Path) -> None:
    data = b"%PDF-1.4\n" + os.urandom(300_000)
    path, sha = _file(tmp_path, data)
    result = tus_js_upload(f"{central_server.url}/v1/uploads", path, central_server.token,
                           metadata={"sha256": sha, "filename": "scan.pdf"}, chunkSize=65536)
    assert result["ok"], result
    assert result["url"].startswith(f"{central_server.url}/v1/uploads/")
    assert _has_blob(central_server, sha)
    assert central_server.blobs.blob_path(sha).read_bytes() == data
    # HEAD answers the metadata as tus-js-client sent it.
    head = httpx.head(result["url"], headers={**auth(central_server.token), **TUS})
    assert head.headers["Upload-Offset"] == str(len(data))
    assert "filename" in head.headers["Upload-Metadata"]


def test_zero_length_upload_from_tus_js_client(central_server: Running, tmp_path: Path) -> None:
    path, sha = _file(tmp_path, b"")
    assert sha == EMPTY_SHA
    result = tus_js_upload(f"{central_server.url}/v1/uploads", path, central_server.token,
                           metadata={"sha256": sha})
    assert result["ok"], result
    assert _has_blob(central_server, sha)
    assert central_server.blobs.blob_path(sha).read_bytes() == b""


def test_fresh_start_for_a_file_the_server_holds_in_part(central_server: Running,
                                                         tmp_path: Path) -> None:
    data = os.urandom(200_000)
    path, sha = _file(tmp_path, data)
    with httpx.Client(base_url=central_server.url) as client:
        # Half of it arrived earlier (the kiosk client's idempotent creation, say).
        loc = create(client, central_server.token, data, idempotent=True)
        assert patch(client, central_server.token, loc, 0, data[:100_000]).status_code == 204
    # tus-js-client starting fresh: no stored URL, no retries.
    result = tus_js_upload(f"{central_server.url}/v1/uploads", path, central_server.token,
                           metadata={"sha256": sha}, chunkSize=50_000)
    assert result["ok"], result
    assert central_server.blobs.blob_path(sha).read_bytes() == data


def test_fresh_start_for_a_file_the_server_already_has(central_server: Running,
                                                       tmp_path: Path) -> None:
    data = os.urandom(70_000)
    path, sha = _file(tmp_path, data)
    first = tus_js_upload(f"{central_server.url}/v1/uploads", path, central_server.token,
                          metadata={"sha256": sha})
    again = tus_js_upload(f"{central_server.url}/v1/uploads", path, central_server.token,
                          metadata={"sha256": sha})
    assert first["ok"] and again["ok"], (first, again)
    assert central_server.blobs.blob_path(sha).read_bytes() == data


def test_tus_js_client_resumes_a_stored_upload_url(central_server: Running,
                                                   tmp_path: Path) -> None:
    data = os.urandom(150_000)
    path, sha = _file(tmp_path, data)
    with httpx.Client(base_url=central_server.url) as client:
        loc = create(client, central_server.token, data)
        assert patch(client, central_server.token, loc, 0, data[:60_000]).status_code == 204
    result = tus_js_upload(f"{central_server.url}/v1/uploads", path, central_server.token,
                           metadata={"sha256": sha}, uploadUrl=f"{central_server.url}{loc}",
                           chunkSize=40_000)
    assert result["ok"], result
    assert result["url"] == f"{central_server.url}{loc}"
    assert central_server.blobs.blob_path(sha).read_bytes() == data


def test_tus_js_client_sees_a_refusal_with_tus_headers(central_server: Running,
                                                       tmp_path: Path) -> None:
    path, sha = _file(tmp_path, os.urandom(1000))
    result = tus_js_upload(f"{central_server.url}/v1/uploads", path, "not-a-token",
                           metadata={"sha256": sha})
    assert not result["ok"] and "401" in result["error"]


def test_tus_js_client_with_its_default_options_uploads_50_mib(central_server: Running,
                                                               tmp_path: Path) -> None:
    """tus-js-client's defaults send the whole file in one PATCH (chunkSize Infinity): the
    server streams it to disk, however large, within Upload-Length."""
    data = os.urandom(50 << 20)
    path, sha = _file(tmp_path, data)
    result = tus_js_upload(f"{central_server.url}/v1/uploads", path, central_server.token,
                           metadata={"sha256": sha, "filename": "ho-so.pdf"}, defaults=True)
    assert result["ok"], result
    assert _has_blob(central_server, sha)
    assert central_server.blobs.rehash(sha) == sha
    options = httpx.options(f"{central_server.url}/v1/uploads")
    assert "Tus-Max-Chunk-Size" not in options.headers  # not tus 1.0; no chunk limit
