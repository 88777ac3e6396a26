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
    from kiosk.intake import IntakeSession
    from kiosk.storage import Store

#: How a catalog component's form maps to what the checklist records.
COPY_KIND = {"original": "original", "copy": "copy", "certified_copy": "certified_copy",
             "original_or_certified_copy": "original", "present": "original"}


def group_inputs(catalog: Catalog, group: ProcedureGroup, applicant: ApplicantInput, *,
                 pages: Mapping[str, Sequence[PageInput]], ticked: Collection[str] = (),
                 kinds: Mapping[str, str] | None = None, reused: Collection[str] = (),
                 channel: int = 1, note: str = "", return_method: str = "counter",
                 ) -> list[DossierInput]:
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
                presented=comp.form == "present" and checked and not item_pages,
                from_national_db=item.key in reused and checked))
        out.append(DossierInput(code, ApplicantInput(**vars(applicant)), channel=channel,
                                components=components, note=note,
                                return_method=return_method,
                                catalog_version=catalog.version))
    return out


def matching_groups(catalog: Catalog, text: str) -> list[ProcedureGroup]:
    """The groups a search on the procedure step finds: by code, name, or the name of any of
    their procedures, without diacritics ("khai sinh" finds the birth group)."""
    from kiosk.text import fold

    words = fold(text).split()
    found = []
    for group in catalog.groups:
        names = " ".join(catalog.get(code).name for code in group.procedures)
        key = fold(f"{group.code} {group.name} lien thong {names}")
        if all(w in key for w in words):
            found.append(group)
    return found


def group_row(catalog: Catalog, group: ProcedureGroup) -> dict[str, Any]:
    """A group as a row of the procedure list (Vietnamese)."""
    from kiosk.i18n import _

    names = [catalog.get(code).name for code in group.procedures]
    return {"code": group.code, "name": group.name,
            "field": _("Liên thông: {procedures}", procedures="; ".join(names)),
            "processing": _("{n} hồ sơ, mỗi hồ sơ có mã và ngày hẹn trả riêng",
                            n=len(names)),
            "group": True}


def choose_group(session: IntakeSession, catalog: Catalog, group: ProcedureGroup) -> None:
    """The touch intake takes the group: its merged checklist becomes the session's, each
    shared paper once, each procedure's own items named with their procedure."""
    from kiosk.i18n import _
    from kiosk.intake import IntakeComponent

    session.catalog_version = catalog.version
    if session.group_code == group.code:
        return
    procedures = {code: catalog.get(code) for code in group.procedures}
    components = []
    for item in checklist(group, procedures):
        if item.shared:
            names = ", ".join(procedures[p].name for p, _c in item.members)
            name = _("{name} (dùng chung: {procedures})", name=item.name, procedures=names)
        else:
            name = _("{name} ({procedure})", name=item.name,
                     procedure=procedures[item.members[0][0]].name)
        components.append(IntakeComponent(item.key, name, item.form, 1, item.mandatory))
    session.components = components
    session.group_code = session.procedure_code = group.code
    session.procedure_name = group.name
    if session.applicant.cccd_raw:
        for comp in session.components:  # the card read is the identity paper shown
            if comp.presented and comp.code == "GTTT":
                comp.checked = True


def session_inputs(session: IntakeSession, catalog: Catalog, read_file: Any, put_file: Any
                   ) -> tuple[ProcedureGroup, list[DossierInput]]:
    """One input per procedure from a group intake: each checklist line's pages made into
    one PDF and stored once, whichever dossiers link it."""
    one = session.build_input(read_file, put_file)  # the checks, the applicant, the PDFs
    group = catalog.group(session.group_code)
    pages = {c.code: c.pages for c in one.components if c.pages}
    ticked = {c.code for c in one.components if c.checked}
    kinds = {c.code: c.copy_kind for c in one.components if c.checked}
    reused = {c.code for c in one.components if c.from_national_db}
    inputs = group_inputs(catalog, group, one.applicant, pages=pages, ticked=ticked,
                          kinds=kinds, reused=reused, channel=one.channel, note=one.note,
                          return_method=one.return_method)
    for inp in inputs:
        inp.received_at, inp.back_entry = one.received_at, one.back_entry
        inp.citizen_confirmation = one.citizen_confirmation
    return group, inputs


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
    return group_receipt_form(store, codes).pdf


def group_receipt_form(store: Store, codes: Sequence[str],
                       clerk_name: Any = None) -> Any:
    """The same as a :class:`kiosk.forms.RenderedForm` (A4), for the printer."""
    from kiosk.forms import PT_PER_MM, RenderedForm, unit_from_config
    from kiosk.forms.a4 import PAGE_H, PAGE_W
    from kiosk.forms.group_receipt import render_group_receipt

    records = [store.get_dossier(code) for code in codes]
    set_id = records[0].get("form_set") or str(store.config.get("forms.set"))
    built = render_group_receipt(records, unit_from_config(store.config), set_id=set_id,
                                 lookup_url=str(store.config.get("forms.lookup_url")),
                                 clerk_name=clerk_name)
    return RenderedForm(pdf=built.pdf, set_id=set_id, form="01", paper="a4",
                        width_mm=round(PAGE_W / PT_PER_MM, 1),
                        height_mm=round(PAGE_H / PT_PER_MM, 1), pages=built.pages)


def group_view(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    """The group on a dossier's screen (Vietnamese): its name, then each of its dossiers
    with its procedure, agency and own status, this one marked."""
    from kiosk.clock import parse_iso
    from kiosk.dossier import Status
    from kiosk.forms.vnformat import format_datetime_vn
    from kiosk.i18n import _
    from kiosk.storage import groups

    group = record["group"]
    lines = []
    for one in store.read(lambda db: groups.members_view(db, group["id"])):
        due = format_datetime_vn(parse_iso(one["due"])) if one["due"] else "—"
        line = _("{code} · {procedure} · {agency} · {status} · hẹn trả {due}",
                 code=one["code"], procedure=one["procedure_name"],
                 agency=one["handled_by"] or str(store.config.get("unit.name")),
                 status=Status(int(one["status"])).label, due=due)
        lines.append({"code": one["code"], "text": line,
                      "current": one["code"] == record["code"]})
    return {"title": _("Hồ sơ liên thông: {name} ({n} hồ sơ)", name=group["name"],
                       n=len(lines)), "lines": lines}
