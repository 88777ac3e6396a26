"""Reusing a paper the citizen already has digitised (issue 24 §3), Qt-free.

At intake, reading the citizen's CCCD lists what they already have: this counter's store
first (:mod:`kiosk.storage.papers`), then the central server's for the province (another
commune's scans; :class:`kiosk.sync.papers_client.RemotePapers`). Each look-up is logged
(``papers.lookup`` in the audit log, and on the server). A listed paper is offered for a
checklist item when its kind is the item's code (or a result kind mapped to it,
``results.reuse_for``), the item is one that may be reused (not a form filled for this
request, ``results.not_reusable``) and it has not expired. Reusing it links the existing
file to the new dossier — the same content-addressed file, no copy of the bytes — and flags
the component ``from_national_db`` (the portal's DuocTaiSuDung).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from kiosk.clock import now
from kiosk.errors import InvalidInput, NotFound
from kiosk.i18n import _
from kiosk.storage import papers as local_papers
from kiosk.storage.audit_log import audit
from kiosk.storage.model import ComponentInput, PageInput

if TYPE_CHECKING:
    from kiosk.storage import Store


class Remote(Protocol):
    """The central server's store of the province (kiosk.sync.papers_client)."""

    def find(self, id_number: str) -> list[dict[str, Any]]: ...
    def claim(self, id_number: str, paper_id: str) -> list[str]: ...


def lookup(store: Store, id_number: str, *, actor: str,
           remote: Remote | None = None) -> list[dict[str, Any]]:
    """``kiosk store list --id-number N``: this counter's papers, then the province's that
    are not here already; each look-up logged."""
    number = id_number.strip()
    if not (number.isdigit() and len(number) in (9, 12)):
        raise InvalidInput(_("Số định danh «{value}» không hợp lệ.", value=number[:40]),
                           hint=_("Nhập số CCCD 12 chữ số (hoặc CMND 9 chữ số)."),
                           field="id_number")
    today = now().date()
    found = store.read(lambda db: local_papers.for_id_number(db, number, today))
    remote_count = 0
    if remote is not None:
        seen = {p["id"] for p in found} | {p["sha256"] for p in found}
        for paper in remote.find(number):
            if paper["id"] in seen or paper["sha256"] in seen:
                continue
            paper["source"] = "central"
            paper["expired"] = local_papers.expired(paper, today)
            found.append(paper)
            remote_count += 1

    def log(db: Any) -> None:
        with db.atomic():
            audit(db, actor, "papers.lookup", None, id_number=number, local=len(found) -
                  remote_count, central=remote_count, remote=remote is not None)

    store.call(log)
    return found


def _mapping(config: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in config.get("results.reuse_for"):
        kind, _sep, comp = str(item).partition("=")
        out[kind.strip()] = comp.strip()
    return out


def fits(paper: dict[str, Any], component_code: str, config: Any) -> bool:
    """Whether ``paper`` may stand for the checklist item ``component_code``."""
    if not component_code or component_code in config.get("results.not_reusable"):
        return False
    if paper.get("expired"):
        return False
    return paper["kind"] == component_code or \
        _mapping(config).get(paper["kind"]) == component_code


def offers(papers: list[dict[str, Any]], component_code: str,
           config: Any) -> list[dict[str, Any]]:
    return [p for p in papers if fits(p, component_code, config)]


def reuse_pages(store: Store, id_number: str, component_code: str, paper_id: str, *,
                actor: str, remote: Remote | None = None) -> list[PageInput]:
    """The pages a reused paper brings to the new dossier's item, after every check: the
    paper is this citizen's, fits the item, and has not expired. A paper of the province
    is claimed on the server (logged there) and its bytes fetched once into this counter's
    file store under the same hash."""
    papers = lookup(store, id_number, actor=actor, remote=remote)
    paper = next((p for p in papers if p["id"] == paper_id), None)
    if paper is None:
        raise NotFound(
            _("Không có giấy tờ {id} trong kho số hoá của công dân có số định danh {number}.",
              id=paper_id[:80], number=id_number),
            hint=_("Chỉ dùng lại giấy tờ của chính chủ hồ sơ; xem danh sách bằng «kiosk store "
                   "list --id-number SỐ»."))
    if paper.get("expired"):
        raise InvalidInput(_("Giấy tờ {id} đã hết hiệu lực ngày {until}.", id=paper_id[:80],
                             until=paper["valid_until"]),
                           hint=_("Công dân cần nộp bản mới; quét bản đó như thường lệ."))
    if not fits(paper, component_code, store.config):
        raise InvalidInput(_("Giấy tờ {kind} không dùng thay được thành phần {code}.",
                             kind=paper["kind"], code=component_code),
                           hint=_("Chọn giấy tờ cùng loại với thành phần hồ sơ."))
    shas = list(paper["pages"])
    if paper["source"] == "central":
        assert remote is not None
        shas = remote.claim(id_number, paper_id)
    missing = [s for s in shas if not store.files.exists(s)]
    if missing:
        raise NotFound(_("Thiếu tệp của giấy tờ {id} trên máy này.", id=paper_id[:80]),
                       hint=_("Chạy «kiosk db check»; có thể cần đồng bộ lại."))
    return [PageInput(sha) for sha in shas]


def apply_reuse(store: Store, components: list[ComponentInput], id_number: str,
                wanted: dict[str, str], *, actor: str,
                remote: Remote | None = None) -> list[dict[str, Any]]:
    """``--reuse COMPONENT=PAPER_ID``: each named item takes the paper's pages, ticked and
    flagged reused. Every reuse is checked before any is applied."""
    if wanted and not id_number.strip():
        raise InvalidInput(_("Dùng lại giấy tờ cần số định danh của người nộp hồ sơ."),
                           field="reuse")
    by_code = {c.code: c for c in components}
    plan: list[tuple[ComponentInput, list[PageInput], str]] = []
    for code, paper_id in wanted.items():
        comp = by_code.get(code)
        if comp is None:
            raise NotFound(_("Thủ tục không có thành phần {code}.", code=code[:40]),
                           hint=_("Xem mã các thành phần bằng «kiosk catalog search MÃ_THỦ_TỤC»."))
        if comp.pages:
            raise InvalidInput(_("Thành phần {code} vừa được đính kèm tệp và vừa dùng lại.",
                                 code=code), field="reuse")
        plan.append((comp, reuse_pages(store, id_number, code, paper_id, actor=actor,
                                       remote=remote), paper_id))
    done = []
    for comp, pages, paper_id in plan:
        comp.pages, comp.checked, comp.from_national_db = pages, True, True
        done.append({"component": comp.code, "paper": paper_id,
                     "sha256": [p.sha256 for p in pages]})
    return done
