"""The intake's last step: the check before save, the PIN for signing, one storage
transaction, the receipt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk.clock import parse_iso
from kiosk.forms.vnformat import format_datetime_vn
from kiosk.i18n import _
from kiosk.intake import STEPS
from kiosk.ui.intake_scan import IntakeScanning
from kiosk.ui.intake_state import CONFIRM_CAUSE
from kiosk.ui.qt import Slot


class IntakeSaving(IntakeScanning):
    @Slot()
    def save(self) -> None:
        if self._saving:
            return
        problems = self.session.problems("review")
        if problems:
            self.show_problem(problems[0])
            return
        # Check before save (issue 16): with a citizen screen, what the citizen confirmed.
        gate = self.app.services.extras.get("citizen_gate")
        confirmation = gate.confirmation_for(self.session) if gate is not None else None
        if gate is not None and gate.required and confirmation is None:
            self.app.error(_("Mời công dân kiểm tra và xác nhận thông tin trên màn hình công "
                             "dân trước khi lưu."), cause=CONFIRM_CAUSE)
            return
        signing = self.app.services.extras.get("signing")
        if signing is not None and signing.settings.configured:
            # The PIN pad first; the PIN then goes with the save to the storage lane.
            required = signing.settings.required
            signing.ask_pin(_("Ký số các giấy tờ đã quét và lưu hồ sơ"),
                            lambda pin: self._save(pin, signing.settings, confirmation)
                            if pin is not None or not required else None,
                            can_skip=not required)
            return
        self._save(None, None, confirmation)

    def _save(self, pin: str | None, settings: Any,
              confirmation: dict[str, Any] | None) -> None:
        if self._saving:
            return
        services = self.app.services
        session = self.session
        self._draft_timer.stop()
        self._saving = True
        self.savedChanged.emit()
        actor = services.actor()
        store = services.store
        # The consent to notices, written in the save's transaction; taken here, on the
        # GUI thread, as chosen at the moment of «Lưu».
        consent = services.extras.get("notice_consent")
        then_one = consent.then() if consent is not None else None
        then_group = consent.then_group() if consent is not None else None

        def work() -> dict[str, Any]:
            if session.draft_id is None:
                # The save discards the draft in its transaction, so make sure one exists.
                session.draft_id = store.save_draft(session.to_draft(), actor,
                                                    label=session.draft_label())
            if session.group_code:
                return self._save_group(store, actor, confirmation, then_group)
            inp = session.build_input(lambda sha: Path(store.file_path(sha)).read_bytes(),
                                      store.put_file)
            inp.citizen_confirmation = confirmation
            signing: dict[str, Any] | None = None
            if settings is not None:
                from kiosk.signing.dossier import sign_input

                outcome = sign_input(inp, store, settings, pin)
                signing = {**outcome.to_json(), "hint": outcome.hint}
            saved = store.save_dossier(inp, actor, then=then_one)
            return {**saved.to_json(), "signing": signing}

        self.app.begin_busy()
        self.app.tasks.run(work, self._saved_ok, self._save_failed, lane="storage")

    def _save_group(self, store: Any, actor: str, confirmation: dict[str, Any] | None,
                    consent: Any = None) -> dict[str, Any]:
        """Liên thông: a dossier per procedure in one transaction (kiosk.group_intake); on
        the storage lane. Signing at intake is not offered for a group yet."""
        from kiosk.group_intake import save_group, session_inputs

        session = self.session
        group, inputs = session_inputs(
            session, self.app.services.catalog,
            lambda sha: Path(store.file_path(sha)).read_bytes(), store.put_file)
        for inp in inputs:
            inp.citizen_confirmation = confirmation
        out = save_group(store, group, inputs, actor, draft_id=session.draft_id, then=consent)
        first = out["dossiers"][0]
        for one in out["dossiers"]:
            one["dueText"] = format_datetime_vn(parse_iso(one["due"])) if one["due"] else ""
        return {**first, "groupName": group.name, "group": out["group"],
                "group_id": out["group_id"],
                "dossiers": out["dossiers"], "signing": None}

    def _saved_ok(self, saved: dict[str, Any]) -> None:
        self.app.end_busy()
        self._saving = False
        saved["dueText"] = format_datetime_vn(parse_iso(saved["due"])) if saved.get("due") else ""
        self.session.saved = saved
        self.session.draft_id = None
        self.session.step = STEPS.index("done")
        signing = saved.get("signing") or {}
        if signing.get("error"):
            self.app.error(_("Đã lưu hồ sơ {code} nhưng chưa ký số: {error}", code=saved["code"],
                             error=f"{signing['error']} {signing.get('hint') or ''}".strip()))
        elif signing.get("signed"):
            self.app.ok(_("Đã ký số và lưu hồ sơ {code}.", code=saved["code"]))
        elif saved.get("dossiers"):
            self.app.ok(_("Đã lưu {n} hồ sơ liên thông: {codes}.", n=len(saved["dossiers"]),
                          codes=", ".join(d["code"] for d in saved["dossiers"])))
        else:
            self.app.ok(_("Đã lưu hồ sơ {code}.", code=saved["code"]))
        if saved.get("signing") is not None:
            self.app.services.extras["signing"].refresh()
        self._changed(save_draft=False)
        self.savedChanged.emit()
        printer = self.app.services.extras.get("print_receipt")
        if callable(printer):
            printer(saved["code"])

    def _save_failed(self, exc: BaseException) -> None:
        self.app.end_busy()
        self._saving = False
        self.savedChanged.emit()
        self.app.error(exc, before=_("Chưa lưu được hồ sơ."),
                       after=_("Bản nháp vẫn được giữ."))

    @Slot()
    def printAgain(self) -> None:
        printer = self.app.services.extras.get("print_receipt")
        if self.session.saved and callable(printer):
            printer(self.session.saved["code"])
