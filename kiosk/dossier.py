"""The dossier model and its status machine, on the national portal's codes (TrangThaiHoSo).

Only the transitions in :data:`TRANSITIONS` are allowed; each one is a :class:`StatusEvent`
with who, when and why. "Overdue" is derived from the due time, never stored as a status.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from enum import IntEnum
from typing import Any

from kiosk.clock import iso, now
from kiosk.errors import InvalidInput
from kiosk.i18n import N_, _


class Status(IntEnum):
    NEW = 1  # Mới đăng ký (online, not yet accepted)
    RECEIVED = 2  # Được tiếp nhận
    REFUSED = 3  # Không được tiếp nhận
    PROCESSING = 4  # Đang xử lý
    SUPPLEMENT = 5  # Yêu cầu bổ sung
    PAYMENT = 6  # Yêu cầu nghĩa vụ tài chính
    WITHDRAWN = 7  # Công dân rút hồ sơ
    STOPPED = 8  # Dừng xử lý
    DONE = 9  # Đã xử lý xong
    RETURNED = 10  # Đã trả kết quả

    @property
    def label(self) -> str:
        return _(_LABELS[self])


_LABELS = {
    Status.NEW: N_("Mới đăng ký"),
    Status.RECEIVED: N_("Được tiếp nhận"),
    Status.REFUSED: N_("Không được tiếp nhận"),
    Status.PROCESSING: N_("Đang xử lý"),
    Status.SUPPLEMENT: N_("Yêu cầu bổ sung"),
    Status.PAYMENT: N_("Yêu cầu nghĩa vụ tài chính"),
    Status.WITHDRAWN: N_("Công dân rút hồ sơ"),
    Status.STOPPED: N_("Dừng xử lý"),
    Status.DONE: N_("Đã xử lý xong"),
    Status.RETURNED: N_("Đã trả kết quả"),
}


class Channel(IntEnum):
    COUNTER = 1  # trực tiếp
    ONLINE = 2  # trực tuyến
    POSTAL = 3  # bưu chính công ích
    #: Not a portal code (KenhThucHien has 1–3): e.g. photos sent by chat, then brought in.
    OTHER = 4

    @property
    def label(self) -> str:
        return _({1: N_("Trực tiếp"), 2: N_("Trực tuyến"), 3: N_("Bưu chính công ích"),
                  4: N_("Hình thức khác")}[self])


#: How the result goes back to the applicant.
RETURN_METHODS = ("counter", "post")


S = Status
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.NEW: frozenset({S.RECEIVED, S.REFUSED, S.SUPPLEMENT, S.WITHDRAWN}),
    # Same-day procedures (certification) may be finished at the counter: 2 → 9 directly.
    S.RECEIVED: frozenset({S.PROCESSING, S.SUPPLEMENT, S.PAYMENT, S.WITHDRAWN, S.STOPPED,
                           S.DONE}),
    S.PROCESSING: frozenset({S.SUPPLEMENT, S.PAYMENT, S.WITHDRAWN, S.STOPPED, S.DONE}),
    # A supplement before acceptance leads back to 2 (or 3); after acceptance back to 4.
    S.SUPPLEMENT: frozenset({S.RECEIVED, S.PROCESSING, S.REFUSED, S.WITHDRAWN, S.STOPPED}),
    S.PAYMENT: frozenset({S.PROCESSING, S.DONE, S.WITHDRAWN, S.STOPPED}),
    S.DONE: frozenset({S.RETURNED}),
    S.REFUSED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.STOPPED: frozenset(),
    S.RETURNED: frozenset(),
}
#: Statuses a dossier cannot leave.
FINAL = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)
#: Statuses in which the legal clock runs (a supplement request pauses it).
CLOCK_RUNNING = frozenset({S.RECEIVED, S.PROCESSING, S.PAYMENT})
#: Statuses of a dossier still being handled: neither resolved (9, 10) nor ended without a
#: result (3, 7, 8). Only these can be overdue.
PENDING = frozenset({S.NEW, S.RECEIVED, S.PROCESSING, S.SUPPLEMENT, S.PAYMENT})
#: Moving to these needs a reason written down (it is printed on the slips).
NEEDS_REASON = frozenset({S.REFUSED, S.SUPPLEMENT, S.WITHDRAWN, S.STOPPED})


class InvalidTransition(InvalidInput):
    kind = "invalid_transition"


def check_transition(old: Status | None, new: Status, note: str | None = None) -> None:
    """Raise :class:`InvalidTransition` unless ``old → new`` is allowed (None: a new dossier)."""
    new = Status(new)
    if old is None:
        if new not in (S.NEW, S.RECEIVED):
            raise InvalidTransition(
                _("Hồ sơ mới chỉ có thể ở trạng thái {a} hoặc {b}.", a=S.NEW.label,
                  b=S.RECEIVED.label))
    else:
        old = Status(old)
        if new not in TRANSITIONS[old]:
            allowed = ", ".join(f"{s.value} ({s.label})" for s in sorted(TRANSITIONS[old]))
            raise InvalidTransition(
                _("Không thể chuyển hồ sơ từ «{old}» sang «{new}».", old=old.label,
                  new=new.label),
                hint=_("Có thể chuyển sang: {allowed}.", allowed=allowed) if allowed
                else _("Hồ sơ đã kết thúc, không thể chuyển trạng thái."),
            )
    if new in NEEDS_REASON and not (note and note.strip()):
        raise InvalidTransition(
            _("Chuyển sang «{new}» cần ghi rõ lý do.", new=new.label),
            hint=_("Thêm lý do bằng --note \"...\"."),
        )


def parse_status(value: int | str) -> Status:
    try:
        return Status(int(value))
    except (ValueError, TypeError):
        raise InvalidInput(
            _("Mã trạng thái «{value}» không hợp lệ.", value=value),
            hint=_("Mã trạng thái từ 1 đến 10 theo Cổng Dịch vụ công quốc gia."),
        ) from None


def parse_channel(value: int | str) -> Channel:
    try:
        return Channel(int(value))
    except (ValueError, TypeError):
        raise InvalidInput(
            _("Kênh nộp «{value}» không hợp lệ.", value=value),
            hint=_("1: trực tiếp, 2: trực tuyến, 3: bưu chính, 4: hình thức khác."),
        ) from None


def parse_return_method(value: str) -> str:
    if value not in RETURN_METHODS:
        raise InvalidInput(
            _("Hình thức trả kết quả «{value}» không hợp lệ.", value=value),
            hint=_("counter: trả tại quầy, post: trả qua bưu chính."),
        )
    return value


@dataclass(frozen=True)
class StatusEvent:
    status: Status
    at: datetime
    actor: str
    note: str | None = None
    previous: Status | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "status": int(self.status),
            "label": self.status.label,
            "previous": int(self.previous) if self.previous is not None else None,
            "at": iso(self.at),
            "actor": self.actor,
            "note": self.note,
        }


def transition(current: Status | None, new: Status, actor: str, note: str | None = None,
               at: datetime | None = None) -> StatusEvent:
    """Check the move and return the event that records it."""
    if not actor or not actor.strip():
        raise InvalidInput(_("Cần ghi rõ người thực hiện."))
    check_transition(current, new, note)
    return StatusEvent(Status(new), at or now(), actor.strip(), (note or "").strip() or None,
                       current)


@dataclass(frozen=True)
class Applicant:
    """The person the dossier is for (chủ hồ sơ), as read from the CCCD or typed."""

    full_name: str
    id_number: str | None = None
    old_id_number: str | None = None
    date_of_birth: date | None = None
    sex: str | None = None
    address: str | None = None
    issue_date: date | None = None
    phone: str | None = None
    email: str | None = None
    #: The raw CCCD QR text when the applicant was read from a card (kept as evidence).
    cccd_raw: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("date_of_birth", "issue_date"):
            if out[key] is not None:
                out[key] = out[key].isoformat()
        return out


def is_overdue(status: Status, due_at: datetime | None, at: datetime | None = None,
               paused_since: datetime | None = None) -> bool:
    """Overdue at ``at`` (default now): still pending and its due time has passed.

    A dossier waiting for a supplement is judged when its clock stopped (``paused_since``,
    the open pause's start): asked for a supplement after its due, it stays overdue; asked
    in time, it is not. The Home count, the overdue list and the report's "pending,
    overdue" all follow this (kiosk.storage.records.overdue_clause,
    kiosk.reports.summary.is_overdue_at)."""
    if due_at is None or Status(status) not in PENDING:
        return False
    moment = at or now()
    if Status(status) == S.SUPPLEMENT and paused_since is not None:
        moment = min(moment, paused_since)
    return due_at < moment


def is_late(due_at: datetime | None, finished_at: datetime | None) -> bool:
    """A finished dossier was late when it finished after its due time."""
    return due_at is not None and finished_at is not None and finished_at > due_at
