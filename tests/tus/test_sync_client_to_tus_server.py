"""Our sync client's tus code uploading to the official server (@tus/server + @tus/file-store).

@tus/server offers no checksum extension, answers a wrong offset with a plain-text 409 and
gives absolute ``Location`` URLs: the client must read OPTIONS, send no ``Upload-Checksum``,
ask HEAD after a 409 and resume.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from kiosk.storage import Store
from kiosk.sync.blobs import ChunkSizer, upload_blob
from kiosk.sync.transport import make_client
from kiosk.sync.tus import TUS, Upload, discover
from tests.sync.conftest import save_dossier
from tests.tus.conftest import TusNodeServer


def _stored(server: TusNodeServer, url: str) -> bytes:
    return (server.directory / url.rsplit("/", 1)[1]).read_bytes()


def _blob_item(store: Store) -> tuple[str, str, bytes]:
    save_dossier(store, pages=1, size=700_000)
    item = store.pending_outbox()[0]
    sha = item["blobs"][0]["sha256"]
    return item["id"], sha, store.file_path(sha).read_bytes()


def _upload_url(store: Store, op_id: str) -> str | None:
    return store.read(lambda db: db.execute(
        "SELECT upload_url FROM outbox_blobs WHERE operation_id = ?", (op_id,)).fetchone()[0])


def test_options_are_read_and_no_checksum_is_sent(store: Store,
                                                   tus_node_server: TusNodeServer) -> None:
    op_id, sha, data = _blob_item(store)
    with make_client(tus_node_server.url) as http:
        server = discover(http, "/v1/uploads")
        assert "creation" in server.extensions and server.checksum is None
        sent = upload_blob(http, store, op_id, sha, None, lambda: {"Authorization": "Bearer t"},
                           ChunkSizer(64 * 1024), lambda n: None, lambda: server)
    assert sent == len(data)
    url = _upload_url(store, op_id)
    assert url and url.startswith(f"{tus_node_server.url}/v1/uploads/")
    assert _stored(tus_node_server, url) == data
    patches = [r for r in tus_node_server.requests() if r["method"] == "PATCH"]
    assert len(patches) >= 3
    assert all("upload-checksum" not in r["headers"] for r in patches)
    assert all(r["headers"]["tus-resumable"] == "1.0.0" for r in patches)


def test_a_plain_text_409_is_answered_by_head_and_resume(store: Store,
                                                        tus_node_server: TusNodeServer) -> None:
    op_id, sha, data = _blob_item(store)
    chunk = 64 * 1024
    raced = []

    def another_writer(n: int) -> None:
        # After our first chunk, someone else (a retry racing the original) sends the next
        # one: our next PATCH is at a stale offset and @tus/server answers 409 in plain text.
        if raced:
            return
        url = _upload_url(store, op_id)
        assert url is not None
        r = httpx.patch(url, content=data[n:n + chunk], headers={
            **TUS, "Upload-Offset": str(n), "Content-Type": "application/offset+octet-stream"})
        assert r.status_code == 204, r.text
        raced.append(n)

    with make_client(tus_node_server.url) as http:
        upload_blob(http, store, op_id, sha, None, lambda: {}, ChunkSizer(chunk),
                    another_writer, lambda: discover(http, "/v1/uploads"))
    url = _upload_url(store, op_id)
    assert raced and url
    assert _stored(tus_node_server, url) == data
    log = tus_node_server.requests()
    conflict_then_head = [i for i, r in enumerate(log) if r["method"] == "HEAD"
                          and r["url"].startswith("/v1/uploads/")]
    assert conflict_then_head, "the client asked HEAD for the offset after the 409"


def test_resume_a_stored_url_after_a_restart(tmp_path: Path,
                                             tus_node_server: TusNodeServer) -> None:
    data = os.urandom(300_000)
    path = tmp_path / "scan.bin"
    path.write_bytes(data)
    stored: list[str | None] = []
    with make_client(tus_node_server.url) as http:
        server = discover(http, "/v1/uploads")
        first = Upload(http, "/v1/uploads", path, len(data), {"filename": "scan.bin"},
                       lambda: {}, server, ChunkSizer(64 * 1024), stored.append)
        url, offset = first.create()
        assert offset == 0 and stored == [url]
        r = http.patch(url, content=data[:100_000], headers={
            **TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
        assert r.status_code == 204
        # "Restart": a new Upload object with only the stored URL.
        progress: list[int] = []
        again = Upload(http, "/v1/uploads", path, len(data), {"filename": "scan.bin"},
                       lambda: {}, server, ChunkSizer(64 * 1024), stored.append,
                       progress.append)
        sent = again.run(url)
    assert sent == len(data) - 100_000 and sum(progress) == sent
    assert _stored(tus_node_server, url) == data
    posts = [r for r in tus_node_server.requests() if r["method"] == "POST"]
    assert len(posts) == 1
