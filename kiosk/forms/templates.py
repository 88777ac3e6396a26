"""Versioned form template sets (``assets/forms/<set-id>.json``).

A set maps form numbers ("01"…"07") to a layout kind and its printed text. Titles, labels
and body sentences are data because their exact wording is not confirmed from the primary
texts (DOMAIN.md marks them [M]) and changed in 2025: a unit can correct a label by editing
the set file, and a new circular becomes a new file, not new code.

Label values are format strings with named fields only; the fields each label may use are
checked when the set is loaded, so a typo in a set file fails at start-up with the file and
label named, never half-way through printing a receipt.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from kiosk.errors import ConfigError, NotFound
from kiosk.i18n import _
from kiosk.paths import asset

KINDS = ("receipt", "supplement", "refusal", "apology", "stop", "control", "book")

#: Fields a label may use. Anything else in a set file is reported at load time.
FIELDS = frozenset({
    "centre", "unit", "applicant", "code", "procedure", "due", "new_due", "received",
    "reason", "lead_agency", "date", "place", "contact", "n", "volume", "line", "date_from",
    "date_to",
})


@dataclass(frozen=True)
class FormTemplate:
    number: str
    kind: str
    title: str
    caption: str  # "Mẫu số 01"
    labels: dict[str, str]

    def label(self, key: str, **fields: Any) -> str:
        try:
            text = self.labels[key]
        except KeyError:
            raise ConfigError(
                _("Biểu mẫu {number} thiếu nhãn «{key}».", number=self.number, key=key),
                hint=_("Bổ sung nhãn này vào tệp bộ biểu mẫu trong assets/forms."),
            ) from None
        return text.format(**fields) if fields else text


@dataclass(frozen=True)
class TemplateSet:
    id: str
    name: str
    legal_basis: str
    valid_from: str
    nation: str
    motto: str
    forms: dict[str, FormTemplate]
    #: Corrections keep the set id (dossiers record it): the revision counts them.
    revision: int = 1
    #: kind → the number an earlier revision printed it under, where that changed
    #: (TT 01/2018: the control slip was printed as 06, the book as 05, before revision 2).
    previous_numbers: dict[str, str] = field(default_factory=dict)

    def renumbered(self, number: str) -> FormTemplate | None:
        """The form an earlier revision printed as ``number``, when that is another form
        now (for a clerk who asks for the old number)."""
        key = number.zfill(2)
        for kind, old in self.previous_numbers.items():
            tpl = self.form_for_kind(kind)
            if old == key and tpl.number != key:
                return tpl
        return None

    def form(self, number: str) -> FormTemplate:
        key = number.zfill(2)
        try:
            return self.forms[key]
        except KeyError:
            raise NotFound(
                _("Bộ biểu mẫu {set} không có mẫu số {number}.", set=self.id, number=number),
                hint=_("Các mẫu có trong bộ: {numbers}.", numbers=", ".join(sorted(self.forms))),
            ) from None

    def form_for_kind(self, kind: str) -> FormTemplate:
        for tpl in self.forms.values():
            if tpl.kind == kind:
                return tpl
        raise NotFound(
            _("Bộ biểu mẫu {set} không có loại mẫu {kind}.", set=self.id, kind=kind),
            hint=_("Chọn bộ biểu mẫu khác (forms.set)."),
        )


def sets_dir() -> Path:
    return asset("forms")


def installed_dir() -> Path:
    """Sets the province published (kiosk.publications): one of the same id replaces the
    bundled one."""
    from kiosk import paths

    return paths.data_dir() / "forms"


def set_path(set_id: str) -> Path:
    mine = installed_dir() / f"{set_id}.json"
    return mine if mine.is_file() else sets_dir() / f"{set_id}.json"


def available_sets() -> list[str]:
    return sorted({p.stem for d in (sets_dir(), installed_dir()) for p in d.glob("*.json")
                   if not p.name.startswith(("central", "."))})


def _bad(path: Path, what: str) -> ConfigError:
    return ConfigError(
        _("Tệp bộ biểu mẫu {path} không hợp lệ: {what}", path=str(path), what=what),
        hint=_("Sửa tệp theo mẫu tt03-2025.json rồi chạy lại."),
    )


def _check_fields(path: Path, where: str, text: str) -> None:
    try:
        names = {n for _l, n, _s, _c in string.Formatter().parse(text) if n is not None}
    except ValueError as exc:
        raise _bad(path, f"{where}: {exc}") from exc
    unknown = sorted(n for n in names if n not in FIELDS)
    if unknown:
        raise _bad(path, f"{where}: {{{', '.join(unknown)}}}")


def parse_set(path: Path, data: dict[str, Any]) -> TemplateSet:
    try:
        shared: dict[str, str] = dict(data.get("labels", {}))
        forms: dict[str, FormTemplate] = {}
        for number, raw in data["forms"].items():
            kind = raw["kind"]
            if kind not in KINDS:
                raise _bad(path, f"forms.{number}.kind = {kind!r}")
            labels = {**shared, **raw.get("labels", {})}
            for key, text in labels.items():
                if not isinstance(text, str):
                    raise _bad(path, f"forms.{number}.labels.{key}")
                _check_fields(path, f"forms.{number}.labels.{key}", text)
            forms[number] = FormTemplate(
                number=number, kind=kind, title=raw["title"],
                caption=raw.get("caption", f"Mẫu số {number}"), labels=labels,
            )
        previous = dict((data.get("renumbered") or {}).get("previous_numbers") or {})
        for kind, old in previous.items():
            if kind not in KINDS or not any(f.kind == kind for f in forms.values()):
                raise _bad(path, f"renumbered.previous_numbers.{kind}")
            if not isinstance(old, str):
                raise _bad(path, f"renumbered.previous_numbers.{kind} = {old!r}")
        return TemplateSet(
            id=data["id"], name=data["name"], legal_basis=data["legal_basis"],
            valid_from=data["valid_from"], nation=data["nation"], motto=data["motto"],
            forms=forms, revision=int(data.get("revision", 1)),
            previous_numbers={k: str(v).zfill(2) for k, v in previous.items()},
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise _bad(path, f"{type(exc).__name__}: {exc}") from exc


@lru_cache(maxsize=8)
def load_set(set_id: str) -> TemplateSet:
    """The template set ``set_id`` (cached: the province's publication clears the cache)."""
    path = set_path(set_id)
    if not path.exists():
        raise NotFound(
            _("Không có bộ biểu mẫu {set}.", set=set_id),
            hint=_("Các bộ biểu mẫu có sẵn: {sets}.", sets=", ".join(available_sets())),
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _bad(path, str(exc)) from exc
    tset = parse_set(path, data)
    if tset.id != set_id:
        raise _bad(path, f"id = {tset.id!r}")
    return tset
