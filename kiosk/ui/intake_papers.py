"""The intake's look-up of the citizen's digitised papers and their reuse (issue 24 §3).

Once the applicant's ID number is known (a CCCD read, or typed), the papers are looked up
off the GUI thread (the net lane: this counter's store, then the province's when enrolled;
offline, this counter's only). They are shown only after the citizen agreed: on the
citizen screen when there is one (``ask_citizen``), else by the clerk's tap for the
citizen's spoken yes. Then each checklist item lists the papers that fit it, and one tap
reuses one (a province paper is claimed first, on the net lane).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.errors import KioskError
from kiosk.i18n import _


def paper_label(paper: dict[str, Any]) -> str:
    where = _("quầy này") if paper.get("source") == "local" else _("kho của tỉnh")
    number = f" số {paper['number']}" if paper.get("number") else ""
    return _("{name}{number} — hồ sơ {dossier} ({where})", name=paper.get("name") or
             paper["kind"], number=number, dossier=paper["dossier"], where=where)


def short_label(paper: dict[str, Any]) -> str:
    """The offer's button: which copy, by the day it was digitised (or issued)."""
    day = str(paper.get("issued") or paper.get("digitised_at") or "")[:10]
    if len(day) == 10:
        return _("Dùng lại bản {day}", day=f"{day[8:10]}/{day[5:7]}/{day[:4]}")
    return _("Dùng lại")


class IntakePapers:
    def __init__(self, model: Any) -> None:
        self.model = model
        #: Set by the citizen window when there is one: ask(count, answer(bool)).
        self.ask_citizen: Callable[[int, Callable[[bool], None]], None] | None = None
        self.reset()

    def reset(self) -> None:
        self.id_number = ""
        self.papers: list[dict[str, Any]] = []
        self.state = ""  # "", looking, waiting, agreed, refused
        self._remote: Any = None

    # --- what the screen reads ----------------------------------------------------------

    def view(self) -> dict[str, Any]:
        offered = [p for p in self.papers if not p.get("expired")]
        return {"state": self.state, "count": len(offered),
                "citizenScreen": self.ask_citizen is not None}

    def offers(self, code: str) -> list[dict[str, Any]]:
        if self.state != "agreed":
            return []
        from kiosk.reuse import offers

        return [{"id": p["id"], "label": paper_label(p), "short": short_label(p)}
                for p in offers(self.papers, code, self.model.app.services.config)]

    # --- the look-up --------------------------------------------------------------------

    def look_up(self, id_number: str) -> None:
        number = id_number.strip()
        if number == self.id_number:
            return
        if not (number.isdigit() and len(number) in (9, 12)):
            if self.id_number:
                self.reset()
            return
        self.reset()
        self.id_number, self.state = number, "looking"
        services = self.model.app.services

        def work() -> tuple[list[dict[str, Any]], Any]:
            from kiosk.reuse import lookup
            from kiosk.sync.papers_client import CentralUnreachable, remote_papers

            store = services.store
            try:
                remote = remote_papers(store)
            except KioskError:
                remote = None
            try:
                return lookup(store, number, actor=services.actor(), remote=remote), remote
            except CentralUnreachable:
                return lookup(store, number, actor=services.actor()), None

        def done(result: tuple[list[dict[str, Any]], Any]) -> None:
            if self.id_number != number:
                return  # another citizen's card came meanwhile
            self.papers, self._remote = result
            offered = [p for p in self.papers if not p.get("expired")]
            self.state = "waiting" if offered else ""
            if offered and self.ask_citizen is not None:
                self.ask_citizen(len(offered), self.answer)
            self.model._changed(save_draft=False)

        def failed(exc: BaseException) -> None:
            self.state = ""
            self.model._changed(save_draft=False)

        self.model.app.tasks.run(work, done, failed, lane="net")

    def answer(self, agreed: bool) -> None:
        """The citizen's answer (on their screen, or told to the clerk)."""
        if self.state != "waiting":
            return
        self.state = "agreed" if agreed else "refused"
        if agreed:
            self.model.app.ok(_("Công dân đồng ý dùng lại giấy tờ đã số hoá."))
        self.model._changed(save_draft=False)

    # --- one tap ------------------------------------------------------------------------

    def reuse(self, index: int, paper_id: str) -> None:
        paper = next((p for p in self.papers if p["id"] == paper_id), None)
        if paper is None or self.state != "agreed":
            return
        session = self.model.session
        comp = session.component(index)
        if comp.reused and comp.reused.get("id") == paper_id:
            session.reuse(index, paper)  # the same tap again undoes it
            self.model._changed()
            return
        label = paper_label(paper)
        if paper.get("source") != "central":
            session.reuse(index, {**paper, "label": label})
            self.model._changed()
            return
        remote, number = self._remote, self.id_number

        def work() -> list[str]:
            return list(remote.claim(number, paper_id))

        def done(shas: list[str]) -> None:
            if self.id_number == number:
                session.reuse(index, {**paper, "pages": shas, "label": label})
                self.model._changed()

        self.model.app.tasks.run(work, done, self.model.app.error, lane="net")
