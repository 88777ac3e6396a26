"""Booking a time for a citizen from the clerk's Home (issue 27), set as ``clerkBooking``.

The same view model as the self-service screen (:class:`CitizenBooking`: group, day, free
slot, phone or CCCD, the same :class:`~kiosk.citizen.booking.BookingService` rules and
refusals), driven from a dialog on the clerk's window (``qml/ClerkBooking.qml``). What
differs: the booking is made in the clerk's name, the closed days are offered too (a tap
says why: a holiday by name, a weekend), no notice is offered (the citizen agrees to that
on their own screen), and a refusal stays in the dialog until the clerk's next tap instead
of a toast behind it. The slip prints on the queue tickets' printer.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.ui.citizen_booking import CitizenBooking
from kiosk.ui.citizen_model import ticket_printer
from kiosk.ui.qt import Property, QObject, Signal, Slot

log = logging.getLogger(__name__)


class _Desk(QObject):
    """What :class:`CitizenBooking` asks of its screen, answered for the clerk's window."""

    message = Signal(str)

    def __init__(self, services: Any, app: Any, queue: Any) -> None:
        super().__init__(app)
        self.services, self.queue, self.tasks = services, queue, app.tasks
        self.on_reset: list[Any] = []

    def show(self, _step: str) -> None:
        """The dialog follows the view model's step itself."""

    def touched(self) -> None:
        """No idle timer on the clerk's side."""

    def failed(self, exc: BaseException) -> None:
        from kiosk.ui.app_model import describe_error

        self.message.emit(describe_error(exc))

    def printer(self) -> Any:
        return ticket_printer(self.services)


class ClerkBooking(CitizenBooking):
    problemChanged = Signal()

    def __init__(self, services: Any, app: Any, queue: Any,
                 parent: QObject | None = None) -> None:
        desk = _Desk(services, app, queue)
        super().__init__(desk, parent)
        self.actor = services.actor
        self.closed_days = True
        self._problem = ""
        desk.message.connect(self._set_problem)

    def _set_problem(self, text: str) -> None:
        log.info("clerk booking refused: %s", text)
        self._problem = text
        self.problemChanged.emit()

    #: The last refusal, shown in the dialog until the clerk's next tap.
    problem = Property(str, lambda self: self._problem, notify=problemChanged)

    @Slot()
    def clearProblem(self) -> None:
        if self._problem:
            self._set_problem("")

    @Slot()
    def open(self) -> None:
        """The dialog opens: a new booking (one group: its days at once)."""
        self.clearProblem()
        self.start()
        if not self._step:
            self._step = "group"
            self.changed.emit()

    @Slot()
    def close(self) -> None:
        self.clearProblem()
        self.reset()

    @Slot(str)
    def chooseDay(self, day: str) -> None:
        # Another day after a slot was chosen: the old day's slots go while the new load.
        self._slots, self._at, self._step = [], "", "day"
        self.changed.emit()
        super().chooseDay(day)
