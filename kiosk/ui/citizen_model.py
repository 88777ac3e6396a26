"""The citizen window's view model: procedure board, check before save, rating, queue, status.

It is set on the citizen window's own QML engine and nowhere else, so the clerk's screens
cannot reach its slots: a rating can only come from a tap on the citizen's screen, and only
for the dossier the clerk has just saved or handed over (armed from Python, never from QML).
What it shows comes from ``kiosk.citizen.board``, which masks the ID number and shows
nothing of any other citizen.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from kiosk import i18n
from kiosk.citizen import board
from kiosk.citizen.ratings import LEVELS, REASONS
from kiosk.clock import now
from kiosk.dossier_code import looks_like_dossier_code
from kiosk.errors import KioskError
from kiosk.i18n import _
from kiosk.ui.chime import Chime
from kiosk.ui.listmodel import DictListModel
from kiosk.ui.qt import QVARIANT, QVARIANT_LIST, Property, QObject, QTimer, Signal, Slot, plain

log = logging.getLogger(__name__)

#: After a ticket or a call, the number stays this long (the thank-you after a rating:
#: ``citizen.thanks_seconds``).
SHORT_MS = 8_000
#: A self-service kiosk polls the unit's queue for the calls of every counter.
POLL_MS = 4_000
_CHECK_STEPS = ("applicant", "checklist", "scan", "review")


class CitizenModel(QObject):
    changed = Signal()
    languageChanged = Signal()
    message = Signal(str)

    def __init__(self, services: Any, tasks: Any, *, queue: Any, chime: Chime,
                 self_service: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.tasks = tasks
        self.queue = queue
        self.chime = chime
        self._self_service = self_service
        self._mode = "board"
        self._check: dict[str, Any] = {}
        self._confirmed_digest = ""
        self._confirmed_at = ""
        self._corrections = 0
        self._session: Any = None
        self._pending: dict[str, Any] | None = None
        self._reason_needed = False
        self._status: dict[str, Any] = {}
        self._ticket: dict[str, Any] = {}
        self._priority = ""
        self._called: dict[str, Any] = {}
        self._selected: dict[str, Any] = {}
        self._payment: dict[str, Any] = {}
        self._seen_calls: set[str] = set()
        self._tick = 0
        self._query = ""
        self._receipt_mode = False
        self._board = DictListModel(["code", "name", "field", "processing"], self)
        self._entries: dict[str, dict[str, Any]] = {}
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self.backToBoard)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._poll_calls)
        if self_service:
            self._poll.start()
        self._unsubscribe = i18n.on_language_changed(lambda _l: self._language())
        #: Tells the clerk's side (CitizenLink) that the confirmation state changed.
        self.on_confirmation: Any = None
        #: Called when the screen goes back to the board (the booking steps forget too).
        self.on_reset: list[Any] = []
        self.search("")

    def stop(self) -> None:
        self._unsubscribe()
        self._idle.stop()
        self._poll.stop()

    # --- i18n ---------------------------------------------------------------------------

    def _language(self) -> None:
        self._tick += 1
        self.languageChanged.emit()
        self.search("")

    lang = Property(int, lambda self: self._tick, notify=languageChanged)

    @Slot(str, result=str)
    def t(self, text: str) -> str:
        return _(text)

    @Slot(str, "QVariant", result=str)
    def tf(self, text: str, fields: Any) -> str:
        return _(text, **{str(k): v for k, v in dict(plain(fields) or {}).items()})

    # --- properties ---------------------------------------------------------------------

    mode = Property(str, lambda self: self._mode, notify=changed)
    selfService = Property(bool, lambda self: self._self_service, constant=True)
    check = Property(QVARIANT, lambda self: dict(self._check), notify=changed)
    confirmed = Property(bool, lambda self: bool(self._check) and
                         self._check.get("digest") == self._confirmed_digest, notify=changed)
    reasonNeeded = Property(bool, lambda self: self._reason_needed, notify=changed)
    ratingOccasion = Property(str, lambda self: (self._pending or {}).get("occasion", ""),
                              notify=changed)
    status = Property(QVARIANT, lambda self: dict(self._status), notify=changed)
    ticket = Property(QVARIANT, lambda self: dict(self._ticket), notify=changed)
    called = Property(QVARIANT, lambda self: dict(self._called), notify=changed)
    selected = Property(QVARIANT, lambda self: dict(self._selected), notify=changed)
    #: What the citizen pays at the certification counter (issue 23): amount, words, VietQR.
    payment = Property(QVARIANT, lambda self: dict(self._payment), notify=changed)
    procedures = Property(QObject, lambda self: self._board, constant=True)
    unitName = Property(str, lambda self: str(self.services.config.get("unit.name")),
                        constant=True)

    def _services_list(self) -> list[dict[str, str]]:
        return [{"code": k, "name": v} for k, v in self.queue.services().items()]

    queueServices = Property(QVARIANT_LIST, _services_list, constant=True)
    # Issue 27: who may be called first (queue.priorities), chosen before «Lấy số».
    priorities = Property(QVARIANT_LIST, lambda self: [
        {"key": k, "name": v} for k, v in self.queue.priorities().items()], constant=True)
    priority = Property(str, lambda self: self._priority, notify=changed)

    @Slot(str)
    def setPriority(self, key: str) -> None:
        self._priority = key if key in self.queue.priorities() else ""
        self.changed.emit()

    def _levels(self) -> list[dict[str, Any]]:
        return [{"level": k, "label": _(v)} for k, v in LEVELS.items()]

    levels = Property(QVARIANT_LIST, _levels, notify=languageChanged)

    def _reasons(self) -> list[dict[str, str]]:
        return [{"reason": k, "label": _(v)} for k, v in REASONS.items()]

    reasons = Property(QVARIANT_LIST, _reasons, notify=languageChanged)

    def _set_mode(self, mode: str, idle_ms: int | None = None) -> None:
        self._mode = mode
        if mode in ("board", "check"):
            # The check view lasts as long as the clerk's intake does (leaving it clears it):
            # a timeout there would hide it while the clerk waits for the citizen's tap.
            self._idle.stop()
        else:
            self._idle.start(idle_ms or int(self.services.config.get("citizen.idle_seconds"))
                             * 1000)
        self.changed.emit()

    # --- the board ----------------------------------------------------------------------

    query = Property(str, lambda self: self._query, notify=changed)
    receiptMode = Property(bool, lambda self: self._receipt_mode, notify=changed)

    @Slot(str)
    def typeKey(self, ch: str) -> None:
        """The screen's own keypad (the citizen window never takes the keyboard focus)."""
        self._query = (self._query + ch)[:40]
        self._typed()

    @Slot()
    def eraseKey(self) -> None:
        self._query = self._query[:-1]
        self._typed()

    @Slot(bool)
    def setReceiptMode(self, on: bool) -> None:
        self._receipt_mode = bool(on) and self._self_service
        self._query = ""
        self._typed()

    def _typed(self) -> None:
        if not self._receipt_mode:
            self.search(self._query)
        self._idle.start(int(self.services.config.get("citizen.idle_seconds")) * 1000)
        self.changed.emit()

    @Slot(str)
    def search(self, text: str) -> None:
        place = _("Bộ phận Tiếp nhận và Trả kết quả, {unit}",
                  unit=str(self.services.config.get("unit.name")))
        entries = board.board(self.services.catalog, text, place)
        self._entries = {e["code"]: e for e in entries}
        self._board.reset({k: e[k] for k in ("code", "name", "field", "processing")}
                          for e in entries)

    @Slot(str)
    def select(self, code: str) -> None:
        self._selected = dict(self._entries.get(code) or {})
        self._set_mode("procedure" if self._selected else "board")

    @Slot()
    def touched(self) -> None:
        if self._idle.isActive() and self._mode != "check":
            self._idle.start()

    @Slot()
    def backToBoard(self) -> None:
        """Idle: nothing of the last citizen stays on the screen."""
        self._status, self._ticket, self._called, self._selected = {}, {}, {}, {}
        self._reason_needed = False
        self._query, self._receipt_mode = "", False
        self.search("")
        if self._pending is not None:
            log.info("rating for %s not given (timeout)", self._pending.get("code"))
            self._pending = None
        self._check = {}
        for reset in self.on_reset:
            reset()
        self._set_mode("board")

    def show(self, mode: str) -> None:
        """Another view of this screen takes over (the booking steps, issue 27)."""
        self._set_mode(mode)

    # --- the amount to pay (driven by the clerk's certification screen) ------------------

    def show_payment(self, view: dict[str, Any]) -> None:
        self._payment = dict(view)
        if self._mode not in ("ticket", "called"):
            self._set_mode("payment")
        else:
            self.changed.emit()

    def clear_payment(self) -> None:
        self._payment = {}
        if self._mode == "payment":
            self._set_mode("board")

    # --- check before save (driven by the clerk's intake) --------------------------------

    # --- may the clerk reuse the citizen's digitised papers? (issue 24) --------------------

    def ask_papers(self, count: int, answer: Any) -> None:
        """The clerk found ``count`` papers already digitised: the citizen says whether they
        may be used (``answer(bool)``); nothing is shown to the clerk before."""
        self._papers_ask, self._papers_answer = count, answer
        self.changed.emit()

    papersAsk = Property(int, lambda self: getattr(self, "_papers_ask", 0), notify=changed)

    @Slot(bool)
    def answerPapers(self, agreed: bool) -> None:
        answer = getattr(self, "_papers_answer", None)
        self._papers_ask, self._papers_answer = 0, None
        self.changed.emit()
        if callable(answer):
            answer(bool(agreed))

    def intake_changed(self, session: Any, on_intake: bool) -> None:
        if self._session is not session:
            # A new intake: the previous citizen's confirmation never carries over.
            self._session, self._confirmed_digest, self._corrections = session, "", 0
            self._papers_ask, self._papers_answer = 0, None
        if session.saved is not None:
            return
        active = on_intake and session.step_name in _CHECK_STEPS and bool(
            session.applicant.name.strip() or session.procedure_code)
        if not active:
            if self._mode == "check":
                self._check = {}
                self._set_mode("board")
            return
        self._check = board.check_view(session, self.services.catalog,
                                       self.services.calendar, now())
        if self._mode not in ("ticket", "called"):
            self._set_mode("check")
        else:
            self.changed.emit()
        self._notify_clerk()

    def confirmation_for(self, session: Any) -> dict[str, Any] | None:
        """The confirmation to store with ``session``'s dossier, if the citizen gave it for
        exactly what is about to be saved."""
        if session is not self._session or not self._confirmed_digest:
            return None
        view = board.check_view(session, self.services.catalog, self.services.calendar, now())
        if view["digest"] != self._confirmed_digest:
            return None
        shown = {k: view[k] for k in ("name", "idNumber", "address", "phone", "procedure",
                                      "due")}
        shown["documents"] = [d["name"] for d in view["documents"]]
        return {"confirmed_at": self._confirmed_at, "digest": self._confirmed_digest,
                "corrections": self._corrections, "shown": shown}

    @Slot()
    def confirm(self) -> None:
        if self._mode != "check" or not self._check.get("ready"):
            return
        self._confirmed_digest = str(self._check["digest"])
        from kiosk.clock import iso

        self._confirmed_at = iso(now())
        self.changed.emit()
        self._notify_clerk()

    @Slot()
    def askCorrection(self) -> None:
        if self._mode != "check":
            return
        self._corrections += 1
        self._confirmed_digest = ""
        self.changed.emit()
        self._notify_clerk(correction=True)

    def _notify_clerk(self, correction: bool = False) -> None:
        if callable(self.on_confirmation):
            self.on_confirmation(correction)

    # --- ratings ------------------------------------------------------------------------

    def arm_rating(self, dossier_id: str, code: str, occasion: str, clerk: str) -> None:
        """After a save or a hand-over: ask this citizen (Python only, never from QML)."""
        self._pending = {"dossier_id": dossier_id, "code": code, "occasion": occasion,
                         "clerk": clerk, "id": str(uuid.uuid4())}
        self._check, self._reason_needed = {}, False
        self._set_mode("rating")

    @Slot(int)
    def rate(self, level: int) -> None:
        if self._pending is None or level not in LEVELS:
            return
        if level == 1:
            self._reason_needed = True
            self.changed.emit()
            self.touched()
            return
        self._store_rating(level, "")

    @Slot()
    def cancelReason(self) -> None:
        """«Quay lại» from the reasons: back to the three answers (a wrong tap is undone)."""
        if self._reason_needed:
            self._reason_needed = False
            self.changed.emit()
            self.touched()

    @Slot(str)
    def rateReason(self, reason: str) -> None:
        if self._pending is None or not self._reason_needed or reason not in REASONS:
            return
        self._store_rating(1, reason)

    def _store_rating(self, level: int, reason: str) -> None:
        pending, self._pending = self._pending, None
        assert pending is not None
        self._reason_needed = False
        from kiosk.storage.citizen import CitizenStore

        citizen = CitizenStore(self.services.store)
        counter = int(self.services.config.get_or("counter.number", 0))

        def work() -> dict[str, Any]:
            return citizen.add_rating(rating_id=pending["id"], dossier_id=pending["dossier_id"],
                                      occasion=pending["occasion"], level=level, reason=reason,
                                      clerk=pending["clerk"], counter=counter)

        def done(_r: dict[str, Any]) -> None:
            log.info("rating stored for %s: %s %s", pending["code"], level, reason)
            poke = getattr(self.services.sync, "poke", None)
            if callable(poke):
                poke()  # send it now rather than at the next sync pass

        self.tasks.run(work, done, self._failed, lane="storage")
        # Short: the next citizen must find the board and «Lấy số» again soon.
        self._set_mode("thanks", int(self.services.config.get("citizen.thanks_seconds")) * 1000)

    def _failed(self, exc: BaseException) -> None:
        from kiosk.ui.app_model import describe_error

        self.message.emit(describe_error(exc))

    # --- queue tickets ------------------------------------------------------------------

    @Slot(str)
    def takeTicket(self, service: str) -> None:
        if self._mode == "check":
            return  # the citizen at the counter is checking their data: no ticket now
        queue = self.queue
        priority, self._priority = self._priority, ""  # for this ticket only

        def work() -> dict[str, Any]:
            return self.print_ticket(queue.take(service, kiosk=self._self_service,
                                                priority=priority))

        self.tasks.run(work, self.show_ticket, self._failed, lane="net")

    def print_ticket(self, ticket: dict[str, Any]) -> dict[str, Any]:
        """Print a ticket (off the GUI thread); a failure is kept on it to be said."""
        printer = self._printer()
        try:
            from kiosk.citizen.ticket import print_ticket

            ticket["print"] = print_ticket(ticket, self.services.config, printer) \
                if printer else None
        except KioskError as exc:
            ticket["printError"] = str(exc)
        return ticket

    def show_ticket(self, ticket: dict[str, Any]) -> None:
        self._ticket = ticket
        if ticket.get("printError"):
            self.message.emit(_("Chưa in được phiếu: {error} Xin ghi nhớ số {label}.",
                                error=ticket["printError"], label=ticket["label"]))
        self._set_mode("ticket", SHORT_MS)

    def failed(self, exc: BaseException) -> None:
        self._failed(exc)

    def printer(self) -> Any:
        return self._printer()

    def _printer(self) -> Any:
        return ticket_printer(self.services)

    def announce(self, ticket: dict[str, Any]) -> None:
        """A ticket called to a counter: big on the screen, with the chime."""
        self._seen_calls.add(f"{ticket.get('label')}@{ticket.get('called_at')}")
        self._called = {"label": ticket.get("label", ""),
                        "counter": ticket.get("called_counter") or ticket.get("counter"),
                        "serviceName": ticket.get("serviceName", "")}
        self.chime.play()
        if self.chime.voice is not None:  # the spoken call after the chime (issue 27)
            self.chime.voice.say(str(self._called["label"]), self._called["counter"])
        if self._mode in ("board", "procedure", "ticket", "called", "status"):
            self._set_mode("called", SHORT_MS)
        else:
            self.changed.emit()  # shown as a banner over the check/rating view

    def _poll_calls(self) -> None:
        queue = self.queue

        def done(status: dict[str, Any]) -> None:
            for call in reversed(status.get("calls") or []):
                key = f"{call['label']}@{call['called_at']}"
                if key not in self._seen_calls:
                    self.announce({**call, "called_counter": call.get("counter")})

        self.tasks.run(queue.status, done, lambda exc: log.info("queue poll: %s", exc),
                       lane="net")

    # --- status by receipt (self-service) -----------------------------------------------

    @Slot(str)
    def lookupReceipt(self, text: str) -> None:
        text = text.strip().upper()
        log.info("citizen screen: receipt %s", text)
        if not looks_like_dossier_code(text):
            self.message.emit(_("Mã «{text}» không phải mã hồ sơ trên phiếu hẹn.", text=text))
            return
        store = self.services.store

        def work() -> dict[str, Any]:
            return board.status_view(store.get_dossier(text))

        def done(view: dict[str, Any]) -> None:
            self._status, self._query = view, ""
            self._set_mode("status")

        self.tasks.run(work, done, self._failed, lane="work")


def ticket_printer(services: Any) -> Any:
    """The queue tickets' printer (tickets and booking slips), or None when none is set up."""
    driver = getattr(services.printer, "printer", None) or services.extras.get("printer_driver")
    if driver is None:
        try:
            from kiosk.devices.printer import open_printer

            driver = open_printer(services.config)
        except KioskError:
            return None
    return driver
