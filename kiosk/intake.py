"""The intake wizard's state and rules, free of Qt (tested headless, like Electrum's wizard).

Steps: procedure → applicant → checklist → scan → review → done. The whole state is a plain
JSON document (:meth:`IntakeSession.to_draft`) that the UI saves as a draft after every
change, so a crash or a power cut mid-intake loses nothing; pages are referenced by the
sha256 of files already in the file store.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from kiosk.catalog import Procedure
from kiosk.cccd import CccdRecord, parse_cccd
from kiosk.documents import merge_pages
from kiosk.errors import InvalidInput
from kiosk.i18n import N_, _
from kiosk.storage.model import ApplicantInput, ComponentInput, DossierInput, PageInput
from kiosk.text import fold

STEPS = ("procedure", "applicant", "checklist", "scan", "review", "done")
STEP_TITLES = {
    "procedure": N_("Chọn thủ tục"),
    "applicant": N_("Người nộp hồ sơ"),
    "checklist": N_("Thành phần hồ sơ"),
    "scan": N_("Quét tài liệu"),
    "review": N_("Kiểm tra và lưu"),
    "done": N_("Hoàn tất"),
}
_PHONE_RE = re.compile(r"^(\+84|0)\d{9,10}$")
_ID_RE = re.compile(r"^(\d{9}|\d{12})$")


@dataclass
class IntakePage:
    """One scanned page: its single-page PDF and thumbnail, both in the file store."""

    pdf_sha256: str
    thumb_sha256: str
    rotation: int = 0
    blank: bool = False
    encoding: str = ""
    color: bool = False
    size: int = 0
    #: A separator sheet of a one-pass feeder scan (kept aside like a blank page).
    separator: bool = False


#: What the clerk may have received for each catalog form: asked, never assumed.
RECEIVED_KINDS = {"original_or_certified_copy": ("original", "certified_copy")}


@dataclass
class IntakeComponent:
    code: str
    name: str
    copy_kind: str  # the catalog's form
    count: int
    mandatory: bool
    checked: bool = False
    pages: list[IntakePage] = field(default_factory=list)
    #: What was actually received, one of :meth:`kinds` ("" until the clerk ticks it).
    received: str = ""
    #: A paper the citizen already has digitised, reused instead of a new scan (issue 24):
    #: {"id", "pages": [sha256...], "source", "label"}; None when scanned as usual.
    reused: dict[str, Any] | None = None

    def kinds(self) -> tuple[str, ...]:
        return RECEIVED_KINDS.get(self.copy_kind, (self.copy_kind,))

    @property
    def presented(self) -> bool:
        """Only shown at the counter (xuất trình): nothing to scan, nothing handed in."""
        return self.copy_kind == "present"

    @property
    def received_kind(self) -> str:
        return self.received or self.kinds()[0]

    def kept_pages(self) -> list[IntakePage]:
        return [p for p in self.pages if not p.blank]


@dataclass
class Person:
    name: str = ""
    id_number: str = ""
    old_id_number: str = ""
    birth_date: str = ""  # YYYY-MM-DD; typed text stays text until checked
    gender: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    cccd_raw: str | None = None


class IntakeSession:
    def __init__(self) -> None:
        self.draft_id: str | None = None
        self.step = 0
        self.procedure_code = ""
        self.procedure_name = ""
        #: An interconnected group (liên thông) chosen instead of one procedure: its code,
        #: also in ``procedure_code``; the checklist is the group's (kiosk.group_intake).
        self.group_code = ""
        self.catalog_version: str | None = None
        self.applicant = Person()
        self.components: list[IntakeComponent] = []
        self.channel = 1
        #: "counter" or "post"; and a back-entry's paper reception time, "YYYY-MM-DDTHH:MM".
        self.return_method = "counter"
        self.paper_received_at = ""
        self.sets = 1
        self.note = ""
        self.saved: dict[str, Any] | None = None
        #: The scanner batch running now: {"component", "all"} (kept in the draft while it
        #: runs, so a draft that still has it was cut mid-batch: power cut, crash).
        self.scan_batch: dict[str, Any] | None = None
        #: Read back from such a draft: which document was being scanned when it was cut.
        self.interrupted: dict[str, Any] | None = None

    # --- navigation ---------------------------------------------------------------------

    @property
    def step_name(self) -> str:
        return STEPS[self.step]

    def problems(self, step: str | None = None) -> list[str]:
        """What keeps the clerk from leaving ``step`` (Vietnamese, ready to show)."""
        step = step or self.step_name
        out: list[str] = []
        if step == "procedure" and not self.procedure_code:
            out.append(_("Chọn thủ tục hành chính."))
        if step == "applicant":
            a = self.applicant
            if not a.name.strip():
                out.append(_("Nhập họ tên người nộp hồ sơ (hoặc quét mã QR trên CCCD)."))
            if a.id_number and not _ID_RE.match(a.id_number.strip()):
                out.append(_("Số giấy tờ tùy thân gồm 9 hoặc 12 chữ số."))
            if a.phone and not _PHONE_RE.match(re.sub(r"[\s.]", "", a.phone)):
                out.append(_("Số điện thoại không đúng (ví dụ 0912345678)."))
            if a.birth_date:
                try:
                    date.fromisoformat(a.birth_date)
                except ValueError:
                    out.append(_("Ngày sinh không hợp lệ."))
        if step == "checklist":
            missing = [c.name for c in self.components if c.mandatory and not c.checked]
            if missing:
                out.append(_("Còn thiếu giấy tờ bắt buộc: {names}.", names="; ".join(missing)))
        if step in ("scan", "review"):
            unscanned = [c.name for c in self.unscanned()]
            if unscanned:
                out.append(_("Chưa quét: {names}.", names="; ".join(unscanned)))
        if step == "review":
            for earlier in ("procedure", "applicant", "checklist"):
                out.extend(self.problems(earlier))
        return out

    def next(self) -> list[str]:
        problems = self.problems()
        if not problems and self.step < STEPS.index("review"):
            self.step += 1
        return problems

    def back(self) -> None:
        if 0 < self.step < STEPS.index("done"):
            self.step -= 1

    def go(self, step: str) -> None:
        target = STEPS.index(step)
        if target <= self.step or all(not self.problems(s) for s in STEPS[:target]):
            self.step = target

    # --- content ------------------------------------------------------------------------

    def choose_procedure(self, proc: Procedure, catalog_version: str | None = None) -> None:
        # The catalog may change under an open intake (the province's publication): the
        # dossier is saved under the one the clerk chose from.
        self.catalog_version = catalog_version
        if self.group_code:
            self.group_code, self.procedure_code = "", ""
        if proc.code != self.procedure_code:
            self.components = [
                IntakeComponent(c.code, c.name, c.form, c.count, c.mandatory,
                                # Documents only shown at the counter need no scan.
                                checked=False)
                for c in proc.components
            ]
            if self.applicant.cccd_raw:
                self._tick_shown_card()
        self.procedure_code, self.procedure_name = proc.code, proc.name

    def _tick_shown_card(self) -> None:
        # The card was read at the counter: that is the one ID document to present.
        for comp in self.components:
            if comp.presented and comp.code == "GTTT" and comp.count == 1:
                comp.checked = True

    def unscanned(self) -> list[IntakeComponent]:
        return [c for c in self.components
                if c.checked and not c.presented and not c.kept_pages() and not c.reused]

    def next_to_scan(self, after: int = -1) -> int | None:
        """The next ticked component without pages (after ``after``, then from the top)."""
        order = list(range(after + 1, len(self.components))) + list(range(after + 1))
        for i in order:
            c = self.components[i]
            if c.checked and not c.presented and not c.kept_pages() and not c.reused:
                return i
        return None

    def reuse(self, index: int, paper: dict[str, Any]) -> None:
        """One tap: the item takes a paper already digitised (ticked, nothing to scan);
        the same paper again undoes it."""
        comp = self.component(index)
        if comp.reused and comp.reused.get("id") == paper["id"]:
            comp.reused, comp.checked, comp.received = None, False, ""
            return
        comp.reused = {"id": paper["id"], "pages": list(paper["pages"]),
                       "source": paper.get("source", "local"),
                       "label": paper.get("label", "")}
        comp.pages = []
        comp.checked, comp.received = True, comp.kinds()[0]

    def tick(self, index: int, kind: str | None = None) -> None:
        """Tick a component as received as ``kind`` (one touch: the kind is the tick);
        the same kind again unticks it."""
        comp = self.component(index)
        kind = kind or comp.kinds()[0]
        if kind not in comp.kinds():
            raise InvalidInput(_("Giấy tờ «{name}» không nhận loại bản này.", name=comp.name))
        if comp.checked and comp.received_kind == kind:
            comp.checked, comp.received, comp.reused = False, "", None
        else:
            comp.checked, comp.received = True, kind

    def apply_cccd(self, text: str, *, same_person: bool = True) -> CccdRecord:
        """Fill the applicant from a card's QR text. The card has no phone or e-mail: those
        typed for this applicant stay, unless the card is another person's."""
        record = parse_cccd(text)
        phone, email = (self.applicant.phone, self.applicant.email) if same_person else ("", "")
        self.applicant = Person(
            name=record.full_name, id_number=record.id_number,
            old_id_number=record.old_id_number or "",
            birth_date=record.date_of_birth.isoformat(), gender=record.sex,
            address=record.address, phone=phone, email=email, cccd_raw=record.raw)
        self._tick_shown_card()
        return record

    def card_question(self, record: CccdRecord) -> bool:
        """Whether a card read now is another person's than the applicant already here (so
        the clerk is asked before anything changes)."""
        a = self.applicant
        if not (a.name.strip() or a.id_number.strip()):
            return False
        if a.id_number.strip():
            ids = {record.id_number, record.old_id_number or ""}
            return a.id_number.strip() not in ids
        return fold_name(a.name) != fold_name(record.full_name)

    def set_applicant_field(self, name: str, value: str) -> None:
        if name not in Person.__dataclass_fields__ or name == "cccd_raw":
            raise InvalidInput(_("Không có trường {name}.", name=name))
        if name in ("name", "id_number", "birth_date", "gender") and value != getattr(
                self.applicant, name):
            # A typed change to what the card said means the card text no longer vouches.
            self.applicant.cccd_raw = None
        setattr(self.applicant, name, value)

    def component(self, index: int) -> IntakeComponent:
        if not 0 <= index < len(self.components):
            raise InvalidInput(_("Không có thành phần hồ sơ số {n}.", n=index + 1))
        return self.components[index]

    def add_page(self, index: int, page: IntakePage) -> None:
        comp = self.component(index)
        comp.pages.append(page)
        if not comp.checked:
            comp.checked, comp.received = True, comp.received_kind

    def rotate_page(self, index: int, page: int, degrees: int = 90) -> None:
        p = self.component(index).pages[page]
        p.rotation = (p.rotation + degrees) % 360

    def move_page(self, index: int, src: int, dst: int) -> None:
        pages = self.component(index).pages
        if 0 <= src < len(pages) and 0 <= dst < len(pages):
            pages.insert(dst, pages.pop(src))

    def delete_page(self, index: int, page: int) -> None:
        del self.component(index).pages[page]

    def toggle_blank(self, index: int, page: int) -> None:
        """Blank pages are set aside, never deleted: the clerk can bring one back."""
        p = self.component(index).pages[page]
        p.blank = not p.blank

    def clear_pages(self, index: int) -> list[IntakePage]:
        comp = self.component(index)
        old, comp.pages = comp.pages, []
        return old

    # --- persistence ----------------------------------------------------------------------

    def to_draft(self) -> dict[str, Any]:
        return {
            "version": 1, "step": self.step, "procedure_code": self.procedure_code,
            "procedure_name": self.procedure_name, "group_code": self.group_code,
            "applicant": asdict(self.applicant),
            "components": [
                {**{k: v for k, v in asdict(c).items() if k != "pages"},
                 "pages": [{"sha256": p.pdf_sha256, **{k: v for k, v in asdict(p).items()
                                                       if k != "pdf_sha256"}}
                           for p in c.pages]}
                for c in self.components],
            "channel": self.channel, "sets": self.sets, "note": self.note,
            "return_method": self.return_method, "paper_received_at": self.paper_received_at,
            "scan_batch": self.scan_batch, "interrupted": self.interrupted,
        }

    @classmethod
    def from_draft(cls, data: dict[str, Any], draft_id: str | None = None) -> IntakeSession:
        s = cls()
        s.draft_id = draft_id
        s.step = min(int(data.get("step", 0)), STEPS.index("review"))
        s.procedure_code = data.get("procedure_code", "")
        s.procedure_name = data.get("procedure_name", "")
        s.group_code = str(data.get("group_code") or "")
        s.applicant = Person(**data.get("applicant", {}))
        for c in data.get("components", []):
            pages = [IntakePage(pdf_sha256=p["sha256"],
                                **{k: v for k, v in p.items() if k != "sha256"})
                     for p in c.get("pages", [])]
            s.components.append(IntakeComponent(
                **{k: v for k, v in c.items() if k != "pages"}, pages=pages))
        s.channel = int(data.get("channel", 1))
        s.return_method = str(data.get("return_method") or "counter")
        s.paper_received_at = str(data.get("paper_received_at") or "")
        s.sets = int(data.get("sets", 1))
        s.note = data.get("note", "")
        batch = data.get("scan_batch") or data.get("interrupted")
        if isinstance(batch, dict) and 0 <= int(batch.get("component", -1)) < len(s.components):
            s.interrupted = {"component": int(batch["component"]), "all": bool(batch.get("all"))}
        return s

    def interrupted_text(self) -> str:
        """What the clerk must know about a batch cut mid-way (Vietnamese), or ""."""
        cut = self.interrupted
        if cut is None:
            return ""
        comp = self.component(cut["component"])
        pages = len(comp.kept_pages())
        if pages:
            text = _("Lần quét trước bị ngắt giữa chừng (máy tắt hoặc ứng dụng dừng) khi đang "
                     "quét «{name}»: đã giữ {n} trang của giấy tờ này, có thể thiếu trang cuối. "
                     "Đặt lại giấy tờ này vào máy quét và bấm «Quét lại».", name=comp.name,
                     n=pages)
        else:
            text = _("Lần quét trước bị ngắt giữa chừng (máy tắt hoặc ứng dụng dừng) khi bắt "
                     "đầu quét «{name}»: chưa có trang nào của giấy tờ này. Đặt giấy tờ này vào "
                     "máy quét và bấm «Quét».", name=comp.name)
        later = [c.name for c in self.unscanned() if c is not comp]
        if cut["all"] and later:
            text += " " + _("Các giấy tờ sau nó chưa được quét: {names}.",
                            names="; ".join(later))
        return text

    def draft_label(self) -> str:
        who = self.applicant.name or _("(chưa có người nộp)")
        return f"{self.procedure_name or _('(chưa chọn thủ tục)')} — {who}"

    def build_input(self, read_file: Callable[[str], bytes],
                    put_file: Callable[[bytes], str]) -> DossierInput:
        """The store's input: one PDF per scanned component, built from the kept pages."""
        problems = self.problems("review")
        if problems:
            raise InvalidInput(problems[0], hint=" ".join(problems[1:]) or None)
        a = self.applicant
        applicant = ApplicantInput(
            name=a.name.strip(), id_number=a.id_number.strip(),
            old_id_number=a.old_id_number.strip(),
            birth_date=date.fromisoformat(a.birth_date) if a.birth_date else None,
            gender=a.gender, address=a.address.strip(), phone=re.sub(r"[\s.]", "", a.phone),
            email=a.email.strip(), cccd_raw=a.cccd_raw)
        components: list[ComponentInput] = []
        for c in self.components:
            pages: list[PageInput] = []
            kept = c.kept_pages()
            if c.reused and c.checked:
                # The earlier copy's own file(s): linked, never copied or re-made.
                pages = [PageInput(sha) for sha in c.reused["pages"]]
            elif kept:
                pdf = merge_pages([(read_file(p.pdf_sha256), p.rotation) for p in kept])
                pages.append(PageInput(put_file(pdf), "application/pdf"))
            components.append(ComponentInput(
                name=c.name, code=c.code, copy_kind=copy_kind_for(c.received_kind),
                count=c.count, checked=c.checked, pages=pages, presented=c.presented,
                from_national_db=bool(c.reused and c.checked)))
        inp = DossierInput(procedure_code=self.procedure_code, applicant=applicant,
                           channel=self.channel, components=components, sets=self.sets,
                           note=self.note, draft_id=self.draft_id,
                           return_method=self.return_method,
                           catalog_version=self.catalog_version)
        if self.paper_received_at.strip():
            inp.received_at, inp.back_entry = parse_paper_time(self.paper_received_at), True
        return inp


def parse_paper_time(text: str) -> datetime:
    """The reception time written on a paper record: ``YYYY-MM-DD HH:MM`` (or with T)."""
    from kiosk.clock import to_local

    try:
        return to_local(datetime.fromisoformat(text.strip().replace(" ", "T", 1)))
    except ValueError:
        raise InvalidInput(
            _("Thời điểm tiếp nhận trên giấy «{value}» không hợp lệ.", value=text),
            hint=_("Viết dạng YYYY-MM-DD HH:MM, ví dụ 2026-11-25 09:30."),
            field="paper_received_at") from None


def fold_name(name: str) -> str:
    return " ".join(fold(name).split())


def copy_kind_for(form: str) -> str:
    # The store records what the clerk received: catalog forms map onto its four kinds.
    return {"original_or_certified_copy": "certified_copy", "present": "original"}.get(
        form, form)


def step_title(step: str) -> str:
    return _(STEP_TITLES[step])
