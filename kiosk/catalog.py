"""The procedure catalog: versioned data, validated on load, searchable without diacritics.

The sample catalog ships in ``assets/catalog/sample-catalog.json``. An admin imports a newer
one with ``kiosk catalog import FILE``; it is validated, kept under the data dir, and the
config points at it. Each dossier records the catalog version it was received under.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from kiosk import paths
from kiosk.catalog_groups import ProcedureGroup, find_group, parse_groups
from kiosk.config import Config
from kiosk.errors import InvalidInput, NotFound
from kiosk.i18n import _
from kiosk.processing_time import MAX_PROCESSING, TIME_UNITS, ProcessingTime
from kiosk.safe_text import has_surrogates
from kiosk.text import fold, nfc

SAMPLE_CATALOG = paths.asset("catalog", "sample-catalog.json")
SCHEMA = 1
COMPONENT_FORMS = ("original", "copy", "certified_copy", "original_or_certified_copy", "present")
_CODE_RE = re.compile(r"^\d\.\d{6}(\.[0-9A-Z.]+)?$")
_HHMM_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
#: A real catalog is a few hundred kilobytes; far beyond this is not a catalog.
MAX_CATALOG_BYTES = 50 << 20
MAX_AMOUNT = 10**12  # đồng
MAX_COUNT = 1000


@dataclass(frozen=True)
class FeeTier:
    start: int
    amount: int


@dataclass(frozen=True)
class Fee:
    name: str
    amount: int | None
    unit: str | None = None
    note: str | None = None
    tiers: tuple[FeeTier, ...] = ()
    maximum: int | None = None

    def total(self, quantity: int = 1) -> int | None:
        """The fee for ``quantity`` units (pages, copies...), following tiers and the cap."""
        if self.amount is None:
            return None
        if not self.tiers:
            total = self.amount * quantity
        else:
            total = 0
            for n in range(1, quantity + 1):
                total += max((t for t in self.tiers if t.start <= n), key=lambda t: t.start).amount
        return min(total, self.maximum) if self.maximum is not None else total


@dataclass(frozen=True)
class Component:
    code: str
    name: str
    form: str
    count: int = 1
    mandatory: bool = True
    note: str | None = None


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    field: str
    processing: ProcessingTime
    fees: tuple[Fee, ...] = ()
    components: tuple[Component, ...] = ()
    level: str = "xã"
    extension_days: int = 0
    handled_by: str | None = None
    notes: str | None = None
    #: The procedure's public page (the procedure board shows it as a QR code).
    url: str | None = None
    #: Where the result is handed back, when not the unit's own one-stop counter.
    result_place: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["processing"] = self.processing.to_json()  # a plain value, not a dataclass
        return out

    def component(self, code: str) -> Component:
        for comp in self.components:
            if comp.code == code:
                return comp
        raise NotFound(
            _("Thủ tục {proc} không có thành phần {code}.", proc=self.code, code=code),
            hint=_("Các thành phần: {codes}", codes=", ".join(c.code for c in self.components)),
        )


@dataclass
class Catalog:
    version: str
    published: date
    procedures: list[Procedure]
    source: str = ""
    path: Path | None = None
    #: Interconnected procedures taken in one intake (kiosk.catalog_groups).
    groups: list[ProcedureGroup] = field(default_factory=list)
    _keys: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._keys = {p.code: fold(f"{p.name} {p.field}") for p in self.procedures}
        self._by_code = {p.code: p for p in self.procedures}

    def get(self, code: str) -> Procedure:
        try:
            return self._by_code[code.strip()]
        except KeyError:
            raise NotFound(
                _("Không có thủ tục mã {code} trong danh mục {version}.",
                  code=code, version=self.version),
                hint=_("Tìm thủ tục bằng lệnh: kiosk catalog search TÊN"),
            ) from None

    def group(self, code: str) -> ProcedureGroup:
        return find_group(self.groups, code, self.version)

    def search(
        self, text: str, usage: Mapping[str, int] | None = None, limit: int | None = None
    ) -> list[Procedure]:
        """Procedures matching every word of ``text``, ignoring case and diacritics.

        Ranked: code or name prefix first, then whole-phrase matches, then by how often the
        counter used the procedure (``usage``), then by name.
        """
        query = fold(text)
        usage = usage or {}
        words = query.split()
        hits: list[tuple[tuple[int, int, str], Procedure]] = []
        for proc in self.procedures:
            key = self._keys[proc.code]
            if words and not (proc.code.startswith(query) or all(w in key for w in words)):
                continue
            if not words:
                rank = 2
            elif proc.code.startswith(query) or key.startswith(query):
                rank = 0
            elif query in key:
                rank = 1
            else:
                rank = 2
            hits.append(((rank, -usage.get(proc.code, 0), fold(proc.name)), proc))
        hits.sort(key=lambda h: h[0])
        found = [p for _rank, p in hits]
        return found[:limit] if limit else found

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "version": self.version,
            "published": self.published.isoformat(),
            "source": self.source,
            "procedures": [_procedure_json(p) for p in self.procedures],
            **({"groups": [g.to_json() for g in self.groups]} if self.groups else {}),
        }


def _procedure_json(p: Procedure) -> dict[str, Any]:
    out = p.to_json()
    for fee in out["fees"]:
        fee["tiers"] = [{"from": t["start"], "amount": t["amount"]} for t in fee["tiers"]]
        fee["max"] = fee.pop("maximum")
    return out


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


# --- validation ----------------------------------------------------------------------------

class _Checker:
    """Walks the JSON and raises one clear error naming the exact place that is wrong."""

    def fail(self, where: str, problem: str) -> InvalidInput:
        return InvalidInput(
            _("Danh mục thủ tục không hợp lệ tại {where}: {problem}", where=where, problem=problem),
            hint=_("Sửa tệp danh mục rồi nhập lại; danh mục đang dùng không thay đổi."),
        )

    def get(self, obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str,
            required: bool = True) -> Any:
        if key not in obj or obj[key] is None:
            if required:
                raise self.fail(f"{where}.{key}", _("thiếu trường bắt buộc"))
            return None
        value = obj[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _tuple(kind)):
            raise self.fail(f"{where}.{key}", _("sai kiểu dữ liệu"))
        if isinstance(value, str):
            if has_surrogates(value) or "\x00" in value:
                # JSON may spell a lone surrogate (\udcff): it could not be stored or shown.
                raise self.fail(f"{where}.{key}", _("có ký tự không hợp lệ"))
            value = nfc(value.strip())
            if required and not value:
                raise self.fail(f"{where}.{key}", _("không được để trống"))
        return value


def _tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def parse_catalog(data: Any, path: Path | None = None) -> Catalog:
    chk = _Checker()
    if not isinstance(data, dict):
        raise chk.fail("(gốc)", _("phải là một đối tượng JSON"))
    schema = chk.get(data, "schema", int, "catalog")
    if schema != SCHEMA:
        raise chk.fail("catalog.schema", _("phiên bản lược đồ {n} không được hỗ trợ", n=schema))
    version = chk.get(data, "version", str, "catalog")
    try:
        version_key(version)
    except ValueError:
        raise chk.fail("catalog.version", _("phiên bản có dạng số, ví dụ 2025.11.1")) from None
    try:
        published = date.fromisoformat(chk.get(data, "published", str, "catalog"))
    except ValueError:
        raise chk.fail("catalog.published", _("ngày có dạng YYYY-MM-DD")) from None
    raw_procs = chk.get(data, "procedures", list, "catalog")
    if not raw_procs:
        raise chk.fail("catalog.procedures", _("danh mục không có thủ tục nào"))
    procedures: list[Procedure] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_procs):
        proc = _parse_procedure(chk, raw, f"procedures[{i}]")
        if proc.code in seen:
            raise chk.fail(f"procedures[{i}].code", _("mã thủ tục {code} bị trùng", code=proc.code))
        seen.add(proc.code)
        procedures.append(proc)
    source = chk.get(data, "source", str, "catalog", required=False) or ""
    groups = parse_groups(data.get("groups"), {p.code: p for p in procedures}, chk.fail)
    return Catalog(version, published, procedures, source, path, groups)


def _parse_procedure(chk: _Checker, raw: Any, where: str) -> Procedure:
    if not isinstance(raw, dict):
        raise chk.fail(where, _("phải là một đối tượng JSON"))
    code = chk.get(raw, "code", str, where)
    if not _CODE_RE.match(code):
        raise chk.fail(f"{where}.code", _("mã thủ tục «{code}» không đúng dạng 1.001193", code=code))
    t = chk.get(raw, "processing", dict, where)
    unit = chk.get(t, "unit", str, f"{where}.processing")
    if unit not in TIME_UNITS:
        raise chk.fail(f"{where}.processing.unit",
                       _("phải là một trong {units}", units=", ".join(TIME_UNITS)))
    value = chk.get(t, "value", (int, float), f"{where}.processing", required=unit != "same_day")
    if unit != "same_day" and (value is None or not math.isfinite(value) or value <= 0):
        raise chk.fail(f"{where}.processing.value", _("thời hạn phải lớn hơn 0"))
    if unit != "same_day" and value > MAX_PROCESSING[unit]:
        raise chk.fail(f"{where}.processing.value",
                       _("thời hạn {value:g} vượt quá {limit}", value=value,
                         limit=MAX_PROCESSING[unit]))
    cutoff = chk.get(t, "cutoff", str, f"{where}.processing", required=False)
    if cutoff is not None and not _HHMM_RE.match(cutoff):
        raise chk.fail(f"{where}.processing.cutoff", _("giờ có dạng HH:MM"))
    if unit == "same_day" and cutoff is None:
        cutoff = "15:00"
    fees = tuple(
        _parse_fee(chk, f, f"{where}.fees[{j}]")
        for j, f in enumerate(chk.get(raw, "fees", list, where, required=False) or [])
    )
    raw_comps = chk.get(raw, "components", list, where)
    components: list[Component] = []
    for j, rc in enumerate(raw_comps):
        w = f"{where}.components[{j}]"
        if not isinstance(rc, dict):
            raise chk.fail(w, _("phải là một đối tượng JSON"))
        form = chk.get(rc, "form", str, w)
        if form not in COMPONENT_FORMS:
            raise chk.fail(f"{w}.form",
                           _("phải là một trong {forms}", forms=", ".join(COMPONENT_FORMS)))
        count = chk.get(rc, "count", int, w, required=False) or 1
        if not 1 <= count <= MAX_COUNT:
            raise chk.fail(f"{w}.count", _("số lượng phải từ 1 đến {n}", n=MAX_COUNT))
        components.append(Component(
            code=chk.get(rc, "code", str, w), name=chk.get(rc, "name", str, w), form=form,
            count=count, mandatory=bool(chk.get(rc, "mandatory", bool, w, required=False)
                                        if "mandatory" in rc else True),
            note=chk.get(rc, "note", str, w, required=False)))
    if len({c.code for c in components}) != len(components):
        raise chk.fail(f"{where}.components", _("mã thành phần bị trùng"))
    extension = chk.get(raw, "extension_days", int, where, False) or 0
    if not 0 <= extension <= MAX_PROCESSING["calendar_days"]:
        raise chk.fail(f"{where}.extension_days", _("số ngày gia hạn không hợp lệ"))
    return Procedure(
        code=code, name=chk.get(raw, "name", str, where), field=chk.get(raw, "field", str, where),
        processing=ProcessingTime(unit, float(value or 0), cutoff), fees=fees,
        components=tuple(components), level=chk.get(raw, "level", str, where, False) or "xã",
        extension_days=extension,
        handled_by=chk.get(raw, "handled_by", str, where, False),
        notes=chk.get(raw, "notes", str, where, False),
        url=chk.get(raw, "url", str, where, False),
        result_place=chk.get(raw, "result_place", str, where, False))


def _parse_fee(chk: _Checker, raw: Any, where: str) -> Fee:
    if not isinstance(raw, dict):
        raise chk.fail(where, _("phải là một đối tượng JSON"))
    amount = _amount(chk, raw, "amount", where)
    tiers = []
    for k, t in enumerate(chk.get(raw, "tiers", list, where, required=False) or []):
        w = f"{where}.tiers[{k}]"
        if not isinstance(t, dict):
            raise chk.fail(w, _("phải là một đối tượng JSON"))
        start = chk.get(t, "from", int, w)
        if not 1 <= start <= 10**6:
            raise chk.fail(f"{w}.from", _("bậc phải bắt đầu từ 1 trở lên"))
        tiers.append(FeeTier(start, _amount(chk, t, "amount", w, required=True) or 0))
    return Fee(name=chk.get(raw, "name", str, where), amount=amount,
               unit=chk.get(raw, "unit", str, where, False),
               note=chk.get(raw, "note", str, where, False), tiers=tuple(tiers),
               maximum=_amount(chk, raw, "max", where))


def _amount(chk: _Checker, raw: Mapping[str, Any], key: str, where: str,
            required: bool = False) -> int | None:
    amount = chk.get(raw, key, int, where, required=required)
    if amount is not None and not 0 <= amount <= MAX_AMOUNT:
        raise chk.fail(f"{where}.{key}", _("số tiền phải từ 0 đến {n} đồng", n=MAX_AMOUNT))
    return int(amount) if amount is not None else None


def _no_constant(name: str) -> Any:
    raise ValueError(_("giá trị {name} không được phép trong JSON", name=name))


def read_catalog(path: Path) -> Catalog:
    hint = _("Sửa tệp danh mục rồi nhập lại; danh mục đang dùng không thay đổi.")
    try:
        if path.is_dir():
            raise InvalidInput(_("{path} là thư mục, không phải tệp danh mục.", path=str(path)),
                               hint=hint)
        with path.open("rb") as fh:
            raw = fh.read(MAX_CATALOG_BYTES + 1)
    except FileNotFoundError:
        raise NotFound(_("Không tìm thấy tệp danh mục {path}.", path=str(path))) from None
    except OSError as exc:
        raise InvalidInput(_("Không đọc được tệp danh mục {path}: {error}", path=str(path),
                             error=exc.strerror or str(exc)), hint=hint) from None
    return loads_catalog(raw, str(path), path)


def loads_catalog(raw: bytes, name: str, path: Path | None = None) -> Catalog:
    """A catalog from its bytes (a file, or a publication the province sent), validated."""
    hint = _("Sửa tệp danh mục rồi nhập lại; danh mục đang dùng không thay đổi.")
    if len(raw) > MAX_CATALOG_BYTES:
        raise InvalidInput(_("Tệp danh mục {path} quá lớn.", path=name), hint=hint)
    try:
        # NaN and Infinity are not JSON; Python accepts them unless told not to.
        data = json.loads(raw.decode("utf-8-sig"), parse_constant=_no_constant)
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(
            _("Tệp danh mục {path} không phải JSON hợp lệ: {error}", path=name, error=str(exc)),
            hint=hint,
        ) from exc
    except RecursionError:
        raise InvalidInput(
            _("Tệp danh mục {path} lồng nhau quá sâu, không phải danh mục.", path=name),
            hint=hint) from None
    return parse_catalog(data, path)


def load_catalog(config: Config | None = None) -> Catalog:
    """The catalog in use: the imported one named in config, else the bundled sample."""
    config = config or Config.load()
    chosen = config.get("catalog.file")
    return read_catalog(Path(chosen) if chosen else SAMPLE_CATALOG)


def import_catalog(path: Path, config: Config | None = None, *, force: bool = False) -> Catalog:
    """Validate ``path``, keep a copy under the data dir and make it the catalog in use.

    Refuses a catalog that is not newer than the current one unless ``force``: an older file
    imported by mistake would silently change due times.
    """
    config = config or Config.load()
    new = read_catalog(path)
    current = load_catalog(config)
    if not force and version_key(new.version) <= version_key(current.version):
        raise InvalidInput(
            _("Danh mục {new} không mới hơn danh mục đang dùng ({current}).",
              new=new.version, current=current.version),
            hint=_("Dùng --force nếu thật sự muốn quay về danh mục cũ."),
        )
    target_dir = paths.data_dir() / "catalog"
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"catalog-{new.version}.json"
    payload = json.dumps(new.to_json(), ensure_ascii=False, indent=1).encode("utf-8")
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=target_dir, prefix=".import.")
    with os.fdopen(fd, "wb") as fh:
        fh.write(payload)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    config.set("catalog.file", str(target))
    config.save()
    new.path = target
    return new
