"""The fee receipt (biên lai thu phí, lệ phí) as an A5 page or an 80 mm thermal ticket.

What NĐ 123/2020 Art. 32 asks a receipt to show (DOMAIN.md, docs/FEES.md): its name, the form
symbol (ký hiệu mẫu) and series (ký hiệu), the number, the collecting unit and its tax code,
each fee with the amount in figures and in words, the date and the collector. We add the payer,
the dossier code, how it was paid and, once the e-receipt provider has answered, the look-up
code with a QR code to look the receipt up. A voided receipt prints "ĐÃ HUỶ" across it with the
reason; its number stays as it was. Printed text here is fixed Vietnamese (a legal document,
not a screen); what varies by unit is configuration.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, HRFlowable, Paragraph, Spacer

from kiosk.clock import parse_iso
from kiosk.forms import fonts
from kiosk.forms.barcodes import QRFlowable
from kiosk.forms.layout import (
    Built,
    build_pdf,
    draw_story_on_one_page,
    esc,
    field,
    grid_table,
    make_styles,
    para,
    signature_block,
)
from kiosk.forms.model import UnitInfo
from kiosk.forms.vnformat import format_date_vn, format_datetime_vn, group_thousands, nfc

TITLE = "BIÊN LAI THU PHÍ, LỆ PHÍ"
EXEMPTION_TITLE = "XÁC NHẬN MIỄN PHÍ, LỆ PHÍ"
METHODS = {"cash": "Tiền mặt", "transfer": "Chuyển khoản", "exempt": "Miễn"}
PAPERS = ("a5", "thermal")


def lookup_payload(receipt: dict[str, Any], lookup_url: str) -> str:
    """What the receipt's QR code holds: the look-up address with the provider's code, or
    the receipt's identity when the provider has not answered yet."""
    code = receipt.get("lookup_code") or ""
    if code and lookup_url.strip():
        sep = "&" if "?" in lookup_url else "?"
        return f"{lookup_url.strip()}{sep}ma={code}"
    ident = receipt.get("ref") or receipt.get("id", "")
    return f"{ident}|{code}" if code else str(ident)


