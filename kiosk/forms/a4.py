"""A4 forms: the receipt (Mẫu 01) and the letters and slips that follow a dossier."""

from __future__ import annotations

from collections.abc import Callable

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from kiosk.forms.barcodes import A4_MODULE, Code128Flowable, QRFlowable
from kiosk.forms.layout import (
    CELL_FONT,
    Built,
    Styles,
    build_pdf,
    esc,
    field,
    grid_table,
    make_styles,
    national_header,
    para,
    signature_block,
)
from kiosk.forms.model import FormContext
from kiosk.forms.templates import FormTemplate, TemplateSet
from kiosk.forms.values import fee_text, label_values, place_date, qr_payload
from kiosk.forms.vnformat import format_datetime_vn, nfc, two_digits

PAGE_W, PAGE_H = A4
MARGINS = (15 * mm, 15 * mm, 15 * mm, 25 * mm)  # top, right, bottom, left (binding side)
WIDTH = PAGE_W - MARGINS[1] - MARGINS[3]


def _opening(tset: TemplateSet, tpl: FormTemplate, ctx: FormContext, st: Styles,
             number_line: str = "") -> list[Flowable]:
    return [
        *national_header(tset, tpl, ctx.unit.name, ctx.unit.centre_name, st, WIDTH,
                         number_line),
        Spacer(1, 2 * mm),
        para(place_date(ctx, tpl), st.right_italic),
        para(tpl.title, st.title),
    ]


def _applicant_lines(tpl: FormTemplate, ctx: FormContext, st: Styles) -> list[Flowable]:
    a = ctx.applicant
    out: list[Flowable] = [field(tpl.label("applicant_name"), a.name, st.body, bold_value=True)]
    if a.id_number:
        out.append(field(tpl.label("id_number"), a.id_number, st.body))
    if a.address:
        out.append(field(tpl.label("address"), a.address, st.body))
    contact = [(tpl.label("phone"), a.phone), (tpl.label("email"), a.email)]
    shown = [f"<b>{esc(k)}:</b> {esc(v)}" for k, v in contact if v]
    if shown:
        out.append(Paragraph("&nbsp;&nbsp;&nbsp;&nbsp;".join(shown), st.body))
    return out


def _code_block(ctx: FormContext, tpl: FormTemplate, st: Styles) -> Table:
    """Code as text and Code128 on the left, the QR code on the right."""
    left = [
        Paragraph(f"{esc(tpl.label('code'))}: <b>{esc(ctx.code)}</b>", st.body),
        Spacer(1, 1 * mm),
        Code128Flowable(ctx.code, module=A4_MODULE, height=12 * mm, max_width=WIDTH - 32 * mm),
    ]
    qr = QRFlowable(qr_payload(ctx), size=28 * mm)
    table = Table([[left, qr]], colWidths=[WIDTH - 30 * mm, 30 * mm])
    table.setStyle(TableStyle([
        CELL_FONT,
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, 0), (1, 0), "RIGHT"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]))
    return table


def _numbered(tpl: FormTemplate, st: Styles, head: list[str],
              rows: list[list[str]], widths: list[float], blank_rows: int = 3) -> Table:
    """A numbered table; with no rows it offers blank lines to fill by hand."""
    data: list[list[Flowable]] = [[para(h, st.cell_head) for h in head]]
    for i, row in enumerate(rows, 1):
        data.append([para(str(i), st.cell_center), *(para(c, st.cell) for c in row)])
    if not rows:
        data.extend([para(str(i), st.cell_center)] + [Spacer(1, 6 * mm)] * (len(head) - 1)
                    for i in range(1, blank_rows + 1))
    return grid_table(data, widths)


