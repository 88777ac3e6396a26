"""The root view model: sign-in, navigation, messages, language, idle lock."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kiosk import i18n
from kiosk.errors import KioskError, sentence
from kiosk.i18n import _
from kiosk.ui.qt import QVARIANT, Property, QObject, QTimer, Signal, Slot, plain
from kiosk.ui.services import Services
from kiosk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


def describe_error(exc: BaseException) -> str:
    """A message for the clerk: ours are already Vietnamese; anything else is a bug.

    Never the exception's own text: "ConnectError: [Errno 111] Connection refused" tells a
    clerk nothing. That goes to the log, and to :func:`technical_detail` for the admin.
    """
    if isinstance(exc, KioskError):
        log.info("shown to the clerk: %s (%s)", exc.message, exc.technical())
        return str(exc)  # the message, then the hint, as two sentences
    log.error("unexpected error: %r", exc, exc_info=exc)
    return _("Đã xảy ra lỗi ngoài dự kiến. Dữ liệu đã lưu không bị mất; nếu lỗi lặp lại, "
             "báo quản trị viên (chi tiết trong nhật ký).")


def technical_detail(exc: BaseException) -> str:
    """For the admin's details view: what went wrong underneath, in a maintainer's terms."""
    if isinstance(exc, KioskError):
        return exc.technical()
    return f"{type(exc).__name__}: {exc}"


def sentences(*parts: str) -> str:
    """Messages and hints joined as separate sentences (each ends before the next)."""
    return " ".join(sentence(p) for p in parts if p and p.strip())


class AppModel(QObject):
    signedInChanged = Signal()
    screenChanged = Signal()
    languageChanged = Signal()
    busyChanged = Signal()
    #: (text, kind) kind: "info" | "ok" | "error"; its cause is :attr:`messageCause`.
    message = Signal(str, str)
    #: A cause is gone (the phone corrected, the citizen confirmed): its message goes too.
    #: "screen.*" stands for every cause of that screen (sent when the screen is left).
    messageResolved = Signal(str)
    #: Ask the view to open a screen with an argument (dossier code, applicant...).
    navigate = Signal(str, QVARIANT)
    detailChanged = Signal()
    checkingPinChanged = Signal()
    leaveChanged = Signal()

    def __init__(self, services: Services, tasks: TaskRunner,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.tasks = tasks
        self._screen = "signin"
        self._argument: Any = None
        self._busy = 0
        self._tick = 0
        self._detail = ""
        self._cause = ""
        self._checking_pin = False
        #: screen -> what to ask before a tap or a read leaves it (None: nothing to ask).
        self._leave_guards: dict[str, Callable[[], str | None]] = {}
        self._leave_question = ""
        self._leave_to: tuple[str, Any] | None = None
        #: The screens this one was opened from, latest last (its "◀" goes there).
        self._history: list[tuple[str, Any]] = []
        self._returning = False
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self.lock)
        self._unsubscribe_language = i18n.on_language_changed(
            lambda _lang: self._language_changed())

    def stop(self) -> None:
        """At exit: the language hub is process-wide and must not call a deleted model."""
        self._unsubscribe_language()
        self._idle.stop()

    # --- i18n ---------------------------------------------------------------------------

    def _language_changed(self) -> None:
        self._tick += 1
        self.languageChanged.emit()

    def _get_tick(self) -> int:
        return self._tick

    #: QML bindings read ``app.lang`` so that they re-evaluate when the language changes.
    lang = Property(int, _get_tick, notify=languageChanged)

    @Slot(str, result=str)
    def t(self, text: str) -> str:
        return _(text)

    @Slot(str, "QVariant", result=str)
    def tf(self, text: str, fields: Any) -> str:
        return _(text, **{str(k): v for k, v in dict(plain(fields) or {}).items()})

    @Slot(str)
    def setLanguage(self, language: str) -> None:
        i18n.set_language(language)

    # --- session ------------------------------------------------------------------------

    def _signed_in(self) -> bool:
        return self.services.clerk is not None

    signedIn = Property(bool, _signed_in, notify=signedInChanged)

    def _clerk_name(self) -> str:
        return self.services.clerk.full_name if self.services.clerk else ""

    clerkName = Property(str, _clerk_name, notify=signedInChanged)

    def _is_admin(self) -> bool:
        return bool(self.services.clerk and self.services.clerk.is_admin)

    isAdmin = Property(bool, _is_admin, notify=signedInChanged)

    def _unit_name(self) -> str:
        return str(self.services.config.get("unit.name"))

    unitName = Property(str, _unit_name, notify=signedInChanged)

    def _counter(self) -> int:
        # 0 shows as no number while a bad counter.number stops issuing codes.
        return int(self.services.config.get_or("counter.number", 0))

    counterNumber = Property(int, _counter, notify=signedInChanged)

    @Slot(str, result=bool)
    def signIn(self, pin: str) -> bool:
        """Check the PIN on this thread (scripts, tests); the PIN pad uses :meth:`enterPin`."""
        try:
            clerk = self.services.clerks.sign_in(pin)
        except KioskError as exc:
            self.error(exc)
            return False
        self._signed_in_as(clerk)
        return True

    @Slot(str)
    def enterPin(self, pin: str) -> None:
        """The PIN pad's "Vào": the PIN is checked on the work lane, then Home opens.

        A check is one PBKDF2 hash per clerk (~50 ms each here): on the GUI thread it froze
        the sign-in screen for 0.1 s with two clerks, longer with more.
        """
        if self._checking_pin:
            return
        self._checking_pin = True
        self.checkingPinChanged.emit()
        clerks = self.services.clerks

        def done(clerk: Any) -> None:
            self._pin_checked()
            self._signed_in_as(clerk)

        def failed(exc: BaseException) -> None:
            self._pin_checked()
            self.error(exc)

        self.tasks.run(lambda: clerks.sign_in(pin), done, failed, lane="work")

    def _pin_checked(self) -> None:
        self._checking_pin = False
        self.checkingPinChanged.emit()

    def _get_checking_pin(self) -> bool:
        return self._checking_pin

    #: A PIN is being checked: the pad takes no keys until the answer.
    checkingPin = Property(bool, _get_checking_pin, notify=checkingPinChanged)

    def _signed_in_as(self, clerk: Any) -> None:
        self.services.clerk = clerk
        self.signedInChanged.emit()
        self.restart_idle()
        self.go("home")

    @Slot()
    def lock(self) -> None:
        if self.services.clerk is None:
            return
        self.services.clerk = None
        self.signedInChanged.emit()
        self.go("signin")

    def restart_idle(self) -> None:
        minutes = int(self.services.config.get("ui.idle_lock_minutes"))
        if self.services.clerk is not None and minutes > 0:
            self._idle.start(minutes * 60_000)

    @Slot()
    def activity(self) -> None:
        if self._idle.isActive():
            self.restart_idle()

    # --- navigation ---------------------------------------------------------------------

    def _get_screen(self) -> str:
        return self._screen

    screen = Property(str, _get_screen, notify=screenChanged)

    def _get_argument(self) -> Any:
        return self._argument

    screenArgument = Property(QVARIANT, _get_argument, notify=screenChanged)

    @Slot(str)
    @Slot(str, "QVariant")
    def go(self, screen: str, argument: Any = None, *, back: bool = False) -> None:
        if screen != "signin" and self.services.clerk is None:
            screen = "signin"
        if screen == "settings" and not self._is_admin():
            self.error(_("Chỉ quản trị viên được thay đổi cài đặt."))
            return
        if self._leave_to is not None:
            self._leave_to, self._leave_question = None, ""
            self.leaveChanged.emit()
        if screen in ("home", "signin"):
            self._history.clear()
        elif not back and screen != self._screen and self._screen != "signin":
            self._history = [*self._history[-9:], (self._screen, self._argument)]
        # The argument first: the screen reads it when its file loads.
        self._returning = back
        self._argument = plain(argument)
        left, self._screen = self._screen, screen
        if left != screen:
            self.resolve(f"{left}.*")
        self.screenChanged.emit()
        self.navigate.emit(screen, argument)

    # A tap or a read that leaves a screen with work in progress (an intake with data) asks
    # first; the work is kept either way (the intake is a draft). go() itself never asks:
    # locking, a resumed draft, the program's own moves.

    def set_leave_guard(self, screen: str, guard: Callable[[], str | None]) -> None:
        self._leave_guards[screen] = guard

    @Slot(str)
    @Slot(str, "QVariant")
    def leave(self, screen: str, argument: Any = None) -> None:
        """The clerk asks for ``screen``: go, or ask first when the screen shown has work."""
        guard = self._leave_guards.get(self._screen)
        question = guard() if guard is not None and screen != self._screen else None
        if not question:
            self.go(screen, argument)
            return
        self._leave_to, self._leave_question = (screen, plain(argument)), question
        self.leaveChanged.emit()

    @Slot()
    def confirmLeave(self) -> None:
        if self._leave_to is not None:
            screen, argument = self._leave_to
            self.go(screen, argument)

    @Slot()
    def stayHere(self) -> None:
        self._leave_to, self._leave_question = None, ""
        self.leaveChanged.emit()

    def _get_leave_question(self) -> str:
        return self._leave_question

    #: What to ask before leaving (the leave dialog shows while it is not empty).
    leaveQuestion = Property(str, _get_leave_question, notify=leaveChanged)

    @Slot()
    def back(self) -> None:
        """"◀" on a screen opened from another (a dossier from a list): back to that one,
        as it was left (the list models keep their state)."""
        screen, argument = self._history.pop() if self._history else ("home", None)
        self.go(screen, argument, back=True)

    def _get_back_label(self) -> str:
        came_from = self._history[-1][0] if self._history else "home"
        return {"lookup": _("◀ Danh sách tra cứu"), "return": _("◀ Trả kết quả"),
                "reports": _("◀ Báo cáo"), "intake": _("◀ Tiếp nhận hồ sơ"),
                "detail": _("◀ Hồ sơ trước"), "settings": _("◀ Cài đặt")}.get(
            came_from, _("◀ Trang chính"))

    def _get_returning(self) -> bool:
        return self._returning

    #: The screen shown was reached by "◀": it shows what it showed when it was left.
    returning = Property(bool, _get_returning, notify=screenChanged)

    #: The words of the "◀" button: where it goes.
    backLabel = Property(str, _get_back_label, notify=screenChanged)

    # --- messages and busy state ----------------------------------------------------------

    # A message may name its cause ("intake.problem"): the model that knows when the cause
    # is gone calls resolve() and the message leaves the screen then, not when a timer says.
    # Causes start with their screen's name: leaving the screen resolves them all.

    def info(self, text: str, *, cause: str = "") -> None:
        self._emit(text, "info", cause)

    def ok(self, text: str, *, cause: str = "") -> None:
        self._emit(text, "ok", cause)

    def error(self, exc: BaseException | str, *, before: str = "", after: str = "",
              cause: str = "") -> None:
        """An error toast: ``before`` what failed, the error's message and hint, ``after``
        what is safe; technical detail only in the log and the admin's details view."""
        if isinstance(exc, str):
            text, detail = exc, ""
        else:
            text, detail = describe_error(exc), technical_detail(exc)
        self._detail = detail
        self.detailChanged.emit()
        self._emit(sentences(before, text, after) if (before or after) else text, "error",
                   cause)

    def _emit(self, text: str, kind: str, cause: str) -> None:
        self._cause = cause
        self.message.emit(text, kind)

    def resolve(self, cause: str) -> None:
        """The cause of a message is gone: take the message off the screen."""
        self.messageResolved.emit(cause)

    def _get_cause(self) -> str:
        return self._cause

    #: The cause of the last message ("" for none), read by the toast as it shows it.
    messageCause = Property(str, _get_cause, notify=message)

    def _get_detail(self) -> str:
        return self._detail

    #: The technical side of the last error, for the admin (the toast's "Chi tiết").
    errorDetail = Property(str, _get_detail, notify=detailChanged)

    def _get_busy(self) -> bool:
        return self._busy > 0

    busy = Property(bool, _get_busy, notify=busyChanged)

    def begin_busy(self) -> None:
        self._busy += 1
        self.busyChanged.emit()

    def end_busy(self) -> None:
        self._busy = max(0, self._busy - 1)
        self.busyChanged.emit()
