"""Printed forms: the receipt (A4 and 80 mm thermal), letters, control slip, tracking book.

Renderers take plain inputs (:mod:`kiosk.forms.model`) and return a :class:`RenderedForm`
whose ``set_id`` the caller stores with the dossier, so a reprint uses the same template set
even after the unit switches to a newer one. No Qt here; reportlab is imported lazily so that
importing :mod:`kiosk.forms` stays cheap for the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.errors import InvalidInput
from kiosk.forms.model import (
    PAPERS,
    ApplicantInfo,
    BookContext,
    BookRef,
    BookRow,
    ComponentLine,
    FormContext,
    Handover,
    Issue,
    Paper,
    RenderedForm,
    UnitInfo,
)
from kiosk.i18n import _

if TYPE_CHECKING:
    from kiosk.config import Config

__all__ = [
    "PAPERS", "ApplicantInfo", "BookContext", "BookRef", "BookRow", "ComponentLine",
    "FormContext", "Handover", "Issue", "Paper", "RenderedForm", "UnitInfo", "render_book",
    "render_form", "unit_from_config",
]

PT_PER_MM = 72 / 25.4


def unit_from_config(config: Config) -> UnitInfo:
    province = str(config.get("unit.province"))
    return UnitInfo(
        name=str(config.get("unit.name")),
        centre_name=str(config.get("unit.centre_name")),
        address=str(config.get("unit.address")),
        place=_place_name(str(config.get("unit.name")), province),
    )


def _place_name(unit_name: str, province: str) -> str:
    """``UBND xã Mẫu`` → ``Mẫu``: documents are dated with the locality's bare name."""
    name = unit_name.strip()
    for prefix in ("UBND ", "Ủy ban nhân dân ", "Uỷ ban nhân dân "):
        if name.startswith(prefix):
            name = name[len(prefix):]
    for kind in ("xã ", "phường ", "đặc khu ", "thị trấn "):
        if name.lower().startswith(kind):
            return name[len(kind):].strip()
    return name or province


def render_form(ctx: FormContext, form: str = "01", *, paper: str = "a4",
                set_id: str = "tt03-2025") -> RenderedForm:
    """Render form number ``form`` of template set ``set_id`` for one dossier."""
    from kiosk.forms import a4, thermal
    from kiosk.forms.templates import load_set

    tset = load_set(set_id)
    tpl = tset.form(form)
    moved = tset.renumbered(form)
    if paper not in PAPERS:
        raise InvalidInput(
            _("Khổ giấy «{paper}» không được hỗ trợ.", paper=paper),
            hint=_("Chọn a4 hoặc thermal."),
        )
    if tpl.kind == "book":
        hint = _("Dùng lệnh: kiosk book --from NGÀY --to NGÀY --out TỆP.pdf")
        if moved is not None:
            hint = _("{title} là Mẫu {new} của bộ {set} (trước đây phần mềm in nhầm là Mẫu "
                     "{old}).", title=moved.title.capitalize(), new=moved.number, set=tset.id,
                     old=tpl.number) + " " + hint
        raise InvalidInput(
            _("Mẫu {number} là sổ theo dõi, in theo khoảng ngày chứ không theo một hồ sơ.",
              number=tpl.number),
            hint=hint,
        )
    warnings: list[str] = []
    if moved is not None:
        # The number meant another form before the set's correction: say which it is now.
        warnings.append(f"renumbered: {tset.id} Mẫu {tpl.number} is {tpl.kind} since "
                        f"revision {tset.revision}; {moved.kind} is Mẫu {moved.number}")
    if paper == "thermal":
        if tpl.kind != "receipt":
            raise InvalidInput(
                _("Chỉ phiếu tiếp nhận in được trên giấy in nhiệt 80 mm; mẫu {number} cần khổ A4.",
                  number=tpl.number),
                hint=_("Bỏ tuỳ chọn --paper thermal hoặc chọn máy in A4."),
            )
        built, height, warnings = thermal.receipt(tset, tpl, ctx)
        width = thermal.PAPER_W
    else:
        built = a4.RENDERERS[tpl.kind](tset, tpl, ctx)
        width, height = a4.PAGE_W, a4.PAGE_H
    return RenderedForm(
        pdf=built.pdf, set_id=tset.id, form=tpl.number, paper=paper,
        width_mm=round(width / PT_PER_MM, 1), height_mm=round(height / PT_PER_MM, 1),
        pages=built.pages, warnings=tuple(warnings),
    )


def render_book(book: BookContext, *, set_id: str = "tt03-2025") -> RenderedForm:
    """The tracking book of ``set_id`` (Mẫu 06 of 2018, Mẫu 07 of 2025) for a date range."""
    from kiosk.forms import book as book_mod
    from kiosk.forms.templates import load_set

    if book.date_to < book.date_from:
        raise InvalidInput(
            _("Khoảng ngày không hợp lệ: {start} sau {end}.", start=book.date_from.isoformat(),
              end=book.date_to.isoformat()),
            hint=_("Đổi lại ngày bắt đầu và ngày kết thúc."),
        )
    tset = load_set(set_id)
    tpl = tset.form_for_kind("book")
    built = book_mod.render(tset, tpl, book)
    return RenderedForm(
        pdf=built.pdf, set_id=tset.id, form=tpl.number, paper="a4",
        width_mm=round(book_mod.PAGE_W / PT_PER_MM, 1),
        height_mm=round(book_mod.PAGE_H / PT_PER_MM, 1), pages=built.pages,
    )
