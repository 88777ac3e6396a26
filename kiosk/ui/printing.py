"""Printing from the counter: render a form of a saved dossier and send it to CUPS.

Rendering and submitting run on the ``print`` lane, never the GUI thread; the clerk hears the
job number, or a plain message when there is no printer, it is stopped, or out of paper.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from kiosk.clock import now
from kiosk.errors import KioskError
from kiosk.i18n import _
from kiosk.ui.app_model import AppModel
from kiosk.ui.services import Services

log = logging.getLogger(__name__)


class UiPrinting:
    def __init__(self, services: Services, app: AppModel, printer: Any = None) -> None:
        self.services = services
        self.app = app
        # Opened on first use, off the GUI thread (the print lane, the home screen's device
        # check): the CUPS client imports httpx and builds an SSL context, 0.5–2 s that
        # were spent before the first frame (bench/startup.py).
        self._printer = printer
        self._printer_lock = threading.Lock()
        self.last_job: dict[str, Any] | None = None

    @property
    def printer(self) -> Any:
        with self._printer_lock:
            if self._printer is None:
                from kiosk.devices.printer import open_printer

                self._printer = open_printer(self.services.config)
            return self._printer

    @printer.setter
    def printer(self, value: Any) -> None:
        with self._printer_lock:
            self._printer = value

    def render(self, code: str, form: str = "01", **extra: Any) -> Any:
        """The form as a :class:`kiosk.forms.RenderedForm` (call off the GUI thread)."""
        from kiosk.forms import render_form, unit_from_config
        from kiosk.forms.records import context_from_record

        config = self.services.config
        record = self.services.store.get_dossier(code)
        names = {c.login: c.full_name for c in self.services.clerks.list()}
        if form in ("01", "1") and record.get("group"):
            # Liên thông: one receipt lists every dossier of the group, whichever is asked.
            from kiosk.group_intake import group_receipt_form

            return group_receipt_form(self.services.store, record["group"]["dossiers"],
                                      clerk_name=lambda login: names.get(login, login))
        if form == "04" and record.get("postponements"):
            # The letter quotes the appointment it replaces, not the new one it records.
            record["due_at"] = record["postponements"][-1]["previous_due_at"]
            extra.setdefault("letter_number", record["postponements"][-1]["letter_number"])
        if form not in ("01", "1"):
            extra.setdefault("printed_at", now())
        ctx = context_from_record(record, unit_from_config(config),
                                  clerk_name=lambda login: names.get(login, login),
                                  lookup_url=str(config.get("forms.lookup_url")), **extra)
        set_id = record.get("form_set") or str(config.get("forms.set"))
        paper = str(config.get("printer.paper")) if form in ("01", "1") else "a4"
        return render_form(ctx, form, paper=paper, set_id=set_id)

    def submit(self, code: str, form: str = "01", **extra: Any) -> dict[str, Any]:
        from kiosk.devices.printer import check_ready, media_for

        rendered = self.render(code, form, **extra)
        name = str(self.services.config.get("printer.name")) or None
        check_ready(self.printer.printer(name))
        job = self.printer.submit(rendered.pdf, printer=name,
                                  media=media_for(rendered.paper, rendered.height_mm),
                                  title=f"{code} mau-{rendered.form}")
        out: dict[str, Any] = {**job.to_json(), "code": code, "form": rendered.form,
                               "set": rendered.set_id}
        self.last_job = out
        return out

    def print_form(self, code: str, form: str = "01", **extra: Any) -> None:
        def done(job: dict[str, Any]) -> None:
            if job["form"] in ("01", "1"):
                self.app.ok(_("Đã gửi phiếu hẹn của hồ sơ {code} tới máy in {printer}.",
                              code=code, printer=job["printer"]))
            else:
                self.app.ok(_("Đã gửi mẫu {form} của hồ sơ {code} tới máy in {printer} "
                              "(lệnh in số {job}).", form=job["form"], code=code,
                              printer=job["printer"], job=job["job"]))

        def failed(exc: BaseException) -> None:
            what = {"01": _("Chưa in được phiếu hẹn."),
                    "04": _("Chưa in được phiếu xin lỗi.")}.get(
                form, _("Chưa in được mẫu {form}.", form=form))
            self.app.error(exc, before=what,
                           after=_("Hồ sơ đã lưu; có thể in lại ở màn hình chi tiết hồ sơ."))

        self.app.tasks.run(lambda: self.submit(code, form, **extra), done, failed, lane="print")

    def print_apology(self, code: str, reason: str, new_due: datetime) -> None:
        self.print_form(code, "04", delay_reason=reason, new_due_at=new_due)

    def state(self) -> dict[str, Any]:
        """For the home screen: which printer, and whether it would print now."""
        from kiosk.devices.printer import check_ready

        name = str(self.services.config.get("printer.name")) or None
        try:
            info = self.printer.printer(name)
            check_ready(info)
        except KioskError as exc:
            log.info("printer not ready: %s (%s)", exc.message, exc.technical())
            return {"text": exc.message, "ok": False}
        return {"text": _("{name}: sẵn sàng", name=info.name), "ok": True}
