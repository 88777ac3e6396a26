"""Migrations from empty and from every earlier version, and the connection pragmas."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kiosk.storage import Store
from kiosk.storage.connection import connect, enable_wal
from kiosk.storage.schema import MIGRATION_NAMES, migrate, migrations
from kiosk.storage.sqlite import Database


def test_migrations_from_empty_create_every_table(kiosk_home: Path) -> None:
    store = Store(orphan_grace_seconds=None)
    try:
        assert store.migrations_applied == list(MIGRATION_NAMES)
        tables = set(store.reader().table_names())
        for name in ("procedures", "dossiers", "applicants", "components", "pages", "files", "status_events",
                     "audit_log", "settings", "code_counters", "catalog_versions", "outbox",
                     "outbox_blobs", "drafts", "dossier_fts"):
            assert name in tables
    finally:
        store.close()
    again = Store(orphan_grace_seconds=None)
    try:
        assert again.migrations_applied == []
    finally:
        again.close()


def test_registered_migrations_match_the_published_order() -> None:
    assert tuple(m.name for m in migrations._migrations) == MIGRATION_NAMES


def _insert_old_dossier(db: Database) -> None:
    # Raw SQL as an older version of the app would have written it (schema of 0001).
    db.execute("INSERT INTO catalog_versions VALUES ('2025.1', '2026-01-05T08:00:00+07:00', 3)")
    db.execute("INSERT INTO procedures VALUES ('2025.1', '1.001193', 'Đăng ký khai sinh', '{}')")
    db.execute(
        "INSERT INTO dossiers (id, code, unit_code, day, seq, counter, procedure_code, "
        "procedure_name, catalog_version, channel, status, received_at, due_at, "
        "received_by, updated_at) VALUES ('old-1', '000.00.04.H40-260105-1001', "
        "'000.00.04.H40', '2026-01-05', 1001, 1, '1.001193', 'Đăng ký khai sinh', "
        "'2025.1', 1, 2, '2026-01-05T08:00:00+07:00', '2026-01-05T17:00:00+07:00', 'a', "
        "'2026-01-05T08:00:00+07:00')"
    )
    db.execute("INSERT INTO applicants (dossier_id, name, id_number, phone) "
               "VALUES ('old-1', 'Trần Thị Bích Đào', '079190000111', '0987654321')")
    db.execute("INSERT INTO files VALUES ('" + "a" * 64 + "', 3, 'application/pdf', 'x')")
    db.execute("INSERT INTO components (dossier_id, position, name) VALUES ('old-1', 1, 'Tờ khai')")
    db.execute("INSERT INTO pages (component_id, position, sha256) VALUES (1, 1, '" + "a" * 64 + "')")
    db.execute("INSERT INTO code_counters VALUES ('000.00.04.H40', '2026-01-05', 1, 1001)")
    if "dossier_fts" in db.table_names():  # an app at 0002 or later kept the index itself
        db.execute("INSERT INTO dossier_fts (rowid, code, name, id_number, phone) "
                   "SELECT num, code, 'tran thi bich dao', '079190000111', '0987654321' "
                   "FROM dossiers")
    if "outbox" in db.table_names():  # ... and queued its saves
        from kiosk.storage import outbox

        with db.atomic():
            outbox.enqueue(db, "dossier.upsert", "old-1", {}, ["a" * 64])


@pytest.mark.parametrize("stop_before", MIGRATION_NAMES[1:])
def test_migrate_from_each_previous_version_keeps_data(tmp_path: Path, stop_before: str) -> None:
    path = tmp_path / "old.sqlite3"
    db = connect(path)
    enable_wal(db)
    migrations.apply(db, stop_before=stop_before)
    _insert_old_dossier(db)
    applied_before = {m.name for m in migrations.applied(db)}
    db.conn.close()

    db = connect(path)
    applied = migrate(db)
    assert applied == [n for n in MIGRATION_NAMES if n not in applied_before]
    # The old dossier is searchable (index back-filled) and queued for sync.
    rows = db.execute("SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH 'dao'").fetchall()
    assert len(rows) == 1
    ops = db.execute("SELECT kind, dossier_id FROM outbox").fetchall()
    assert ops == [("dossier.upsert", "old-1")]
    blobs = db.execute("SELECT sha256 FROM outbox_blobs").fetchall()
    assert blobs == [("a" * 64,)]
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.conn.close()


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    db = connect(path)
    migrations.apply(db, stop_before="0002_search")
    # A table in the way makes 0002 fail half-way: nothing of it may remain.
    db.execute("CREATE TABLE dossier_fts (x)")
    with pytest.raises(sqlite3.OperationalError):
        migrate(db)
    assert [m.name for m in migrations.applied(db)] == ["0001_core"]
    assert "outbox" not in db.table_names()
    db.conn.close()


def test_connections_use_wal_full_sync_and_foreign_keys(store: Store) -> None:
    db = store.reader()
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.OperationalError):
        db.execute("DELETE FROM settings")  # readers are read-only


def test_foreign_keys_are_enforced_on_the_writer(store: Store) -> None:
    def orphan_page(db: Database) -> None:
        with db.atomic():
            db.execute("INSERT INTO pages (component_id, position, sha256) VALUES (999, 1, ?)",
                        ("b" * 64,))

    with pytest.raises(Exception, match="FOREIGN KEY"):
        store.call(orphan_page)


def test_dossier_records_the_form_set_in_force_at_reception(store: Store) -> None:
    from kiosk.storage import ApplicantInput, DossierInput

    store.config.set("forms.set", "tt01-2018")
    saved = store.save_dossier(DossierInput("2.000815", ApplicantInput(name="Lò Văn Páo")), "a")
    store.config.set("forms.set", "tt03-2025")
    assert store.get_dossier(saved.code)["form_set"] == "tt01-2018"


@pytest.mark.parametrize("stop_before", ["0003_outbox", "0010_speed_name_keys"])
def test_a_database_sqlite_utils_migrated_is_brought_forward(tmp_path: Path,
                                                             stop_before: str) -> None:
    """Counters before 2026-12 kept their migration record with sqlite-utils' Migrations:
    that record is read as it is, and each side reads what the other wrote."""
    import sqlite_utils
    from sqlite_utils.migrations import Migrations as UpstreamMigrations

    path = tmp_path / "upstream.sqlite3"
    upstream = UpstreamMigrations("kiosk")
    for m in migrations._migrations:
        upstream(name=m.name)(m.fn)  # type: ignore[arg-type]
    old = sqlite_utils.Database(str(path))
    upstream.apply(old, stop_before=stop_before)
    _insert_old_dossier(old)  # type: ignore[arg-type]
    before = [m.name for m in upstream.applied(old)]
    old.close()

    db = connect(path)
    assert [m.name for m in migrations.applied(db)] == before
    applied = migrate(db)
    assert applied == [n for n in MIGRATION_NAMES if n not in before]
    assert db.execute("SELECT count(*) FROM dossiers").fetchone()[0] == 1
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.conn.close()

    again = sqlite_utils.Database(str(path))
    assert [m.name for m in upstream.applied(again)] == list(MIGRATION_NAMES)
    assert upstream.pending(again) == []
    again.close()


def test_fresh_migration_record_matches_sqlite_utils_layout(tmp_path: Path) -> None:
    import sqlite_utils
    from sqlite_utils.migrations import Migrations as UpstreamMigrations

    ours = connect(tmp_path / "ours.sqlite3")
    migrate(ours)
    theirs = sqlite_utils.Database(str(tmp_path / "theirs.sqlite3"))
    UpstreamMigrations("other").ensure_migrations_table(theirs)

    def layout(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
        return conn.execute("SELECT type, name, sql FROM sqlite_master "
                            "WHERE tbl_name = '_sqlite_migrations' ORDER BY name").fetchall()

    assert layout(ours.conn) == layout(theirs.conn)
    ours.conn.close()
    theirs.close()
