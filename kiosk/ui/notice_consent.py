"""The citizen's consent to notices at the touch intake (issue 25 §5, docs/ELSEWHERE.md).

Before the save, a citizen with a phone and/or an e-mail is asked on the citizen screen
«Nhận thông báo về hồ sơ qua: SMS / E-mail», nothing ticked beforehand; the ticks are the
consent. Two faces over one choice, one per QML engine, so neither screen can do the
other's part:

- :class:`CitizenConsent` (``consent`` on the citizen window's engine): the citizen's ticks,
  taken only while the screen shows the check before save;
- :class:`ClerkConsent` (``noticeConsent`` on the clerk's engine): what the citizen chose,
  read-only while a citizen screen is there; without one, the clerk records the citizen's
  spoken answer with a toggle per channel.

The choice belongs to one intake session and never carries over to the next citizen. The
save writes it with :func:`kiosk.storage.notices.consent` (as ``kiosk dossier new --notify``
does) in the dossier's own transaction, through :meth:`ClerkConsent.then` and
:meth:`ClerkConsent.then_group`.
"""

from __future__ import annotations

from typing import Any

from kiosk.i18n import _
from kiosk.storage import notices
from kiosk.ui.qt import QVARIANT_LIST, Property, QObject, Signal, Slot


def _contacts(session: Any) -> dict[str, str]:
    a = session.applicant if session is not None else None
    return {"sms": a.phone.strip() if a else "", "email": a.email.strip() if a else ""}


class ClerkConsent(QObject):
    """The choice for the intake on screen, and the clerk's face of it."""

    changed = Signal()

    def __init__(self, intake: Any, services: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.intake = intake
        self.services = services
        self._session: Any = None
        self._chosen: set[str] = set()
        self._by = ""
        intake.changed.connect(self._intake_changed)
        #: Told when the choice changes (the citizen window repaints its ticks).
        self.on_change: list[Any] = []

    # --- the choice -----------------------------------------------------------------------

    def _current(self) -> set[str]:
        session = self.intake.session
        if session is not self._session:
            # A new intake: the last citizen's choice never carries over.
            self._session, self._chosen, self._by = session, set(), ""
        return self._chosen

    def offered(self) -> list[dict[str, Any]]:
        """The channels this citizen can be reached by (an address was given)."""
        contacts = _contacts(self.intake.session)
        chosen = self._current()
        return [{"channel": c, "address": contacts[c], "chosen": c in chosen}
                for c in ("sms", "email") if contacts[c]]

    def channels(self) -> list[str]:
        """The agreed channels that still have an address, in ``notices.CHANNELS`` order."""
        contacts = _contacts(self.intake.session)
        chosen = self._current()
        return [c for c in notices.CHANNELS if c in chosen and contacts[c]]

    def choose(self, channel: str, on: bool, by: str) -> None:
        if channel not in notices.CHANNELS:
            return
        chosen = self._current()
        if on:
            chosen.add(channel)
        else:
            chosen.discard(channel)
        self._by = by
        self._emit()

    def _intake_changed(self) -> None:
        self._current()
        self._emit()

    def _emit(self) -> None:
        self.changed.emit()
        for listener in self.on_change:
            listener()

    def _citizen_screen(self) -> bool:
        gate = self.services.extras.get("citizen_gate")
        return bool(gate is not None and gate.citizen is not None)

    # --- the save ---------------------------------------------------------------------------

    def _writer(self) -> tuple[list[str], dict[str, str], str]:
        contacts = _contacts(self.intake.session)
        source = "citizen_screen" if self._citizen_screen() else "counter"
        return self.channels(), contacts, source

    def then(self) -> Any:
        """``then(db, dossier_id, code)`` for ``Store.save_dossier`` (None: no consent)."""
        channels, contacts, source = self._writer()
        if not channels:
            return None

        def write(db: Any, dossier_id: str, _code: str) -> None:
            notices.consent(db, dossier_id, email=contacts["email"], phone=contacts["sms"],
                            channels=channels, source=source)

        return write

    def then_group(self) -> Any:
        """``then(db, saved)`` for a liên thông group's save: the consent on each dossier."""
        channels, contacts, source = self._writer()
        if not channels:
            return None

        def write(db: Any, saved: list[Any]) -> None:
            for one in saved:
                notices.consent(db, one.id, email=contacts["email"], phone=contacts["sms"],
                                channels=channels, source=source)

        return write

    # --- the clerk's face -----------------------------------------------------------------

    citizenScreen = Property(bool, _citizen_screen, notify=changed)
    choices = Property(QVARIANT_LIST, offered, notify=changed)

    def _text(self) -> str:
        offered = self.offered()
        if not offered:
            return _("Không có số điện thoại hay e-mail: công dân không nhận thông báo.")
        chosen = [o for o in offered if o["chosen"]]
        if not chosen:
            if self._citizen_screen():
                return _("Công dân chưa chọn nhận thông báo về hồ sơ.")
            return _("Công dân không nhận thông báo về hồ sơ.")
        names = ", ".join(f"{'SMS' if o['channel'] == 'sms' else 'E-mail'} ({o['address']})"
                          for o in chosen)
        return _("Công dân nhận thông báo về hồ sơ qua: {channels}.", channels=names)

    text = Property(str, _text, notify=changed)

    @Slot(str, bool)
    def toggle(self, channel: str, on: bool) -> None:
        """The clerk records the citizen's answer: only without a citizen screen, where
        the citizen answers by their own touch."""
        if self._citizen_screen():
            return
        self.choose(channel, on, "clerk")


class CitizenConsent(QObject):
    """The citizen screen's face: the ticks, taken only during the check before save."""

    changed = Signal()

    def __init__(self, citizen: Any, choice: ClerkConsent,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.citizen = citizen
        self.choice = choice
        choice.on_change.append(self.changed.emit)
        citizen.changed.connect(self.changed)  # shown only while the check is

    def _choices(self) -> list[dict[str, Any]]:
        return self.choice.offered() if self.citizen.mode == "check" else []

    choices = Property(QVARIANT_LIST, _choices, notify=changed)

    @Slot(str)
    def toggle(self, channel: str) -> None:
        if self.citizen.mode != "check":
            return
        chosen = any(o["chosen"] for o in self.choice.offered() if o["channel"] == channel)
        self.choice.choose(channel, not chosen, "citizen")
