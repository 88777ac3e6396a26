"""The intake view model's state: the session, the lists QML shows, and the draft kept after
every change. The steps build on it: scanning (``intake_scan``), saving (``intake_save``) and
the rest of the wizard (``intake_model``)."""

from __future__ import annotations

import logging
from typing import Any

from kiosk.errors import KioskError
from kiosk.i18n import _
from kiosk.intake import STEPS, IntakePage, IntakeSession, step_title
from kiosk.ui.app_model import AppModel
from kiosk.ui.intake_papers import IntakePapers
from kiosk.ui.intake_text import COPY_LABELS, page_summary
from kiosk.ui.listmodel import DictListModel
from kiosk.ui.qt import QVARIANT, QVARIANT_LIST, Property, QObject, QTimer, QUrl, Signal
from kiosk.ui.scan_controller import ScanController

log = logging.getLogger(__name__)

DRAFT_DELAY_MS = 300
#: The cause of the toast that shows an intake problem (``AppModel.error(cause=...)``).
PROBLEM_CAUSE = "intake.problem"
#: The cause of "ask the citizen to confirm" (resolved when the citizen confirms).
CONFIRM_CAUSE = "intake.citizen_confirmation"


class IntakeState(QObject):
    changed = Signal()
    pagesChanged = Signal()
    scanningChanged = Signal()
    savedChanged = Signal()
    cardChanged = Signal()

    def __init__(self, app: AppModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.session = IntakeSession()
        #: The citizen's digitised papers and their reuse (issue 24).
        self.paper_store = IntakePapers(self)
        self._procedures = DictListModel(["code", "name", "field", "processing", "group"],
                                         self)
        self._components = DictListModel(
            ["name", "copyKind", "count", "mandatory", "checked", "pages", "needsScan", "kinds",
             "received", "receivedLabel", "offers", "reused", "reusedLabel"], self)
        self._pages = DictListModel(["thumb", "rotation", "blank", "encoding", "color", "size",
                                     "summary"], self)
        self._drafts = DictListModel(["id", "label", "updated"], self)
        #: The component whose pages the scan step shows (and the next scan fills).
        self._current = 0
        #: The problem shown in a toast, until it is gone from the session's problems.
        self._problem_shown = ""
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self._save_draft)
        self._draft_saving = False
        self._draft_again = False
        # The scan step's state (intake_scan drives it) and the save's (intake_save).
        self.scanner = ScanController(app.services, self)
        self._scan_status = ""
        self._stopping = False
        #: One ADF pass for the whole dossier: the component the next page goes to, or None.
        self._split_target: int | None = None
        self._saving = False
        #: Another person's card read mid-intake, waiting for the clerk's answer.
        self._pending_card: dict[str, str] = {}

    # --- properties -----------------------------------------------------------------------

    def _papers(self) -> dict[str, Any]:
        return self.paper_store.view()

    papers = Property(QVARIANT, _papers, notify=changed)

    def _step(self) -> int:
        return self.session.step

    step = Property(int, _step, notify=changed)

    def _step_name(self) -> str:
        return self.session.step_name

    stepName = Property(str, _step_name, notify=changed)

    def _step_titles(self) -> list[str]:
        return [step_title(s) for s in STEPS]

    stepTitles = Property(QVARIANT_LIST, _step_titles, notify=changed)

    def _problems(self) -> list[str]:
        return self.session.problems()

    problems = Property(QVARIANT_LIST, _problems, notify=changed)

    def _procedure(self) -> dict[str, str]:
        return {"code": self.session.procedure_code, "name": self.session.procedure_name}

    procedure = Property(QVARIANT, _procedure, notify=changed)

    def _applicant(self) -> dict[str, Any]:
        a = self.session.applicant
        return {**a.__dict__, "fromCard": bool(a.cccd_raw)}

    applicant = Property(QVARIANT, _applicant, notify=changed)

    procedures = Property(QObject, lambda self: self._procedures, constant=True)
    components = Property(QObject, lambda self: self._components, constant=True)
    pages = Property(QObject, lambda self: self._pages, constant=True)
    drafts = Property(QObject, lambda self: self._drafts, constant=True)

    def _get_current(self) -> int:
        return self._current

    currentComponent = Property(int, _get_current, notify=pagesChanged)

    def _reception(self) -> dict[str, Any]:
        s = self.session
        return {"channel": s.channel, "returnMethod": s.return_method,
                "paperReceivedAt": s.paper_received_at}

    #: How the dossier came and how its result goes back (issue 13).
    reception = Property(QVARIANT, _reception, notify=changed)

    # Properties live here, beside their signals: PySide6 drops a property's notify signal
    # when the signal is declared in a base class (QML would then never see a change).

    def _scanning(self) -> bool:
        return self.scanner.active

    scanning = Property(bool, _scanning, notify=scanningChanged)

    def _get_stopping(self) -> bool:
        return self._stopping

    #: "Dừng" was pressed: the page in the scanner finishes, then the batch stops.
    stopping = Property(bool, _get_stopping, notify=scanningChanged)

    def _get_scan_status(self) -> str:
        return self._scan_status

    scanStatus = Property(str, _get_scan_status, notify=scanningChanged)

    def _can_scan_all(self) -> bool:
        # A feeder pass; in duplex only the barcode separator sheet splits (a blank back
        # side is not a separator there).
        return (str(self.app.services.config.get("scanner.source")) in ("adf", "duplex")
                and len(self.session.unscanned()) >= 2)

    canScanAll = Property(bool, _can_scan_all, notify=changed)

    def _saved(self) -> dict[str, Any]:
        return dict(self.session.saved or {})

    saved = Property(QVARIANT, _saved, notify=savedChanged)

    def _get_saving(self) -> bool:
        return self._saving

    saving = Property(bool, _get_saving, notify=savedChanged)

    def has_data(self) -> bool:
        """Something chosen, typed, read or scanned that is not saved as a dossier yet."""
        s = self.session
        return s.saved is None and bool(s.procedure_code or s.applicant.name.strip())

    # --- messages tied to a problem -------------------------------------------------------

    def show_problem(self, problem: str) -> None:
        """A problem in a toast that leaves once the problem does (the phone corrected...)."""
        self._problem_shown = problem
        self.app.error(problem, cause=PROBLEM_CAUSE)

    def _resolve_problem(self) -> None:
        if self._problem_shown and self._problem_shown not in self.session.problems("review"):
            self._problem_shown = ""
            self.app.resolve(PROBLEM_CAUSE)

    def _interrupted(self) -> str:
        return self.session.interrupted_text()

    #: A batch cut mid-way (read back from the draft): which document to scan again.
    interrupted = Property(str, _interrupted, notify=changed)

    def _get_pending_card(self) -> dict[str, str]:
        return {k: v for k, v in self._pending_card.items() if k != "text"}

    #: {name, idNumber (masked), current}: the switch-applicant dialog shows while set.
    pendingCard = Property(QVARIANT, _get_pending_card, notify=cardChanged)

    # --- plumbing -------------------------------------------------------------------------

    def _changed(self, save_draft: bool = True) -> None:
        if self.session.saved is None:
            self.paper_store.look_up(self.session.applicant.id_number)
        self._refresh_components()
        self._refresh_pages()
        self.changed.emit()
        self._resolve_problem()
        if save_draft and self.session.step_name != "done" and (
                self.session.procedure_code or self.session.applicant.name):
            self._draft_timer.start()

    def _refresh_all(self) -> None:
        self._changed(save_draft=False)

    def _refresh_components(self) -> None:
        self._components.reset({
            "name": c.name, "copyKind": _(COPY_LABELS.get(c.copy_kind, c.copy_kind)),
            "count": c.count, "mandatory": c.mandatory, "checked": c.checked,
            "pages": len(c.kept_pages()),
            "needsScan": not c.presented and not (c.reused and c.checked),
            "kinds": [{"kind": k, "label": _(COPY_LABELS.get(k, k))} for k in c.kinds()],
            "received": c.received_kind if c.checked else "",
            "receivedLabel": _(COPY_LABELS.get(c.received_kind, c.received_kind)),
            "offers": self.paper_store.offers(c.code) if not c.presented else [],
            "reused": (c.reused or {}).get("id", "") if c.checked else "",
            "reusedLabel": (c.reused or {}).get("label", "") if c.checked else "",
        } for c in self.session.components)

    def _refresh_pages(self) -> None:
        rows: list[dict[str, Any]] = []
        if self.session.components:
            comp = self.session.component(min(self._current, len(self.session.components) - 1))
            rows = [self._page_row(p) for p in comp.pages]
        self._pages.reset(rows)
        self.pagesChanged.emit()

    def _page_row(self, p: IntakePage) -> dict[str, Any]:
        try:
            path = self.app.services.store.file_path(p.thumb_sha256)
            thumb = QUrl.fromLocalFile(str(path)).toString()
        except KioskError:
            thumb = ""  # a missing thumbnail shows an empty frame, the page itself is safe
        return {"thumb": thumb, "rotation": p.rotation, "blank": p.blank,
                "encoding": p.encoding, "color": p.color, "size": p.size,
                "summary": page_summary(p)}

    # --- the draft ------------------------------------------------------------------------

    def _flush_draft(self) -> None:
        if self._draft_timer.isActive():
            self._draft_timer.stop()
            self._save_draft(wait=True)

    def _save_draft(self, wait: bool = False) -> None:
        """Keep the intake as a draft (debounced; one save in flight at a time)."""
        if self._draft_saving and not wait:
            self._draft_again = True
            return
        session = self.session
        if session.saved is not None:
            return  # saved as a dossier: a late draft save would show a phantom draft
        payload, label = session.to_draft(), session.draft_label()
        store, actor = self.app.services.store, self.app.services.actor()

        def work() -> str:
            # Set on the storage lane itself, so a save queued behind it reuses this draft.
            draft_id = store.save_draft(payload, actor, draft_id=session.draft_id, label=label)
            if session.saved is None:
                session.draft_id = draft_id
            return draft_id

        def done(_draft_id: str) -> None:
            self._draft_saving = False
            if self._draft_again and self.session.saved is None:
                self._draft_again = False
                self._draft_timer.start()

        def failed(exc: BaseException) -> None:
            self._draft_saving = False
            self.app.error(exc, before=_("Không lưu được bản nháp."))

        if wait:
            try:
                done(work())
            except Exception as exc:
                failed(exc)
            return
        self._draft_saving = True
        self.app.tasks.run(work, done, failed, lane="storage")
