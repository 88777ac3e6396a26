"""Small protocol helpers for the server tests (the real client lives in kiosk.sync)."""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from central.blobstore import BlobStore
from central.db import Database
from central.runner import ServerThread

UNIT = "000.00.04.H40"
OTHER_UNIT = "000.00.05.H40"


@dataclass
class Running:
    server: ServerThread
    url: str
    token: str
    other_token: str
    admin_token: str
    blobs: BlobStore
    db: Database

TUS = {"Tus-Resumable": "1.0.0"}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def meta(sha: str) -> str:
    return "sha256 " + base64.b64encode(sha.encode()).decode()


def checksum(data: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(data).digest()).decode()


def create(client: httpx.Client, token: str, data: bytes, idempotent: bool = False) -> str:
    sha = hashlib.sha256(data).hexdigest()
    key = {"Idempotency-Key": f"upload-{sha}"} if idempotent else {}
    r = client.post("/v1/uploads", headers={**auth(token), **TUS, **key,
                                             "Upload-Length": str(len(data)),
                                             "Upload-Metadata": meta(sha)})
    assert r.status_code == 201, r.text
    return str(r.headers["Location"])


def patch(client: httpx.Client, token: str, location: str, offset: int, chunk: bytes,
          check: str | None = None) -> httpx.Response:
    return client.patch(location, content=chunk, headers={
        **auth(token), **TUS, "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream",
        "Upload-Checksum": check or checksum(chunk)})


def upload(client: httpx.Client, token: str, data: bytes, chunk: int = 64 * 1024) -> str:
    location = create(client, token, data)
    offset = 0
    while offset < len(data):
        r = patch(client, token, location, offset, data[offset:offset + chunk])
        assert r.status_code == 204, r.text
        offset = int(r.headers["Upload-Offset"])
    return hashlib.sha256(data).hexdigest()


def dossier(code_seq: int = 1001, pages: list[bytes] | None = None, unit: str = UNIT,
            **over: Any) -> dict[str, Any]:
    pages = pages or []
    body: dict[str, Any] = {
        "code": f"{unit}-261122-{code_seq:04d}",
        "procedure_code": "1.001193",
        "procedure_name": "Đăng ký khai sinh",
        "channel": 1,
        "applicant": {"name": "Đinh Thị Huyền", "id_number": "001158024485",
                      "phone": "0912345678"},
        "received_at": "2026-11-22T08:15:00+07:00",
        "due_at": "2026-11-22T16:00:00+07:00",
        "status": 2,
        "components": [{"code": "TP1", "name": "Tờ khai", "kind": "original", "pages": [
            {"sha256": hashlib.sha256(p).hexdigest(), "size": len(p)} for p in pages]}],
    }
    body.update(over)
    return body


def new_id() -> str:
    import uuid_utils

    return str(uuid.UUID(str(uuid_utils.uuid7())))
