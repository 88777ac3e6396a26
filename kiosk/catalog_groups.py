"""Interconnected procedures (liên thông): groups of catalog procedures taken in one intake.

A group is catalog data [M] (NĐ 63/2024: a birth registered with permanent residence and a
health-insurance card for a child under 6; a death with the residence removal and the
funeral allowance). It lists its procedures and which of their checklist items are the same
paper ("shared"): that paper is read or scanned once and its file is linked to every
dossier of the group. Validated with the rest of the catalog (``kiosk catalog import`` and
the province's publication run the same rules), so a counter never holds a group naming a
procedure or a component its catalog lacks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kiosk.errors import InvalidInput, NotFound
from kiosk.i18n import _
from kiosk.safe_text import has_surrogates, shown
from kiosk.text import nfc

GROUP_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")
MAX_GROUP_PROCEDURES = 8

#: ``fail(where, problem)`` → the catalog's one error naming the place (kiosk.catalog).
Fail = Callable[[str, str], InvalidInput]


@dataclass(frozen=True)
class SharedPaper:
    """One paper standing for a checklist item of several procedures of the group."""

    code: str
    name: str
    #: (procedure code, component code) for each procedure that needs this paper.
    members: tuple[tuple[str, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name,
                "components": {proc: comp for proc, comp in self.members}}


@dataclass(frozen=True)
class ProcedureGroup:
    code: str
    name: str
    procedures: tuple[str, ...]
    shared: tuple[SharedPaper, ...] = ()
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "name": self.name,
                               "procedures": list(self.procedures),
                               "shared": [s.to_json() for s in self.shared]}
        if self.note:
            out["note"] = self.note
        return out

    def shared_for(self, procedure: str, component: str) -> SharedPaper | None:
        for paper in self.shared:
            if (procedure, component) in paper.members:
                return paper
        return None


@dataclass(frozen=True)
class ChecklistItem:
    """One line of a group's merged checklist: a shared paper, or one procedure's own item.

    ``key`` is what a clerk types (``--attach KEY=FILE``) and what the intake stores: the
    shared paper's code, or ``PROCEDURE:COMPONENT``."""

    key: str
    name: str
    form: str
    mandatory: bool
    members: tuple[tuple[str, str], ...]

    @property
    def shared(self) -> bool:
        return len(self.members) > 1


def _text(raw: Mapping[str, Any], key: str, where: str, fail: Fail, required: bool = True
          ) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise fail(f"{where}.{key}", _("thiếu trường bắt buộc"))
        return None
    if not isinstance(value, str):
        raise fail(f"{where}.{key}", _("sai kiểu dữ liệu"))
    if has_surrogates(value) or "\x00" in value:
        raise fail(f"{where}.{key}", _("có ký tự không hợp lệ"))
    value = nfc(value.strip())
    if required and not value:
        raise fail(f"{where}.{key}", _("không được để trống"))
    return value or None


