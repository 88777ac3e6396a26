"""Bookings on the central server (issue 27), when the counter has one configured
(``sync.server_url``): every counter of the unit then shares the slots' places.

Without an answer from the server a booking cannot be made, checked in or cancelled here:
the places are the server's to count, and a guess could give one place twice. The clerk
gives the person an ordinary ticket meanwhile. The refusals the server gives (a full slot,
one person twice) are its Vietnamese messages, the same as the counter's own.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kiosk.citizen.booking_rules import new_code
from kiosk.citizen.queue import QueueService
from kiosk.errors import InvalidInput, KioskError, NotFound
from kiosk.i18n import _


class BookingServerUnreachable(KioskError):
    kind = "server_unreachable"


def _check(answer: tuple[int, dict[str, Any]] | None) -> dict[str, Any]:
    """The server's answer body, or the refusal a clerk reads."""
    if answer is None:
        raise BookingServerUnreachable(
            _("Không kết nối được máy chủ nên chưa đặt, nhận hay huỷ lịch hẹn được."),
            hint=_("Kiểm tra mạng rồi làm lại; trong lúc chờ, mời người dân lấy số thường."))
    status, body = answer
    if status == 404:
        raise NotFound(str(body.get("message") or _("Máy chủ từ chối thao tác.")))
    if status >= 400:
        stale = body.get("error") == "settings_stale"
        raise InvalidInput(str(body.get("message") or _("Máy chủ từ chối thao tác.")),
                           hint=_("Cho cấu hình booking.* của các quầy giống nhau; nếu cấu "
                                  "hình của máy này mới là đúng: kiosk booking publish "
                                  "--replace") if stale else "")
    return body


class CentralBookings:
    mode = "central"

    def __init__(self, queue: QueueService) -> None:
        self.queue = queue

    def taken(self, service: str, day: str, release_before: str) -> dict[str, int]:
        body = _check(self.queue.ask("GET", "/v1/bookings/taken", params={
            "service": service, "day": day, "release_before": release_before}))
        return {str(k): int(v) for k, v in (body.get("taken") or {}).items()}

    def insert(self, booking: dict[str, Any], capacity: int, release_before: str) -> None:
        fields = ("code", "service", "at", "day", "phone", "id_number", "made_by")
        for _attempt in range(3):
            answer = self.queue.ask("POST", "/v1/bookings", json={
                **{k: booking[k] for k in fields}, "capacity": capacity,
                "release_before": release_before})
            if answer is None or answer[1].get("error") != "code_taken":
                break
            booking["code"] = new_code()  # a 1-in-10⁹ clash with another counter's code
        _check(answer)

    def get(self, code: str, release_before: str) -> dict[str, Any] | None:
        answer = self.queue.ask("GET", f"/v1/bookings/{code}",
                                params={"release_before": release_before})
        if answer is not None and answer[0] == 404:
            return None
        return _check(answer)

    def claim(self, code: str) -> bool:
        return bool(_check(self.queue.ask("POST", f"/v1/bookings/{code}/claim")).get("claimed"))

    def set_state(self, code: str, state: str, label: str | None = None) -> None:
        _check(self.queue.ask("POST", f"/v1/bookings/{code}/state",
                              json={"state": state, "ticket_label": label}))

    def between(self, start: date, end: date) -> list[dict[str, Any]]:
        body = _check(self.queue.ask("GET", "/v1/bookings", params={
            "start": start.isoformat(), "end": end.isoformat()}))
        return list(body.get("bookings") or [])

    def publish(self, settings: dict[str, Any], base_revision: int) -> dict[str, Any]:
        """The unit's booking settings to the server, for the citizens' booking page: a
        change is accepted only on the revision this counter last saw."""
        return _check(self.queue.ask("PUT", "/v1/bookings/settings",
                                     json={**settings, "base_revision": base_revision}))

    def current_revision(self) -> int:
        """The revision the server holds now (0: none published yet)."""
        answer = self.queue.ask("GET", "/v1/bookings/settings")
        if answer is not None and answer[0] == 404:
            return 0
        return int(_check(answer).get("revision") or 0)
