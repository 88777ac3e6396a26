"""One receipt (Mẫu 01) for the dossiers of an interconnected group (liên thông).

The citizen leaves with one sheet: who handed in what, then each dossier of the group with
its procedure, the agency that settles it, its code as text and Code128 (the barcode the
counter scans at the hand-over, one per dossier), its time limit and its due time. A paper
shared between procedures is listed once, with the procedures it serves.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from kiosk.forms.a4 import MARGINS, PAGE_H, PAGE_W, WIDTH
from kiosk.forms.barcodes import A4_MODULE, Code128Flowable
from kiosk.forms.layout import (
    CELL_FONT,
    Built,
    build_pdf,
    esc,
    field,
    grid_table,
    make_styles,
    national_header,
    para,
    signature_block,
)
from kiosk.forms.model import FormContext, UnitInfo
from kiosk.forms.records import component_line, context_from_record
from kiosk.forms.templates import load_set
from kiosk.forms.values import place_date
from kiosk.forms.vnformat import format_datetime_vn, two_digits
from kiosk.i18n import _

#: The barcode's column: the code of a dossier is 25 characters, 2.5 mm … at A4's module.
BARCODE_W = 78 * mm


def render_group_receipt(records: list[dict[str, Any]], unit: UnitInfo, *,
                         set_id: str = "tt03-2025", lookup_url: str = "",
                         clerk_name: Any = None) -> Built:
    """The receipt of a group from its dossiers' records (each with ``group``)."""
    tset = load_set(set_id)
    tpl = tset.form("01")
    st = make_styles(9.5)
    ctxs = [context_from_record(r, unit, lookup_url=lookup_url, clerk_name=clerk_name)
            for r in records]
    first: FormContext = ctxs[0]
    group = records[0].get("group") or {}
    story: list[Flowable] = [
        *national_header(tset, tpl, unit.name, unit.centre_name, st, WIDTH),
        Spacer(1, 2 * mm),
        para(place_date(first, tpl), st.right_italic),
        para(tpl.title, st.title),
        para(_("(Hồ sơ liên thông: {name})", name=group.get("name", "")), st.center),
        Spacer(1, 2 * mm),
        field(tpl.label("applicant_name"), first.applicant.name, st.body, bold_value=True),
    ]
    if first.applicant.id_number:
        story.append(field(tpl.label("id_number"), first.applicant.id_number, st.body))
    if first.applicant.address:
        story.append(field(tpl.label("address"), first.applicant.address, st.body))
    if first.applicant.phone:
        story.append(field(tpl.label("phone"), first.applicant.phone, st.body))
    story.append(field(tpl.label("received"), format_datetime_vn(first.received_at), st.body))
    story.append(para(_("Hồ sơ được tiếp nhận một lần và chuyển đến từng cơ quan giải quyết; "
                        "mỗi hồ sơ có mã và thời gian hẹn trả riêng:"), st.body))
    for i, (ctx, record) in enumerate(zip(ctxs, records, strict=True), 1):
        story.append(KeepTogether(_dossier_block(i, ctx, record, tpl, st)))
    story.append(Spacer(1, 2 * mm))
    story.append(para(tpl.label("components"), st.body))
    story.append(_papers_table(records, tpl, st))
    place = unit.address or unit.centre_name
    story.append(Spacer(1, 2 * mm))
    story.append(field(tpl.label("return_place"), place, st.body))
    story.append(Spacer(1, 4 * mm))
    story.append(signature_block([
        (tpl.label("sign_left"), tpl.label("sign_note"), first.applicant.name),
        (tpl.label("sign_right"), tpl.label("sign_note"), first.clerk),
    ], st, WIDTH, space=12 * mm))
    codes = ", ".join(c.code for c in ctxs)
    return build_pdf(story, width=PAGE_W, height=PAGE_H, margins=MARGINS,
                     title=f"{tpl.title} {codes}", author=unit.centre_name,
                     subject=str(group.get("code", "")))


def _dossier_block(i: int, ctx: FormContext, record: dict[str, Any], tpl: Any,
                   st: Any) -> list[Flowable]:
    """The procedure and its facts on the left, its code and barcode on the right."""
    proc = f"{ctx.procedure_name} (mã {ctx.procedure_code})"
    agency = ctx.lead_agency or ctx.unit.name
    due = format_datetime_vn(ctx.due_at) if ctx.due_at else tpl.label("no_due")
    left = [
        field(_("Cơ quan giải quyết"), agency, st.body),
        field(tpl.label("processing_time"), ctx.processing_time, st.body),
        field(tpl.label("due"), due, st.body, bold_value=True),
    ]
    right = [
        Paragraph(f"{esc(tpl.label('code'))}: <b>{esc(ctx.code)}</b>", st.body),
        Code128Flowable(ctx.code, module=A4_MODULE, height=10 * mm, max_width=BARCODE_W),
    ]
    table = Table([[left, right]], colWidths=[WIDTH - BARCODE_W - 4 * mm, BARCODE_W + 4 * mm])
    table.setStyle(TableStyle([
        CELL_FONT,
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (0, 0), 4 * mm),
    ]))
    return [Spacer(1, 1.5 * mm), Paragraph(f"<b>{i}. {esc(proc)}</b>", st.body), table]


def _papers_table(records: list[dict[str, Any]], tpl: Any, st: Any) -> Flowable:
    """Each paper once: a file linked to several dossiers is one paper handed in."""
    rows: list[tuple[str, str, str, list[str]]] = []
    index: dict[tuple[str, ...], int] = {}
    for record in records:
        for comp in record.get("components", []):
            if not comp.get("checked", True):
                continue
            line = component_line(comp)
            hashes = tuple(p["sha256"] for p in comp.get("pages", []))
            key = hashes if hashes else ("name", line.name, line.kind)
            qty = two_digits(line.quantity) if line.quantity else "—"
            if key in index:
                rows[index[key]][3].append(record["code"])
                continue
            index[key] = len(rows)
            rows.append((line.name, line.kind, qty, [record["code"]]))
    head = [tpl.label("col_no"), tpl.label("col_doc"), tpl.label("col_kind"),
            tpl.label("col_qty")]
    widths = [12 * mm, WIDTH - 12 * mm - 45 * mm - 20 * mm, 45 * mm, 20 * mm]
    data: list[list[Flowable]] = [[para(h, st.cell_head) for h in head]]
    for n, (name, kind, qty, codes) in enumerate(rows, 1):
        shared = _(" (dùng chung cho {n} hồ sơ)", n=len(codes)) if len(codes) > 1 else ""
        data.append([para(str(n), st.cell_center), para(name + shared, st.cell),
                     para(kind, st.cell_center), para(qty, st.cell_center)])
    if not rows:
        data.append([para("", st.cell), para(tpl.label("no_components"), st.cell),
                     para("", st.cell), para("", st.cell)])
    return grid_table(data, widths)
