"""One intake of an interconnected group (liên thông, issue 25 §3), Qt-free.

The clerk reads the applicant once and ticks or scans each line of the group's merged
checklist once (:func:`kiosk.catalog_groups.checklist`); this module turns that into one
:class:`DossierInput` per procedure — a shared paper's pages referenced by every dossier
that needs it — and saves them together (:mod:`kiosk.storage.groups`). The command line and
the touch intake both come here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kiosk.catalog_groups import ProcedureGroup, checklist
from kiosk.dossier_code import parse_dossier_code
from kiosk.storage.model import ApplicantInput, ComponentInput, DossierInput, PageInput

if TYPE_CHECKING:
    from kiosk.catalog import Catalog
    from kiosk.storage import Store

#: How a catalog component's form maps to what the checklist records.
COPY_KIND = {"original": "original", "copy": "copy", "certified_copy": "certified_copy",
             "original_or_certified_copy": "original", "present": "original"}


def group_inputs(catalog: Catalog, group: ProcedureGroup, applicant: ApplicantInput, *,
                 pages: Mapping[str, Sequence[PageInput]], ticked: Collection[str] = (),
                 kinds: Mapping[str, str] | None = None, channel: int = 1, note: str = "",
                 return_method: str = "counter") -> list[DossierInput]:
    """One input per procedure of ``group``; ``pages``, ``ticked`` and ``kinds`` (the copy
    kind received) are keyed by checklist item (:class:`kiosk.catalog_groups.ChecklistItem`
    ``key``); an item with pages is ticked."""
    procedures = {code: catalog.get(code) for code in group.procedures}
    items = {member: item for item in checklist(group, procedures) for member in item.members}
    kinds = kinds or {}
    out: list[DossierInput] = []
    for code in group.procedures:
        proc = procedures[code]
        components: list[ComponentInput] = []
        for comp in proc.components:
            item = items[(code, comp.code)]
            item_pages = list(pages.get(item.key, ()))
            checked = bool(item_pages) or item.key in ticked
            components.append(ComponentInput(
                # A shared paper carries one name on every dossier, so the receipt lists it
                # once.
                name=item.name if item.shared else comp.name, code=comp.code,
                copy_kind=kinds.get(item.key) or COPY_KIND.get(comp.form, "original"),
                count=comp.count, checked=checked, pages=item_pages,
                presented=comp.form == "present" and checked and not item_pages))
        out.append(DossierInput(code, ApplicantInput(**vars(applicant)), channel=channel,
                                components=components, note=note,
                                return_method=return_method,
                                catalog_version=catalog.version))
    return out


def save_group(store: Store, group: ProcedureGroup, inputs: list[DossierInput], actor: str,
               *, draft_id: str | None = None, then: Any = None) -> dict[str, Any]:
    """Save the group's dossiers in one transaction; ``{"group", "group_id", "name",
    "dossiers": [{"code", "procedure", "procedure_name", "handled_by", "due",
    "received"}]}``."""
    from kiosk.clock import iso
    from kiosk.storage import groups

    members = []
    handled: list[str] = []
    for inp in inputs:
        info, due_for = store.procedure_info(inp.procedure_code, inp.catalog_version)
        members.append(groups.Member(inp, info, due_for))
        handled.append(str(info.snapshot.get("handled_by") or store.config.get("unit.name")))
    unit = str(store.config.get("unit.code"))
    counter = int(store.config.get("counter.number"))
    group_id, saved = store.call(lambda db: groups.save_group(
        db, members, group_code=group.code, name=group.name,
        catalog_version=inputs[0].catalog_version or store.catalog.version, actor=actor,
        unit_code=unit, counter=counter, files=store.files,
        form_set=str(store.config.get("forms.set")), draft_id=draft_id, then=then))
    for one in saved:
        parts = parse_dossier_code(one.code)
        store.numbers.record("code", (parts.unit_code, parts.day.isoformat(), parts.counter),
                             parts.seq)
    return {
        "group": group.code, "group_id": group_id, "name": group.name,
        "dossiers": [{"code": one.code, "procedure": inp.procedure_code,
                      "procedure_name": member.procedure.name, "handled_by": agency,
                      "due": iso(one.due_at) if one.due_at else None,
                      "received": iso(one.received_at)}
                     for one, inp, member, agency in zip(saved, inputs, members, handled,
                                                         strict=True)],
    }


def group_receipt(store: Store, codes: Sequence[str]) -> bytes:
    """The one receipt of a group's dossiers (kiosk.forms.group_receipt), as PDF bytes."""
    from kiosk.forms import unit_from_config
    from kiosk.forms.group_receipt import render_group_receipt

    records = [store.get_dossier(code) for code in codes]
    set_id = records[0].get("form_set") or str(store.config.get("forms.set"))
    return render_group_receipt(records, unit_from_config(store.config), set_id=set_id,
                                lookup_url=str(store.config.get("forms.lookup_url"))).pdf
