"""From the storage layer's dossier record to the server's ``PUT /v1/dossiers`` body."""

from __future__ import annotations

from typing import Any

_KINDS = {"original": "original", "copy": "copy", "certified_copy": "certified",
          "photo": "photo"}


def dossier_body(record: dict[str, Any], status: int, base_version: int | None) -> dict[str, Any]:
    applicant = record.get("applicant") or {}
    components: list[dict[str, Any]] = []
    for comp in record.get("components", []):
        components.append({
            "code": comp.get("code") or f"TP{comp.get('position', len(components) + 1)}",
            "name": comp.get("name", ""),
            "kind": _KINDS.get(comp.get("copy_kind", "original"), "copy"),
            "quantity": int(comp.get("count", 1)),
            "digitised": bool(comp.get("pages")),
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
        "channel": int(record.get("channel", 1)),
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
    }
