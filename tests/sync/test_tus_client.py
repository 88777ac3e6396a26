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
    assert server.checksum == "sha256" and server.max_size and server.max_chunk
    save_dossier(store, pages=1)
    assert engine.run_once()["ok"]
    assert_sync_properties(store, central)
