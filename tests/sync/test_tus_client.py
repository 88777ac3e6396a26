"""The sync client's tus side against the real central server: an empty scan, OPTIONS."""

from __future__ import annotations

import hashlib

from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput, Store
from kiosk.sync.tus import discover
from tests.sync.conftest import Central, assert_sync_properties, engine_for, save_dossier


def test_a_dossier_with_an_empty_file_is_sent(store: Store, central: Central) -> None:
    empty = store.put_file(b"")
    assert empty == hashlib.sha256(b"").hexdigest()
    inp = DossierInput("1.001193", ApplicantInput("Đinh Thị Huyền", id_number="001158024485"),
                       components=[ComponentInput("Tờ khai", code="TK",
                                                  pages=[PageInput(empty)])])
    store.save_dossier(inp, actor="clerk1")
    engine = engine_for(store, central.url, central.token)
    result = engine.run_once()
    assert result["ok"] and result["sent"] == 1 and result["waiting"] == 0, result
    assert central.blobs.blob_path(empty).read_bytes() == b""
    assert_sync_properties(store, central)


def test_the_client_reads_the_servers_capabilities(store: Store, central: Central) -> None:
    engine = engine_for(store, central.url, central.token)
    server = discover(engine.http, "/v1/uploads")
    assert {"creation", "checksum", "expiration"} <= server.extensions
    assert server.checksum == "sha256" and server.max_size
    assert server.max_chunk is None  # a PATCH may be any part of the file (no chunk limit)
    save_dossier(store, pages=1)
    assert engine.run_once()["ok"]
    assert_sync_properties(store, central)


def test_sha1_is_used_where_a_server_offers_only_sha1(tmp_path, central: Central) -> None:
    import base64
    import os

    from kiosk.sync.transport import make_client
    from kiosk.sync.tus import TUS, ChunkSizer, TusServer, Upload, checksum_header

    data = os.urandom(200_000)
    path = tmp_path / "scan.bin"
    path.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    assert checksum_header("sha1", data) == {
        "Upload-Checksum": "sha1 " + base64.b64encode(hashlib.sha1(data).digest()).decode()}
    only_sha1 = TusServer(frozenset({"creation", "checksum"}), ("sha1",))
    assert only_sha1.checksum == "sha1"
    with make_client(central.url) as http:
        up = Upload(http, "/v1/uploads", path, len(data), {"sha256": sha},
                    lambda: {"Authorization": f"Bearer {central.token}", **TUS}, only_sha1,
                    ChunkSizer(64 * 1024))
        assert up.run(None) == len(data)
    assert central.blobs.blob_path(sha).read_bytes() == data


def test_a_file_beyond_tus_max_size_waits_for_a_person(store: Store, tmp_path) -> None:
    from central import service
    from central.blobstore import BlobStore
    from central.db import Database
    from central.limits import ServerLimits
    from central.runner import ServerThread
    from tests.sync.conftest import UNIT

    db = Database(str(tmp_path / "small.sqlite3"))
    token = service.add_device(db, UNIT)["token"]
    with ServerThread(db, BlobStore(tmp_path / "small-blobs"),
                      limits=ServerLimits(max_blob_size=20_000)) as srv:
        save_dossier(store, pages=1, size=30_000)
        result = engine_for(store, srv.url, token).run_once()
    assert result["needs_attention"] == 1 and not result["ok"]
    assert "lớn hơn mức máy chủ nhận" in (result["last_error"] or "")
    assert store.outbox_counts()["needs_attention"] == 1  # kept, never deleted


def test_a_proxy_from_the_environment_is_used(store: Store, central: Central,
                                              monkeypatch) -> None:
    """A province network may require an HTTP proxy (``http_proxy``/``https_proxy``, as httpx
    reads them): the hardened transport keeps using it."""
    from tests.sync.hostile import Hostile

    proxy = Hostile(central.url, sink_port=9).start()
    try:
        monkeypatch.setenv("http_proxy", proxy.url)
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        save_dossier(store, pages=2)
        assert engine_for(store, central.url, central.token).run_once()["ok"]
    finally:
        proxy.stop()
    assert ("GET", "/v1/health") in proxy.seen and ("GET", "/v1/changes") in proxy.seen
    assert_sync_properties(store, central)
