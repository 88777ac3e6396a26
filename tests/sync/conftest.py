"""Sync fixtures: the real central server on loopback, a real Store, an engine."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from central import service
from central.blobstore import BlobStore
from central.db import Database
from central.faults import FaultMiddleware, FaultPlan
from central.runner import ServerThread
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput, Store
from kiosk.sync.engine import SyncEngine
from kiosk.sync.transport import make_client
from tests.sync.hostile import ROOT, Hostile, Rig, Sink

UNIT = "000.00.04.H40"


@dataclass
class Central:
    server: ServerThread
    db: Database
    blobs: BlobStore
    plan: FaultPlan
    token: str
    admin_token: str

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    db = Database(str(tmp_path / "central.sqlite3"))
    blobs = BlobStore(tmp_path / "central-blobs")
    plan = FaultPlan()
    token = service.add_device(db, UNIT, "quầy 1")["token"]
    admin = service.add_device(db, "ADMIN", role="admin")["token"]
    srv = ServerThread(db, blobs, middleware=[(FaultMiddleware, {"plan": plan})]).start()
    yield Central(srv, db, blobs, plan, token, admin)
    srv.stop()


@pytest.fixture
def store(kiosk_home: Path) -> Iterator[Store]:
    s = Store(orphan_grace_seconds=None)
    yield s
    s.close()


def save_dossier(store: Store, pages: int = 2, size: int = 50_000, name: str = "Đinh Thị Huyền"
                 ) -> Any:
    shas = [store.put_file(b"%PDF-1.4\n" + os.urandom(size)) for _ in range(pages)]
    inp = DossierInput("1.001193", ApplicantInput(name, id_number="001158024485",
                                                  phone="0912345678"),
                       components=[ComponentInput("Tờ khai", code="TK",
                                                  pages=[PageInput(s) for s in shas])])
    return store.save_dossier(inp, actor="clerk1")


def engine_for(store: Store, url: str, token: str, **kw: Any) -> SyncEngine:
    timeout = kw.pop("timeout", None)
    http = make_client(url, **({"timeout": timeout} if timeout else {}))
    return SyncEngine(store, http, lambda: token, **kw)


def assert_sync_properties(store: Store, central: Central) -> None:
    """SYNC.md "What tests must show", checked from both sides."""
    local = store.read(lambda db: db.execute(
        "SELECT id, code, status FROM dossiers ORDER BY id").fetchall())
    with central.db.transaction() as tx:
        remote = tx.all("SELECT id, code, status FROM dossiers ORDER BY id")
        pages = tx.all("SELECT DISTINCT sha256 FROM dossier_pages")
        codes = tx.all("SELECT code FROM dossiers GROUP BY code HAVING COUNT(*) > 1")
        max_seq = tx.one("SELECT max(seq) AS s FROM changes WHERE unit_code = ?", (UNIT,))
    # 1. ids equal, each exactly once (the primary key makes "once" structural).
    assert [(r[0], r[1]) for r in local] == [(r["id"], r["code"]) for r in remote]
    # 2. every page on the server re-hashes to its name.
    local_pages = store.read(lambda db: {r[0] for r in db.execute(
        "SELECT DISTINCT sha256 FROM pages").fetchall()})
    assert {p["sha256"] for p in pages} == local_pages
    for p in pages:
        assert central.blobs.rehash(p["sha256"]) == p["sha256"]
        assert hashlib.sha256(central.blobs.blob_path(p["sha256"]).read_bytes()).hexdigest() \
            == p["sha256"]
    # 3. no code twice.
    assert codes == []
    # 5. outbox drained; statuses and cursor equal the server's.
    counts = store.outbox_counts()
    assert counts["pending"] == counts["in_flight"] == counts["needs_attention"] == 0
    assert [r[2] for r in local] == [r["status"] for r in remote]
    cursor = store.read(lambda db: db.execute(
        "SELECT value FROM sync_meta WHERE key = 'cursor'").fetchone())
    assert int(cursor[0]) == int(max_seq["s"] or 0)  # type: ignore[index]
    # 6. no orphan files on either side, and integrity.
    on_disk = set(store.files.iter_hashes())
    rows = store.read(lambda db: {r[0] for r in db.execute("SELECT sha256 FROM files")})
    assert on_disk == rows
    with central.db.transaction(write=False) as tx:
        blob_rows = {r["sha256"] for r in tx.all("SELECT sha256 FROM blobs")}
    assert {p.name for p in (central.blobs.root / "blobs").rglob("*") if p.is_file()} == blob_rows
    assert store.read(lambda db: db.execute("PRAGMA integrity_check").fetchone()[0]) == "ok"
    assert store.check(rehash=True)["ok"] is True
    assert central.db.integrity_ok()


@pytest.fixture
def rig(central: Central, kiosk_home: Path) -> Iterator[Rig]:
    sink = Sink()
    hostile = Hostile(central.url, sink.port).start()
    env = {**os.environ, "KIOSK_HOME": str(kiosk_home), "PYTHONPATH": str(ROOT),
           "PYTHON_KEYRING_BACKEND": "kiosk.sync.demo_keyring.DemoFileKeyring"}
    env.pop("KIOSK_LANG", None)
    try:
        yield Rig(central, hostile, sink, kiosk_home, env)
    finally:
        hostile.stop()
        sink.stop()
