"""The :class:`Store`: the one object the app, the CLI and the sync worker use for storage.

Writes run on the store's single writer thread (futures; :meth:`Store.submit` for callers
that must not block, such as the UI); reads use one read-only connection per calling
thread, so a long report never holds the writer up (WAL).
"""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from kiosk import paths
from kiosk.catalog import Catalog, load_catalog
from kiosk.clock import now
from kiosk.config import Config
from kiosk.dossier import Status, check_transition, parse_status
from kiosk.errors import KioskError, NotFound, StorageError
from kiosk.i18n import _
from kiosk.storage import (
    dossiers,
    drafts,
    identity,
    late,
    maintenance,
    numbers,
    outbox,
    ownership,
    records,
    settings,
    upkeep,
)
from kiosk.storage import results as stored_results
from kiosk.storage.connection import connect, enable_wal, is_disk_full
from kiosk.storage.files import FileStore, StoredFile, disk_full_error
from kiosk.storage.full_disk import RefusingWriter, connect_immutable, readable_on_full_disk
from kiosk.storage.model import DossierInput, ProcedureInfo, SavedDossier
from kiosk.storage.schema import migrate
from kiosk.storage.sqlite import Database
from kiosk.storage.writer import WriterThread
from kiosk.working_time import WorkingCalendar

T = TypeVar("T")
log = logging.getLogger(__name__)

#: Files younger than this are never collected: another process (the app, while a CLI
#: command opens the store) may hold a fresh scan that its next draft or save references.
ORPHAN_GRACE_SECONDS = 3600.0


