"""Queue tickets ("Lấy số"): numbers per day and service group, unique across a unit's counters.

The counters agree through the central server (``POST /v1/queue/tickets`` allocates the next
number of the unit's day and group in one transaction; ``POST /v1/queue/call`` hands the
oldest waiting ticket to one counter). Why not the local network: the counters already trust
that server (device tokens, TLS), and a commune LAN gives no dependable discovery.

When the server cannot be reached within a second or two, this machine issues its own
numbers: ``A2-07`` (group, counter, number). The server's numbers never contain a dash, so
the two can never collide; offline tickets are called by the counter that issued them (or
the clerk's screen of the same machine). Every ticket this machine issues or calls is kept
in ``queue_tickets`` with its times, for the period report's median wait.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kiosk.citizen.queue_rules import STATES, call_order, callable_here
from kiosk.citizen.queue_settings import parse_priorities
from kiosk.clock import now
from kiosk.errors import InvalidInput, KioskError
from kiosk.i18n import _
from kiosk.storage.citizen import CitizenStore

if TYPE_CHECKING:  # httpx costs ~0.1 s to import: only when a ticket goes to the server
    import httpx

log = logging.getLogger(__name__)

#: Fast: a ticket printer must never keep a citizen waiting for a dead link (seconds).
QUEUE_TIMEOUT = 2.0
_SERVICE_RE = re.compile(r"^([A-Z])=(.+)$")


def _stamp(at: Any) -> str:
    # Milliseconds: two calls within one second must still come out in order.
    return str(at.isoformat(timespec="milliseconds"))


def stamp_now() -> str:
    return _stamp(now())


def parse_services(items: list[str]) -> dict[str, str]:
    """``["A=Tiếp nhận hồ sơ", "B=Trả kết quả"]`` → ``{"A": "Tiếp nhận hồ sơ", ...}``."""
    out: dict[str, str] = {}
    for item in items:
        m = _SERVICE_RE.match(item.strip())
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


def offline_label(service: str, counter: int, number: int) -> str:
    return f"{service}{counter}-{number:02d}"


class QueueService:
    """Take, call and report tickets; central first, local numbers when offline."""

    def __init__(self, store: Any, config: Any,
                 client: Callable[[], httpx.Client | None] | None = None) -> None:
        self.store = store
        self.config = config
        self.citizen = CitizenStore(store)
        self._client_factory = client or self._default_client
        self._client: httpx.Client | None = None
        self.last_mode = "local"

    # --- plumbing ---------------------------------------------------------------------------

    def _default_client(self) -> httpx.Client | None:
        url = str(self.config.get("sync.server_url"))
        if not url:
            return None
        import httpx

        from kiosk.sync import credentials
        from kiosk.sync.transport import make_client

        token = credentials.load_token(url)
        if not token:
            return None
        client = make_client(url, str(self.config.get("sync.ca_file")), timeout=httpx.Timeout(QUEUE_TIMEOUT))
        client.headers["Authorization"] = f"Bearer {token}"
        return client

    def _http(self) -> httpx.Client | None:
        if self._client is None:
            try:
                self._client = self._client_factory()
            except KioskError as exc:
                log.info("queue: no central server (%s)", exc)
                return None
        return self._client

    def _central(self, method: str, path: str, **kw: Any) -> dict[str, Any] | None:
        """The server's JSON answer, or None when it cannot be reached or answers badly."""
        http = self._http()
        if http is None:
            return None
        import httpx

        try:
            r = http.request(method, path, **kw)
        except (httpx.HTTPError, OSError) as exc:
            log.info("queue: central unreachable (%s), using local numbers", exc)
            return None
        if r.status_code >= 400:
            log.warning("queue: central refused %s %s: %s %s", method, path, r.status_code,
                        r.text[:200])
            return None
        try:
            body = r.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def ask(self, method: str, path: str, **kw: Any) -> tuple[int, dict[str, Any]] | None:
        """The server's status and JSON body, refusals included; None when unreachable."""
        http = self._http()
        if http is None:
            return None
        import httpx

        try:
            r = http.request(method, path, **kw)
            body = r.json()
        except (httpx.HTTPError, OSError, ValueError) as exc:
            log.info("queue: central unreachable (%s)", exc)
            return None
        return r.status_code, body if isinstance(body, dict) else {}

    def counter(self) -> int:
        return self._counter()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def services(self) -> dict[str, str]:
        return parse_services(list(self.config.get("queue.services")))

    def _counter(self) -> int:
        return int(self.config.get_or("counter.number", 0))

    # --- taking a ticket -----------------------------------------------------------------

    def priorities(self) -> dict[str, str]:
        return parse_priorities(list(self.config.get("queue.priorities")))

    def check_service(self, service: str) -> str:
        groups = self.services()
        service = service.strip().upper()
        if service not in groups:
            raise InvalidInput(_("Không có nhóm dịch vụ «{service}».", service=service),
                               hint=_("Các nhóm: {groups}", groups=", ".join(
                                   f"{k} ({v})" for k, v in groups.items())))
        return service

    def check_priority(self, priority: str | None) -> str:
        key = (priority or "").strip().lower()
        known = self.priorities()
        if key and key not in known:
            raise InvalidInput(_("Không có đối tượng ưu tiên «{key}».", key=key),
                               hint=_("Các đối tượng: {keys}", keys=", ".join(
                                   f"{k} ({v})" for k, v in known.items()) or "—"))
        return key

    def take(self, service: str | None = None, *, kiosk: bool = False,
             priority: str | None = None, booked_until: str | None = None) -> dict[str, Any]:
        """A new ticket ``{"label", "service", "serviceName", "ahead", "origin", ...}``;
        with ``priority`` (a ``queue.priorities`` key) it is called first in its group, and
        so is a checked-in booking's until ``booked_until`` (the end of its slot)."""
        groups = self.services()
        service = self.check_service(service or next(iter(groups)))
        key = self.check_priority(priority)
        counter = 0 if kiosk else self._counter()
        answer = self._central("POST", "/v1/queue/tickets",
                               json={"service": service, "counter": counter, "priority": key,
                                     "booked_until": booked_until})
        ticket = valid_ticket(answer, service) if answer else None
        if ticket is not None:
            self.last_mode = "central"
            ticket.update(origin="central", issued_counter=counter, priority=key,
                          booked_until=booked_until)
            self.citizen.record_ticket(ticket)
        else:
            self.last_mode = "local"
            # Offline numbers carry a counter digit; a kiosk without one uses its configured
            # counter number so that two offline machines still differ.
            own = self._counter()
            day = now().date().isoformat()

            def make(number: int) -> dict[str, Any]:
                return {"id": str(uuid.uuid4()), "day": day, "service": service,
                        "number": number, "label": offline_label(service, own, number),
                        "origin": "local", "issued_counter": own, "taken_at": _stamp(now()),
                        "state": "waiting", "priority": key, "booked_until": booked_until}

            ticket = self.citizen.local_ticket(day, service, own, make)
            at = ticket["taken_at"]
            mine = call_order(ticket, own, at)
            ticket["ahead"] = sum(1 for t in self.citizen.tickets(day=day, state="waiting")
                                  if t["service"] == service and t["origin"] == "local"
                                  and t["id"] != ticket["id"] and call_order(t, own, at) < mine)
        ticket["serviceName"] = groups[service]
        if key:
            ticket["priorityName"] = self.priorities()[key]
        return ticket

    # --- calling -----------------------------------------------------------------------

    def call_next(self, by: str = "", services: list[str] | None = None) -> dict[str, Any] | None:
        """Call the next ticket to this counter; None when nobody is waiting."""
        counter = self._counter()
        stamp = _stamp(now())
        day = now().date().isoformat()
        # This counter's current ticket is finished by the next call (service time).
        for t in self.citizen.tickets(day=day, state="called"):
            if t["called_counter"] == counter:
                self.citizen.record_ticket({**t, "finished_at": stamp, "state": "done"})
        answer = self._central("POST", "/v1/queue/call",
                               json={"counter": counter, "services": services or [], "by": by})
        if answer is not None:
            self.last_mode = "central"
            for done in answer.get("finished") or []:
                ok = valid_ticket(done, None)
                if ok:
                    self.citizen.record_ticket({**ok, "origin": "central",
                                                "issued_counter": int(ok.get("counter") or 0)})
            called = valid_ticket(answer.get("called"), None)
            if called is not None:
                called.update(origin="central", issued_counter=int(called.get("counter") or 0))
                self.citizen.record_ticket(called)
                return self.with_name(called)
        # Offline, or nobody waiting at the server: this machine's own offline tickets.
        waiting = sorted((t for t in self.citizen.tickets(day=day, state="waiting")
                          if t["origin"] == "local" and callable_here(t, counter)
                          and (not services or t["service"] in services)),
                         key=lambda t: call_order(t, counter, stamp))
        if not waiting:
            return None
        ticket = {**waiting[0], "called_at": stamp, "called_counter": counter, "called_by": by,
                  "state": "called"}
        self.citizen.record_ticket(ticket)
        return self.with_name(ticket)

    def current(self) -> dict[str, Any] | None:
        """The ticket this counter is serving now (called today, not yet finished by the
        next call), read back from ``queue_tickets``: «Đang phục vụ số …» survives a
        restart."""
        day = now().date().isoformat()
        mine = [t for t in self.citizen.tickets(day=day, state="called")
                if t.get("called_counter") == self._counter()]
        if not mine:
            return None
        return self.with_name(max(mine, key=lambda t: t.get("called_at") or ""))

    def with_name(self, ticket: dict[str, Any]) -> dict[str, Any]:
        ticket["serviceName"] = self.services().get(ticket["service"], ticket["service"])
        return ticket

    def status(self) -> dict[str, Any]:
        """Today's queue: waiting per group and the latest calls (central and local merged)."""
        day = now().date().isoformat()
        answer = self._central("GET", "/v1/queue/status")
        groups = self.services()
        waiting = {k: 0 for k in groups}
        calls: list[dict[str, Any]] = []
        mode = "local"
        if answer is not None and isinstance(answer.get("services"), list):
            mode = "central"
            for g in answer["services"]:
                if isinstance(g, dict) and g.get("service") in waiting:
                    waiting[g["service"]] += int(g.get("waiting") or 0)
            calls = [c for c in (valid_ticket(c, None) for c in answer.get("calls") or []) if c]
        local = self.citizen.tickets(day=day)
        for t in local:
            if t["origin"] == "local" and t["state"] == "waiting" and t["service"] in waiting:
                waiting[t["service"]] += 1
        known = {c["id"] for c in calls}
        calls += [t for t in local if t["called_at"] and t["id"] not in known
                  and (mode == "local" or t["origin"] == "local")]
        calls.sort(key=lambda t: t["called_at"] or "", reverse=True)
        return {"day": day, "mode": mode, "counter": self._counter(),
                "services": [{"service": k, "name": v, "waiting": waiting[k]}
                             for k, v in groups.items()],
                "calls": [{"label": c["label"], "service": c["service"],
                           "counter": c.get("called_counter"), "called_at": c["called_at"]}
                          for c in calls[:6]]}


