"""Two ``kiosk central serve`` processes on one PostgreSQL database and one blob directory:
what a load balancer in front of several app servers does (docs/SCALING.md)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.central_procs import CentralProcs
from central import service
from central.blobstore import BlobStore
from central.db import Database
from kiosk.config import Config
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput, Store
from kiosk.sync import machine
from kiosk.sync.engine import SyncEngine
from kiosk.sync.transport import make_client
from tests.central.helpers import TUS, auth, create, patch
from tests.pg_cluster import fresh_pg_db

UNITS = ("000.00.04.H40", "000.00.05.H40")


class Two:
    def __init__(self, db_url: str, blob_dir: Path, procs: CentralProcs, admin: str) -> None:
        self.db_url = db_url
        self.blob_dir = blob_dir
        self.procs = procs
        self.urls = procs.urls
        self.admin = admin

    def enrol(self, unit: str, via: int) -> str:
        r = httpx.post(self.urls[via] + "/v1/admin/devices", headers=auth(self.admin),
                       json={"unit_code": unit, "name": "quầy"}, timeout=30)
        assert r.status_code == 201, r.text
        return str(r.json()["token"])


@pytest.fixture(scope="module")
def two(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Two]:
    tmp = tmp_path_factory.mktemp("two-servers")
    db_url = fresh_pg_db(pg_url)
    db = Database(db_url)
    admin = service.add_device(db, "ADMIN", "tỉnh", role="admin")["token"]
    db.close()
    procs = CentralProcs(db_url, tmp / "blobs", 2, tmp).start()
    try:
        yield Two(db_url, tmp / "blobs", procs, admin)
    finally:
        procs.stop()


def _store(root: Path, unit: str) -> Store:
    config = Config(root / "config.toml", {"unit": {"code": unit}})
    return Store(root / "kiosk.sqlite3", root / "files", config, orphan_grace_seconds=None)


def _save(store: Store, n: int) -> None:
    shas = [store.put_file(b"%PDF-1.4\n" + os.urandom(30_000 + 1000 * i)) for i in range(2)]
    store.save_dossier(DossierInput(
        "1.001193", ApplicantInput(f"Trần Văn Hai {n}", id_number="001158024485"),
        components=[ComponentInput("Tờ khai", code="TK", pages=[PageInput(s) for s in shas])]),
        actor="clerk1")


def _read_feed(url: str, token: str, since: int, limit: int) -> dict[str, Any]:
    # The counters' engines bound their tokens to this machine's id: the reader sends it too.
    r = httpx.get(url + "/v1/changes", params={"since": since, "limit": limit},
                  headers=auth(token) | {machine.HEADER: machine.machine_id()}, timeout=30)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_counters_alternating_between_servers_sync_exactly_once(two: Two,
                                                                 tmp_path: Path) -> None:
    tokens = [two.enrol(UNITS[0], via=1), two.enrol(UNITS[1], via=0)]
    stores = [_store(tmp_path / f"counter{i}", UNITS[i]) for i in range(2)]
    clients = [make_client(u) for u in two.urls]
    engines = [SyncEngine(s, clients[0], partial(str, t)) for s, t in zip(stores, tokens,
                                                                            strict=True)]
    seen: list[int] = []
    stop = threading.Event()
    reader_errors: list[BaseException] = []

    def reader() -> None:
        # A reader of unit 0's feed switching server on every page, while both counters push.
        cursor, turn = 0, 0
        try:
            while True:
                done = stop.is_set()
                while True:
                    feed = _read_feed(two.urls[turn % 2], tokens[0], cursor, 2)
                    turn += 1
                    seen.extend(int(c["seq"]) for c in feed["changes"])
                    cursor = int(feed["next"])
                    if not feed["more"]:
                        break
                if done:
                    return
                stop.wait(0.05)
        except BaseException as exc:  # reported by the test below
            reader_errors.append(exc)

    watcher = threading.Thread(target=reader)
    watcher.start()
    try:
        for round_ in range(4):
            for i, store in enumerate(stores):
                _save(store, round_)
                # Counter i talks to server (round + i) % 2: every pass lands on the other one.
                engines[i].http = clients[(round_ + i) % 2]
            results: list[dict[str, Any]] = [{}, {}]

            def push(i: int, out: list[dict[str, Any]] = results) -> None:
                out[i] = engines[i].run_once(ignore_backoff=True)

            threads = [threading.Thread(target=push, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for r in results:
                assert r["online"] and r["waiting"] == 0, r
    finally:
        stop.set()
        watcher.join(timeout=60)
    assert not reader_errors, reader_errors

    db = Database(two.db_url)
    try:
        with db.transaction(write=False) as tx:
            remote = tx.all("SELECT id, code, unit_code FROM dossiers WHERE unit_code IN (?, ?)",
                            UNITS)
            created = tx.all("SELECT dossier_id FROM changes WHERE kind = 'created'"
                             " AND unit_code IN (?, ?)", UNITS)
            unit0_seqs = [r["seq"] for r in tx.all(
                "SELECT seq FROM changes WHERE unit_code = ? ORDER BY seq", (UNITS[0],))]
            pages = tx.all("SELECT p.sha256 FROM dossier_pages p JOIN dossiers d"
                           " ON d.id = p.dossier_id WHERE d.unit_code IN (?, ?)", UNITS)
    finally:
        db.close()
    local = {row[0]: row[1] for s in stores for row in s.read(
        lambda conn: conn.execute("SELECT id, code FROM dossiers").fetchall())}
    assert len(local) == 8
    assert {r["id"]: r["code"] for r in remote} == local  # every dossier, once, same code
    assert len({r["code"] for r in remote}) == len(remote)
    assert sorted(r["dossier_id"] for r in created) == sorted(local)
    # The feed read through both servers: every event once, in order, none missed.
    assert seen == unit0_seqs and len(seen) == 4
    blobs = BlobStore(two.blob_dir)
    assert len(pages) == 16
    for row in pages:
        assert blobs.rehash(row["sha256"]) == row["sha256"]
    assert not list((two.blob_dir / "partial").iterdir())
    for s in stores:
        s.close()
    for c in clients:
        c.close()


def test_tus_upload_started_on_one_server_finishes_on_the_other(two: Two) -> None:
    """Blobs and partial uploads live in the shared blob directory and the upload's offset
    in the shared database, so a resumed upload needs no sticky routing here."""
    token = two.enrol(UNITS[0], via=0)
    data = os.urandom(200_000)
    sha = hashlib.sha256(data).hexdigest()
    a, b = (httpx.Client(base_url=u, timeout=30) for u in two.urls)
    with a, b:
        location = create(a, token, data, idempotent=True)
        assert patch(a, token, location, 0, data[:80_000]).status_code == 204
        # The link dropped; the counter comes back through the balancer to the other server.
        head = b.head(location, headers={**auth(token), **TUS})
        assert head.status_code == 200 and head.headers["Upload-Offset"] == "80000"
        # Creating again under the same Idempotency-Key, as the kiosk client does (the
        # answer was lost), finds the same upload on either server.
        assert create(b, token, data, idempotent=True) == location
        r = patch(b, token, location, 80_000, data[80_000:])
        assert r.status_code == 204 and r.headers["Upload-Offset"] == "200000"
        assert a.head(f"/v1/blobs/{sha}", headers=auth(token)).status_code == 200
        # The unit uploaded it, so it may read it back from either server.
        assert a.get(f"/v1/blobs/{sha}", headers=auth(token)).content == data
    assert BlobStore(two.blob_dir).blob_path(sha).read_bytes() == data
