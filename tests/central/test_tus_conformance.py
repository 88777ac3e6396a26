"""tus 1.0 details as the official implementations expect them, over real HTTP (issue 12 §5),
plus the HTTP details schemathesis found (Allow on 405, malformed JSON)."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

import httpx
import pytest

from central.blobstore import BlobStore
from central.db import Database
from central.limits import ServerLimits
from central.runner import ServerThread
from tests.central.helpers import TUS, Running, auth, create, dossier, meta, new_id, patch

EMPTY = hashlib.sha256(b"").hexdigest()


@pytest.fixture
def client(central_server: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=central_server.url, timeout=10) as c:
        yield c


def _post(client: httpx.Client, token: str, length: int, sha: str,
          **headers: str) -> httpx.Response:
    return client.post("/v1/uploads", headers={**auth(token), **TUS, "Upload-Length": str(length),
                                                "Upload-Metadata": meta(sha), **headers})


def test_missing_or_unsupported_tus_resumable_is_412_with_tus_version(
        client: httpx.Client, central_server: Running) -> None:
    token = central_server.token
    data = os.urandom(1000)
    sha = hashlib.sha256(data).hexdigest()
    loc = create(client, token, data)
    cases = [
        client.post("/v1/uploads", headers={**auth(token), "Upload-Length": "1000",
                                            "Upload-Metadata": meta(sha)}),
        client.post("/v1/uploads", headers={**auth(token), "Tus-Resumable": "0.2.2",
                                            "Upload-Length": "1000", "Upload-Metadata": meta(sha)}),
        client.head(loc, headers=auth(token)),
        client.patch(loc, content=data, headers={
            **auth(token), "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream"}),
    ]
    for r in cases:
        assert r.status_code == 412, (r.request.method, r.status_code, r.text)
        assert r.headers["Tus-Version"] == "1.0.0"
        assert r.headers["Tus-Resumable"] == "1.0.0"


def test_tus_resumable_on_every_answer_but_options(client: httpx.Client,
                                                   central_server: Running) -> None:
    token = central_server.token
    answers = [
        client.post("/v1/uploads", headers=TUS),  # 401
        _post(client, token, 10, "0" * 63),  # 400 bad metadata
        client.head("/v1/uploads/nope", headers={**auth(token), **TUS}),  # 404
        client.patch("/v1/uploads/nope", content=b"x", headers={
            **auth(token), **TUS, "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream"}),  # 404
        client.get("/v1/health"),
        client.delete("/v1/uploads"),  # 405
    ]
    assert {r.status_code for r in answers} >= {401, 400, 404, 200, 405}
    for r in answers:
        assert r.headers.get("Tus-Resumable") == "1.0.0", (r.request.method, r.status_code)
    # OPTIONS is the one request a client sends without Tus-Resumable: never a 412.
    options = client.options("/v1/uploads")
    assert options.status_code == 204 and options.headers["Tus-Version"] == "1.0.0"


def test_zero_length_upload_is_finished_at_creation(client: httpx.Client,
                                                    central_server: Running) -> None:
    r = _post(client, central_server.token, 0, EMPTY)
    assert r.status_code == 201 and r.headers["Upload-Offset"] == "0"
    assert client.head(f"/v1/blobs/{EMPTY}", headers=auth(central_server.token)).status_code == 200
    head = client.head(r.headers["Location"], headers={**auth(central_server.token), **TUS})
    assert head.headers["Upload-Offset"] == head.headers["Upload-Length"] == "0"
    # A dossier referencing the empty file is accepted (no 409 missing_blobs loop).
    body = dossier(1001)
    body["components"][0]["pages"] = [{"sha256": EMPTY, "size": 0}]
    put = client.put(f"/v1/dossiers/{new_id()}", json=body,
                     headers={**auth(central_server.token), "Idempotency-Key": new_id()})
    assert put.status_code == 201, put.text
    # An empty upload claiming another hash is refused, and no blob appears.
    other = hashlib.sha256(b"x").hexdigest()
    bad = _post(client, central_server.token, 0, other)
    assert bad.status_code == 460 and bad.json()["error"] == "blob_checksum_mismatch"
    assert client.head(f"/v1/blobs/{other}", headers=auth(central_server.token)).status_code == 404


def test_patch_answers_upload_expires_and_head_answers_metadata(
        client: httpx.Client, central_server: Running) -> None:
    token = central_server.token
    data = os.urandom(5000)
    sha = hashlib.sha256(data).hexdigest()
    metadata = f"{meta(sha)},filename {base64.b64encode('tờ khai.pdf'.encode()).decode()},flag"
    r = client.post("/v1/uploads", headers={**auth(token), **TUS, "Upload-Length": "5000",
                                            "Upload-Metadata": metadata})
    assert r.status_code == 201
    loc = r.headers["Location"]
    head = client.head(loc, headers={**auth(token), **TUS})
    assert head.headers["Upload-Metadata"] == metadata
    p = patch(client, token, loc, 0, data[:1000])
    assert p.status_code == 204
    assert parsedate_to_datetime(p.headers["Upload-Expires"]).tzinfo is not None


def test_patch_without_content_type_is_415(client: httpx.Client,
                                           central_server: Running) -> None:
    token = central_server.token
    loc = create(client, token, os.urandom(100))
    r = client.patch(loc, content=b"x" * 10, headers={**auth(token), **TUS,
                                                      "Upload-Offset": "0"})
    assert r.status_code == 415 and r.headers["Tus-Resumable"] == "1.0.0"


def test_max_size_is_advertised_and_enforced(tmp_path) -> None:
    from central import service
    from tests.central.helpers import UNIT

    db = Database(str(tmp_path / "c.sqlite3"))
    token = service.add_device(db, UNIT)["token"]
    with ServerThread(db, BlobStore(tmp_path / "blobs"),
                      limits=ServerLimits(max_blob_size=10_000)) as srv, \
            httpx.Client(base_url=srv.url) as client:
        assert client.options("/v1/uploads").headers["Tus-Max-Size"] == "10000"
        assert _post(client, token, 10_000, "a" * 64).status_code == 201
        r = _post(client, token, 10_001, "a" * 64)
        assert r.status_code == 413 and r.headers["Tus-Resumable"] == "1.0.0"


def test_sha1_checksums_beside_sha256(client: httpx.Client, central_server: Running) -> None:
    token = central_server.token
    data = os.urandom(4000)
    loc = create(client, token, data)
    options = client.options("/v1/uploads")
    assert "checksum" in options.headers["Tus-Extension"]
    assert set(options.headers["Tus-Checksum-Algorithm"].split(",")) == {"sha1", "sha256"}

    def sha1(b: bytes) -> str:
        return "sha1 " + base64.b64encode(hashlib.sha1(b).digest()).decode()

    assert patch(client, token, loc, 0, data[:1000], check=sha1(b"other")).status_code == 460
    assert patch(client, token, loc, 0, data[:1000], check=sha1(data[:1000])).status_code == 204
    md5 = "md5 " + base64.b64encode(hashlib.md5(data[1000:]).digest()).decode()
    assert patch(client, token, loc, 1000, data[1000:], check=md5).status_code == 400
    r = patch(client, token, loc, 1000, data[1000:], check=sha1(data[1000:]))
    assert r.status_code == 204 and r.headers["Upload-Offset"] == "4000"


def test_405_allow_lists_every_method_of_the_path(client: httpx.Client) -> None:
    for method, path, expected in [
        ("DELETE", "/v1/uploads/abc", {"HEAD", "PATCH"}),
        ("GET", "/v1/uploads", {"POST", "OPTIONS"}),
        ("POST", "/v1/dossiers/0190a0a0-0000-7000-8000-000000000000", {"GET", "PUT"}),
        ("PUT", "/v1/blobs/" + "a" * 64, {"GET", "HEAD"}),
    ]:
        r = client.request(method, path)
        assert r.status_code == 405, (method, path, r.status_code)
        assert set(r.headers["Allow"].replace(" ", "").split(",")) >= expected, r.headers
        assert method not in r.headers["Allow"]


def test_malformed_json_is_400(client: httpx.Client, central_server: Running) -> None:
    for path, method, token in [
        (f"/v1/dossiers/{new_id()}", "PUT", central_server.token),
        ("/v1/admin/devices", "POST", central_server.admin_token),
        ("/v1/admin/dossiers/X/status", "POST", central_server.admin_token),
    ]:
        for body in (b"{", b'{"code": "x",', b"\xff\xfe", b"not json", b"\t\x0b\xef",
                     b"\x05\xe9x\x16"):
            r = client.request(method, path, content=body, headers={
                **auth(token), "Content-Type": "application/json", "Idempotency-Key": "k"})
            assert r.status_code == 400, (path, body, r.status_code, r.text)
            assert r.json()["error"] == "invalid_json"
    # Well-formed JSON that does not fit is still 422.
    r = client.put(f"/v1/dossiers/{new_id()}", json={"code": 1},
                   headers={**auth(central_server.token), "Idempotency-Key": "k2"})
    assert r.status_code == 422
