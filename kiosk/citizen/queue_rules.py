"""What a clerk may do with a called ticket (issue 27), one set of rules for the counter's
offline tickets and the central server's tickets (``central/queue_ops.py`` applies them too).

- recall: call the ticket at this counter again (the number is shown and spoken again); a
  held ticket recalled is the person back from stepping out, called to this counter;
- hold: the person stepped out; the ticket leaves the counter but keeps its number and place,
  and any counter recalls it when the person is back;
- no-show: only after ``queue.noshow_after_recalls`` recalls (nobody is dropped on the first
  call they missed); the ticket is finished as absent;
- transfer: to another service group (it waits there with its original time, so it is near
  the front) and/or to one counter (only that counter calls it, ahead of its line).

The functions take and return plain ticket dicts (the local table's columns) and raise
:class:`kiosk.errors.InvalidInput` with the refusal a clerk reads.
"""

from __future__ import annotations

from typing import Any

from kiosk.errors import InvalidInput
from kiosk.i18n import _

ACTIONS = ("recall", "hold", "noshow", "transfer")
#: Every state a ticket can be in; ``done`` and ``noshow`` are final.
STATES = ("waiting", "called", "held", "done", "noshow")
FINAL = ("done", "noshow")


def _at_counter(ticket: dict[str, Any], counter: int) -> bool:
    return ticket.get("state") == "called" and int(ticket.get("called_counter") or 0) == counter


def _not_here(ticket: dict[str, Any], counter: int) -> InvalidInput:
    return InvalidInput(_("Số {label} không đang được gọi tại quầy {counter}.",
                          label=ticket["label"], counter=counter),
                        hint=_("Chỉ quầy đang gọi số này mới gọi lại, tạm giữ, ghi vắng "
                               "hoặc chuyển được."))


def apply(ticket: dict[str, Any], action: str, *, counter: int, stamp: str, by: str = "",
          noshow_after: int = 2, to_service: str | None = None,
          to_counter: int | None = None) -> dict[str, Any]:
    """The ticket after ``action`` by ``counter`` at ``stamp`` (a new dict)."""
    t = dict(ticket)
    t["recalls"] = int(t.get("recalls") or 0)
    state = t.get("state")
    if action == "recall":
        if state == "held":
            # Back from stepping out: called here, ahead of the line (it kept its place); the
            # person is present, so the recalls towards a no-show start again.
            t.update(state="called", called_at=stamp, called_counter=counter, called_by=by,
                     held_at=None, recalls=0)
        elif _at_counter(t, counter):
            t.update(recalls=t["recalls"] + 1, called_at=stamp)
        else:
            raise _not_here(t, counter)
    elif action == "hold":
        if not _at_counter(t, counter):
            raise _not_here(t, counter)
        t.update(state="held", held_at=stamp)
    elif action == "noshow":
        if not (_at_counter(t, counter) or state == "held"):
            raise _not_here(t, counter)
        if t["recalls"] < noshow_after:
            raise InvalidInput(
                _("Số {label} mới được gọi lại {recalls} lần; cần gọi lại đủ {needed} lần "
                  "rồi mới ghi vắng mặt.", label=t["label"], recalls=t["recalls"],
                  needed=noshow_after),
                hint=_("Bấm «Gọi lại» hoặc chạy kiosk queue recall."))
        t.update(state="noshow", finished_at=stamp)
    elif action == "transfer":
        if not _at_counter(t, counter):
            raise _not_here(t, counter)
        if not to_service and not to_counter:
            raise InvalidInput(_("Chọn nhóm dịch vụ hoặc quầy để chuyển số {label} đến.",
                                 label=t["label"]))
        if to_counter == counter and (not to_service or to_service == t["service"]):
            raise InvalidInput(_("Số {label} đang ở quầy {counter}: chọn quầy khác.",
                                 label=t["label"], counter=counter))
        t.update(state="waiting", moved_from=f"{t['service']}@{counter}",
                 service=to_service or t["service"], for_counter=to_counter or None,
                 called_counter=None, called_at=None, called_by=None, recalls=0)
    else:
        raise InvalidInput(_("Không có thao tác «{action}».", action=action))
    return t


def ahead_of_walk_ins(ticket: dict[str, Any], at: str) -> bool:
    """Priority, or a checked-in booking within its slot window (until ``booked_until``)."""
    until = ticket.get("booked_until")
    return bool(ticket.get("priority")) or bool(until and str(until) > at)


def call_order(ticket: dict[str, Any], counter: int, at: str) -> tuple[int, int, str, int]:
    """Sort key of waiting tickets for a call at ``counter`` at time ``at``: tickets sent to
    this counter first, then priority tickets and bookings in their window, then the oldest
    (the original time stays after a transfer)."""
    return (0 if ticket.get("for_counter") == counter else 1,
            0 if ahead_of_walk_ins(ticket, at) else 1, str(ticket.get("taken_at") or ""),
            int(ticket.get("number") or 0))


def callable_here(ticket: dict[str, Any], counter: int) -> bool:
    """A waiting ticket sent to another counter is that counter's to call."""
    target = ticket.get("for_counter")
    return ticket.get("state") == "waiting" and (not target or int(target) == counter)
