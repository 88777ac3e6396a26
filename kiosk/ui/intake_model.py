"""The intake wizard's view model over :class:`kiosk.intake.IntakeSession`: starting,
resuming and moving through the steps, and the steps before scanning (procedure, applicant,
checklist). The state and the draft are in ``intake_state``, scanning in ``intake_scan``,
saving in ``intake_save``; each builds on the one before.
"""

from __future__ import annotations

import logging

from kiosk.cccd import CccdRecord
from kiosk.errors import KioskError
from kiosk.group_intake import choose_group, group_row, matching_groups
from kiosk.i18n import _
from kiosk.intake import IntakeSession
from kiosk.text import fold
from kiosk.ui.app_model import AppModel
from kiosk.ui.intake_save import IntakeSaving
from kiosk.ui.lookup_model import mask_id
from kiosk.ui.qt import QObject, Slot

log = logging.getLogger(__name__)


class IntakeModel(IntakeSaving):
    def __init__(self, app: AppModel, parent: QObject | None = None) -> None:
        super().__init__(app, parent)
        app.set_leave_guard("intake", self._leave_question)
        app.screenChanged.connect(self._screen_changed)

    def _leave_question(self) -> str | None:
        if not self.has_data():
            return None
        return _("Rời hồ sơ đang tiếp nhận «{label}»? Hồ sơ được giữ dạng bản nháp; tiếp "
                 "tục sau ở Trang chính.", label=self.session.draft_label())

    def _screen_changed(self) -> None:
        if self.app.screen != "intake":
            # Left: the draft is written now, so Home lists it at once.
            self._flush_draft()
            if self._pending_card:
                self._answer_card()

    # --- reception channel, return method, back-entry (issue 13) --------------------------

    @Slot(int)
    def setChannel(self, channel: int) -> None:
        if channel in (1, 2, 3, 4):
            self.session.channel = channel
            self._changed()

    @Slot(str)
    def setReturnMethod(self, method: str) -> None:
        if method in ("counter", "post"):
            self.session.return_method = method
            self._changed()

    @Slot(str)
    def setPaperReceivedAt(self, text: str) -> None:
        self.session.paper_received_at = text.strip()
        self._changed()

    # --- lifecycle ------------------------------------------------------------------------

    @Slot()
    def start(self) -> None:
        """A fresh intake (the previous one is either saved or kept as a draft)."""
        self._flush_draft()
        self._pending_card = {}
        self.cardChanged.emit()
        self.session = IntakeSession()
        self._current = 0
        self.search("")
        self._refresh_all()

    def start_with_cccd(self, text: str) -> None:
        self.start()
        self.applyCccd(text)

    @Slot()
    def loadDrafts(self) -> None:
        store = self.app.services.store
        self.app.tasks.run(
            lambda: store.load_drafts(),
            lambda rows: self._drafts.reset(
                {"id": r["id"], "label": r.get("label") or "", "updated": r.get("updated_at", "")}
                for r in rows),
            self.app.error, lane="storage")

    @Slot(str)
    def resumeDraft(self, draft_id: str) -> None:
        for row in self.app.services.store.load_drafts():
            if row["id"] == draft_id:
                self.session = IntakeSession.from_draft(row["payload"], draft_id)
                self._current = 0
                cut = self.session.interrupted
                if cut is not None:
                    # Straight to the document cut short, selected for «Quét lại».
                    self.session.go("scan")
                    self._current = cut["component"]
                self.search("")
                self._refresh_all()
                self.app.go("intake")
                return
        self.app.error(_("Không tìm thấy bản nháp."))

    @Slot(str)
    def discardDraft(self, draft_id: str) -> None:
        store = self.app.services.store
        self.app.tasks.run(lambda: store.discard_draft(draft_id), lambda _r: self.loadDrafts(),
                           self.app.error, lane="storage")

    # --- navigation -----------------------------------------------------------------------

    @Slot()
    def next(self) -> None:
        problems = self.session.next()
        if problems:
            self.show_problem(problems[0])
        self._enter_step()
        self._changed()

    def _enter_step(self) -> None:
        # On the scan step the first document still to scan is selected and ready.
        if self.session.step_name == "scan":
            first = self.session.next_to_scan()
            if first is not None:
                self._current = first

    @Slot()
    def back(self) -> None:
        self.session.back()
        self._changed()

    @Slot(str)
    def goTo(self, step: str) -> None:
        self.session.go(step)
        self._enter_step()
        self._changed()

    # --- step 1: procedure ----------------------------------------------------------------

    @Slot(str)
    def search(self, text: str) -> None:
        services = self.app.services
        usage = self.app.services.extras.get("procedure_usage")
        counts = usage() if callable(usage) else {}
        catalog = services.catalog
        found = catalog.search(text, usage=counts)
        # Interconnected groups (liên thông) that match — one intake for several procedures —
        # come after a procedure whose name or code starts with what was typed (the clerk
        # who types a procedure's name finds it on top); with nothing typed they close it.
        groups = [group_row(catalog, g) for g in matching_groups(catalog, text)]
        query = fold(text)
        lead = 0 if not query else next(
            (i for i, p in enumerate(found)
             if not (fold(p.name).startswith(query) or p.code.startswith(query))), len(found))
        rows = [{"code": p.code, "name": p.name, "field": p.field,
                 "processing": p.processing.describe(), "group": False} for p in found]
        rows = rows + groups if not query else rows[:lead] + groups + rows[lead:]
        self._procedures.reset(rows)

    @Slot(str)
    def chooseProcedure(self, code: str) -> None:
        try:
            catalog = self.app.services.catalog
            if any(g.code == code for g in catalog.groups):
                choose_group(self.session, catalog, catalog.group(code))
            else:
                self.session.choose_procedure(catalog.get(code), catalog.version)
        except KioskError as exc:
            self.app.error(exc)
            return
        self.session.next()
        self._refresh_all()

    # --- step 2: applicant ----------------------------------------------------------------

    @Slot(str, result=bool)
    def applyCccd(self, text: str, *, same_person: bool = True) -> bool:
        try:
            record = self.session.apply_cccd(text, same_person=same_person)
        except KioskError as exc:
            self.app.error(exc)
            return False
        if self.session.step_name == "procedure" and self.session.procedure_code:
            self.session.step = 1
        self.app.ok(_("Đã đọc CCCD: {name}", name=record.full_name))
        self._changed()
        return True

    def take_card(self, text: str, record: CccdRecord) -> str:
        """A CCCD read while this intake is on screen: the applicant's own card fills (or
        refreshes) the applicant; another person's card asks first (switch, new intake,
        ignore) and changes nothing until the clerk answers."""
        if not self.session.card_question(record):
            self.applyCccd(text)
            return "filled"
        self._pending_card = {"text": text, "name": record.full_name,
                              "idNumber": mask_id(record.id_number),
                              "current": self.session.applicant.name}
        self.cardChanged.emit()
        return "asked"

    def _answer_card(self) -> str:
        text = self._pending_card.get("text", "")
        self._pending_card = {}
        self.cardChanged.emit()
        return text

    @Slot()
    def switchApplicant(self) -> None:
        """The card read is this dossier's applicant after all (the wrong card was first)."""
        text = self._answer_card()
        if text:
            self.applyCccd(text, same_person=False)

    @Slot()
    def newIntakeForCard(self) -> None:
        """Another citizen: this intake stays a draft, a new one starts with their card."""
        kept = self.session.applicant.name
        text = self._answer_card()
        if text:
            self.start_with_cccd(text)
            self.app.info(_("Hồ sơ của {name} được giữ dạng bản nháp ở Trang chính.",
                            name=kept))

    @Slot()
    def ignoreCard(self) -> None:
        self._answer_card()

    @Slot(str, str)
    def setField(self, name: str, value: str) -> None:
        try:
            self.session.set_applicant_field(name, value)
        except KioskError as exc:
            self.app.error(exc)
            return
        self._changed()

    # --- step 3: checklist ----------------------------------------------------------------

    @Slot(int, bool)
    def setChecked(self, index: int, checked: bool) -> None:
        comp = self.session.component(index)
        if checked != comp.checked:
            self.session.tick(index, comp.received or None)
        self._changed()

    @Slot(int, str)
    def tick(self, index: int, kind: str) -> None:
        """One touch on a kind ("Bản chính", "Bản sao chứng thực"...): ticked as that kind."""
        try:
            self.session.tick(index, kind or None)
        except KioskError as exc:
            self.app.error(exc)
            return
        self._changed()

    # --- reusing papers the citizen already has digitised (issue 24) ----------------------

    @Slot(bool)
    def agreePapers(self, agreed: bool) -> None:
        """The clerk records the citizen's spoken answer (no citizen screen)."""
        self.paper_store.answer(agreed)

    @Slot(int, str)
    def reusePaper(self, index: int, paper_id: str) -> None:
        """One tap on an offered paper: the item takes it instead of a new scan."""
        self.paper_store.reuse(index, paper_id)

    def shutdown(self) -> None:
        """At exit: stop scanning and keep the intake in progress as a draft, synchronously."""
        self.scanner.shutdown()
        self._flush_draft()
