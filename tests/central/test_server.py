"""The central server over real HTTP on loopback (uvicorn + SQLite + blobs on disk)."""

from __future__ import annotations

import hashlib
import os
import uuid
from email.utils import parsedate_to_datetime

import httpx
import pytest

from central import service
from tests.central.helpers import (
    OTHER_UNIT,
    TUS,
    Running,
    auth,
    checksum,
    create,
    dossier,
    meta,
    new_id,
    patch,
    upload,
)


@pytest.fixture
def client(central_server: Running) -> httpx.Client:
    with httpx.Client(base_url=central_server.url, timeout=10) as c:
        yield c


def test_health_has_date_and_server_time(client: httpx.Client) -> None:
    r = client.get("/v1/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert r.json()["time"].endswith("+07:00")
    assert parsedate_to_datetime(r.headers["date"]).tzinfo is not None
    assert len(r.headers.get_list("date")) == 1


def test_tus_options_advertise_extensions(client: httpx.Client) -> None:
    r = client.options("/v1/uploads")
    assert r.status_code == 204
    assert "checksum" in r.headers["Tus-Extension"]
    assert r.headers["Tus-Checksum-Algorithm"].split(",") == ["sha1", "sha256"]


def test_requests_without_token_get_401(client: httpx.Client) -> None:
    assert client.get("/v1/changes").status_code == 401
    r = client.get("/v1/changes", headers=auth("not-a-token"))
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"


def test_upload_in_chunks_stores_byte_identical_blob(client: httpx.Client,
                                                     central_server: Running) -> None:
    data = os.urandom(300_000)
    sha = upload(client, central_server.token, data, chunk=70_000)
    assert client.head(f"/v1/blobs/{sha}", headers=auth(central_server.token)).status_code == 200
    assert central_server.blobs.rehash(sha) == sha
    assert central_server.blobs.blob_path(sha).read_bytes() == data


def test_creation_is_idempotent_and_resume_uses_offset(client: httpx.Client,
                                                       central_server: Running) -> None:
    token = central_server.token
    data = os.urandom(200_000)
    first = create(client, token, data, idempotent=True)
    assert patch(client, token, first, 0, data[:50_000]).status_code == 204
    # The creation answer was "lost": creating again (with the kiosk client's
    # Idempotency-Key) gives the same upload, not a new one.
    assert create(client, token, data, idempotent=True) == first
    # A standard tus client (no key) starting fresh gets a fresh upload at offset 0.
    fresh = create(client, token, data)
    assert fresh != first
    assert client.head(fresh, headers={**auth(token), **TUS}).headers["Upload-Offset"] == "0"
    head = client.head(first, headers={**auth(token), **TUS})
    assert head.headers["Upload-Offset"] == "50000"
    assert head.headers["Cache-Control"] == "no-store"
    r = patch(client, token, first, 50_000, data[50_000:])
    assert r.status_code == 204 and r.headers["Upload-Offset"] == "200000"
    assert central_server.blobs.blob_path(hashlib.sha256(data).hexdigest()).read_bytes() == data


def test_wrong_offset_and_corrupt_chunk_are_refused(client: httpx.Client,
                                                    central_server: Running) -> None:
    token = central_server.token
    data = os.urandom(100_000)
    loc = create(client, token, data)
    r = patch(client, token, loc, 10, data[10:20])
    assert r.status_code == 409 and r.json()["offset"] == 0
    r = patch(client, token, loc, 0, data[:1000], check=checksum(b"other bytes"))
    assert r.status_code == 460
    assert client.head(loc, headers={**auth(token), **TUS}).headers["Upload-Offset"] == "0"
    r = client.patch(loc, content=data[:10], headers={
        **auth(token), **TUS, "Upload-Offset": "0", "Content-Type": "text/plain"})
    assert r.status_code == 415


def test_blob_whose_bytes_do_not_match_its_name_is_discarded(client: httpx.Client,
                                                            central_server: Running) -> None:
    token = central_server.token
    claimed = hashlib.sha256(b"the real file").hexdigest()
    r = client.post("/v1/uploads", headers={**auth(token), **TUS, "Upload-Length": "5",
                                            "Upload-Metadata": meta(claimed)})
    loc = r.headers["Location"]
    assert patch(client, token, loc, 0, b"wrong").status_code == 460
    assert client.head(loc, headers={**auth(token), **TUS}).status_code == 404
    assert client.head(f"/v1/blobs/{claimed}", headers=auth(token)).status_code == 404


def test_upload_of_another_device_is_not_visible(client: httpx.Client,
                                                 central_server: Running) -> None:
    loc = create(client, central_server.token, b"abc")
    r = client.head(loc, headers={**auth(central_server.other_token), **TUS})
    assert r.status_code == 404


def test_expired_upload_answers_410(client: httpx.Client, central_server: Running) -> None:
    loc = create(client, central_server.token, b"abcdef")
    with central_server.db.transaction() as tx:
        tx.execute("UPDATE uploads SET expires_at = '2000-01-01T00:00:00+07:00'")
    assert client.head(loc, headers={**auth(central_server.token), **TUS}).status_code == 410


def test_dossier_needs_its_blobs_then_is_stored_once(client: httpx.Client,
                                                     central_server: Running) -> None:
    token = central_server.token
    pages = [os.urandom(5000), os.urandom(7000)]
    body = dossier(pages=pages)
    did, key = new_id(), new_id()
    headers = {**auth(token), "Idempotency-Key": key}
    r = client.put(f"/v1/dossiers/{did}", json=body, headers=headers)
    assert r.status_code == 409 and r.json()["error"] == "missing_blobs"
    assert sorted(r.json()["missing"]) == sorted(hashlib.sha256(p).hexdigest() for p in pages)
    for p in pages:
        upload(client, token, p)
    r = client.put(f"/v1/dossiers/{did}", json=body, headers=headers)
    assert r.status_code == 201
    ack = r.json()
    assert ack["id"] == did and ack["server_version"] == 1 and ack["server_seq"] >= 1
    # The answer was lost; the retry gets the stored response, and nothing is written twice.
    again = client.put(f"/v1/dossiers/{did}", json=body, headers=headers)
    assert again.status_code == 201 and again.json() == ack
    assert again.headers["Idempotent-Replayed"] == "true"
    with central_server.db.transaction() as tx:
        assert tx.one("SELECT COUNT(*) AS n FROM dossiers")["n"] == 1  # type: ignore[index]
        assert tx.one("SELECT COUNT(*) AS n FROM changes")["n"] == 1  # type: ignore[index]
    # The same key with another payload is a client bug: 422.
    other = dict(body, summary="khác")
    r = client.put(f"/v1/dossiers/{did}", json=other, headers=headers)
    assert r.status_code == 422 and r.json()["error"] == "idempotency_key_reused"


def test_device_writes_only_its_own_unit(client: httpx.Client, central_server: Running) -> None:
    body = dossier(unit=OTHER_UNIT)
    r = client.put(f"/v1/dossiers/{new_id()}", json=body,
                   headers={**auth(central_server.token), "Idempotency-Key": new_id()})
    assert r.status_code == 403 and r.json()["error"] == "wrong_unit"


def test_code_is_never_given_to_two_dossiers(client: httpx.Client,
                                             central_server: Running) -> None:
    h = auth(central_server.token)
    body = dossier(code_seq=1002)
    assert client.put(f"/v1/dossiers/{new_id()}", json=body,
                      headers={**h, "Idempotency-Key": new_id()}).status_code == 201
    r = client.put(f"/v1/dossiers/{new_id()}", json=body, headers={**h, "Idempotency-Key": new_id()})
    assert r.status_code == 409 and r.json()["error"] == "duplicate_code"


def test_update_needs_current_version_and_keeps_pages(client: httpx.Client,
                                                      central_server: Running) -> None:
    token = central_server.token
    h = auth(token)
    page = os.urandom(3000)
    upload(client, token, page)
    did = new_id()
    body = dossier(code_seq=1003, pages=[page])
    assert client.put(f"/v1/dossiers/{did}", json=body,
                      headers={**h, "Idempotency-Key": new_id()}).status_code == 201
    # The province moved it meanwhile: the counter's edit on version 1 is stale.
    service.set_status(central_server.db, body["code"], 4, "chuyển phòng Tư pháp", "tỉnh")
    edit = dict(body, summary="bổ sung số điện thoại", base_version=1, status=4)
    r = client.put(f"/v1/dossiers/{did}", json=edit, headers={**h, "Idempotency-Key": new_id()})
    assert r.status_code == 409 and r.json()["error"] == "stale_version"
    assert r.json()["current"]["status"] == 4 and r.json()["current"]["server_version"] == 2
    edit["base_version"] = 2
    r = client.put(f"/v1/dossiers/{did}", json=edit, headers={**h, "Idempotency-Key": new_id()})
    assert r.status_code == 200 and r.json()["server_version"] == 3
    # Scans are append-only: dropping a page already sent is refused.
    dropped = dict(edit, base_version=3, components=[])
    r = client.put(f"/v1/dossiers/{did}", json=dropped, headers={**h, "Idempotency-Key": new_id()})
    assert r.status_code == 422 and r.json()["error"] == "pages_removed"
    # An impossible status step is refused with the status machine's reason.
    back = dict(edit, base_version=3, status=1)
    r = client.put(f"/v1/dossiers/{did}", json=back, headers={**h, "Idempotency-Key": new_id()})
    assert r.status_code == 422 and r.json()["error"] == "invalid_transition"


def test_invalid_body_is_422_with_reason(client: httpx.Client, central_server: Running) -> None:
    r = client.put(f"/v1/dossiers/{new_id()}", json={"code": "nope"},
                   headers={**auth(central_server.token), "Idempotency-Key": "k"})
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"
    r = client.put(f"/v1/dossiers/{new_id()}", json=dossier(),
                   headers=auth(central_server.token))
    assert r.status_code == 422  # no Idempotency-Key


def test_change_feed_brings_status_changes_to_the_unit_only(client: httpx.Client,
                                                            central_server: Running) -> None:
    h = auth(central_server.token)
    did = new_id()
    body = dossier(code_seq=1004)
    client.put(f"/v1/dossiers/{did}", json=body, headers={**h, "Idempotency-Key": new_id()})
    admin = auth(central_server.admin_token)
    for to in (4, 9):
        r = client.post(f"/v1/admin/dossiers/{body['code']}/status",
                        json={"to": to, "note": f"bước {to}", "by": "chuyên viên"},
                        headers=admin)
        assert r.status_code == 200, r.text
    feed = client.get("/v1/changes", params={"since": 0, "limit": 2}, headers=h).json()
    assert [c["kind"] for c in feed["changes"]] == ["created", "status"]
    assert feed["more"] is True
    rest = client.get("/v1/changes", params={"since": feed["next"]}, headers=h).json()
    assert [(c["status"], c["server_version"]) for c in rest["changes"]] == [(9, 3)]
    assert rest["changes"][0]["note"] == "bước 9" and rest["more"] is False
    other = client.get("/v1/changes", headers=auth(central_server.other_token)).json()
    assert other["changes"] == []
    # Bad step from the province side too.
    r = client.post(f"/v1/admin/dossiers/{body['code']}/status", json={"to": 4}, headers=admin)
    assert r.status_code == 422
    # A device may not use admin endpoints.
    r = client.post(f"/v1/admin/dossiers/{body['code']}/status", json={"to": 10}, headers=h)
    assert r.status_code == 403


def test_pruned_feed_answers_410(client: httpx.Client, central_server: Running) -> None:
    h = auth(central_server.token)
    for seq in (1005, 1006, 1007):
        client.put(f"/v1/dossiers/{new_id()}", json=dossier(code_seq=seq),
                   headers={**h, "Idempotency-Key": new_id()})
    service.prune_changes(central_server.db, below_seq=3)
    r = client.get("/v1/changes", params={"since": 0}, headers=h)
    assert r.status_code == 410 and r.json()["error"] == "cursor_expired"
    r = client.get("/v1/changes", params={"since": 2}, headers=h)
    assert [c["seq"] for c in r.json()["changes"]] == [3]


def test_export_uses_national_portal_fields(client: httpx.Client,
                                            central_server: Running) -> None:
    token = central_server.token
    page = os.urandom(4000)
    upload(client, token, page)
    body = dossier(code_seq=1008, pages=[page])
    client.put(f"/v1/dossiers/{new_id()}", json=body,
               headers={**auth(token), "Idempotency-Key": new_id()})
    r = client.get(f"/v1/admin/dossiers/{body['code']}/export",
                   headers=auth(central_server.admin_token))
    out = r.json()
    assert out["MaHoSo"] == body["code"] and out["MaTTHC"] == "1.001193"
    assert out["NgayTiepNhan"] == "20261122081500" and out["NgayHenTra"] == "20261122160000"
    assert out["TrangThaiHoSo"] == 2 and out["KenhThucHien"] == 1
    assert out["ChuHoSo"] == "Đinh Thị Huyền"
    assert out["TaiLieuNop"][0]["MaHash"] == hashlib.sha256(page).hexdigest()
    assert out["HoSoCoThanhPhanSoHoa"] == 1


def test_blob_download_is_limited_to_the_unit(client: httpx.Client,
                                              central_server: Running) -> None:
    page = os.urandom(2048)
    sha = upload(client, central_server.token, page)
    client.put(f"/v1/dossiers/{uuid.uuid4()}", json=dossier(code_seq=1009, pages=[page]),
               headers={**auth(central_server.token), "Idempotency-Key": new_id()})
    assert client.get(f"/v1/blobs/{sha}", headers=auth(central_server.token)).content == page
    assert client.get(f"/v1/blobs/{sha}",
                      headers=auth(central_server.other_token)).status_code == 404


def test_full_disk_answers_507_with_retry_after(client: httpx.Client, central_server: Running,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from central.blobstore import BlobStoreFull, PartialFile

    def full(*_a: object) -> None:
        raise BlobStoreFull(28, "No space left on device")

    monkeypatch.setattr(PartialFile, "write", full)
    loc = create(client, central_server.token, b"0123456789")
    r = patch(client, central_server.token, loc, 0, b"0123456789")
    assert r.status_code == 507 and r.json()["error"] == "server_disk_full"
    assert int(r.headers["Retry-After"]) > 0 and "date" in r.headers
    head = client.head(loc, headers={**auth(central_server.token), **TUS})
    assert head.headers["Upload-Offset"] == "0"  # nothing half-written was acknowledged
