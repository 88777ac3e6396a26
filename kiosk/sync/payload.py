"""From the storage layer's dossier record to the server's ``PUT /v1/dossiers`` body."""

from __future__ import annotations

from typing import Any

_KINDS = {"original": "original", "copy": "copy", "certified_copy": "certified",
          "photo": "photo"}


def dossier_body(record: dict[str, Any], status: int, base_version: int | None) -> dict[str, Any]:
    applicant = record.get("applicant") or {}
    components: list[dict[str, Any]] = []
    for comp in record.get("components", []):
        if comp.get("presented"):
            continue  # shown at the counter and handed back: not part of the dossier
        components.append({
            "code": comp.get("code") or f"TP{comp.get('position', len(components) + 1)}",
            "name": comp.get("name", ""),
            "kind": _KINDS.get(comp.get("copy_kind", "original"), "copy"),
            "quantity": int(comp.get("count", 1)),
            "digitised": bool(comp.get("pages")),
            "handed_in": bool(comp.get("checked", True)),
            "reused": bool(comp.get("from_national_db", False)),
            "pages": [{"sha256": p["sha256"], "size": int(p["size"]),
                       "mime": p.get("mime") or "application/pdf"} for p in comp["pages"]],
        })
    procedure = record.get("procedure") or {}
    extra: dict[str, Any] = {"received_by": record.get("received_by", ""),
                             "sets": record.get("sets", 1),
                             "catalog_version": record.get("catalog_version", "")}
    if record.get("proxy"):
        extra["proxy"] = {k: record["proxy"].get(k, "") for k in ("name", "id_number", "phone")}
    if record.get("citizen_confirmation"):
        extra["citizen_confirmation"] = record["citizen_confirmation"]
    if procedure.get("fees"):
        extra["fees"] = procedure["fees"]
    return {
        "code": record["code"],
        "procedure_code": record["procedure_code"],
        "procedure_name": record.get("procedure_name", ""),
        "field_code": str(procedure.get("field_code") or procedure.get("field") or "")[:50],
        # KenhThucHien has 1–3; "other" (4) goes as in person, with reception_channel 4.
        "channel": int(record.get("channel", 1)) if int(record.get("channel", 1)) <= 3 else 1,
        "applicant": {
            "name": applicant.get("name") or "?",
            "id_number": applicant.get("id_number", ""),
            "phone": applicant.get("phone", ""),
            "email": applicant.get("email", ""),
            "address": applicant.get("address", ""),
            "kind": 1,
        },
        "summary": record.get("note", "") or "",
        "received_at": record["received_at"],
        "due_at": record.get("due_at"),
        "status": int(status),
        "base_version": base_version,
        "components": components,
        "extra": extra,
        **late_fields(record),
        # Issue 25 §3: the interconnected group it was taken in with.
        **({"group": record["group"]} if record.get("group") else {}),
    }


def late_fields(record: dict[str, Any]) -> dict[str, Any]:
    """Reports need these on the server too: the legal due beside the promised one, each
    apology letter, the supplement pauses, the status history with the counter's times,
    how the dossier came and goes back, and whether it was typed in from paper later."""
    if "legal_due_at" not in record:
        return {}
    channel = int(record.get("channel", 1))
    history = [{"at": e["at"], "status": int(e["to_status"])}
               for e in record.get("events", [])
               if e.get("from_status") is None or e["from_status"] != e["to_status"]]
    return {
        "legal_due_at": record.get("legal_due_at"),
        "reception_channel": channel,
        "return_method": record.get("return_method") or "counter",
        "entered_at": record.get("entered_at"),
        "entered_by": record.get("entered_by") or "",
        "postponements": [
            {k: p.get(k) for k in ("letter_number", "issued_at", "previous_due_at",
                                   "new_due_at", "reason", "clerk", "origin")}
            for p in record.get("postponements", [])],
        "pauses": [{k: p.get(k) for k in ("started_at", "ended_at", "note")}
                   for p in record.get("pauses", [])],
        "history": history,
        # Issue 25: each supplement round, for the portal's DanhSachHoSoBoSung.
        **({"supplements": [
            {**{k: sup.get(k) for k in ("round", "asked_at", "asked_by", "items", "contact",
                                        "rule", "previous_due_at", "received_at",
                                        "new_due_at", "components")},
             "received_by": sup.get("received_by") or ""}
            for sup in record["supplements"]]} if record.get("supplements") else {}),
    }
