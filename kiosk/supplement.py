"""Asking for a supplement (Mẫu 02) and taking the papers in: one place for the CLI and the
dossier screen (the storage side is kiosk.storage.supplements).

The clock rule is read from the configuration when the request is made (per procedure,
``supplement.*``) and kept with the pause, so a later change of the setting never moves the
due time of a dossier already waiting.
"""

from __future__ import annotations

import mimetypes
from functools import partial
from pathlib import Path
from typing import Any

from kiosk.dossier import Status, check_transition
from kiosk.dossier_settings import clock_rule
from kiosk.errors import InvalidInput
from kiosk.i18n import _


def split_items(text: str) -> list[str]:
    """What a clerk typed as missing papers: one item per line or per «;»."""
    return [part.strip() for line in text.splitlines() for part in line.split(";")
            if part.strip()]


def ask(store: Any, code: str, items: list[str], actor: str, contact: str = ""
        ) -> dict[str, Any]:
    """Move the dossier to 5 with what is missing; the supplement round it opened."""
    from kiosk.storage import dossiers, supplements

    code = code.strip().upper()
    items = [i.strip() for i in items if i and i.strip()]
    record = store.get_dossier(code)
    supplements.check_ask(int(record["status"]), items)
    rule = clock_rule(store.config, record["procedure_code"])
    note = "; ".join(items)
    opened: dict[str, Any] = {}

    def then(db: Any, _dossier_id: str) -> None:
        opened.update(supplements.ask(db, code, items, actor=actor, rule=rule,
                                      contact=contact))

    event = store.call(partial(
        dossiers.change_status, code=code, to=int(Status.SUPPLEMENT), actor=actor, note=note,
        check=lambda old, new: check_transition(Status(old), Status(new), note),
        calendar=store.calendar, then=then))
    return {"code": code, "status": int(Status.SUPPLEMENT), "from": event["from"], **opened}


def read_attachments(store: Any, specs: list[str]) -> list[tuple[str, str, list[tuple[str, int,
                     str]]]]:
    """``COMPONENT=FILE`` items into stored files, grouped by component code."""
    out: dict[str, list[tuple[str, int, str]]] = {}
    for spec in specs:
        comp, sep, file = spec.partition("=")
        if not sep or not comp.strip() or not file.strip():
            raise InvalidInput(_("«{spec}» không đúng dạng THÀNH_PHẦN=TỆP.", spec=spec[:80]))
        path = Path(file.strip())
        if not path.is_file():
            raise InvalidInput(_("Không tìm thấy tệp {file}.", file=str(path)[:200]))
        stored = store.put_file_info(path)
        mime = mimetypes.guess_type(path.name)[0] or "application/pdf"
        out.setdefault(comp.strip(), []).append((stored.sha256, stored.size, mime))
    return [(code, code, pages) for code, pages in out.items()]


#: The component code for a paper brought that fits none of the procedure's components.
OTHER_CODE = "BS"


def check_pending(record: dict[str, Any]) -> None:
    """Papers are taken in only for a dossier waiting for them (5)."""
    if int(record["status"]) != Status.SUPPLEMENT:
        raise InvalidInput(
            _("Hồ sơ {code} không ở trạng thái chờ bổ sung ({status}).", code=record["code"],
              status=Status(int(record["status"])).label),
            hint=_("Chỉ nhận giấy tờ bổ sung cho hồ sơ đã được yêu cầu bổ sung."))


def receive(store: Any, code: str, attached: list[tuple[str, str, list[tuple[str, int, str]]]],
            actor: str) -> dict[str, Any]:
    """The citizen brought the papers: add them, back to 2, the due time moved."""
    from kiosk.storage import dossiers, supplements

    code = code.strip().upper()
    if not attached:
        raise InvalidInput(_("Chưa có giấy tờ bổ sung nào."),
                           hint=_("Thêm tệp bằng --attach THÀNH_PHẦN=TỆP."))
    record = store.get_dossier(code)
    check_pending(record)
    names = {}
    proc = (record.get("procedure") or {})
    for comp in proc.get("components") or []:
        names[comp.get("code")] = comp.get("name")
    for comp in record.get("components") or []:
        names.setdefault(comp.get("code"), comp.get("name"))
    named = [(c, names.get(c) or name, pages) for c, name, pages in attached]
    result: dict[str, Any] = {}

    def then(db: Any, _dossier_id: str) -> None:
        result.update(supplements.receive(db, code, named, actor=actor))

    store.call(partial(
        dossiers.change_status, code=code, to=int(Status.RECEIVED), actor=actor,
        note=_("Đã nhận giấy tờ bổ sung"),
        check=lambda old, new: check_transition(Status(old), Status(new)),
        calendar=store.calendar, then=then))
    after = store.get_dossier(code)
    return {"code": code, "status": after["status"], "due": after.get("due_at"),
            "previous_due": record.get("due_at"), "round": result.get("round"),
            "components": result.get("components", [])}
