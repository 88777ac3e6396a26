"""A clerk's queue operations at the counter: recall, hold, no-show, transfer (issue 27).

A ticket this machine numbered offline (``A1-07``) is changed here and its new state goes to
the central server through the outbox like its other states. A server ticket (``A012``) is
changed by the server (``POST /v1/queue/act``), so a ticket held at counter 1 can be recalled
at counter 2; this machine keeps a copy for its own report. The rules are the same on both
sides (:mod:`kiosk.citizen.queue_rules`).
"""

from __future__ import annotations

from typing import Any

from kiosk.citizen.queue import QueueService, stamp_now, valid_ticket
from kiosk.citizen.queue_rules import ACTIONS, apply
from kiosk.clock import now
from kiosk.errors import InvalidInput, KioskError, NotFound
from kiosk.i18n import _


def _finish_current(queue: QueueService, counter: int, keep: str) -> None:
    """A held ticket called back finishes this counter's current one, as a call does."""
    stamp = stamp_now()
    for t in queue.citizen.tickets(day=now().date().isoformat(), state="called"):
        if t["called_counter"] == counter and t["id"] != keep:
            queue.citizen.record_ticket({**t, "finished_at": stamp, "state": "done"})


class ServerUnreachable(KioskError):
    kind = "server_unreachable"


def _find(queue: QueueService, label: str | None) -> dict[str, Any] | None:
    day = now().date().isoformat()
    if label is None:
        return queue.current()
    rows = queue.citizen.tickets(day=day, label=label.strip().upper())
    return rows[0] if rows else None


def operate(queue: QueueService, action: str, label: str | None = None, *, by: str = "",
            to_service: str | None = None, to_counter: int | None = None) -> dict[str, Any]:
    """Apply ``action`` to ``label`` (default: the ticket this counter is serving) and return
    the ticket as it is now."""
    if action not in ACTIONS:
        raise InvalidInput(_("Không có thao tác «{action}».", action=action))
    counter = queue.counter()
    if counter < 1:
        raise InvalidInput(_("Máy này chưa có số quầy (counter.number), không gọi số được."))
    if to_service:
        to_service = queue.check_service(to_service)
    ticket = _find(queue, label)
    if ticket is None and label is None:
        raise NotFound(_("Quầy {counter} không đang phục vụ số nào.", counter=counter),
                       hint=_("Ghi rõ số, ví dụ: kiosk queue {action} A012", action=action))
    noshow_after = int(queue.config.get("queue.noshow_after_recalls"))
    if action == "recall" and ticket is not None and ticket["state"] == "held":
        _finish_current(queue, counter, ticket["id"])
    shown = (label or (ticket or {}).get("label") or "").strip().upper()
    if ticket is not None and ticket["origin"] == "local":
        changed = apply(ticket, action, counter=counter, stamp=stamp_now(), by=by,
                        noshow_after=noshow_after, to_service=to_service,
                        to_counter=to_counter)
        queue.citizen.apply_ticket(changed)
        queue.last_mode = "local"
        return queue.with_name(changed)
    if "-" in shown:
        raise NotFound(_("Hôm nay máy này không có số {label}.", label=shown))
    answer = queue.ask("POST", "/v1/queue/act", json={
        "action": action, "label": shown, "counter": counter, "by": by,
        "noshow_after": noshow_after, "service": to_service, "to_counter": to_counter})
    if answer is None:
        raise ServerUnreachable(
            _("Không kết nối được máy chủ: số {label} do máy chủ cấp nên chưa thao tác được.",
              label=shown), hint=_("Kiểm tra mạng rồi làm lại."))
    status, body = answer
    if status >= 400:
        raise InvalidInput(str(body.get("message") or _("Máy chủ từ chối thao tác.")))
    server = valid_ticket(body.get("ticket"), None)
    if server is None:
        raise ServerUnreachable(_("Máy chủ trả lời không hợp lệ."))
    server.update(origin="central", issued_counter=int(server.get("counter") or 0))
    if action == "recall":
        _finish_current(queue, counter, server["id"])
    queue.citizen.record_ticket(server)
    queue.citizen.apply_ticket(server)
    queue.last_mode = "central"
    return queue.with_name(server)
