"""Fixtures for the central server: its database (SQLite and a real PostgreSQL), the app
served by uvicorn on loopback, and enrolled devices."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from central import service
from central.blobstore import BlobStore
from central.db import Database
from central.runner import ServerThread
from tests.central.helpers import OTHER_UNIT, UNIT, Running
from tests.pg_cluster import fresh_pg_db


@pytest.fixture(params=["sqlite", "postgres"])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        db = Database(str(tmp_path / "central.sqlite3"))
    else:
        db = Database(fresh_pg_db(request.getfixturevalue("pg_url")))
    yield db
    db.close()


@pytest.fixture
def central_server(tmp_path: Path) -> Iterator[Running]:
    db = Database(str(tmp_path / "central.sqlite3"))
    blobs = BlobStore(tmp_path / "blobs")
    tokens = [service.add_device(db, UNIT, "quầy 1")["token"],
              service.add_device(db, OTHER_UNIT, "xã khác")["token"],
              service.add_device(db, "ADMIN", "tỉnh", role="admin")["token"]]
    with ServerThread(db, blobs) as srv:
        yield Running(srv, srv.url, *tokens, blobs=blobs, db=db)