def receipt(tset: TemplateSet, tpl: FormTemplate, ctx: FormContext) -> Built:
    st = make_styles(10.5)
    v = label_values(ctx, tpl)
    story = _opening(tset, tpl, ctx, st)
    story.append(_code_block(ctx, tpl, st))
    story.append(Spacer(1, 2 * mm))
    story.append(para(tpl.label("intro", **v), st.body))
    story.extend(_applicant_lines(tpl, ctx, st))
    proc = ctx.procedure_name + (f" (mã {ctx.procedure_code})" if ctx.procedure_code else "")
    story.append(field(tpl.label("procedure"), proc, st.body, bold_value=True))
    story.append(para(tpl.label("components"), st.body))
    head = [tpl.label("col_no"), tpl.label("col_doc"), tpl.label("col_kind"), tpl.label("col_qty")]
    widths = [12 * mm, WIDTH - 12 * mm - 45 * mm - 20 * mm, 45 * mm, 20 * mm]
    data: list[list[Flowable]] = [[para(h, st.cell_head) for h in head]]
    for i, comp in enumerate(ctx.components, 1):
        data.append([para(str(i), st.cell_center), para(comp.name, st.cell),
                     para(comp.kind, st.cell_center),
                     para(two_digits(comp.quantity) if comp.quantity else "—", st.cell_center)])
    if not ctx.components:
        data.append([para("", st.cell), para(tpl.label("no_components"), st.cell),
                     para("", st.cell), para("", st.cell)])
    story.append(grid_table(data, widths))
    story.append(Spacer(1, 2 * mm))
    story.append(para(tpl.label("sets", n=two_digits(ctx.sets)), st.body))
    if ctx.processing_time:
        story.append(field(tpl.label("processing_time"), ctx.processing_time, st.body))
    story.append(field(tpl.label("received"), format_datetime_vn(ctx.received_at), st.body))
    story.append(field(tpl.label("due"), v["due"], st.body, bold_value=True))
    story.append(field(tpl.label("fee"),
                       fee_text(ctx, tpl), st.body))
    if ctx.book is not None:
        story.append(para(tpl.label("book", volume=ctx.book.volume,
                                    line=two_digits(ctx.book.line)), st.body))
    place = ctx.unit.address or ctx.unit.centre_name
    story.append(field(tpl.label("return_place"), place, st.body))
    story.append(Spacer(1, 4 * mm))
    story.append(signature_block([
        (tpl.label("sign_left"), tpl.label("sign_note"), ctx.applicant.name),
        (tpl.label("sign_right"), tpl.label("sign_note"), ctx.clerk),
    ], st, WIDTH))
    return _build(story, tpl, ctx)


def _letter_opening(tset: TemplateSet, tpl: FormTemplate, ctx: FormContext,
                    st: Styles) -> list[Flowable]:
    story = _opening(tset, tpl, ctx, st)
    story.append(para(tpl.label("intro", **label_values(ctx, tpl)), st.body))
    story.extend(_applicant_lines(tpl, ctx, st))
    story.append(field(tpl.label("procedure"), ctx.procedure_name, st.body, bold_value=True))
    story.append(field(tpl.label("code"), ctx.code, st.body, bold_value=True))
    return story


def supplement(tset: TemplateSet, tpl: FormTemplate, ctx: FormContext) -> Built:
    st = make_styles(11)
    v = label_values(ctx, tpl)
    story = _letter_opening(tset, tpl, ctx, st)
    story.append(para(tpl.label("body", **v), st.body))
    rows = [[i.text, i.reason] for i in ctx.issues]
    story.append(_numbered(tpl, st, [tpl.label("col_no"), tpl.label("col_item"),
                                     tpl.label("col_reason")], rows,
                           [12 * mm, (WIDTH - 12 * mm) * 0.55, (WIDTH - 12 * mm) * 0.45]))
    story.append(Spacer(1, 2 * mm))
    story.append(para(tpl.label("contact", **v), st.body))
    story.append(para(tpl.label("closing", **v), st.body))
    return _signed(story, tpl, ctx, st, "sign_note", ctx.clerk, 0.5)


def refusal(tset: TemplateSet, tpl: FormTemplate, ctx: FormContext) -> Built:
    st = make_styles(11)
    v = label_values(ctx, tpl)
    story = _letter_opening(tset, tpl, ctx, st)
    story.append(para(tpl.label("body", **v), st.body))
    story.append(_reasons(tpl, ctx, st))
    story.append(Spacer(1, 2 * mm))
    story.append(para(tpl.label("closing", **v), st.body))
    return _signed(story, tpl, ctx, st, "sign_note", ctx.clerk, 0.5)


def apology(tset: TemplateSet, tpl: FormTemplate, ctx: FormContext) -> Built:
    st = make_styles(11.5)
    v = label_values(ctx, tpl)
    story = _opening(tset, tpl, ctx, st,
                     f"Số: {ctx.letter_number}" if ctx.letter_number else "")
    story.append(Paragraph(f"<b>{esc(tpl.label('recipient', **v))}</b>", st.center))
    story.append(Spacer(1, 2 * mm))
    for key in ("body", "late"):
        story.append(para(tpl.label(key, **v), st.body))
    if ctx.delay_reason:
        story.append(para(tpl.label("reason", **v), st.body))
    story.append(para(tpl.label("apology", **v), st.body))
    story.append(para(tpl.label("closing", **v), st.body))
    return _signed(story, tpl, ctx, st, "seal_note", "", 0.55)


