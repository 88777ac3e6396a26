"""What the citizen screen shows: the public procedure board, the check-before-save view of
an intake, and a dossier's status by receipt. Only these functions decide what personal data
reaches the citizen's screen, so the rules (masking, initials) live in one place."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from kiosk.catalog import Catalog, Procedure
from kiosk.dossier import Status
from kiosk.forms.vnformat import format_amount, format_datetime_vn
from kiosk.i18n import N_, _

COPY_LABELS = {"original": N_("Bản chính"), "copy": N_("Bản sao"),
               "certified_copy": N_("Bản sao chứng thực"),
               "original_or_certified_copy": N_("Bản chính hoặc bản sao chứng thực"),
               "present": N_("Xuất trình")}


def mask_id(id_number: str | None) -> str:
    """Only the last 4 digits of an ID number ever show on the citizen's screen."""
    if not id_number:
        return ""
    return "•" * max(0, len(id_number) - 4) + id_number[-4:]


def initials(name: str) -> str:
    """``"Phạm Quốc Việt"`` → ``"P. Q. V."`` (all a passer-by may see of a name)."""
    return " ".join(f"{word[0].upper()}." for word in name.split() if word)


def qr_rows(payload: str) -> list[str]:
    """The QR code as rows of ``"1"``/``"0"`` (the screen draws the modules itself)."""
    from kiosk.forms.barcodes import qr_matrix

    return ["".join("1" if cell else "0" for cell in row) for row in qr_matrix(payload)]


def fee_lines(proc: Procedure) -> list[str]:
    if not proc.fees:
        return [_("Không thu phí, lệ phí")]
    out = []
    for fee in proc.fees:
        amount = format_amount(fee.amount, free_text=_("Miễn phí")) if fee.amount is not None \
            else (fee.note or _("Theo quy định"))
        line = f"{fee.name}: {amount}"
        if fee.amount is not None and fee.note:
            line += f" ({fee.note})"
        out.append(line)
    return out


def board_entry(proc: Procedure, default_place: str) -> dict[str, Any]:
    return {
        "code": proc.code, "name": proc.name, "field": proc.field,
        "processing": proc.processing.describe(),
        "documents": [
            {"name": c.name, "copyKind": _(COPY_LABELS.get(c.form, c.form)), "count": c.count,
             "mandatory": c.mandatory} for c in proc.components],
        "fees": fee_lines(proc),
        "resultPlace": proc.result_place or default_place,
        "url": proc.url or "",
        "qr": qr_rows(proc.url) if proc.url else [],
        "notes": proc.notes or "",
    }


def board(catalog: Catalog, text: str, default_place: str) -> list[dict[str, Any]]:
    """The board's procedures matching ``text`` (diacritics and case ignored)."""
    return [board_entry(p, default_place) for p in catalog.search(text)]


def check_view(session: Any, catalog: Catalog, calendar: Any, at: datetime) -> dict[str, Any]:
    """What the citizen checks before the clerk saves (masked ID), with a digest of it.

    The digest is what the confirmation is tied to: any change the clerk makes afterwards
    gives another digest, and the confirmation no longer counts.
    """
    a = session.applicant
    due, due_day = "", ""
    if session.procedure_code:
        try:
            proc = catalog.get(session.procedure_code)
            due_at = calendar.due(at, proc.processing)
            due = format_datetime_vn(due_at) if due_at else ""
            due_day = due_at.date().isoformat() if due_at else ""
        except Exception:  # a catalog problem shows no due time, never a broken screen
            due = ""
    documents = [{"name": c.name, "count": c.count, "pages": len(c.kept_pages())}
                 for c in session.components if c.checked]
    view = {
        "name": a.name.strip(), "idNumber": mask_id(a.id_number.strip()),
        "address": a.address.strip(), "phone": a.phone.strip(), "email": a.email.strip(),
        "procedure": session.procedure_name, "procedureCode": session.procedure_code,
        "documents": documents, "due": due,
    }
    # Page counts are left out of the digest: the citizen confirms which papers, not how
    # many sheets the scanner produced. So is the due time's minute: "N working days" runs
    # from the moment of saving, so it moves on while the clerk prints; the day does not.
    basis = {**view, "idNumber": a.id_number.strip(), "due": due_day,
             "documents": [[d["name"], d["count"]] for d in documents]}
    view["digest"] = hashlib.sha256(
        json.dumps(basis, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    view["ready"] = bool(view["name"] and view["procedure"])
    return view


def status_view(record: dict[str, Any]) -> dict[str, Any]:
    """A dossier's status by receipt: no personal data beyond the name's initials."""
    status = Status(int(record["status"]))
    applicant = record.get("applicant") or {}
    due = format_datetime_vn(datetime.fromisoformat(record["due_at"])) \
        if record.get("due_at") else ""
    bring = [_("Phiếu tiếp nhận và hẹn trả kết quả (phiếu này)")]
    if status == Status.DONE:
        advice = _("Đã có kết quả. Mời ông/bà đến quầy nhận kết quả.")
        bring.append(_("CCCD của người nộp hồ sơ, hoặc giấy ủy quyền và CCCD của người "
                       "được ủy quyền"))
        for fee in (record.get("procedure") or {}).get("fees") or []:
            if fee.get("amount"):
                bring.append(_("Phí, lệ phí nếu chưa nộp"))
                break
    elif status == Status.RETURNED:
        advice = _("Kết quả đã được trả.")
        bring = []
    elif status == Status.SUPPLEMENT:
        advice = _("Hồ sơ cần bổ sung giấy tờ. Mời ông/bà đến quầy để được hướng dẫn.")
        bring.append(_("Giấy tờ cần bổ sung theo hướng dẫn của cán bộ"))
    elif status in (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED):
        advice = _("Hồ sơ đã kết thúc ({label}).", label=status.label)
    else:
        advice = _("Hồ sơ đang được giải quyết. Hẹn trả kết quả: {due}.", due=due)
    return {"code": record["code"], "status": int(status), "statusLabel": status.label,
            "procedure": record.get("procedure_name", ""),
            "initials": initials(applicant.get("name") or ""), "due": due,
            "advice": advice, "bring": bring}
