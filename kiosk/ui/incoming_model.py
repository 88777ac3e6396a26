"""The screen of dossiers submitted online or by post ("Hồ sơ trực tuyến chờ tiếp nhận").

The list is what this counter's sync brought (kiosk.storage.incoming); opening one
downloads its files on the ``net`` lane so the clerk checks them in the viewer; accepting or
refusing asks the server first (kiosk.sync.incoming), then prints the receipt (Mẫu 01) or
the refusal notice (Mẫu 03). Another counter's decision arrives by the feed and takes the
dossier off the list; a decision that lost the race is said plainly.
"""

from __future__ import annotations

from typing import Any

from kiosk.dossier import Channel
from kiosk.errors import KioskError
from kiosk.i18n import _
from kiosk.ui.app_model import AppModel
from kiosk.ui.listmodel import DictListModel
from kiosk.ui.lookup_model import format_due, mask_id
from kiosk.ui.qt import QVARIANT, Property, QObject, Signal, Slot


class IncomingModel(QObject):
    changed = Signal()

    def __init__(self, app: AppModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self._items = DictListModel(["id", "name", "procedure", "channel", "submitted"], self)
        self._files = DictListModel(["code", "name", "path", "image", "ready"], self)
        self._selected: dict[str, Any] = {}
        self._busy = False
        self._rows: dict[str, dict[str, Any]] = {}

    def _get_items(self) -> DictListModel:
        return self._items

    items = Property(QObject, _get_items, constant=True)

    def _get_files(self) -> DictListModel:
        return self._files

    files = Property(QObject, _get_files, constant=True)

    def _get_selected(self) -> dict[str, Any]:
        return dict(self._selected)

    selected = Property(QVARIANT, _get_selected, notify=changed)

    def _get_busy(self) -> bool:
        return self._busy

    busy = Property(bool, _get_busy, notify=changed)

    def _engine(self) -> Any:
        link = self.app.services.sync
        engine = getattr(link, "engine", None)
        if engine is None:
            problem = getattr(link, "problem", None) or _("Chưa kết nối máy chủ.")
            raise KioskError(_("Cần kết nối máy chủ để làm việc với hồ sơ nộp trực tuyến."),
                             hint=problem)
        return engine

    @Slot()
    def refresh(self) -> None:
        from kiosk.storage import incoming

        store = self.app.services.store

        def done(rows: list[dict[str, Any]]) -> None:
            self._rows = {r["id"]: r for r in rows}
            self._items.reset([{
                "id": r["id"], "name": r["applicant"].get("name", ""),
                "procedure": r["procedure_name"] or r["procedure_code"],
                "channel": Channel(int(r["channel"])).label if r["channel"] in (2, 3) else "",
                "submitted": format_due(r["submitted_at"]) if r["submitted_at"] else "",
            } for r in rows])
            if self._selected and self._selected["id"] not in self._rows:
                self._selected = {}
                self._files.reset([])
            self.changed.emit()

        self.app.tasks.run(lambda: store.read(incoming.waiting), done, self.app.error,
                           lane="storage")

    def on_sync_event(self, payload: dict[str, Any]) -> None:
        if payload.get("kind") in ("incoming", "change") and self.app.screen == "incoming":
            self.refresh()

    @Slot(str)
    def open(self, incoming_id: str) -> None:
        """Show one submission and bring its files here for the viewer."""
        row = self._rows.get(incoming_id)
        if row is None:
            return
        a = row["applicant"]
        self._selected = {
            "id": row["id"], "name": a.get("name", ""), "idNumber": mask_id(a.get("id_number")),
            "phone": a.get("phone", ""), "email": a.get("email", ""),
            "address": a.get("address", ""),
            "procedure": row["procedure_name"] or row["procedure_code"],
            "channel": Channel(int(row["channel"])).label if row["channel"] in (2, 3) else "",
            "submitted": format_due(row["submitted_at"]) if row["submitted_at"] else ""}
        store = self.app.services.store
        self._files.reset([self._file_row(store, c, False) for c in row["components"]])
        self.changed.emit()

        def work() -> None:
            from kiosk.sync.incoming import ensure_files

            ensure_files(self._engine(), row)

        def done(_none: None) -> None:
            if self._selected.get("id") == incoming_id:
                self._files.reset([self._file_row(store, c, True) for c in row["components"]])

        self.app.tasks.run(work, done, lambda exc: self.app.error(
            exc, before=_("Chưa tải được tệp của hồ sơ.")), lane="net")

    @staticmethod
    def _file_row(store: Any, comp: dict[str, Any], ready: bool) -> dict[str, Any]:
        path = store.files.path_for(comp["sha256"])
        return {"code": comp["code"], "name": comp.get("name") or comp["code"],
                "path": str(path), "image": str(comp.get("mime", "")).startswith("image/"),
                "ready": ready and path.exists()}

    def _decide(self, work: Any, done: Any) -> None:
        if self._busy or not self._selected:
            return
        self._busy = True
        self.changed.emit()

        def finished(result: dict[str, Any]) -> None:
            self._busy = False
            self._selected = {}
            self._files.reset([])
            self.changed.emit()
            self.refresh()
            done(result)

        def failed(exc: BaseException) -> None:
            self._busy = False
            self.changed.emit()
            self.app.error(exc)
            self.refresh()  # a lost race took it off the list

        self.app.tasks.run(work, finished, failed, lane="net")

    @Slot()
    def accept(self) -> None:
        from kiosk.sync import incoming

        incoming_id = self._selected.get("id", "")
        clerk = self.app.services.actor()

        def done(result: dict[str, Any]) -> None:
            self.app.ok(_("Đã tiếp nhận hồ sơ {code}; hẹn trả {due}.", code=result["code"],
                          due=format_due(result["due"]) if result.get("due") else "—"))
            printer = self.app.services.extras.get("print_receipt")
            if printer is not None:
                printer(result["code"])
            sync = self.app.services.sync
            if sync is not None:
                sync.poke()

        self._decide(lambda: incoming.accept(self._engine(), incoming_id, clerk), done)

    @Slot(str)
    def refuse(self, reason: str) -> None:
        from kiosk.forms import Issue
        from kiosk.sync import incoming

        reason = reason.strip()
        if not reason:
            self.app.error(_("Từ chối hồ sơ cần ghi rõ lý do."), cause="incoming.reason")
            return
        self.app.resolve("incoming.reason")
        incoming_id = self._selected.get("id", "")
        clerk = self.app.services.actor()

        def done(result: dict[str, Any]) -> None:
            self.app.ok(_("Đã từ chối hồ sơ {code}; đang in thông báo (Mẫu 03).",
                          code=result["code"]))
            printer = self.app.services.extras.get("print_form")
            if printer is not None:
                printer(result["code"], "03", issues=(Issue(reason),))
            sync = self.app.services.sync
            if sync is not None:
                sync.poke()

        self._decide(lambda: incoming.refuse(self._engine(), incoming_id, reason, clerk), done)

    @Slot(str)
    def askSupplement(self, text: str) -> None:
        """Mẫu 02 before acceptance: one line per missing paper."""
        from kiosk.supplement import split_items
        from kiosk.sync import incoming

        items = split_items(text)
        if not items:
            self.app.error(_("Yêu cầu bổ sung cần ghi rõ giấy tờ còn thiếu."),
                           cause="incoming.reason")
            return
        self.app.resolve("incoming.reason")
        incoming_id = self._selected.get("id", "")
        clerk = self.app.services.actor()

        def done(result: dict[str, Any]) -> None:
            self.app.ok(_("Đã yêu cầu bổ sung hồ sơ {code}; đang in phiếu (Mẫu 02).",
                          code=result["code"]))
            printer = self.app.services.extras.get("print_form")
            if printer is not None:
                from kiosk.forms import Issue

                printer(result["code"], "02", issues=tuple(Issue(i) for i in items))
            sync = self.app.services.sync
            if sync is not None:
                sync.poke()

        self._decide(lambda: incoming.ask_supplement(self._engine(), incoming_id, items, clerk),
                     done)

