"""The queue ticket: an 80 mm thermal slip (bundled font) with the number, the service group
and the people ahead, sent through the same printer path as the receipts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, HRFlowable, Paragraph, Spacer

from kiosk.forms import fonts
from kiosk.forms.layout import draw_story_on_one_page, esc, make_styles, para
from kiosk.forms.thermal import BOTTOM, PAPER_W, SIDE, TOP
from kiosk.forms.vnformat import format_datetime_vn, nfc
from kiosk.i18n import _


def render_ticket(ticket: dict[str, Any], unit_name: str, centre_name: str
                  ) -> tuple[bytes, float]:
    """The ticket's PDF and its height in mm."""
    st = make_styles(10)
    big = ParagraphStyle("number", parent=st.center_bold, fontName=fonts.BOLD, fontSize=40,
                         leading=46, alignment=TA_CENTER)
    taken = datetime.fromisoformat(str(ticket["taken_at"]))
    ahead = int(ticket.get("ahead") or 0)
    story: list[Flowable] = [
        para(nfc(unit_name).upper(), st.center),
        Paragraph(f"<b>{esc(nfc(centre_name).upper())}</b>", st.center),
        HRFlowable(width="100%", thickness=0.8, spaceBefore=1 * mm, spaceAfter=2 * mm),
        para(_("SỐ THỨ TỰ"), st.center_bold),
        para(str(ticket["label"]), big),
        para(str(ticket.get("serviceName") or ticket["service"]), st.center_bold),
        Spacer(1, 2 * mm),
        para(_("Số người đang chờ trước: {n}", n=ahead) if ahead else
             _("Không có ai chờ trước ông/bà."), st.center),
        para(format_datetime_vn(taken), st.center),
        Spacer(1, 2 * mm),
        Paragraph(f"<i>{esc(_('Vui lòng chờ gọi số trên màn hình và loa.'))}</i>",
                  ParagraphStyle("f", parent=st.small, alignment=TA_CENTER)),
    ]
    built, height = draw_story_on_one_page(
        story, page_width=PAPER_W, side=SIDE, top=TOP, bottom=BOTTOM,
        title=f"So thu tu {ticket['label']}", author=nfc(centre_name), subject="queue ticket")
    return built.pdf, height / mm


def print_ticket(ticket: dict[str, Any], config: Any, printer: Any) -> dict[str, Any]:
    """Render and submit (call off the GUI thread); returns the job as JSON."""
    from kiosk.devices.printer import check_ready, media_for

    pdf, height_mm = render_ticket(ticket, str(config.get("unit.name")),
                                   str(config.get("unit.centre_name")))
    name = str(config.get("printer.name")) or None
    check_ready(printer.printer(name))
    job = printer.submit(pdf, printer=name, media=media_for("thermal", height_mm),
                         title=f"so-thu-tu {ticket['label']}")
    out: dict[str, Any] = {**job.to_json(), "label": ticket["label"]}
    return out


def render_booking_slip(booking: dict[str, Any], service_name: str, unit_name: str,
                        centre_name: str) -> tuple[bytes, float]:
    """A booking's slip (issue 27): its time, group and code, the code also as a QR that
    the counter's reader checks in (``kiosk booking checkin``)."""
    from kiosk.forms.barcodes import QRFlowable

    st = make_styles(10)
    code_style = ParagraphStyle("code", parent=st.center_bold, fontName=fonts.BOLD,
                                fontSize=22, leading=26, alignment=TA_CENTER)
    at = datetime.fromisoformat(str(booking["at"]))
    story: list[Flowable] = [
        para(nfc(unit_name).upper(), st.center),
        Paragraph(f"<b>{esc(nfc(centre_name).upper())}</b>", st.center),
        HRFlowable(width="100%", thickness=0.8, spaceBefore=1 * mm, spaceAfter=2 * mm),
        para(_("LỊCH HẸN GIẢI QUYẾT THỦ TỤC"), st.center_bold),
        para(nfc(service_name or str(booking["service"])), st.center),
        para(_("Lúc {time} ngày {day}", time=f"{at:%H:%M}", day=f"{at:%d/%m/%Y}"),
             st.center_bold),
        Spacer(1, 2 * mm),
        QRFlowable(str(booking["code"]), size=30 * mm),
        para(str(booking["code"]), code_style),
        Spacer(1, 2 * mm),
        Paragraph(f"<i>{esc(_('Khi đến, đưa mã này vào máy đọc để nhận số ưu tiên.'))}</i>",
                  ParagraphStyle("f", parent=st.small, alignment=TA_CENTER)),
    ]
    built, height = draw_story_on_one_page(
        story, page_width=PAPER_W, side=SIDE, top=TOP, bottom=BOTTOM,
        title=f"Lich hen {booking['code']}", author=nfc(centre_name), subject="booking slip")
    return built.pdf, height / mm


def print_booking_slip(booking: dict[str, Any], service_name: str, config: Any,
                       printer: Any) -> dict[str, Any]:
    from kiosk.devices.printer import check_ready, media_for

    pdf, height_mm = render_booking_slip(booking, service_name, str(config.get("unit.name")),
                                         str(config.get("unit.centre_name")))
    name = str(config.get("printer.name")) or None
    check_ready(printer.printer(name))
    job = printer.submit(pdf, printer=name, media=media_for("thermal", height_mm),
                         title=f"lich-hen {booking['code']}")
    out: dict[str, Any] = {**job.to_json(), "code": booking["code"]}
    return out
