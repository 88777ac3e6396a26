"""The clerk confirms a scanned document's number, issue date and validity on the Detail
screen (issue 24 §3/§4): the dialog opens with what the scan's text suggests
(:mod:`kiosk.doc_facts`), or what was confirmed before; «Xác nhận» records it
(:func:`kiosk.storage.paper_facts.confirm`). Reading and writing go to the storage lane;
the GUI thread only shows the result."""

from __future__ import annotations

from datetime import date
from typing import Any

from kiosk.clock import now
from kiosk.errors import InvalidInput
from kiosk.i18n import _
from kiosk.ui.app_model import AppModel
from kiosk.ui.qt import Property, QObject, Signal, Slot


def shown_day(iso_day: str | None) -> str:
    return date.fromisoformat(iso_day).strftime("%d/%m/%Y") if iso_day else ""


def typed_day(text: str, field: str, what: str) -> date | None:
    """dd/mm/yyyy (or yyyy-mm-dd) as typed; empty: none."""
    from kiosk.ui.return_results import parse_issued

    try:
        return parse_issued(text)
    except InvalidInput:
        raise InvalidInput(_("{what} «{value}» không hợp lệ.", what=what, value=text[:40]),
                           hint=_("Nhập dạng ngày/tháng/năm, ví dụ 07/12/2026."),
                           field=field) from None


class PaperFactsModel(QObject):
    changed = Signal()
    #: The dialog may close: the facts were recorded.
    confirmed = Signal()

    def __init__(self, app: AppModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self._paper = ""
        self._number = self._issued = self._until = self._source = ""
        self._busy = False

    paperId = Property(str, lambda self: self._paper, notify=changed)
    number = Property(str, lambda self: self._number, notify=changed)
    issued = Property(str, lambda self: self._issued, notify=changed)
    validUntil = Property(str, lambda self: self._until, notify=changed)
    #: Where the values shown come from, in words for the clerk.
    source = Property(str, lambda self: self._source, notify=changed)
    busy = Property(bool, lambda self: self._busy, notify=changed)

    @Slot(str, str)
    def load(self, dossier_code: str, component: str) -> None:
        """Fill the dialog for the document ``component`` of dossier ``dossier_code``."""
        from kiosk.storage import paper_facts

        store = self.app.services.store
        self._paper, self._busy = "", True
        self._number = self._issued = self._until = self._source = ""
        self.changed.emit()

        def work() -> dict[str, Any]:
            dossier_id = store.get_dossier(dossier_code)["id"]
            return store.read(lambda db: paper_facts.suggestion(
                db, f"{dossier_id}:{component}", now().date()))

        self.app.tasks.run(work, self._loaded, self._failed, lane="storage")

    def _loaded(self, found: dict[str, Any]) -> None:
        self._busy = False
        self._paper = found["id"]
        shown = found["confirmed"] or found["suggested"]
        self._number = shown.get("number") or ""
        self._issued = shown_day(shown.get("issued"))
        self._until = shown_day(shown.get("valid_until"))
        if found["confirmed"]:
            self._source = _("Đã xác nhận trước đây; sửa nếu cần.")
        elif not found["read"]:
            self._source = _("Chưa đọc xong chữ của bản quét: nhập theo bản giấy.")
        elif any(found["suggested"].get(k) for k in ("number", "issued", "valid_until")):
            self._source = _("Gợi ý từ chữ đọc được trong bản quét: đối chiếu với bản giấy "
                             "trước khi xác nhận.")
        else:
            self._source = _("Không tìm thấy số, ngày trong chữ của bản quét: nhập theo bản "
                             "giấy.")
        self.changed.emit()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.changed.emit()
        self.app.error(exc)

    @Slot(str, str, str)
    def confirm(self, number: str, issued: str, valid_until: str) -> None:
        from kiosk.storage import paper_facts

        if not self._paper or self._busy:
            return
        try:
            day = typed_day(issued, "issued", _("Ngày cấp"))
            until = typed_day(valid_until, "valid_until", _("Ngày hết hiệu lực"))
        except InvalidInput as exc:
            self.app.error(exc)
            return
        paper, actor = self._paper, self.app.services.actor()
        store = self.app.services.store
        self._busy = True
        self.changed.emit()

        def work() -> dict[str, Any]:
            suggested = store.read(lambda db: paper_facts.suggestion(
                db, paper, now().date()))["suggested"]
            return store.call(lambda db: paper_facts.confirm(
                db, paper, number=" ".join(number.split())[:60], issued=day,
                valid_until=until, issuer="", actor=actor, suggested=suggested))

        self.app.tasks.run(work, self._done, self._failed, lane="storage")

    def _done(self, facts: dict[str, Any]) -> None:
        self._busy = False
        self.changed.emit()
        if facts.get("valid_until") and date.fromisoformat(facts["valid_until"]) < \
                now().date():
            self.app.ok(_("Đã ghi số, ngày của giấy tờ. Giấy tờ này đã hết hiệu lực: sẽ không "
                          "được đề nghị dùng lại."))
        else:
            self.app.ok(_("Đã ghi số, ngày của giấy tờ."))
        self.confirmed.emit()
