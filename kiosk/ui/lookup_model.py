"""Look-up and overdue lists, and the dossier detail screen."""

from __future__ import annotations

import logging
from typing import Any

from kiosk.cccd import CccdRecord
from kiosk.clock import now, parse_iso
from kiosk.dossier import Status, is_late, is_overdue
from kiosk.forms.vnformat import format_short_datetime
from kiosk.i18n import N_, _
from kiosk.results_settings import kind_names
from kiosk.sync.status import dossier_sync_state
from kiosk.ui.app_model import AppModel
from kiosk.ui.listmodel import DictListModel
from kiosk.ui.qt import QVARIANT, QVARIANT_LIST, Property, QObject, Signal, Slot

log = logging.getLogger(__name__)

ROW_ROLES = ["code", "name", "procedure", "status", "statusLabel", "due", "overdue", "idNumber"]


def format_due(text: str | None) -> str:
    return format_short_datetime(parse_iso(text)) if text else ""


def mask_id(id_number: str | None) -> str:
    """CCCD numbers are masked on screen (personal data law): only the last 4 digits show."""
    if not id_number:
        return ""
    return "•" * max(0, len(id_number) - 4) + id_number[-4:]


def summary_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": row["code"], "name": row.get("name") or "",
        "procedure": row.get("procedure_name") or "",
        "status": int(row["status"]), "statusLabel": Status(int(row["status"])).label,
        "due": format_due(row["due_at"]) if row.get("due_at") else "",
        "overdue": bool(row.get("overdue")), "idNumber": mask_id(row.get("id_number")),
    }


def late_row(row: dict[str, Any]) -> dict[str, Any]:
    """A due-soon or overdue row: the due line says how late, or how long is left."""
    out = summary_row(row)
    if "late_working_days" in row:
        out["due"] = _("{due} · trễ {n} ngày làm việc", due=out["due"],
                       n=f"{row['late_working_days']:g}".replace(".", ","))
    elif "hours_left" in row:
        out["due"] = _("{due} · còn {n} giờ làm việc", due=out["due"],
                       n=f"{row['hours_left']:g}".replace(".", ","))
    return out


#: The look-up screen's tabs, by the argument that opens them.
TABS = {"search": 0, "overdue": 1, "duesoon": 2}