def stop(tset: TemplateSet, tpl: FormTemplate, ctx: FormContext) -> Built:
    st = make_styles(11.5)
    v = label_values(ctx, tpl)
    story = _opening(tset, tpl, ctx, st)
    story.append(Paragraph(f"<b>{esc(tpl.label('recipient', **v))}</b>", st.center))
    story.append(Spacer(1, 2 * mm))
    story.append(para(tpl.label("body", **v), st.body))
    story.append(para(tpl.label("stop", **v), st.body))
    story.append(_reasons(tpl, ctx, st))
    story.append(Spacer(1, 2 * mm))
    story.append(para(tpl.label("closing", **v), st.body))
    return _signed(story, tpl, ctx, st, "seal_note", "", 0.55)


def control(tset: TemplateSet, tpl: FormTemplate, ctx: FormContext) -> Built:
    st = make_styles(10.5)
    v = label_values(ctx, tpl)
    story = _opening(tset, tpl, ctx, st)
    story.append(_code_block(ctx, tpl, st))
    story.extend(_applicant_lines(tpl, ctx, st))
    story.append(field(tpl.label("procedure"), ctx.procedure_name, st.body, bold_value=True))
    story.append(field(tpl.label("lead_agency"), v["lead_agency"], st.body))
    story.append(field(tpl.label("received"), v["received"], st.body))
    story.append(field(tpl.label("due"), v["due"], st.body, bold_value=True))
    story.append(Spacer(1, 2 * mm))
    head = [tpl.label(k) for k in ("col_agency", "col_time", "col_people", "col_result",
                                   "col_note")]
    widths = [48 * mm, 38 * mm, 38 * mm, 26 * mm]
    widths.append(WIDTH - sum(widths))
    data: list[list[Flowable]] = [[para(h, st.cell_head) for h in head]]
    handovers = list(ctx.handovers)
    if not handovers:
        # The first hand-over (centre → resolving agency) is known at reception; later
        # ones are written by hand on the paper that travels with the dossier.
        data.append([
            Paragraph(f"{esc(tpl.label('give', **v))}<br/>{esc(tpl.label('take', **v))}",
                      st.cell),
            para(tpl.label("blank_time"), st.cell_center),
            Spacer(1, 14 * mm), para("", st.cell), para("", st.cell)])
    for h in handovers:
        when = format_datetime_vn(h.handed_at) if h.handed_at else tpl.label("blank_time")
        people = " / ".join(p for p in (h.giver, h.receiver) if p)
        data.append([para(h.agency, st.cell), para(when, st.cell_center),
                     para(people, st.cell_center), para(h.result, st.cell_center),
                     para(h.note, st.cell)])
    for _ in range(max(0, 6 - len(data))):  # room for five hand-overs in all
        data.append([Spacer(1, 14 * mm), para(tpl.label("blank_time"), st.cell_center),
                     para("", st.cell), para("", st.cell), para("", st.cell)])
    story.append(grid_table(data, widths))
    story.append(Spacer(1, 2 * mm))
    story.append(Paragraph(f"<i>{esc(tpl.label('note'))}</i>", st.small))
    return _build(story, tpl, ctx)


def _reasons(tpl: FormTemplate, ctx: FormContext, st: Styles) -> Flowable:
    """The numbered reasons of a refusal or a stop notice, one row per issue."""
    rows = [[i.text + (f" ({i.reason})" if i.reason else "")] for i in ctx.issues]
    return _numbered(tpl, st, [tpl.label("col_no"), tpl.label("col_reason")], rows,
                     [12 * mm, WIDTH - 12 * mm])


def _signed(story: list[Flowable], tpl: FormTemplate, ctx: FormContext, st: Styles,
            note_key: str, signer: str, share: float) -> Built:
    """End a letter with its signature block on the right, then build the PDF."""
    story.append(Spacer(1, 3 * mm))
    block = signature_block([(tpl.label("sign_right"), tpl.label(note_key), signer)], st,
                            WIDTH * share)
    block.hAlign = "RIGHT"
    story.append(block)
    return _build(story, tpl, ctx)


def _build(story: list[Flowable], tpl: FormTemplate, ctx: FormContext) -> Built:
    return build_pdf(story, width=PAGE_W, height=PAGE_H, margins=MARGINS,
                     title=f"{tpl.title} {ctx.code}", author=nfc(ctx.unit.centre_name),
                     subject=tpl.caption)


RENDERERS: dict[str, Callable[[TemplateSet, FormTemplate, FormContext], Built]] = {
    "receipt": receipt,
    "supplement": supplement,
    "refusal": refusal,
    "apology": apology,
    "stop": stop,
    "control": control,
}