def _story(receipt: dict[str, Any], unit: UnitInfo, tax_code: str, lookup_url: str,
           width: float, size: float, clerk_name: str) -> list[Flowable]:
    st = make_styles(size)
    st.body.alignment = TA_LEFT
    exemption = receipt.get("kind") == "exemption"
    at = parse_iso(str(receipt["at"]))
    head: list[Flowable] = [para(unit.name.upper(), st.center),
                            Paragraph(f"<b>{esc(unit.centre_name.upper())}</b>", st.center)]
    if tax_code:
        head.append(para(f"Mã số thuế: {tax_code}", st.center))
    head += [HRFlowable(width="100%", thickness=0.6, spaceBefore=1 * mm, spaceAfter=1 * mm),
             Paragraph(f"<b>{EXEMPTION_TITLE if exemption else TITLE}</b>",
                       ParagraphStyle("t", parent=st.title, fontSize=size + 3,
                                      leading=(size + 3) * 1.3, spaceBefore=0))]
    if not exemption:
        head += [para(f"Ký hiệu mẫu: {receipt.get('form', '')}    Ký hiệu: {receipt['series']}",
                      st.center),
                 Paragraph(f"Số: <b>{int(receipt['number']):07d}</b>", st.center)]
    head.append(Paragraph(f"<i>{esc(format_datetime_vn(at))}</i>", st.center))
    if receipt.get("voided_at"):
        voided = ParagraphStyle("void", parent=st.center_bold, fontSize=size + 5,
                                leading=(size + 5) * 1.3, textColor="#B00020")
        head += [Paragraph("ĐÃ HUỶ", voided),
                 para(f"Lý do huỷ: {receipt.get('void_reason') or ''}", st.center)]
    body: list[Flowable] = [
        Spacer(1, 1.5 * mm),
        field("Người nộp", str(receipt.get("payer") or ""), st.body, bold_value=True),
        field("Mã hồ sơ", str(receipt.get("dossier_code") or ""), st.body),
    ]
    rows: list[list[Any]] = [[para("Nội dung thu", st.cell_head),
                              para("Số lượng", st.cell_head),
                              para("Số tiền (đồng)", st.cell_head)]]
    for item in receipt.get("items") or []:
        amount = item.get("amount")
        rows.append([para(str(item.get("name", "")), st.cell),
                     para(f"{item.get('quantity', '')} {item.get('unit', '')}", st.cell_center),
                     para(group_thousands(int(amount)) if amount is not None else "—",
                          st.cell_center)])
    body.append(grid_table(rows, [width * 0.52, width * 0.2, width * 0.28]))
    body.append(Spacer(1, 1.5 * mm))
    if receipt.get("reason"):
        label = "Lý do miễn" if exemption else "Lý do giảm"
        body.append(field(label, str(receipt["reason"]), st.body))
    if not exemption:
        body += [Paragraph(f"<b>Tổng số tiền:</b> <b>{group_thousands(int(receipt['amount']))}"
                           " đồng</b>", st.body),
                 field("Bằng chữ", str(receipt.get("amount_words") or ""), st.body),
                 field("Hình thức thu", METHODS.get(str(receipt["method"]), ""), st.body)]
    if receipt.get("lookup_code"):
        body.append(field("Mã tra cứu", str(receipt["lookup_code"]), st.body, bold_value=True))
    body.append(Spacer(1, 2 * mm))
    return head + body + [QRFlowable(lookup_payload(receipt, lookup_url), size=24 * mm),
                          Paragraph("<i>Quét mã QR để tra cứu biên lai</i>" if
                                    receipt.get("lookup_code") and lookup_url.strip() else
                                    "<i>Mã QR là ký hiệu và số biên lai</i>",
                                    ParagraphStyle("q", parent=st.small,
                                                   alignment=TA_CENTER)),
                          Spacer(1, 1 * mm)] + _signatures(st, width, at, unit, clerk_name)


def _signatures(st: Any, width: float, at: Any, unit: UnitInfo, clerk: str) -> list[Flowable]:
    place = f"{unit.place}, {format_date_vn(at)}" if unit.place else format_date_vn(at)
    return [Paragraph(f"<i>{esc(place)}</i>", st.right_italic),
            signature_block([("NGƯỜI NỘP TIỀN", "(Ký, ghi rõ họ tên)", ""),
                             ("NGƯỜI THU TIỀN", "(Ký, ghi rõ họ tên)", clerk)], st, width,
                            space=14 * mm)]


def render_receipt(receipt: dict[str, Any], unit: UnitInfo, *, paper: str = "a5",
                   tax_code: str = "", lookup_url: str = "", clerk_name: str = "") -> Built:
    """The receipt as PDF/A-2b. ``receipt`` is a stored row (``kiosk.storage.money``) with
    ``dossier_code`` added."""
    fonts.register_fonts()
    title = f"{TITLE} {receipt.get('ref') or receipt.get('id', '')}"
    if paper == "thermal":
        side = 4 * mm
        width = 80 * mm - 2 * side
        story = _story(receipt, unit, tax_code, lookup_url, width, 8.5, clerk_name)
        built, _height = draw_story_on_one_page(story, page_width=80 * mm, side=side,
                                                top=4 * mm, bottom=8 * mm, title=title,
                                                author=nfc(unit.centre_name), subject=TITLE)
        return built
    margins = (10 * mm, 12 * mm, 10 * mm, 12 * mm)
    width = A5[0] - margins[1] - margins[3]
    story = _story(receipt, unit, tax_code, lookup_url, width, 9.5, clerk_name)
    return build_pdf(story, width=A5[0], height=A5[1], margins=margins, title=title,
                     author=nfc(unit.centre_name), subject=TITLE)
