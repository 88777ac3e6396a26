"""Returning results: find the dossier from the receipt barcode (or a search), hand it over."""

from __future__ import annotations

from typing import Any

from kiosk.cccd import CccdRecord
from kiosk.clock import now, parse_iso
from kiosk.dossier import Status
from kiosk.dossier_code import looks_like_dossier_code
from kiosk.errors import InvalidInput, KioskError
from kiosk.forms.vnformat import format_datetime_vn
from kiosk.i18n import _
from kiosk.ui.app_model import AppModel
from kiosk.ui.listmodel import DictListModel
from kiosk.ui.lookup_model import ROW_ROLES, mask_id, summary_row
from kiosk.ui.qt import QVARIANT, QVARIANT_LIST, Property, QObject, Signal, Slot
from kiosk.ui.return_results import ResultScan, result_rows

_ID_DIGITS = (9, 12)


def _owner() -> dict[str, Any]:
    return {"proxy": False, "name": "", "idNumber": "", "fromCard": False}


def handover_note(proxy: bool, name: str, id_number: str) -> str:
    """What the status event records about who collected the result (printed in the book)."""
    who = _("Người được ủy quyền") if proxy else _("Chính chủ")
    return _("Người nhận kết quả: {name} ({who}), giấy tờ số {id}", name=name, who=who,
             id=id_number)


