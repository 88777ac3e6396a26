"""Send the portal outbox (:mod:`central.portal_outbox`) to the national portal's sync API.

One item per request, in queue order per dossier (a later version of a dossier waits while an
earlier one is still owed). An item is claimed by moving its ``next_at`` past the request's
timeout (a lease), so two server processes on one database never send it at the same time
and one killed mid-request leaves it to be sent again once the lease runs out. Sending it
again is safe: the item is the same snapshot, and the portal keeps ``MaHoSo`` plus content
idempotent (the emulator in :mod:`central.portal_emulator` checks that we rely on nothing
more). Outcomes:

- error_code 0 → ``done``;
- the portal down, slow past the timeout, a 5xx, an answer that is not its JSON → tried again
  later, waits doubling from ``base_delay`` up to ``max_delay``, each drawn between half and
  all of it (jitter, so many servers do not come back in step); after ``max_attempts`` tries
  the item is ``failed`` with the last answer;
- an expired session → one new token, then the same item again;
- a 4xx (the request as a whole refused: the unit code, the ``dstcode``, a path) → like the
  portal being down: every item waits, the settings are at fault;
- any other error code (a refused field, an unknown procedure) → ``failed`` at once:
  sending it again cannot help, a person reads the portal's answer
  (``kiosk central portal failed``) and retries it when the cause is fixed.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from central.db import Database
from central.portal_outbox import DONGBO
from central.portal_rules import wire
from central.portal_settings import PortalSettings
from kiosk import clock

log = logging.getLogger(__name__)

#: The portal's answer for a session it no longer knows (DOMAIN.md §6: error_code "00"/0 is
#: success; OCPS re-authenticates on a non-zero code with no result).
SESSION_ERRORS = {"-1", "401"}


@dataclass
class Outcome:
    kind: str  # "ok", "retry", "rejected"
    answer: Any
    transport: bool = False  # the portal could not be reached or answered nonsense


class PortalClient:
    """The HTTP side: a token, then ``POST sync_path`` with the OCPS envelope. Only ever
    speaks to ``settings.url``'s origin: redirects are refused, never followed, so the
    credentials and the session never reach another host."""

    def __init__(self, settings: PortalSettings, transport: httpx.BaseTransport | None = None
                 ) -> None:
        self.settings = settings
        self._session: str | None = None
        self._http = httpx.Client(base_url=settings.url, timeout=settings.timeout,
                                  follow_redirects=False, transport=transport,
                                  headers={"Accept": "application/json"})

    def close(self) -> None:
        self._http.close()

    def _post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        headers = {"dstcode": self.settings.dstcode} if self.settings.dstcode else {}
        r = self._http.post(path, json=body, headers=headers)
        if 300 <= r.status_code < 400:
            raise httpx.HTTPError(f"redirect to {r.headers.get('location', '?')} refused")
        try:
            data = r.json()
        except ValueError:
            data = None
        return r.status_code, data

    def login(self) -> str:
        status, data = self._post(self.settings.token_path, {
            "username": self.settings.user, "password": self.settings.password})
        if status == 200 and isinstance(data, dict) and str(data.get("error_code")) in {"0", "00"} \
                and isinstance(data.get("session"), str) and data["session"]:
            self._session = data["session"]
            return self._session
        raise LoginRefused(status, data)

    def send(self, service: str, item: dict[str, Any], is_updating: bool) -> Outcome:
        try:
            return self._send(service, item, is_updating, relogin=True)
        except LoginRefused as exc:
            answer = {"http": exc.status, "body": exc.body}
            # Wrong credentials need a person but no item is at fault: keep them all queued.
            return Outcome("retry", answer, transport=True)
        except (httpx.HTTPError, OSError) as exc:
            return Outcome("retry", {"error": type(exc).__name__, "detail": str(exc)[:500]},
                           transport=True)

    def _send(self, service: str, item: dict[str, Any], is_updating: bool,
              relogin: bool) -> Outcome:
        session = self._session or self.login()
        body: dict[str, Any] = {"session": session, "madonvi": self.settings.unit,
                                "service": service, "data": [item]}
        if service == DONGBO:
            body["isUpdating"] = "True" if is_updating else "False"
        status, data = self._post(self.settings.sync_path, body)
        answer = {"http": status, "body": data}
        if status >= 500 or not isinstance(data, dict) or "error_code" not in data:
            return Outcome("retry", answer, transport=True)
        code = str(data["error_code"])
        if code in {"0", "00"}:
            return Outcome("ok", data)
        if code in SESSION_ERRORS or status == 401:
            self._session = None
            if relogin:
                return self._send(service, item, is_updating, relogin=False)
            return Outcome("retry", answer, transport=True)
        if status == 429 or 400 <= status < 500:
            # The request as a whole was refused (the unit code, the dstcode, a path): the
            # settings are wrong, not this item; every item waits for them to be fixed.
            return Outcome("retry", answer, transport=True)
        return Outcome("rejected", answer)


class LoginRefused(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"portal login refused ({status})")
        self.status = status
        self.body = body


def backoff(attempts: int, settings: PortalSettings, rng: random.Random | None = None) -> float:
    """Seconds before try ``attempts + 1``: doubling, capped, between half and all of it."""
    ceiling = min(settings.max_delay, settings.base_delay * (2 ** max(0, attempts - 1)))
    return (rng or random).uniform(ceiling / 2, ceiling)


def _due(db: Database, limit: int) -> list[dict[str, Any]]:
    now = clock.iso(clock.now())
    with db.transaction(write=False) as tx:
        return tx.all(
            "SELECT * FROM portal_outbox o WHERE o.state = 'pending' AND o.next_at <= ?"
            " AND NOT EXISTS (SELECT 1 FROM portal_outbox p WHERE p.dossier_id = o.dossier_id"
            " AND p.id < o.id AND p.state = 'pending') ORDER BY o.id LIMIT ?", (now, limit))


def _claim(db: Database, row: dict[str, Any], lease: float) -> bool:
    until = clock.iso(clock.now() + timedelta(seconds=lease))
    with db.transaction() as tx:
        n = tx.execute("UPDATE portal_outbox SET next_at = ?, attempts = attempts + 1"
                       " WHERE id = ? AND state = 'pending' AND next_at = ?",
                       (until, row["id"], row["next_at"]))
    return n == 1


def _created_before(db: Database, row: dict[str, Any]) -> bool:
    with db.transaction(write=False) as tx:
        return tx.one("SELECT 1 AS x FROM portal_outbox WHERE dossier_id = ? AND service = ?"
                      " AND state = 'done' AND id < ?",
                      (row["dossier_id"], DONGBO, row["id"])) is not None


def _record(db: Database, row: dict[str, Any], outcome: Outcome,
            settings: PortalSettings) -> str:
    now = clock.now()
    answer = json.dumps(outcome.answer, ensure_ascii=False, default=str)[:8000]
    attempts = int(row["attempts"]) + 1
    with db.transaction() as tx:
        if outcome.kind == "ok":
            tx.execute("UPDATE portal_outbox SET state = 'done', sent_at = ?, answer = ?,"
                       " last_error = NULL WHERE id = ?", (clock.iso(now), answer, row["id"]))
            return "done"
        if outcome.kind == "rejected" or attempts >= settings.max_attempts:
            tx.execute("UPDATE portal_outbox SET state = 'failed', failed_at = ?, answer = ?,"
                       " last_error = ? WHERE id = ?",
                       (clock.iso(now), answer, answer, row["id"]))
            return "failed"
        wait = backoff(attempts, settings)
        tx.execute("UPDATE portal_outbox SET next_at = ?, last_error = ? WHERE id = ?",
                   (clock.iso(now + timedelta(seconds=wait)), answer, row["id"]))
        return "retry"


def push_once(db: Database, settings: PortalSettings, client: PortalClient | None = None,
              limit: int = 200) -> dict[str, int]:
    """One pass over what is due. Stops early when the portal cannot be reached (the rest
    would only pile up tries). Returns counts per outcome."""
    own = client is None
    client = client or PortalClient(settings)
    counts = {"done": 0, "failed": 0, "retry": 0}
    try:
        # Again while items are done: the next version of a dossier becomes due only when
        # the one before it is, and should not wait for the next pass.
        sent, more = 0, True
        while more and sent < limit:
            more = False
            for row in _due(db, limit - sent):
                if not _claim(db, row, settings.lease):
                    continue  # another pusher has it
                outcome = client.send(row["service"], wire(json.loads(row["payload"])),
                                      _created_before(db, row))
                sent += 1
                result = _record(db, row, outcome, settings)
                counts[result] += 1
                if outcome.kind == "retry" and outcome.transport:
                    return counts
                more = more or result != "retry"
    finally:
        if own:
            client.close()
    return counts


class Pusher:
    """The pusher as a background thread of the server (or of ``kiosk central portal
    push``): a pass, then a pause of ``settings.interval`` seconds, until stopped."""

    def __init__(self, db: Database, settings: PortalSettings) -> None:
        self.db = db
        self.settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name="portal-push", daemon=True)

    def start(self) -> Pusher:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def run(self) -> None:
        client = PortalClient(self.settings)
        try:
            while not self._stop.is_set():
                try:
                    counts = push_once(self.db, self.settings, client)
                except Exception:  # a database hiccup must not end the thread
                    log.exception("portal push pass failed")
                    counts = {}
                if not any(counts.values()) or counts.get("retry"):
                    self._stop.wait(self.settings.interval)
        finally:
            client.close()
