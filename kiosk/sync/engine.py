"""One pass of sync: probe, push the outbox (blobs first, then records), pull changes.

The engine runs on the sync worker's thread (never the UI's). Every decision is persisted:
the upload URL before the first PATCH, the frozen request body before the first PUT, the
ack with the outbox state, the cursor with the applied changes. A crash anywhere resumes.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any

import httpx

from kiosk import clock
from kiosk.errors import KioskError
from kiosk.i18n import _
from kiosk.storage import Store, outbox
from kiosk.sync import (
    citizen_push,
    facts_push,
    handover_push,
    money_push,
    record_push,
    results_sync,
    state,
    wire,
)
from kiosk.sync.blobs import UPLOADS, ChunkSizer, LocalFileBad, UploadRestart, direct_shas, upload_blob
from kiosk.sync.errors import (
    BadResponse,
    NeedsPerson,
    Redirected,
    Retry,
    Unauthorized,
    describe,
    refused_token,
)
from kiosk.sync.inflight import InFlight, UploadLanes, run_lanes
from kiosk.sync.status import sync_status  # also imported from here by kiosk.ui.sync_link
from kiosk.sync.transport import ServerClient
from kiosk.sync.tus import TusServer, discover

__all__ = ["NeedsPerson", "Retry", "SyncEngine", "Unauthorized", "backoff_delay", "sync_status"]
log = logging.getLogger(__name__)

BACKOFF_BASE = 2.0
BACKOFF_CAP = 15 * 60.0
SKEW_WARN_SECONDS = 300

Event = dict[str, Any]
_ANY_TIME = datetime(9999, 1, 1, tzinfo=UTC)


def backoff_delay(attempts: int, retry_after: float | None = None,
                  rng: random.Random | None = None) -> float:
    """Full jitter: uniform(0, min(cap, base·2^attempts)), never sooner than Retry-After."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))
    delay = (rng or random).uniform(0, ceiling)
    return max(delay, retry_after or 0.0)


def parse_retry_after(value: str | None, cap: float,
                      at: float | None = None) -> float | None:
    """Seconds to wait per a ``Retry-After`` header, within ``[0, cap]``; None when absent
    or not one of the two forms RFC 9110 allows (delta-seconds, an HTTP-date).

    A server (or whatever answers in its place) cannot park the outbox: a date in 2099 or a
    400-digit number waits ``cap`` at most, a date in the past or ``0`` not at all."""
    text = (value or "").strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        # Compared as text first: int() of a huge digit string is slow or refused.
        digits = text.lstrip("0") or "0"
        return float(min(int(digits), int(cap))) if len(digits) <= 12 else float(cap)
    try:
        when = parsedate_to_datetime(text)
        if when.tzinfo is None:  # "-0000": UTC by RFC 5322
            when = when.replace(tzinfo=UTC)
        delay = when.timestamp() - (time.time() if at is None else at)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return min(max(0.0, delay), float(cap))


def _text(value: Any) -> str:
    """A field of an error body, shown to people: strings only, bounded."""
    return value[:500] if isinstance(value, str) else ""