def parse_groups(raw: Any, procedures: Mapping[str, Any], fail: Fail) -> list[ProcedureGroup]:
    """The catalog's ``groups`` (absent: none); ``procedures`` maps code → Procedure."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise fail("catalog.groups", _("sai kiểu dữ liệu"))
    groups: list[ProcedureGroup] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"groups[{i}]"
        if not isinstance(item, dict):
            raise fail(where, _("phải là một đối tượng JSON"))
        code = _text(item, "code", where, fail) or ""
        if not GROUP_CODE_RE.match(code):
            raise fail(f"{where}.code", _("mã nhóm «{code}» không đúng dạng KS-TT-BHYT "
                                          "(chữ in hoa, số, dấu gạch ngang)", code=shown(code)))
        if code in seen:
            raise fail(f"{where}.code", _("mã nhóm {code} bị trùng", code=code))
        seen.add(code)
        members = item.get("procedures")
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise fail(f"{where}.procedures", _("phải là danh sách mã thủ tục"))
        if any(has_surrogates(m) or "\x00" in m for m in members):
            raise fail(f"{where}.procedures", _("có ký tự không hợp lệ"))
        members = [m.strip() for m in members]
        if not 2 <= len(members) <= MAX_GROUP_PROCEDURES:
            raise fail(f"{where}.procedures", _("nhóm liên thông có từ 2 đến {n} thủ tục",
                                                n=MAX_GROUP_PROCEDURES))
        if len(set(members)) != len(members):
            raise fail(f"{where}.procedures", _("mã thủ tục bị trùng trong nhóm"))
        for j, member in enumerate(members):
            if member not in procedures:
                raise fail(f"{where}.procedures[{j}]",
                           _("thủ tục {code} không có trong danh mục", code=shown(member)))
        shared = _parse_shared(item.get("shared"), f"{where}.shared", members, procedures,
                               fail)
        groups.append(ProcedureGroup(code, _text(item, "name", where, fail) or "",
                                     tuple(members), shared,
                                     _text(item, "note", where, fail, required=False)))
    return groups


def _parse_shared(raw: Any, where: str, members: list[str], procedures: Mapping[str, Any],
                  fail: Fail) -> tuple[SharedPaper, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise fail(where, _("sai kiểu dữ liệu"))
    out: list[SharedPaper] = []
    taken: set[tuple[str, str]] = set()
    codes: set[str] = set()
    for k, item in enumerate(raw):
        w = f"{where}[{k}]"
        if not isinstance(item, dict):
            raise fail(w, _("phải là một đối tượng JSON"))
        code = _text(item, "code", w, fail) or ""
        if ":" in code or "=" in code or code in codes:
            raise fail(f"{w}.code", _("mã giấy tờ dùng chung «{code}» không hợp lệ hoặc bị "
                                      "trùng", code=code))
        codes.add(code)
        comps = item.get("components")
        if not isinstance(comps, dict) or len(comps) < 2:
            raise fail(f"{w}.components", _("giấy tờ dùng chung phải thuộc ít nhất 2 thủ tục "
                                            "của nhóm"))
        pairs: list[tuple[str, str]] = []
        for proc, comp in comps.items():
            if proc not in members:
                raise fail(f"{w}.components.{proc}",
                           _("thủ tục {code} không thuộc nhóm", code=proc))
            if not isinstance(comp, str) or comp not in {
                    c.code for c in procedures[proc].components}:
                raise fail(f"{w}.components.{proc}",
                           _("thủ tục {proc} không có thành phần {code}", proc=proc,
                             code=str(comp)[:40]))
            if (proc, comp) in taken:
                raise fail(f"{w}.components.{proc}",
                           _("thành phần {code} đã thuộc một giấy tờ dùng chung khác",
                             code=comp))
            taken.add((proc, comp))
            pairs.append((proc, comp))
        # The checklist order follows the group's procedure order, whatever the JSON's.
        pairs.sort(key=lambda pair: members.index(pair[0]))
        out.append(SharedPaper(code, _text(item, "name", w, fail) or "", tuple(pairs)))
    return tuple(out)


def find_group(groups: Sequence[ProcedureGroup], code: str, version: str) -> ProcedureGroup:
    """The group ``code`` of the catalog ``version`` in use, or a refusal saying so."""
    wanted = code.strip().upper()
    for group in groups:
        if group.code == wanted:
            return group
    known = ", ".join(g.code for g in groups)
    if GROUP_CODE_RE.match(wanted):
        raise NotFound(
            _("Danh mục thủ tục {version} của quầy này không có nhóm liên thông {code}.",
              version=version, code=wanted),
            hint=_("Các nhóm liên thông trong danh mục: {codes}. Nếu nhóm mới được tỉnh "
                   "ban hành, hãy cập nhật danh mục (kiosk catalog status).", codes=known)
            if known else _("Danh mục đang dùng chưa có nhóm liên thông nào; hãy cập nhật "
                            "danh mục (kiosk catalog status)."),
            field="group")
    raise NotFound(_("Mã nhóm liên thông «{code}» không hợp lệ.", code=code.strip()[:40]),
                   hint=_("Các nhóm liên thông trong danh mục: {codes}.", codes=known or "—"),
                   field="group")


def checklist(group: ProcedureGroup, procedures: Mapping[str, Any]) -> list[ChecklistItem]:
    """The group's checklist: each shared paper once (first), then every procedure's own
    items, named with the procedure they belong to."""
    items: list[ChecklistItem] = []
    for paper in group.shared:
        comps = [procedures[p].component(c) for p, c in paper.members]
        items.append(ChecklistItem(
            paper.code, paper.name or comps[0].name, comps[0].form,
            any(c.mandatory for c in comps), paper.members))
    for proc_code in group.procedures:
        proc = procedures[proc_code]
        for comp in proc.components:
            if group.shared_for(proc_code, comp.code) is not None:
                continue
            items.append(ChecklistItem(f"{proc_code}:{comp.code}", comp.name, comp.form,
                                       comp.mandatory, ((proc_code, comp.code),)))
    return items


def resolve_key(items: Sequence[ChecklistItem], key: str) -> ChecklistItem:
    """The checklist item a clerk named: its key, or a component code only one procedure
    of the group has."""
    wanted = key.strip()
    for item in items:
        if item.key == wanted:
            return item
    bare = [item for item in items if not item.shared and item.members[0][1] == wanted]
    if len(bare) == 1:
        return bare[0]
    keys = ", ".join(item.key for item in items)
    if len(bare) > 1:
        raise InvalidInput(
            _("Thành phần {code} có ở nhiều thủ tục của nhóm.", code=wanted[:40]),
            hint=_("Ghi rõ thủ tục: {keys}", keys=", ".join(i.key for i in bare)),
            field="attach")
    raise NotFound(_("Nhóm liên thông không có thành phần {code}.", code=wanted[:40]),
                   hint=_("Các thành phần: {keys}", keys=keys), field="attach")