class Store:
    """Open (creating and migrating when needed) the database and the file store.

    :param path: the SQLite file (default: ``paths.database_file()``)
    :param files_root: the file store directory (default: ``paths.files_dir()``)
    :param config: unit code, counter number, calendar and catalog come from it
    :param orphan_grace_seconds: ``None`` skips orphan collection at start-up
    :param catalog: the procedure catalog (default: loaded from config on first use)
    :param calendar: the working-time calendar (default: built from config on first use)
    """

    def __init__(
        self,
        path: Path | None = None,
        files_root: Path | None = None,
        config: Config | None = None,
        *,
        orphan_grace_seconds: float | None = ORPHAN_GRACE_SECONDS,
        catalog: Catalog | None = None,
        calendar: WorkingCalendar | None = None,
    ) -> None:
        self.path = path or paths.database_file()
        self.config = config or Config.load()
        self._catalog = catalog
        self._calendar = calendar
        #: (code, catalog version asked) → (catalog, calendar, what procedure_info gives).
        self._procedures: dict[tuple[str, str | None], tuple[Any, Any, Any]] = {}
        #: Catalogs replaced while the program runs, by version: an intake begun under one
        #: is saved under it (kiosk.publications).
        self._replaced: dict[str, Catalog] = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.files = FileStore(files_root or paths.files_dir())
        except OSError as exc:
            if is_disk_full(exc):
                raise disk_full_error(self.path.parent) from exc
            raise StorageError(
                _("Không mở được thư mục dữ liệu {path}: {error}", path=str(self.path.parent),
                  error=exc.strerror or str(exc)),
                hint=_("Kiểm tra quyền ghi thư mục dữ liệu."),
            ) from exc
        self._lock_fd = identity.hold_shared_lock(self.path)
        self.numbers = numbers.IssuedNumbers(self.files.root)
        #: Counters raised at opening because the database was behind the numbers issued.
        self.numbers_caught_up: list[dict[str, Any]] = []
        self.store_id = ""
        self.migrations_applied: list[str] = []
        #: True while the disk is too full to open the write connection: reads still work.
        self.disk_full = False
        self._checkpointer: upkeep.Checkpointer | None = None
        self._writer: WriterThread | RefusingWriter
        try:
            self._writer = WriterThread(self._open_writer, idle=upkeep.fts_merge_step,
                                        idle_done=upkeep.restore_writer,
                                        after_write=self._after_write)
        except StorageError as exc:
            if not (self.disk_full and readable_on_full_disk(self.path)):
                identity.release_lock(self._lock_fd)
                raise
            self._writer = RefusingWriter(exc)
        except BaseException:
            identity.release_lock(self._lock_fd)
            raise
        else:
            self._checkpointer = upkeep.Checkpointer(self.path)
        self._local = threading.local()
        self._readers: list[Database] = []
        self._readers_lock = threading.Lock()
        # In-flight outbox items are not reset here: a CLI command opening the store must
        # not take items from the app's running sync worker. The drainer calls
        # recover_outbox() under its own lock.
        if orphan_grace_seconds is not None and not self.disk_full:
            try:
                self.collect_orphans(orphan_grace_seconds)
            except BaseException:
                self.close()
                raise

    def _open_writer(self) -> Database:
        db: Database | None = None
        try:
            # One process at a time decides whether the database is new: two starting
            # together must not each see the other's fresh database as a lost one.
            with identity.opening_lock(self.path):
                blank = identity.database_is_blank(self.path)
                if blank:
                    identity.refuse_if_files_are_owned(self.files, self.path)
                db = connect(self.path)
                if not blank and not identity.has_schema(db):
                    identity.refuse_if_files_are_owned(self.files, self.path)
                enable_wal(db)
                self.migrations_applied = migrate(db)
                self.store_id = identity.bind(db, self.files, self.path)
                self.numbers_caught_up = numbers.catch_up(db, self.numbers)
                self.numbers.compact(now().date())
            upkeep.configure_writer(db)
            return db
        except BaseException as exc:
            if db is not None:
                db.conn.close()
            self.disk_full = is_disk_full(exc, self.path.parent)
            if isinstance(exc, sqlite3.DatabaseError):
                raise self._storage_error(exc) from exc
            raise

    # --- plumbing -------------------------------------------------------------------------

    def _after_write(self, at: float) -> None:
        if self._checkpointer is not None:
            self._checkpointer.poke(at)

    def _storage_error(self, exc: BaseException) -> KioskError:
        if is_disk_full(exc, self.path.parent):
            return disk_full_error(self.path.parent)
        return StorageError(
            _("Lỗi cơ sở dữ liệu {path}: {error}", path=str(self.path), error=str(exc)),
            hint=_("Chạy «kiosk db check» để xem chi tiết; nếu lỗi còn, khôi phục từ bản sao "
                   "lưu gần nhất (kiosk db restore THƯ_MỤC_SAO_LƯU)."),
        )

    def submit(self, fn: Callable[[Database], T]) -> Future[T]:
        """Run ``fn(write_db)`` on the writer thread; database errors become StorageError."""
        def guarded(db: Database) -> T:
            try:
                return fn(db)
            except sqlite3.DatabaseError as exc:
                raise self._storage_error(exc) from exc

        return self._writer.submit(guarded)

    def call(self, fn: Callable[[Database], T]) -> T:
        """Run ``fn(write_db)`` and wait: on this thread when the writer is free (no thread
        hand-off), else after the work queued before it."""
        try:
            return self._writer.call(fn)
        except sqlite3.DatabaseError as exc:
            raise self._storage_error(exc) from exc

    def reader(self) -> Database:
        """This thread's read-only connection."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._connect_reader()
            self._local.db = db
            with self._readers_lock:
                self._readers.append(db)
        return db

    def _connect_reader(self) -> Database:
        if self.disk_full:
            return connect_immutable(self.path)
        try:
            return connect(self.path, readonly=True)
        except sqlite3.DatabaseError as exc:
            # The disk filled up since the store opened, and no process holds the -shm.
            if is_disk_full(exc, self.path.parent) and readable_on_full_disk(self.path):
                return connect_immutable(self.path)
            raise

    def read(self, fn: Callable[[Database], T]) -> T:
        try:
            return fn(self.reader())
        except sqlite3.DatabaseError as exc:
            raise self._storage_error(exc) from exc

    def close(self) -> None:
        identity.release_lock(self._lock_fd)
        self._lock_fd = None
        if self._checkpointer is not None:
            self._checkpointer.close()
            self._checkpointer = None
        self._writer.close()
        self.numbers.close()
        with self._readers_lock:
            for db in self._readers:
                db.conn.close()
            self._readers.clear()
        self._local = threading.local()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- rules from the core --------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = load_catalog(self.config)
        return self._catalog

    @property
    def calendar(self) -> WorkingCalendar:
        if self._calendar is None:
            self._calendar = WorkingCalendar.from_config(self.config)
        return self._calendar

    def reload_rules(self) -> None:
        """The province's new catalog or calendar is in force from the next intake on."""
        if self._catalog is not None:
            self._replaced[self._catalog.version] = self._catalog
        self._catalog = self._calendar = None
        self._procedures.clear()

    def procedure_info(self, code: str, catalog_version: str | None = None
                       ) -> tuple[ProcedureInfo, Callable[[datetime], datetime]]:
        # Made once per procedure and rules in force: the snapshot (dataclasses.asdict of
        # the whole procedure) cost 0.6 ms a save, the rest 0.02 ms after a pause.
        known = self._procedures.get((code, catalog_version))
        if known is not None and known[0] is self._catalog and known[1] is self._calendar:
            return known[2]
        catalog = self._replaced.get(catalog_version or "") or self.catalog
        proc = catalog.get(code)
        info = ProcedureInfo(proc.code, proc.name, catalog.version, proc.to_json())
        found = info, functools.partial(self.calendar.due, processing=proc.processing)
        self._procedures[(code, catalog_version)] = (self._catalog, self._calendar, found)
        return found

    # --- files ----------------------------------------------------------------------------

    def put_file(self, data: bytes | Path | BinaryIO) -> str:
        """Store a scan or PDF durably; returns its sha256 (reference it in a save)."""
        return self.put_file_info(data).sha256

    def put_file_info(self, data: bytes | Path | BinaryIO) -> StoredFile:
        return self.files.put(data, on_hashed=self._note_written)

    def _note_written(self, sha256: str) -> None:
        # Until a draft or a dossier references the file, only this row lets the start-up
        # sweep delete it (kiosk.storage.ownership); without it the file is merely kept.
        if self._writer.on_writer_thread():
            self.submit(lambda db: ownership.note_written(db, sha256))
            return
        try:
            self.call(lambda db: ownership.note_written(db, sha256))
        except KioskError as exc:
            log.warning("file %s kept without a record: %s", sha256, exc)

    def file_path(self, sha256: str) -> Path:
        path = self.files.path_for(sha256)
        if not path.exists():
            self.files.open(sha256)  # raises the NotFound with its hint
        return path

    def collect_orphans(self, min_age_seconds: float = ORPHAN_GRACE_SECONDS) -> list[str]:
        """Delete the files this database wrote or let go of and no row references."""
        # On the writer thread: no save of this process can commit a new reference meanwhile.
        return self.call(
            lambda db: ownership.collect(db, self.files, min_age_seconds=min_age_seconds))

    # --- dossiers -------------------------------------------------------------------------

    def save_dossier(self, inp: DossierInput, actor: str, *,
                     then: Callable[[Database, str, str], None] | None = None) -> SavedDossier:
        """Save a received dossier in one transaction; the returned code is final.
        ``then(db, dossier_id, code)`` adds writes to that transaction before it commits."""
        info, due_for = self.procedure_info(inp.procedure_code, inp.catalog_version)
        get = self.config.get
        unit, counter = get("unit.code"), int(get("counter.number"))
        saved = self.call(functools.partial(
            dossiers.save, inp=inp, actor=actor, unit_code=unit, counter=counter,
            procedure=info, due_for=due_for, files=self.files,
            # The receipt is printed under the set in force at reception.
            form_set=str(get("forms.set")), then=then))
        # The code's parts as the save made them (its day is the reception's).
        self.numbers.record("code", (unit, saved.received_at.date().isoformat(), counter),
                            int(saved.code[-4:]))
        return saved

    def get_dossier(self, code: str) -> dict[str, Any]:
        def get(db: Database) -> dict[str, Any]:
            dossier_id = records.id_for_code(db, code)
            if dossier_id is None:
                raise NotFound(
                    _("Không tìm thấy hồ sơ {code}.", code=code.strip()),
                    hint=_("Kiểm tra lại mã hồ sơ trên phiếu tiếp nhận."),
                )
            record = _with_dues(records.dossier_record(db, dossier_id))
            return record | stored_results.view(db, dossier_id)

        return self.read(get)

    def get_dossier_by_id(self, dossier_id: str) -> dict[str, Any]:
        try:
            return self.read(lambda db: records.dossier_record(db, dossier_id))
        except KeyError:
            raise NotFound(_("Không tìm thấy hồ sơ {code}.", code=dossier_id)) from None

    def find_by_id_number(self, id_number: str) -> list[dict[str, Any]]:
        return self.read(lambda db: records.find_by_id_number(db, id_number))

    def search(self, text: str, limit: int = 50) -> list[dict[str, Any]]:
        return self.read(lambda db: records.search(db, text, limit))

    def list_dossiers(self, *, status: int | None = None, overdue: bool = False,
                      day: date | None = None, at: datetime | None = None,
                      limit: int = 200) -> list[dict[str, Any]]:
        return self.read(lambda db: records.list_dossiers(
            db, status=status, overdue=overdue, day=day, at=at, limit=limit))

    def stats_today(self, at: datetime | None = None) -> dict[str, int]:
        return self.read(lambda db: records.stats_today(db, at))

    def change_status(self, code: str, to: int, actor: str, note: str = "",
                      then: Callable[[Database, str], None] | None = None) -> dict[str, Any]:
        new = parse_status(to)
        return self.call(lambda db: dossiers.change_status(
            db, code.strip(), int(new), actor=actor, note=note.strip(),
            check=lambda old, new_: check_transition(Status(old), Status(new_), note),
            calendar=self.calendar, then=then))

    # --- late dossiers and reports (kiosk.storage.late, kiosk.reports) ---------------------

    def postpone(self, code: str, new_due: datetime, reason: str, actor: str
                 ) -> dict[str, Any]:
        """Record an apology letter (Mẫu 04) with its new date; returns the letter."""
        unit = str(self.config.get("unit.code"))
        counter = int(self.config.get("counter.number"))
        letter = self.call(lambda db: late.postpone(
            db, code, new_due=new_due, reason=reason, actor=actor, unit_code=unit,
            counter=counter, calendar=self.calendar))
        issued = late.parse_letter_number(str(letter["letter"]["number"]))
        if issued is not None:
            number, year, letter_counter = issued
            self.numbers.record("letter", (unit, year, letter_counter), number)
        return letter

    def due_soon(self, hours: float | None = None, procedure: str | None = None,
                 at: datetime | None = None) -> list[dict[str, Any]]:
        h = float(self.config.get("alerts.due_soon_hours")) if hours is None else hours
        return self.read(lambda db: late.due_soon(db, self.calendar, h, procedure, at))

    def overdue(self, procedure: str | None = None,
                at: datetime | None = None) -> list[dict[str, Any]]:
        return self.read(lambda db: late.overdue(db, self.calendar, procedure, at))

    def report_records(self, end: datetime | None = None) -> list[Any]:
        """Every dossier as :class:`kiosk.reports.records.ReportRecord` (received ≤ end)."""
        from kiosk.reports.records import local_records

        return self.read(lambda db: local_records(db, end))

    def audit_log(self, dossier_id: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT id, at, actor, action, dossier_id, details FROM audit_log"
        params: tuple[Any, ...] = ()
        if dossier_id:
            sql += " WHERE dossier_id = ?"
            params = (dossier_id,)
        rows = self.read(lambda db: [dict(r) for r in db.query(sql + " ORDER BY id", params)])
        for row in rows:
            row["details"] = json.loads(row["details"])
        return rows

    def get_setting(self, key: str, default: Any = None) -> Any:
        return self.read(lambda db: settings.get(db, key, default))

    def set_setting(self, key: str, value: Any) -> None:
        self.call(lambda db: settings.put(db, key, value))

    # --- drafts ---------------------------------------------------------------------------

    def save_draft(self, payload: dict[str, Any], actor: str, draft_id: str | None = None,
                   label: str = "") -> str:
        return self.call(lambda db: drafts.save_draft(db, payload, actor=actor,
                                                      draft_id=draft_id, label=label))

    def load_drafts(self, actor: str | None = None) -> list[dict[str, Any]]:
        return self.read(lambda db: drafts.load_drafts(db, actor))

    def discard_draft(self, draft_id: str) -> bool:
        return self.call(lambda db: drafts.discard_draft(db, draft_id))

    # --- outbox (for kiosk.sync) ----------------------------------------------------------

    def pending_outbox(self, *, due_before: datetime | None = None,
                       limit: int = 50) -> list[dict[str, Any]]:
        return self.read(lambda db: outbox.pending(db, due_before=due_before, limit=limit))

    def get_outbox(self, op_id: str) -> dict[str, Any] | None:
        return self.read(lambda db: outbox.get(db, op_id))

    def outbox_counts(self) -> dict[str, int]:
        return self.read(outbox.counts)

    def mark_outbox_in_flight(self, op_id: str) -> None:
        self.call(lambda db: outbox.mark_in_flight(db, op_id))

    def mark_outbox_done(self, op_id: str, response: dict[str, Any] | None = None) -> None:
        self.call(lambda db: outbox.mark_done(db, op_id, response))

    def mark_outbox_retry(self, op_id: str, next_attempt_at: datetime, error: str) -> None:
        self.call(lambda db: outbox.mark_retry(db, op_id, next_attempt_at, error))

    def mark_outbox_needs_attention(self, op_id: str, error: str) -> None:
        self.call(lambda db: outbox.mark_needs_attention(db, op_id, error))

    def recover_outbox(self) -> int:
        """Put items a dead drainer left ``in_flight`` back to ``pending`` (the one drainer
        calls this when it starts; the Idempotency-Key makes a resend harmless)."""
        return self.call(outbox.recover_in_flight)

    def set_blob_upload(self, op_id: str, sha256: str, *,
                        upload_url: str | outbox._Keep | None = outbox.KEEP,
                        uploaded: bool = False) -> None:
        """A new upload URL, ``upload_url=None`` to forget it (restart), or omit to keep it."""
        self.call(lambda db: outbox.set_blob_upload(db, op_id, sha256, upload_url=upload_url,
                                                    uploaded=uploaded))

    def prune_outbox(self, before: datetime) -> int:
        """Drop operations the server acknowledged before ``before`` (keep ≥ 180 days)."""
        return self.call(lambda db: outbox.prune_done(db, before))

    # --- maintenance ----------------------------------------------------------------------

    def check(self, *, rehash: bool = True) -> dict[str, Any]:
        # Its own connection: the FTS5 integrity command is a write, and a long check must
        # not occupy the writer thread. On a full disk, the read-only view (see full_disk).
        db = connect_immutable(self.path) if self.disk_full else connect(self.path)
        try:
            report = maintenance.check(db, self.files, rehash=rehash, readonly=self.disk_full)
            report["store_id"] = self.store_id
            report["files_unknown"] = len(ownership.unknown_files(db, self.files))
            report["numbers_caught_up"] = self.numbers_caught_up
            report["numbers_without_record"] = (numbers.codes_without_record(db)
                                                + numbers.money_numbers_without_record(db))
            return report
        except sqlite3.DatabaseError as exc:
            raise self._storage_error(exc) from exc
        finally:
            db.conn.close()

    def backup(self, dest: Path) -> dict[str, Any]:
        return self.read(lambda db: maintenance.backup(db, self.files, dest))


def _with_dues(record: dict[str, Any]) -> dict[str, Any]:
    # The two dues under the names the CLI documents: the legal one stays for statistics.
    record["original_due"] = record.get("legal_due_at", record.get("due_at"))
    record["due"] = record.get("due_at")
    return record
