"""A database made by the schema-1 server opens on this one (both engines): the device
columns are added, tokens keep working, and each unit keeps the blobs its dossiers list."""

from __future__ import annotations

import hashlib

import pytest

from central import schema, service
from central.db import Database
from central.models import DossierIn
from tests.central.helpers import OTHER_UNIT, UNIT, dossier, new_id

PAGE = b"%PDF-1.4 trang 1"
SHA = hashlib.sha256(PAGE).hexdigest()


def _make_schema_1(db: Database) -> str:
    """The current schema taken back to 1: what a database of the previous server holds."""
    token = service.add_device(db, UNIT, "quầy 1")["token"]
    dev = service.authenticate(db, token)
    with db.transaction() as tx:
        tx.execute("INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, '2026-01-01')",
                   (SHA, len(PAGE)))
        tx.execute("INSERT INTO blob_owners (unit_code, sha256, proved_at, how)"
                   " VALUES (?, ?, '2026-01-01', 'upload')", (UNIT, SHA))
    service.put_dossier(db, dev, new_id(), "op",
                        DossierIn.model_validate(dossier(1001, pages=[PAGE])))
    with db.transaction() as tx:
        for _table, column, _kind in schema.ADDED_IN_2:
            tx.execute(f"ALTER TABLE devices DROP COLUMN {column}")
        tx.execute("DROP TABLE blob_owners")
        tx.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        tx.execute("DELETE FROM meta WHERE key = 'possession_secret'")
    return token


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_schema_1_is_migrated(engine: str, request: pytest.FixtureRequest, tmp_path) -> None:
    if engine == "sqlite":
        url = str(tmp_path / "old.sqlite3")
    else:
        from tests.pg_cluster import fresh_pg_db

        url = fresh_pg_db(request.getfixturevalue("pg_url"))
    old = Database(url)
    token = _make_schema_1(old)
    old.close()
    db = Database(url)  # migrates
    try:
        with db.transaction(write=False) as tx:
            version = tx.one("SELECT value FROM meta WHERE key = 'schema_version'")
            owners = tx.all("SELECT unit_code, sha256, how FROM blob_owners")
            secret = tx.one("SELECT value FROM meta WHERE key = 'possession_secret'")
        assert version == {"value": str(schema.SCHEMA_VERSION)}
        assert owners == [{"unit_code": UNIT, "sha256": SHA, "how": "referenced"}]
        assert secret is not None and len(secret["value"]) == 64
        dev = service.authenticate(db, token, "a" * 64)  # binds on the new column
        assert dev.unit_code == UNIT
        assert [d["machine_id"] for d in service.list_devices(db)] == ["a" * 64]
        service.add_device(db, OTHER_UNIT)
        Database(url).close()  # opening again changes nothing
        with db.transaction(write=False) as tx:
            assert len(tx.all("SELECT unit_code FROM blob_owners")) == 1
    finally:
        db.close()