class ReturnModel(QObject):
    changed = Signal()

    def __init__(self, app: AppModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self._dossier: dict[str, Any] = {}
        self._matches = DictListModel(ROW_ROLES, self)
        self._returned = False
        self._matches_title = ""
        #: Who collects the result: the owner, or a proxy with name and ID (typed or read
        #: from the proxy's CCCD).
        self._recipient = _owner()
        #: A CCCD read with no dossier on screen: its holder collects what the search finds.
        self._card_holder: dict[str, Any] | None = None
        #: What is given per result (id → paper|electronic|both), and why nothing was
        #: scanned when no result is on file (issue 24).
        self._given: dict[str, str] = {}
        self._unscanned_reason = ""
        self.scan = ResultScan(self)

    def _get_dossier(self) -> dict[str, Any]:
        return dict(self._dossier)

    dossier = Property(QVARIANT, _get_dossier, notify=changed)
    matches = Property(QObject, lambda self: self._matches, constant=True)

    def _get_returned(self) -> bool:
        return self._returned

    returned = Property(bool, _get_returned, notify=changed)

    def _get_matches_title(self) -> str:
        return self._matches_title

    matchesTitle = Property(str, _get_matches_title, notify=changed)

    def _get_recipient(self) -> dict[str, Any]:
        return dict(self._recipient)

    recipient = Property(QVARIANT, _get_recipient, notify=changed)

    def _get_given(self) -> dict[str, Any]:
        return dict(self._given)

    given = Property(QVARIANT, _get_given, notify=changed)
    unscannedReason = Property(str, lambda self: self._unscanned_reason, notify=changed)
    scanStatus = Property(str, lambda self: self.scan.status, notify=changed)
    scanning = Property(bool, lambda self: self.scan.busy, notify=changed)

    def _kinds(self) -> list[str]:
        return self.scan.kind_labels()

    resultKinds = Property(QVARIANT_LIST, _kinds, constant=True)

    def _reasons(self) -> list[str]:
        return [str(r) for r in self.app.services.config.get("results.unscanned_reasons")]

    unscannedReasons = Property(QVARIANT_LIST, _reasons, constant=True)

    @Slot(str, str)
    def setGiven(self, result_id: str, how: str) -> None:
        if how in ("paper", "electronic", "both"):
            self._given = {**self._given, result_id: how}
            self.changed.emit()

    @Slot(str)
    def setUnscannedReason(self, reason: str) -> None:
        self._unscanned_reason = reason.strip()
        if self._unscanned_reason:
            self.app.resolve("return.unscanned")
        self.changed.emit()

    @Slot(int, str, str)
    def scanResult(self, kind: int, number: str, issued: str) -> None:
        """Scan the paper result on the scanner; it is digitised when the scan ends."""
        if self._dossier.get("code"):
            self.scan.start(self._dossier["code"], kind, number, issued)

    def reload(self) -> None:
        """The dossier shown, read again (a result arrived or was scanned)."""
        code = self._dossier.get("code")
        if not code:
            return
        store = self.app.services.store

        def done(record: dict[str, Any]) -> None:
            if self._dossier.get("code") == code:
                keep: dict[str, Any] = {k: self._dossier[k] for k in ("advice", "justReturned")
                        if k in self._dossier and self._returned}
                self._dossier = {**self._view(record), **keep}
                self.changed.emit()

        self.app.tasks.run(lambda: store.get_dossier(code), done, self.app.error, lane="work")

    @Slot(bool)
    def setProxy(self, proxy: bool) -> None:
        self._recipient = {**_owner(), "proxy": True} if proxy else _owner()
        self.changed.emit()

    @Slot(str, str)
    def setRecipientField(self, name: str, value: str) -> None:
        if name in ("name", "idNumber"):
            self._recipient = {**self._recipient, name: value.strip(), "fromCard": False}
            self.changed.emit()

    def take_card(self, record: CccdRecord) -> str:
        """A CCCD read on the Return screen. With a result to hand over on screen, the card
        says who collects it: its owner, or a proxy (name and ID filled from the card).
        Otherwise it finds that citizen's dossiers, as a typed ID number would."""
        if self._dossier.get("canReturn") and not self._returned:
            owner = self._dossier.get("ownerIdNumber") or ""
            if record.id_number == owner or (record.old_id_number or "") == owner != "":
                self._recipient = {**_owner(), "fromCard": True}
                self.app.ok(_("Đã đọc CCCD của chính chủ: {name}.", name=record.full_name))
            else:
                self._recipient = {"proxy": True, "name": record.full_name,
                                   "idNumber": record.id_number, "fromCard": True}
                self.app.ok(_("Đã đọc CCCD người được ủy quyền: {name}.",
                              name=record.full_name))
            self.changed.emit()
            return "recipient"
        self._card_holder = {"name": record.full_name, "id": record.id_number}
        self.find(record.id_number)
        return "search"

    @Slot()
    def clear(self) -> None:
        """A fresh Return screen lists the results waiting to be collected."""
        self._recipient, self._card_holder = _owner(), None
        self._dossier, self._returned = {}, False
        self._matches.reset([])
        self._matches_title = ""
        self.changed.emit()
        store = self.app.services.store

        def done(rows: list[dict[str, Any]]) -> None:
            if self._dossier:
                return  # a scan arrived first
            self._matches.reset(summary_row(r) for r in rows)
            self._matches_title = _("Kết quả đang chờ trả ({n})", n=len(rows)) if rows else ""
            self.changed.emit()

        self.app.tasks.run(lambda: store.list_dossiers(status=int(Status.DONE), limit=50),
                           done, self.app.error, lane="work")

    @Slot(str)
    def find(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        store = self.app.services.store

        def work() -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
            if looks_like_dossier_code(text):
                return store.get_dossier(text.upper()), []
            rows = store.search(text, limit=50)
            if len(rows) == 1:
                return store.get_dossier(rows[0]["code"]), []
            return None, rows

        def done(result: tuple[dict[str, Any] | None, list[dict[str, Any]]]) -> None:
            record, rows = result
            self._returned = False
            self._matches.reset(summary_row(r) for r in rows)
            self._matches_title = _("Các hồ sơ khớp ({n})", n=len(rows)) if rows else ""
            shown = self._dossier.get("code")
            self._dossier = self._view(record) if record else {}
            if self._dossier.get("code") != shown:
                self._recipient = _owner()
                self._given, self._unscanned_reason = {}, ""
            holder, self._card_holder = self._card_holder, None
            if record is None and not rows and holder is not None:
                self.app.error(_("Không có hồ sơ nào của {name} (CCCD vừa đọc).",
                                 name=holder["name"]),
                               after=_("Quét mã vạch trên phiếu hẹn; người nhận thay thì mở "
                                       "hồ sơ trước, rồi đọc CCCD của người nhận."))
            elif record is None and not rows:
                self.app.error(_("Không tìm thấy hồ sơ nào khớp «{text}».", text=text))
            self.changed.emit()

        self.app.tasks.run(work, done, self.app.error, lane="work")

    def _view(self, r: dict[str, Any]) -> dict[str, Any]:
        status = Status(int(r["status"]))
        applicant = r.get("applicant") or {}
        due = format_datetime_vn(parse_iso(r["due_at"])) if r.get("due_at") else ""
        if status == Status.DONE:
            advice = _("Hồ sơ đã giải quyết xong. Ghi nhận người nhận kết quả.")
        elif status == Status.RETURNED:
            advice = _("Kết quả đã được trả trước đó.")
        elif status in (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED):
            advice = _("Hồ sơ đã kết thúc ({label}); không có kết quả để trả.", label=status.label)
        elif status == Status.SUPPLEMENT:
            advice = _("Hồ sơ đang chờ công dân bổ sung giấy tờ.")
        else:
            advice = _("Hồ sơ chưa giải quyết xong. Hẹn trả kết quả: {due}.", due=due)
        return {
            "id": r["id"],
            "code": r["code"], "status": int(status), "statusLabel": status.label,
            "procedure": r.get("procedure_name", ""), "name": applicant.get("name", ""),
            "idNumber": mask_id(applicant.get("id_number")), "due": due, "advice": advice,
            "canReturn": status == Status.DONE,
            "ownerIdNumber": applicant.get("id_number") or "",
            "results": result_rows(r, self.app.services.config),
            "unscannedReason": (r.get("result_handover") or {}).get("unscanned_reason") or "",
        }

    @Slot(bool, str, str)
    def handOver(self, proxy: bool, name: str, id_number: str) -> None:
        if not self._dossier.get("canReturn"):
            self.app.error(_("Hồ sơ này chưa thể trả kết quả."))
            return
        name, id_number = name.strip(), id_number.strip()
        if not proxy:
            name = name or self._dossier["name"]
            id_number = id_number or self._dossier["ownerIdNumber"]
        try:
            if not name:
                raise InvalidInput(_("Nhập họ tên người nhận kết quả."))
            if not (id_number.isdigit() and len(id_number) in _ID_DIGITS):
                raise InvalidInput(_("Nhập số CCCD/CMND (9 hoặc 12 chữ số) của người nhận."))
        except KioskError as exc:
            self.app.error(exc)
            return
        if not self._dossier.get("results") and not self._unscanned_reason:
            self.app.error(_("Kết quả chưa được số hoá: quét kết quả giấy trước khi trả, "
                             "hoặc chọn lý do trả không quét."), cause="return.unscanned")
            return
        code = self._dossier["code"]
        services = self.app.services
        note = handover_note(proxy, name, id_number)
        given = {r["id"]: self._given.get(r["id"], r["given"])
                 for r in self._dossier.get("results") or []}
        # The electronic file given at the counter is printed here and now (issue 24).
        delivered = {rid: "printed" for rid, how in given.items() if how != "paper"}
        reason = self._unscanned_reason

        def work() -> dict[str, Any]:
            from kiosk.results import hand_over

            printer = getattr(services.printer, "printer", None) if delivered else None
            return hand_over(services.store, code, note=note, actor=services.actor(),
                             given=given, unscanned_reason=reason, delivered=delivered,
                             printer=printer, recipient=name)

        def done(record: dict[str, Any]) -> None:
            self._dossier = self._view(record)
            # Not "returned earlier" in amber: this is the hand-over that just happened.
            self._dossier["advice"] = _("Đã trả kết quả cho {name} lúc {time}.", name=name,
                                        time=format_datetime_vn(now()))
            self._dossier["justReturned"] = True
            self._returned = True
            self.changed.emit()
            printed = len(record.get("printed") or [])
            self.app.ok(_("Đã trả kết quả hồ sơ {code}.", code=code) + (
                _(" Đã gửi {n} bản điện tử ra máy in.", n=printed) if printed else ""))
            if services.config.get("printer.print_on_return"):
                printer = services.extras.get("print_form")
                if callable(printer):
                    printer(code, "01")

        self.app.tasks.run(work, done, self.app.error, lane="print" if delivered else "storage")

    def stop(self) -> None:
        """At exit (``Window.close`` stops its extras first): the result scanner's lanes."""
        self.scan.shutdown()

    def on_sync_event(self, payload: dict[str, Any]) -> None:
        """A result pulled for the dossier on screen shows at once."""
        change = payload.get("change") or {}
        if payload.get("kind") == "change" and change.get("kind") == "result" and \
                change.get("dossier_id") == self._dossier.get("id"):
            self.reload()
