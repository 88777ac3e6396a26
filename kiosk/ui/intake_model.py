"""The intake wizard's view model over :class:`kiosk.intake.IntakeSession`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kiosk.clock import parse_iso
from kiosk.errors import KioskError
from kiosk.forms.vnformat import format_datetime_vn
from kiosk.i18n import _
from kiosk.intake import STEPS, IntakePage, IntakeSession, step_title
from kiosk.ui.app_model import AppModel
from kiosk.ui.intake_text import COPY_LABELS, page_summary
from kiosk.ui.listmodel import DictListModel
from kiosk.ui.qt import QVARIANT, QVARIANT_LIST, Property, QObject, QTimer, QUrl, Signal, Slot
from kiosk.ui.scan_controller import ScanController

log = logging.getLogger(__name__)

DRAFT_DELAY_MS = 300


class IntakeModel(QObject):
    changed = Signal()
    pagesChanged = Signal()
    scanningChanged = Signal()
    savedChanged = Signal()

    def __init__(self, app: AppModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.session = IntakeSession()
        self._procedures = DictListModel(["code", "name", "field", "processing"], self)
        self._components = DictListModel(
            ["name", "copyKind", "count", "mandatory", "checked", "pages", "needsScan", "kinds",
             "received", "receivedLabel"], self)
        self._pages = DictListModel(["thumb", "rotation", "blank", "encoding", "color", "size",
                                     "summary"], self)
        self._drafts = DictListModel(["id", "label", "updated"], self)
        self._current = 0
        self._scan_status = ""
        self._stopping = False
        #: One ADF pass for the whole dossier: the component the next page goes to, or None.
        self._split_target: int | None = None
        self._saving = False
        self.scanner = ScanController(app.services, self)
        self.scanner.pageReady.connect(self._page_ready)
        self.scanner.finished.connect(self._scan_finished)
        self.scanner.progress.connect(self._scan_progress)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self._save_draft)
        self._draft_saving = False
        self._draft_again = False

    # --- properties -----------------------------------------------------------------------

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

    def _saved(self) -> dict[str, Any]:
        return dict(self.session.saved or {})

    saved = Property(QVARIANT, _saved, notify=savedChanged)

    def _get_saving(self) -> bool:
        return self._saving

    saving = Property(bool, _get_saving, notify=savedChanged)

    # --- reception channel, return method, back-entry (issue 13) --------------------------

    def _reception(self) -> dict[str, Any]:
        s = self.session
        return {"channel": s.channel, "returnMethod": s.return_method,
                "paperReceivedAt": s.paper_received_at}

    reception = Property(QVARIANT, _reception, notify=changed)

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
            self.app.error(problems[0])
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
        found = services.catalog.search(text, usage=counts)
        self._procedures.reset({"code": p.code, "name": p.name, "field": p.field,
                                "processing": p.processing.describe()} for p in found)

    @Slot(str)
    def chooseProcedure(self, code: str) -> None:
        try:
            self.session.choose_procedure(self.app.services.catalog.get(code))
        except KioskError as exc:
            self.app.error(exc)
            return
        self.session.next()
        self._refresh_all()

    # --- step 2: applicant ----------------------------------------------------------------

    @Slot(str, result=bool)
    def applyCccd(self, text: str) -> bool:
        try:
            record = self.session.apply_cccd(text)
        except KioskError as exc:
            self.app.error(exc)
            return False
        if self.session.step_name == "procedure" and self.session.procedure_code:
            self.session.step = 1
        self.app.ok(_("Đã đọc CCCD: {name}", name=record.full_name))
        self._changed()
        return True

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

    # --- step 4: scanning -----------------------------------------------------------------

    @Slot(int)
    def selectComponent(self, index: int) -> None:
        self._current = max(0, min(index, len(self.session.components) - 1))
        self._refresh_pages()

    @Slot()
    def scan(self) -> None:
        if not self.session.components:
            return
        self._stopping = False
        self._scan_status = _("Đang chuẩn bị máy quét…")
        self.scanner.scan(self._current)
        self.scanningChanged.emit()

    def _can_scan_all(self) -> bool:
        # A feeder pass; in duplex only the barcode separator sheet splits (a blank back
        # side is not a separator there).
        return (str(self.app.services.config.get("scanner.source")) in ("adf", "duplex")
                and len(self.session.unscanned()) >= 2)

    canScanAll = Property(bool, _can_scan_all, notify=changed)

    @Slot()
    def scanAll(self) -> None:
        """The whole dossier in one feeder pass, documents separated by blank sheets (as
        document-capture software does with separator sheets): each blank sheet moves the
        following pages to the next document still to scan."""
        first = self.session.next_to_scan()
        if first is None or self.scanner.active:
            return
        self._current = first
        self._split_target = first
        self._refresh_pages()
        self._stopping = False
        self.scanner.scan(first, find_separators=True)
        self._scan_status = _("Đang quét cả bộ: giữa hai giấy tờ là một tờ ngăn cách (tờ "
                              "trắng, hoặc tờ in bằng «kiosk separator»)…")
        self.scanningChanged.emit()

    @Slot()
    def rescan(self) -> None:
        self.session.clear_pages(self._current)
        self._changed()
        self.scan()

    @Slot()
    def cancelScan(self) -> None:
        if not self.scanner.active:
            return
        self.scanner.cancel()
        self._stopping = True
        self._scan_status = _("Đang dừng: trang đang trong máy quét sẽ được giữ…")
        self.scanningChanged.emit()

    @Slot(int, "QVariant")
    def _page_ready(self, component: int, page: dict[str, Any]) -> None:
        target = self._split_target
        if target is None:
            self.session.add_page(component, IntakePage(**page))
        else:
            comp = self.session.component(target)
            duplex = str(self.app.services.config.get("scanner.source")) == "duplex"
            ends = page.get("separator") or (page.get("blank") and not duplex)
            if ends and comp.kept_pages():
                # A separator (blank or barcode sheet): kept aside with the document it
                # ends, never deleted.
                self.session.add_page(target, IntakePage(**page))
                following = self.session.next_to_scan(target)
                if following is not None:
                    self._split_target = self._current = following
            else:
                self.session.add_page(target, IntakePage(**page))
        self._changed()

    @Slot(int, bool, str, int)
    def _scan_finished(self, component: int, ok: bool, message: str, pages: int) -> None:
        stopped, self._stopping = self._stopping, False
        if self._split_target is not None:
            component, self._split_target = self._split_target, None
        if ok and not stopped and pages:
            # The next document is selected and ready: one touch on "Quét" scans it.
            following = self.session.next_to_scan(component)
            if following is not None:
                self._current = following
                message = _("{done} Tiếp theo: {name}.", done=message,
                            name=self.session.component(following).name)
                self._refresh_pages()
            elif self.session.step_name == "scan":
                message = _("{done} Đã quét đủ giấy tờ; bấm Tiếp tục.", done=message)
        self._scan_status = message
        self.scanningChanged.emit()
        if ok:
            self.app.ok(message)
        else:
            self.app.error(message)

    @Slot(str)
    def _scan_progress(self, text: str) -> None:
        self._scan_status = text
        self.scanningChanged.emit()

    @Slot(int)
    def rotatePage(self, page: int) -> None:
        self.session.rotate_page(self._current, page, 90)
        self._changed()

    @Slot(int, int)
    def movePage(self, src: int, dst: int) -> None:
        self.session.move_page(self._current, src, dst)
        self._changed()

    @Slot(int)
    def deletePage(self, page: int) -> None:
        self.session.delete_page(self._current, page)
        self._changed()

    @Slot(int)
    def toggleBlank(self, page: int) -> None:
        self.session.toggle_blank(self._current, page)
        self._changed()

    # --- step 5: save and print -----------------------------------------------------------

    @Slot()
    def save(self) -> None:
        if self._saving:
            return
        problems = self.session.problems("review")
        if problems:
            self.app.error(problems[0])
            return
        # Check before save (issue 16): with a citizen screen, what the citizen confirmed.
        gate = self.app.services.extras.get("citizen_gate")
        confirmation = gate.confirmation_for(self.session) if gate is not None else None
        if gate is not None and gate.required and confirmation is None:
            self.app.error(_("Mời công dân kiểm tra và xác nhận thông tin trên màn hình công "
                             "dân trước khi lưu."))
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

        def work() -> dict[str, Any]:
            if session.draft_id is None:
                # The save discards the draft in its transaction, so make sure one exists.
                session.draft_id = store.save_draft(session.to_draft(), actor,
                                                    label=session.draft_label())
            inp = session.build_input(lambda sha: Path(store.file_path(sha)).read_bytes(),
                                      store.put_file)
            inp.citizen_confirmation = confirmation
            signing: dict[str, Any] | None = None
            if settings is not None:
                from kiosk.signing.dossier import sign_input

                outcome = sign_input(inp, store, settings, pin)
                signing = {**outcome.to_json(), "hint": outcome.hint}
            return {**store.save_dossier(inp, actor).to_json(), "signing": signing}

        self.app.begin_busy()
        self.app.tasks.run(work, self._saved_ok, self._save_failed, lane="storage")

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

    def shutdown(self) -> None:
        """At exit: stop scanning and keep the intake in progress as a draft, synchronously."""
        self.scanner.shutdown()
        self._flush_draft()

    # --- plumbing -------------------------------------------------------------------------

    def _changed(self, save_draft: bool = True) -> None:
        self._refresh_components()
        self._refresh_pages()
        self.changed.emit()
        if save_draft and self.session.step_name != "done" and (
                self.session.procedure_code or self.session.applicant.name):
            self._draft_timer.start()

    def _refresh_all(self) -> None:
        self._changed(save_draft=False)

    def _refresh_components(self) -> None:
        self._components.reset({
            "name": c.name, "copyKind": _(COPY_LABELS.get(c.copy_kind, c.copy_kind)),
            "count": c.count, "mandatory": c.mandatory, "checked": c.checked,
            "pages": len(c.kept_pages()), "needsScan": not c.presented,
            "kinds": [{"kind": k, "label": _(COPY_LABELS.get(k, k))} for k in c.kinds()],
            "received": c.received_kind if c.checked else "",
            "receivedLabel": _(COPY_LABELS.get(c.received_kind, c.received_kind)),
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