class LookupModel(QObject):
    queryChanged = Signal()

    def __init__(self, app: AppModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self._results = DictListModel(ROW_ROLES, self)
        self._overdue = DictListModel(ROW_ROLES, self)
        self._due_soon = DictListModel(ROW_ROLES, self)
        self._query = ""
        # What the screen showed when a dossier was opened from it, to come back to as it
        # was: the tab, the late lists' procedure, each list's scroll position.
        self._tab = 0
        self._procedure = ""
        self._scroll = [0.0, 0.0, 0.0]

    def _get_query(self) -> str:
        return self._query

    query = Property(str, _get_query, notify=queryChanged)

    def _get_tab(self) -> int:
        return self._tab

    tab = Property(int, _get_tab, notify=queryChanged)

    def _get_procedure(self) -> str:
        return self._procedure

    lateProcedure = Property(str, _get_procedure, notify=queryChanged)

    def _get_scroll(self) -> list[float]:
        return list(self._scroll)

    scroll = Property(QVARIANT_LIST, _get_scroll, notify=queryChanged)

    @Slot(str)
    def open(self, argument: str) -> None:
        """The screen opened from Home (a tile, the button): a fresh view on that tab."""
        self._tab, self._procedure, self._scroll = TABS.get(argument, 0), "", [0.0] * 3
        self._results.reset([])
        self._query = ""
        self.queryChanged.emit()
        self.loadOverdue()

    @Slot(int)
    def setTab(self, tab: int) -> None:
        if tab != self._tab:
            self._tab = tab
            self.queryChanged.emit()

    @Slot(int, float)
    def keepScroll(self, tab: int, y: float) -> None:
        if 0 <= tab < len(self._scroll):
            self._scroll[tab] = y

    def take_card(self, record: CccdRecord) -> str:
        """A CCCD read on the look-up screen finds that citizen's dossiers."""
        self._tab = 0
        self.search(record.id_number)
        return "search"

    def _get_results(self) -> DictListModel:
        return self._results

    results = Property(QObject, _get_results, constant=True)

    def _get_overdue(self) -> DictListModel:
        return self._overdue

    overdue = Property(QObject, _get_overdue, constant=True)

    @Slot(str)
    def search(self, text: str) -> None:
        if text != self._query:
            self._scroll[0] = 0.0
        self._query = text
        self.queryChanged.emit()
        store = self.app.services.store

        def done(rows: list[dict[str, Any]]) -> None:
            if text == self._query:  # a newer query may have started meanwhile
                self._results.reset(summary_row(r) for r in rows)

        def work() -> list[dict[str, Any]]:
            rows = store.search(text, limit=100)
            if len(text.split()) >= 2 or len(text.strip()) >= 4:
                # Words in the text of the scans too (issue 24 §4), after the other matches.
                from kiosk.storage import texts

                seen = {r["id"] for r in rows}
                rows += [r for r in store.read(lambda db: texts.search(db, text, 50))
                         if r["id"] not in seen]
            return rows

        self.app.tasks.run(work, done, self.app.error, lane="work")

    def _procedure_choices(self) -> list[dict[str, str]]:
        """For the late lists' filter: every procedure, "all" first."""
        catalog = self.app.services.store.catalog
        return [{"code": "", "name": _("Tất cả thủ tục")}] + [
            {"code": p.code, "name": f"{p.code} · {p.name}"} for p in catalog.procedures]

    procedureChoices = Property(QVARIANT_LIST, _procedure_choices, constant=True)

    def _get_due_soon(self) -> DictListModel:
        return self._due_soon

    dueSoon = Property(QObject, _get_due_soon, constant=True)

    @Slot()
    def loadOverdue(self) -> None:
        self.filterLate("")

    @Slot(str)
    def filterLate(self, procedure: str) -> None:
        """Overdue (latest first, by working days late) and due-soon, for one procedure or
        all (empty)."""
        store = self.app.services.store
        self._procedure = procedure.strip()
        proc = self._procedure or None

        def work() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            return store.overdue(proc)[:500], store.due_soon(procedure=proc)[:500]

        def done(result: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
            self._overdue.reset(late_row(r) for r in result[0])
            self._due_soon.reset(late_row(r) for r in result[1])

        self.app.tasks.run(work, done, self.app.error, lane="work")


class DetailModel(QObject):
    loaded = Signal()

    def __init__(self, app: AppModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self._record: dict[str, Any] = {}
        #: The latest per-dossier sync event for the dossier shown ("Đang gửi 40%"...).
        self._live_sync = ""
        self._events = DictListModel(["at", "label", "actor", "note"], self)
        self._documents = DictListModel(["name", "sha256", "pages", "path", "kind", "signed",
                                         "pdfa", "component"], self)

    def _get(self) -> dict[str, Any]:
        return dict(self._view)

    @property
    def _view(self) -> dict[str, Any]:
        r = self._record
        if not r:
            return {}
        status = Status(int(r["status"]))
        due = parse_iso(r["due_at"]) if r.get("due_at") else None
        # Lateness is judged against the legal due: an apology letter does not undo it.
        legal = parse_iso(r["original_due"]) if r.get("original_due") else due
        applicant = r.get("applicant") or {}
        running = status in (Status.RECEIVED, Status.PROCESSING, Status.PAYMENT)
        late_now = bool(legal and running and now() > legal)
        soon_hours = float(self.app.services.config.get("alerts.due_soon_hours"))
        calendar = self.app.services.calendar
        due_soon = bool(due and running and not late_now and
                        calendar.working_hours_between(now(), due) <= soon_hours)
        return {
            "code": r["code"], "status": int(status), "statusLabel": status.label,
            "procedure": r.get("procedure_name", ""), "name": applicant.get("name", ""),
            "idNumber": mask_id(applicant.get("id_number")), "phone": applicant.get("phone", ""),
            "address": applicant.get("address", ""),
            "received": format_due(r["received_at"]), "due": format_due(r["due_at"]) if due else "",
            # Overdue now: past the date promised (a letter's new date counts; the same rule
            # as Home's count and the overdue list); late: past the legal due, which no
            # letter undoes.
            "overdue": is_overdue(status, due, now(), _paused_since(r)),
            "late": late_now or is_late(legal, _finished_at(r)),
            "dueSoon": due_soon, "originalDue": format_due(r.get("original_due")),
            "postponements": [p["letter_number"] for p in r.get("postponements") or []],
            "done": status == Status.DONE, "returned": status == Status.RETURNED,
            "sync": self._live_sync or sync_text(r.get("_sync_state", "saved"),
                                                 error=r.get("_sync_error", "")),
            # The server's own words, for the admin only (the clerk reads "sync" above).
            "syncDetail": r.get("_sync_error", ""),
            "notices": [notice_text(n) for n in r.get("_notices") or []],
            "group": r.get("_group") or {},
        }

    dossier = Property(QVARIANT, _get, notify=loaded)

    def _get_events(self) -> DictListModel:
        return self._events

    events = Property(QObject, _get_events, constant=True)

    def _get_documents(self) -> DictListModel:
        return self._documents

    documents = Property(QObject, _get_documents, constant=True)

    @Slot(str)
    def load(self, code: str) -> None:
        store = self.app.services.store

        def work() -> dict[str, Any]:
            record = store.get_dossier(code)
            record["_sync_state"] = dossier_sync_state(store, record["id"])
            row = store.read(lambda db: db.execute(
                "SELECT last_error FROM outbox WHERE dossier_id = ? AND state = "
                "'needs_attention' ORDER BY rowid DESC LIMIT 1", [record["id"]]).fetchone())
            record["_sync_error"] = row[0] if row and row[0] else ""
            from kiosk.storage.notices import of_dossier

            record["_notices"] = store.read(lambda db: of_dossier(db, record["id"]))
            if record.get("group"):  # liên thông: the other dossiers taken with it
                from kiosk.group_intake import group_view
                record["_group"] = group_view(store, record)
            for comp in record["components"]:
                for page in comp["pages"]:
                    page["path"] = str(store.file_path(page["sha256"]))
            for result in record.get("results") or []:
                result["path"] = str(store.file_path(result["sha256"]))
            return record

        self.app.tasks.run(work, self._show, self.app.error, lane="work")

    def on_sync_event(self, payload: dict[str, Any]) -> None:
        """Sync progress of the dossier on screen, and status changes pulled from the server."""
        if not self._record:
            return
        kind = payload.get("kind")
        if kind == "dossier" and payload.get("dossier_id") == self._record.get("id"):
            self._live_sync = sync_text(str(payload.get("state")),
                                        percent=int(payload.get("percent") or 0),
                                        error=str(payload.get("error") or ""))
            self.loaded.emit()
        elif kind == "change" and (payload.get("change") or {}).get("dossier_id") == self._record.get("id"):
            self.load(self._record["code"])

    def _show(self, record: dict[str, Any]) -> None:
        if record.get("id") != self._record.get("id"):
            self._live_sync = ""
        self._record = record
        names = actor_names(self.app.services)
        self._events.reset(
            {"at": format_due(e["at"]), "label": Status(int(e["to_status"])).label,
             "actor": names(e.get("actor") or ""), "note": e.get("note") or ""}
            for e in record["events"])
        docs = []
        for comp in record["components"]:
            for page in comp["pages"]:
                # "signed" / "unsigned" where signing was attempted, else "" (issue 14).
                docs.append({"name": comp["name"], "sha256": page["sha256"], "pages": 0,
                             "path": page["path"], "kind": page.get("mime", ""),
                             "signed": (comp.get("signature") or {}).get("state", ""),
                             # A PDF attached from outside and kept as it was (not PDF/A-2b).
                             "pdfa": page.get("pdfa") is not False, "component": comp.get("code") or ""})
        # The results (issue 24): the province's electronic ones and the paper ones scanned at
        # hand-over, after the documents received.
        kinds = kind_names(list(self.app.services.config.get("results.kinds")))
        for r in record.get("results") or []:
            number = _(" số {number}", number=r["number"]) if r.get("number") else ""
            verdict = r.get("signature") or {}
            docs.append({"name": _("Kết quả: {kind}{number}", kind=kinds.get(r["kind"], r["kind"]),
                                   number=number),
                         "sha256": r["sha256"], "pages": 0, "path": r.get("path", ""),
                         "kind": "application/pdf",
                         "signed": "signed" if verdict.get("valid") else "",
                         "pdfa": True})
        self._documents.reset(docs)
        self.loaded.emit()

    def record(self) -> dict[str, Any]:
        return self._record

    @Slot(str)
    def printForm(self, form: str) -> None:
        """Reprint the receipt (01) or print the apology and new date letter (04)."""
        printer = self.app.services.extras.get("print_form")
        if not self._record:
            return
        if not callable(printer):
            self.app.error(_("Chưa cấu hình máy in."))
            return
        printer(self._record["code"], form)

    @Slot(str, int, result=bool)
    def printApology(self, reason: str, days: int) -> bool:
        """Mẫu 04: record the apology with a new date ``days`` working days from now on the
        dossier (the same core function as ``kiosk dossier postpone``), then print it.

        False when something is missing: the dialog then stays open with what was typed.
        """
        if not self._record:
            return False
        if not reason.strip():
            self.app.error(_("Ghi rõ lý do chậm trả kết quả."))
            return False
        services = self.app.services
        calendar = services.calendar
        code = self._record["code"]
        new_due = calendar.add_working_hours(now(), max(1, days) * calendar.day_hours)
        actor = services.actor()

        def done(letter: dict[str, Any]) -> None:
            self.app.ok(_("Đã ghi nhận phiếu xin lỗi số {number}, hẹn trả {due}.",
                          number=letter["letter"]["number"], due=format_due(letter["due"])))
            printer = services.extras.get("print_apology")
            if callable(printer):
                printer(code, reason.strip(), new_due)
            else:
                self.app.error(_("Chưa cấu hình máy in; phiếu đã được ghi nhận, in sau ở "
                                 "màn hình này."))
            self.load(code)

        self.app.tasks.run(lambda: services.store.postpone(code, new_due, reason, actor),
                           done, self.app.error, lane="storage")
        return True

    @Slot(str, result=bool)
    def askSupplement(self, text: str) -> bool:
        """Mẫu 02 from the dossier screen (status 5, the clock paused or to restart)."""
        from kiosk import supplement
        from kiosk.forms import Issue
        from kiosk.supplement import split_items

        items = split_items(text)
        if not self._record or not items:
            self.app.error(_("Yêu cầu bổ sung cần ghi rõ giấy tờ còn thiếu."))
            return False
        services, code = self.app.services, self._record["code"]

        def done(_asked: dict[str, Any]) -> None:
            self.app.ok(_("Đã yêu cầu bổ sung hồ sơ {code}; đang in phiếu (Mẫu 02).",
                          code=code))
            printer = services.extras.get("print_form")
            if callable(printer):
                printer(code, "02", issues=tuple(Issue(i) for i in items))
            if services.sync is not None:
                services.sync.poke()
            self.load(code)

        self.app.tasks.run(lambda: supplement.ask(services.store, code, items,
                                                  services.actor()),
                           done, self.app.error, lane="storage")
        return True

    @Slot(str, result=bool)
    def refuse(self, reason: str) -> bool:
        """Mẫu 03 for a dossier not accepted yet (1) or whose supplement never came (5)."""
        from kiosk.forms import Issue

        if not self._record or not reason.strip():
            self.app.error(_("Từ chối hồ sơ cần ghi rõ lý do."))
            return False
        services, code = self.app.services, self._record["code"]

        def done(_event: dict[str, Any]) -> None:
            self.app.ok(_("Đã từ chối hồ sơ {code}; đang in thông báo (Mẫu 03).", code=code))
            printer = services.extras.get("print_form")
            if callable(printer):
                printer(code, "03", issues=(Issue(reason.strip()),))
            if services.sync is not None:
                services.sync.poke()
            self.load(code)

        self.app.tasks.run(lambda: services.store.change_status(
            code, int(Status.REFUSED), services.actor(), reason.strip()),
            done, self.app.error, lane="storage")
        return True


_NOTICE_KINDS = {"received": N_("tiếp nhận"), "supplement": N_("yêu cầu bổ sung"),
                 "refused": N_("từ chối"), "done": N_("có kết quả"),
                 "postponed": N_("hẹn lại ngày trả")}
_NOTICE_STATES = {"pending": N_("đang chờ gửi"), "sending": N_("đang gửi"),
                  "sent": N_("đã gửi"), "failed": N_("gửi lỗi"),
                  "unknown": N_("chưa rõ đã gửi chưa")}


def notice_text(n: dict[str, Any]) -> str:
    """One line per notice to the citizen: what, by which channel, and its delivery."""
    state = _(_NOTICE_STATES.get(n["state"], n["state"]))
    if n["state"] == "sent" and n.get("sent_at"):
        state = f"{state} {format_due(n['sent_at'])}"
    elif n["state"] == "pending" and n.get("attempts"):
        state = _("{state}, thử lại (lần {n})", state=state, n=n["attempts"])
    return _("Thông báo {kind} qua {channel} tới {address}: {state}",
             kind=_(_NOTICE_KINDS.get(n["kind"], n["kind"])),
             channel="e-mail" if n["channel"] == "email" else "SMS",
             address=n["address"], state=state)


#: Actors that are not clerks of this counter, in words.
SYSTEM_ACTORS = {"central": N_("Trung tâm (máy chủ tỉnh)"),
                 "trung-tam": N_("Trung tâm (máy chủ tỉnh)")}


def actor_names(services: Any) -> Any:
    """login → the clerk's full name (the timeline shows people, not logins)."""
    try:
        names = {c.login: c.full_name for c in services.clerks.list()}
    except Exception:  # an unreadable clerk file must not hide the timeline
        log.warning("clerk directory unreadable", exc_info=True)
        names = {}

    def name(actor: str) -> str:
        if actor in names:
            return names[actor]
        if actor in SYSTEM_ACTORS:
            return _(SYSTEM_ACTORS[actor])
        return actor

    return name


def _paused_since(record: dict[str, Any]) -> Any:
    """When the open supplement pause started (the clock stopped), if one is open."""
    open_pauses = [p["started_at"] for p in record.get("pauses") or [] if not p.get("ended_at")]
    return parse_iso(max(open_pauses)) if open_pauses else None


def _finished_at(record: dict[str, Any]) -> Any:
    for event in reversed(record.get("events", [])):
        if int(event["to_status"]) in (Status.DONE, Status.RETURNED):
            return parse_iso(event["at"])
    return None


def sync_text(state: str, *, percent: int | None = None, error: str = "") -> str:
    """Where a dossier is on its way to the server (``kiosk.sync`` states), for the clerk."""
    if state == "sending":
        return _("Đang gửi {percent}%", percent=percent) if percent is not None else _("Đang gửi")
    if state == "sent":
        return _("Đã gửi lên máy chủ")
    # The server's or the network's own words stay out of the clerk's line (admin: syncDetail).
    if state == "needs_attention":
        return _("Máy chủ chưa nhận hồ sơ này. Báo quản trị viên xem chi tiết.")
    if error:
        return _("Đã lưu trên máy này. Sẽ tự gửi lại khi có kết nối.")
    return _("Đã lưu trên máy này, chờ gửi")
