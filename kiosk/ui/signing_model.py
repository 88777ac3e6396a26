"""The signing view model: the PIN pad, the "chưa ký số" list, signing from the screens.

The PIN pad (``parts/PinPad.qml``) asks once per signing job; the PIN goes from the pad to
the worker lane that logs in to the token and is dropped there — it is never a property,
never logged. Logging in and signing run on the ``work`` lane, never on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kiosk.i18n import _
from kiosk.signing.settings import SigningSettings
from kiosk.ui.app_model import AppModel, describe_error
from kiosk.ui.listmodel import DictListModel
from kiosk.ui.qt import QVARIANT_LIST, Property, QObject, Signal, Slot

log = logging.getLogger(__name__)

PinCallback = Callable[[str | None], None]


class SigningModel(QObject):
    askingChanged = Signal()
    unsignedChanged = Signal()
    signed = Signal(str)

    def __init__(self, app: AppModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self._asking = False
        self._purpose = ""
        self._can_skip = True
        self._callback: PinCallback | None = None
        self._unsigned = DictListModel(["code", "name", "procedure", "unsigned", "error"], self)
        self._codes: list[str] = []

    @property
    def settings(self) -> SigningSettings:
        return SigningSettings.from_config(self.app.services.config)

    # --- properties -----------------------------------------------------------------------

    def _get_configured(self) -> bool:
        return self.settings.configured

    configured = Property(bool, _get_configured, notify=askingChanged)

    def _get_asking(self) -> bool:
        return self._asking

    asking = Property(bool, _get_asking, notify=askingChanged)

    def _get_purpose(self) -> str:
        return self._purpose

    purpose = Property(str, _get_purpose, notify=askingChanged)

    def _get_can_skip(self) -> bool:
        return self._can_skip

    canSkip = Property(bool, _get_can_skip, notify=askingChanged)

    def _get_unsigned(self) -> DictListModel:
        return self._unsigned

    unsigned = Property(QObject, _get_unsigned, constant=True)

    def _get_codes(self) -> list[str]:
        return self._codes

    unsignedCodes = Property(QVARIANT_LIST, _get_codes, notify=unsignedChanged)

    # --- the PIN pad ----------------------------------------------------------------------

    def ask_pin(self, purpose: str, callback: PinCallback, *, can_skip: bool = True) -> None:
        """Show the pad; ``callback(pin)`` on OK, ``callback(None)`` when the clerk skips."""
        if self._callback is not None:  # a second request replaces a stale one
            self._finish(None)
        self._purpose, self._can_skip, self._callback = purpose, can_skip, callback
        self._asking = True
        self.askingChanged.emit()

    @Slot(str)
    def submitPin(self, pin: str) -> None:
        if pin:
            self._finish(pin)

    @Slot()
    def skip(self) -> None:
        self._finish(None)

    def _finish(self, pin: str | None) -> None:
        callback, self._callback = self._callback, None
        self._asking = False
        self.askingChanged.emit()
        if callback is not None:
            callback(pin)

    # --- the unsigned list and signing later ------------------------------------------------

    @Slot()
    def refresh(self) -> None:
        from kiosk.storage import signatures

        store = self.app.services.store

        def done(rows: list[dict[str, Any]]) -> None:
            self._unsigned.reset([{"code": r["code"], "name": r["name"] or "",
                                   "procedure": r["procedure_name"] or "",
                                   "unsigned": r["unsigned"], "error": r["error"] or ""}
                                  for r in rows])
            self._codes = [r["code"] for r in rows]
            self.unsignedChanged.emit()

        self.app.tasks.run(lambda: store.read(signatures.unsigned_dossiers), done,
                           lambda exc: log.warning("unsigned list failed: %s", exc),
                           lane="storage")

    @Slot(str)
    def signDossier(self, code: str) -> None:
        if not self.settings.configured:
            self.app.error(_("Chưa cấu hình ký số trên máy này."))
            return

        def with_pin(pin: str | None) -> None:
            if pin is None:
                return
            self._sign_later(code, pin)

        self.ask_pin(_("Ký số các thành phần chưa ký của hồ sơ {code}", code=code), with_pin)

    def _sign_later(self, code: str, pin: str) -> None:
        from kiosk.signing.dossier import sign_dossier

        services = self.app.services
        settings, actor = self.settings, services.actor()

        def work() -> dict[str, Any]:
            return sign_dossier(services.store, code, settings, pin, actor=actor)

        def done(result: dict[str, Any]) -> None:
            self.app.end_busy()
            if result.get("message"):
                self.app.ok(result["message"])
            else:
                self.app.ok(_("Đã ký số {n} thành phần của hồ sơ {code}.",
                              n=len(result["signed"]), code=code))
            self._after(code)

        def failed(exc: BaseException) -> None:
            self.app.end_busy()
            self.app.error(_("Chưa ký số được: {error}", error=describe_error(exc)))
            self._after(code)

        self.app.begin_busy()
        self.app.tasks.run(work, done, failed, lane="work")

    def _after(self, code: str) -> None:
        self.refresh()
        self.signed.emit(code)
        poke = getattr(self.app.services.sync, "poke", None)
        if callable(poke):
            poke()
