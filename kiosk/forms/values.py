"""The named values a template label may use, computed once per dossier."""

from __future__ import annotations

from datetime import datetime

from kiosk.forms.model import FormContext
from kiosk.forms.templates import FormTemplate
from kiosk.forms.vnformat import format_amount, format_date_vn, format_datetime_vn, nfc


def printed_at(ctx: FormContext) -> datetime:
    return ctx.printed_at or ctx.received_at


def place_date(ctx: FormContext, tpl: FormTemplate) -> str:
    """``Mẫu, ngày 24 tháng 11 năm 2026``; without a place name, just the date."""
    date = format_date_vn(printed_at(ctx))
    place = ctx.unit.place.strip()
    if not place:
        return date[:1].upper() + date[1:]
    return tpl.label("place_date", place=nfc(place), date=date)


def due_text(ctx: FormContext, tpl: FormTemplate) -> str:
    if ctx.due_at is None:
        return tpl.labels.get("no_due", "")
    return format_datetime_vn(ctx.due_at)


def label_values(ctx: FormContext, tpl: FormTemplate) -> dict[str, str]:
    lead = ctx.lead_agency or ctx.unit.name
    return {
        "centre": nfc(ctx.unit.centre_name),
        "unit": nfc(ctx.unit.name),
        "applicant": nfc(ctx.applicant.name),
        "code": ctx.code,
        "procedure": nfc(ctx.procedure_name),
        "due": due_text(ctx, tpl),
        "new_due": format_datetime_vn(ctx.new_due_at) if ctx.new_due_at else "",
        "received": format_datetime_vn(ctx.received_at),
        "reason": nfc(ctx.delay_reason),
        "lead_agency": nfc(lead),
        "date": format_date_vn(printed_at(ctx)),
        "place": nfc(ctx.unit.place),
        "contact": nfc(ctx.contact or ctx.unit.centre_name),
    }


def qr_payload(ctx: FormContext) -> str:
    """The QR code carries the look-up URL when one is configured, else the dossier code."""
    url = ctx.lookup_url.strip()
    if not url:
        return ctx.code
    if "{code}" in url:
        return url.replace("{code}", ctx.code)
    return url + ctx.code


def fee_text(ctx: FormContext, tpl: FormTemplate) -> str:
    text = format_amount(ctx.fee, free_text=tpl.label("fee_free"))
    return f"{text} ({nfc(ctx.fee_note)})" if ctx.fee and ctx.fee_note else text