def valid_ticket(raw: Any, service: str | None) -> dict[str, Any] | None:
    """A server ticket, checked before it is printed or stored (never trust the answer)."""
    if not isinstance(raw, dict):
        return None
    try:
        ticket = {
            "id": str(uuid.UUID(str(raw["id"]))), "day": str(raw["day"])[:10],
            "service": str(raw["service"]), "number": int(raw["number"]),
            "label": str(raw["label"]), "taken_at": str(raw["taken_at"]),
            "called_at": raw.get("called_at"), "called_counter": raw.get("called_counter"),
            "called_by": raw.get("called_by"), "finished_at": raw.get("finished_at"),
            "state": str(raw.get("state") or "waiting"), "ahead": int(raw.get("ahead") or 0),
            "counter": int(raw.get("counter") or 0),
            "priority": str(raw.get("priority") or ""), "recalls": int(raw.get("recalls") or 0),
            "held_at": raw.get("held_at"), "moved_from": raw.get("moved_from"),
            "for_counter": int(raw["for_counter"]) if raw.get("for_counter") else None,
            "booked_until": str(raw["booked_until"]) if raw.get("booked_until") else None,
        }
    except (KeyError, TypeError, ValueError):
        return None
    if service is not None and ticket["service"] != service:
        return None
    if not re.match(r"^[A-Z]\d{3}$", str(ticket["label"])) or ticket["state"] not in STATES:
        return None
    return ticket