class SyncEngine:
    """Push and pull against one server. ``token`` is called again after a 401 (re-read
    from keyring once), so a token renewed by an admin is picked up without a restart."""

    def __init__(self, store: Store, http: ServerClient, token: Callable[[], str],
                 on_event: Callable[[Event], None] | None = None,
                 rng: random.Random | None = None, parallel: int | None = None,
                 parallel_dossiers: int = 2, retry_after_max: float = 3600.0,
                 audit_every_hours: float = 0.0, audit_days: int = 7) -> None:
        self.store = store
        #: The longest a server's Retry-After may hold an item (sync.retry_after_max_seconds).
        self.retry_after_max = retry_after_max
        #: The periodic end-to-end audit (sync.audit_interval_hours, sync.audit_days); the
        #: engine made for the app and ``kiosk sync run`` gets the configured values.
        self.audit_every_hours = audit_every_hours
        self.audit_days = audit_days
        #: Uploads at once: a number pins it (sync.parallel_uploads), None lets the link
        #: choose (kiosk.sync.inflight; what was learned carries over to the next pass).
        self.parallel = parallel
        self.in_flight = InFlight() if parallel is None else None
        self.parallel_dossiers = parallel_dossiers
        self.http = http
        self._token_source = token
        self._token = token()
        self.on_event = on_event or (lambda e: None)
        self.rng = rng or random.Random()
        self.sizer = ChunkSizer()
        self.bytes_sent = 0
        self._stats_lock = threading.Lock()
        self._tables_ready = False
        self._errors = 0  # noted during the current pass
        self._tus: TusServer | None = None
        self.server_features: frozenset[str] = frozenset()  # from /v1/health, each pass
        self._tus_lock, self._tried = threading.Lock(), set[str]()  # tried: blobs.direct_shas
        self._lanes: UploadLanes | None = None  # shared by a pass's dossiers
        #: ``() -> {"printers": [...], "scanners": [...]}`` for the health report (None: ask
        #: kiosk.sync.fleet.device_states).
        self.device_states: Callable[[], dict[str, Any]] | None = None

    # --- plumbing ---------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    def _emit(self, **event: Any) -> None:
        if event.get("kind") == "dossier" and not event.get("dossier_id"):
            return  # an item of no dossier (an offline queue ticket): nothing to show
        try:
            self.on_event(event)
        except Exception:
            pass

    def _note_error(self, message: str) -> None:
        with self._stats_lock:
            self._errors += 1
        self.store.call(lambda db: _with_atomic(db, lambda: state.set_meta(
            db, "last_error", f"{clock.iso(clock.now())} {message}")))

    def _clear_error(self) -> None:
        """A pass that met no error leaves no stale error in ``sync status``."""
        self.store.call(lambda db: _with_atomic(db, lambda: db.conn.execute(
            "DELETE FROM sync_meta WHERE key = 'last_error'")))

    def _tus_server(self) -> TusServer:
        """The upload endpoint's capabilities (OPTIONS), read once per pass."""
        with self._tus_lock:
            if self._tus is None:
                self._tus = discover(self.http, UPLOADS, self._headers())
            return self._tus

    # --- the pass -----------------------------------------------------------------------

    def probe(self) -> bool:
        """Connectivity is a real request over the configured TLS, not an OS flag."""
        try:
            r = self.http.get("/v1/health", extensions={"max_bytes": 64 * 1024})
            if r.status_code != 200:
                raise Retry(_("Máy chủ trả lời {status}", status=r.status_code))
            health = wire.parse(r, wire.Health, "GET /v1/health")
        except (httpx.HTTPError, Retry) as exc:
            message = describe(exc)
            self._note_error(message)
            self._emit(kind="offline", error=message)
            return False
        self.server_features = frozenset(health.features)
        skew = (health.time - clock.now()).total_seconds()
        self.store.call(lambda db: _with_atomic(
            db, lambda: state.set_meta(db, "clock_skew_seconds", f"{skew:.0f}")))
        if abs(skew) > SKEW_WARN_SECONDS:
            self._emit(kind="clock_skew", seconds=round(skew))
        return True

    def run_once(self, *, pull: bool = True, max_items: int = 10_000,
                 ignore_backoff: bool = False) -> dict[str, Any]:
        """One pass. ``ignore_backoff`` also takes items whose next attempt is not yet due
        (an admin's "send now"; tests)."""
        self._errors = 0
        self._tus = None
        try:
            if not self._tables_ready:
                self.store.call(state.ensure_tables)
                self._tables_ready = True
            online = self.probe()
        except KioskError as exc:
            self._emit(kind="error", error=exc.message)
            # Typically a full disk met by the probe's own write: nothing was sent.
            return {"online": None, "ok": False, "sent": 0, "error": exc.message,
                    "hint": exc.hint, **self._safe_summary()}
        if not online:
            return {"online": False, "ok": False, **self.summary()}
        counts = {"done": 0, "needs_attention": 0, "retry": 0}
        audit_result: dict[str, Any] | None = None
        fleet_result: dict[str, Any] | None = None
        try:
            # An item left in flight by a pass that died (full disk...) is taken up again;
            # the worker's instance lock guarantees no other pass owns it.
            self.store.call(outbox.recover_in_flight)
            self._push_due(counts, max_items, ignore_backoff)
            errors_before_pull = self._errors
            pulled = self.pull() if pull else 0
            if self._errors == errors_before_pull and not counts["needs_attention"]:
                # A clean pass: the real server answered and refused nothing. Items parked by an
                # earlier pass get their one retry now (the refusal may have been forged).
                if self.store.call(state.requeue_parked_once):
                    self._push_due(counts, max_items, ignore_backoff)
                    pulled += self.pull() if pull else 0
                if pull and self._errors == errors_before_pull:
                    audit_result = self.audit_if_due()
            if pull:
                fleet_result = self.fleet()
        except KioskError as exc:
            # Typically a full disk on this machine: nothing is lost (every step is
            # persisted before the next), the pass stops and the next one resumes.
            self._emit(kind="error", error=exc.message)
            return {"online": True, "ok": False, "sent": counts["done"], "error": exc.message,
                    "hint": exc.hint, **self._safe_summary()}
        ok = self._errors == 0
        if ok:
            self._clear_error()
        return {"online": True, "ok": ok, "sent": counts["done"],
                "needs_attention": counts["needs_attention"], "retrying": counts["retry"],
                "pulled": pulled, **self.summary(),
                **({"audit": audit_result} if audit_result else {}),
                **({"fleet": fleet_result} if fleet_result else {})}

    def _push_due(self, counts: dict[str, int], max_items: int, ignore_backoff: bool) -> None:
        """Push due items; dossiers in parallel, the operations of one dossier in order."""
        if self.parallel == 1 or self._lanes is not None:
            self._push_batches(counts, max_items, ignore_backoff)
            return
        # One set of upload threads per pass, fed by every dossier in flight: while one
        # dossier drains and sends its record, the next one's pages keep the same few
        # kept-alive connections busy (docs/BENCHMARKS.md, the kernel-shaped link).
        self._lanes = UploadLanes(self.parallel, self.in_flight)
        try:
            self._push_batches(counts, max_items, ignore_backoff)
        finally:
            lanes, self._lanes = self._lanes, None
            lanes.close()

    def _push_batches(self, counts: dict[str, int], max_items: int, ignore: bool) -> None:
        blocked: set[str] = set()
        processed = 0
        lock = threading.Lock()

        def push_group(group: list[dict[str, Any]]) -> None:
            for item in group:
                result = self.push_item(item)
                with lock:
                    counts[result] += 1
                if result != "done":
                    # Later operations of the same dossier wait for this one (order matters).
                    with lock:
                        blocked.add(item["dossier_id"])
                    return

        while processed < max_items:
            # "Send now" takes every waiting item, whatever its schedule (Retry-After, backoff).
            due = _ANY_TIME if ignore else None
            items = self.store.pending_outbox(due_before=due, limit=50 + len(blocked))
            groups: dict[str, list[dict[str, Any]]] = {}
            for item in items:
                if item["dossier_id"] not in blocked:
                    groups.setdefault(item["dossier_id"], []).append(item)
            if not groups:
                return
            processed += sum(len(g) for g in groups.values())
            if self.parallel_dossiers <= 1:
                for group in groups.values():
                    push_group(group)
                continue
            with ThreadPoolExecutor(self.parallel_dossiers,
                                    thread_name_prefix="kiosk-sync-dossier") as pool:
                for future in [pool.submit(push_group, g) for g in groups.values()]:
                    future.result()  # a KioskError (full disk) stops the pass

    def _safe_summary(self) -> dict[str, Any]:
        try:
            return self.summary()
        except KioskError:
            return {}

    # --- push ---------------------------------------------------------------------------

    def push_item(self, item: dict[str, Any]) -> str:
        op_id, dossier_id = item["id"], item["dossier_id"]
        self.store.mark_outbox_in_flight(op_id)
        self._emit(kind="dossier", dossier_id=dossier_id, state="sending", percent=0)
        try:
            for attempt in (1, 2):
                try:
                    self._push(item)
                    break
                except Unauthorized as exc:
                    if attempt == 2:
                        raise Retry(str(exc)) from None
                    self._token = self._token_source()  # refresh once
        except NeedsPerson as exc:
            reason = str(exc)
            self.store.call(lambda db: state.park(db, op_id, reason))
            self._note_error(reason)
            self._emit(kind="dossier", dossier_id=dossier_id, state="needs_attention",
                       error=str(exc))
            return "needs_attention"
        except KioskError:
            raise  # a full disk here: the pass stops, the item is taken up again next pass
        except Exception as exc:
            # Retry, httpx errors, OSError — and anything unforeseen: the item goes back to
            # waiting with backoff, never left in flight or lost.
            if not isinstance(exc, Retry | httpx.HTTPError | OSError):
                log.exception("unexpected error while sending %s", op_id)
            retry_after = exc.retry_after if isinstance(exc, Retry) else None
            delay = backoff_delay(int(item["attempts"]) + 1, retry_after, self.rng)
            message = describe(exc)
            self.store.mark_outbox_retry(op_id, clock.now() + timedelta(seconds=delay), message)
            self._note_error(message)
            self._emit(kind="dossier", dossier_id=dossier_id, state="saved", error=message,
                       retry_in=round(delay, 1))
            return "retry"
        self._emit(kind="dossier", dossier_id=dossier_id, state="sent")
        return "done"

    def _push(self, item: dict[str, Any]) -> None:
        if item["kind"] == citizen_push.KIND:
            citizen_push.put_rating(self, item)
            return
        if item["kind"] == citizen_push.TICKET_KIND:
            citizen_push.put_ticket(self, item)
            return
        if item["kind"] in money_push.KINDS:
            money_push.push(self, item)
            return
        if item["kind"] == handover_push.KIND:
            handover_push.put_handover(self, item)
            return
        if item["kind"] == facts_push.KIND:
            facts_push.put_facts(self, item)
            return
        op_id, dossier_id = item["id"], item["dossier_id"]
        blobs = [b for b in item["blobs"] if b["state"] != "uploaded"]
        total = sum(self._size(b["sha256"]) for b in item["blobs"]) or 1
        done_bytes = total - sum(self._size(b["sha256"]) for b in blobs)

        def progress(n: int) -> None:
            nonlocal done_bytes
            with self._stats_lock:
                done_bytes += n
                self.bytes_sent += n
                percent = min(99, int(100 * done_bytes / total))
            self._emit(kind="dossier", dossier_id=dossier_id, state="sending", percent=percent)

        arrived: list[str] = []  # list.append is atomic: the upload threads share it
        direct = direct_shas(self.store, item, self._tried)  # no HEAD before these

        def one(blob: dict[str, Any]) -> int:
            for _restart in range(3):
                try:
                    return int(self._check(lambda: upload_blob(
                        self.http, self.store, op_id, blob["sha256"], blob["upload_url"],
                        self._headers, self.sizer, progress, self._tus_server,
                        arrived.append, blob["sha256"] in direct)))
                except UploadRestart:
                    blob["upload_url"] = None
                except LocalFileBad:
                    raise NeedsPerson(_("Tệp quét {sha} trên máy này bị thiếu hoặc hỏng.",
                                        sha=blob["sha256"][:12])) from None
            raise Retry(_("Tải tệp {sha} lên không thành công.", sha=blob["sha256"][:12]))

        try:
            failures = self._upload_all(blobs, one)
        finally:
            # One commit for the dossier's blobs instead of one per page. A crash before it
            # costs only a HEAD per blob on the next pass (the server answers 200).
            if arrived:
                self.store.call(partial(_mark_uploaded, op_id=op_id, shas=list(arrived)))
        for kind in (NeedsPerson, Unauthorized):
            for exc in failures:
                if isinstance(exc, kind):
                    raise exc
        if failures:
            raise failures[0]
        if item["kind"] == results_sync.KIND:
            results_sync.put_result(self, item)
            return
        record_push.put_record(self, item)

    def _upload_all(self, blobs: list[dict[str, Any]],
                    one: Callable[[dict[str, Any]], int]) -> list[BaseException]:
        if self._lanes is None and (self.parallel == 1 or len(blobs) <= 1):
            for blob in blobs:
                one(blob)
            return []
        # Several uploads at once: each waits on fsyncs at both ends (docs/BENCHMARKS.md).
        return run_lanes(self._lanes, self.parallel, self.in_flight, blobs, one)

    def _size(self, sha256: str) -> int:
        try:
            return self.store.files.path_for(sha256).stat().st_size
        except (OSError, ValueError):
            return 0

    def _check(self, call: Callable[[], Any]) -> Any:
        """Run one HTTP step, turning status errors into Retry/NeedsPerson/Unauthorized."""
        try:
            return call()
        except httpx.HTTPStatusError as exc:
            self._classify(exc.response)
            raise

    def _classify(self, r: httpx.Response) -> None:
        code = r.status_code
        body = wire.error_body(r)
        if code == 401:
            raise Unauthorized(refused_token(r))
        if 300 <= code < 400:
            raise Redirected(code, r.headers.get("Location", ""))
        if code in (408, 429, 460) or code >= 500:
            raise Retry(_("Máy chủ tạm thời không nhận ({status}).", status=code),
                        parse_retry_after(r.headers.get("Retry-After"),
                                          self.retry_after_max))
        if code == 409 and body.get("error") in ("conflict", "missing_blobs"):
            raise Retry(_text(body.get("message")) or str(code))
        if not isinstance(body.get("error"), str):
            # Not one of our server's refusals (a proxy's, a portal's page): no reason to
            # park the dossier for a person; try again later.
            raise BadResponse(f"{r.request.method} {r.request.url.path}: {code}")
        raise NeedsPerson(_("Máy chủ từ chối ({status} {error}): {detail}", status=code,
                            error=_text(body.get("error")), detail=_text(body.get("message"))))

    # --- audit (kiosk.sync.audit) -------------------------------------------------------

    def audit(self, days: list[Any]) -> dict[str, Any]:
        """Compare what this counter believes delivered with what the server holds, for
        each day, and queue again whatever is missing (``kiosk sync audit``)."""
        from kiosk.sync.audit import run_audit

        return run_audit(self, days)

    def audit_if_due(self) -> dict[str, Any] | None:
        """The periodic audit (``sync.audit_interval_hours``, 0: never), after a clean pass."""
        from kiosk.sync.audit import audit_due, recent_days

        if self.audit_every_hours <= 0 or not self.store.read(
                lambda db: audit_due(db, self.audit_every_hours)):
            return None
        try:
            return self.audit(recent_days(self.audit_days))
        except (httpx.HTTPError, Retry) as exc:
            self._note_error(describe(exc))
            return None

    # --- pull (kiosk.sync.pull) ---------------------------------------------------------

    def pull(self) -> int:
        from kiosk.sync.pull import pull

        return pull(self)

    def fleet(self) -> dict[str, Any]:
        """The province's publications in, this counter's health out (kiosk.sync.fleet)."""
        from kiosk.sync.fleet import run

        return run(self)

    # --- status -------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        return sync_status(self.store)


def _mark_uploaded(db: Any, op_id: str, shas: list[str]) -> None:
    with db.atomic():
        for sha in shas:
            outbox.set_blob_upload(db, op_id, sha, uploaded=True)


def _with_atomic(db: Any, fn: Callable[[], Any]) -> Any:
    with db.atomic():
        return fn()
