"""What the report needs of one dossier, from the counter's database or the server's body."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kiosk.clock import iso, parse_iso
from kiosk.reports.digitisation import DocumentTally, result_kind, tally
from kiosk.storage.sqlite import Database


@dataclass(frozen=True)
class ReportRecord:
    code: str
    procedure_code: str
    procedure_name: str
    channel: int
    #: The legal reception time (the paper one for a back-entry).
    received_at: datetime
    #: Due by law, supplement pauses included, apology letters not.
    legal_due: datetime | None
    #: (time, status) in order, the reception first.
    history: tuple[tuple[datetime, int], ...]
    #: (issued at, new due) of each apology letter.
    postponements: tuple[tuple[datetime, datetime], ...] = ()
    #: (start, end or None while still waiting) of each supplement request.
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()
    #: The documents that count for digitisation (kiosk.reports.digitisation).
    documents: DocumentTally = field(default_factory=DocumentTally)
    back_entered: bool = False
    #: ``electronic``, ``scanned`` or None (kiosk.reports.digitisation.result_kind).
    result: str | None = None
    return_method: str = "counter"
    unit: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    # Derived once from the history (reports ask for them many times per record).
    resolved_at: datetime | None = field(init=False, compare=False, default=None)
    returned_at: datetime | None = field(init=False, compare=False, default=None)
    closed_at: datetime | None = field(init=False, compare=False, default=None)
    ended_at: datetime | None = field(init=False, compare=False, default=None)

    def __post_init__(self) -> None:
        def first(statuses: frozenset[int]) -> datetime | None:
            return next((at for at, s in self.history if s in statuses), None)

        resolved, closed = first(RESOLVED), first(CLOSED)
        object.__setattr__(self, "resolved_at", resolved)
        object.__setattr__(self, "returned_at", first(frozenset({10})))
        object.__setattr__(self, "closed_at", closed if resolved is None else None)
        object.__setattr__(self, "ended_at", first(RESOLVED | CLOSED))


#: Portal statuses that give the dossier its result (9 done, 10 returned), and those that
#: end it without one (3 refused, 7 withdrawn, 8 stopped).
RESOLVED = frozenset({9, 10})
CLOSED = frozenset({3, 7, 8})


def _parse(text: str) -> datetime:
    # Stored times are ISO with their +07:00 offset: aware as they are, and comparable with
    # any other aware time; skipping the zone conversion halves the cost of a year's read.
    return datetime.fromisoformat(text)


def local_records(db: Database, end: datetime | None = None) -> list[ReportRecord]:
    """Every dossier of this counter's database received up to ``end``."""
    sql = ("SELECT id, code, procedure_code, procedure_name, channel, received_at, "
           "legal_due_at, due_at, entered_at, return_method, unit_code FROM dossiers")
    params: list[Any] = []
    if end is not None:
        sql += " WHERE received_at < ?"
        params.append(iso(end))
    rows = db.execute(sql + " ORDER BY received_at", params).fetchall()
    history: dict[str, list[tuple[datetime, int]]] = {}
    for did, at, status in db.execute(
            "SELECT dossier_id, at, to_status FROM status_events WHERE from_status IS NULL "
            "OR from_status != to_status ORDER BY id").fetchall():
        history.setdefault(did, []).append((_parse(at), int(status)))
    letters: dict[str, list[tuple[datetime, datetime]]] = {}
    for did, issued, new_due in db.execute(
            "SELECT dossier_id, issued_at, new_due_at FROM postponements ORDER BY issued_at"):
        letters.setdefault(did, []).append((_parse(issued), _parse(new_due)))
    paused: dict[str, list[tuple[datetime, datetime | None]]] = {}
    for did, a, b in db.execute(
            "SELECT dossier_id, started_at, ended_at FROM clock_pauses ORDER BY started_at"):
        paused.setdefault(did, []).append((_parse(a), _parse(b) if b else None))
    comps: dict[str, list[dict[str, Any]]] = {}
    # from_national_db is the counter's "reused" (it goes to the server as ``reused``): the
    # document was taken from an earlier digitised copy instead of being scanned again.
    for did, checked, reused, presented, count, scanned in db.execute(
            "SELECT c.dossier_id, c.checked, c.from_national_db, c.presented, c.count, "
            "EXISTS (SELECT 1 FROM pages p WHERE p.component_id = c.id) FROM components c"):
        comps.setdefault(did, []).append({"received": bool(checked), "reused": bool(reused),
                                          "shown_only": bool(presented), "quantity": count,
                                          "scanned": bool(scanned)})
    origins: dict[str, list[str]] = {}
    if db.has_table("results"):
        for did, origin in db.execute("SELECT dossier_id, origin FROM results"):
            origins.setdefault(did, []).append(origin)
    out = []
    for (did, code, pcode, pname, channel, received, legal, due, entered, ret,
         unit) in rows:
        legal_due = legal or due
        out.append(ReportRecord(
            code=code, procedure_code=pcode, procedure_name=pname, channel=int(channel),
            received_at=_parse(received),
            legal_due=_parse(legal_due) if legal_due else None,
            history=tuple(sorted(history.get(did, []), key=lambda h: h[0])),
            postponements=tuple(letters.get(did, [])), pauses=tuple(paused.get(did, [])),
            documents=tally(comps.get(did, [])), back_entered=entered is not None,
            result=result_kind(origins.get(did, ())), return_method=ret or "counter",
            unit=unit))
    return out


def server_record(body: dict[str, Any], *, unit: str, status: int,
                  province_notes: Iterable[dict[str, Any]] = (),
                  letters: Iterable[dict[str, Any]] = (),
                  result_origins: Iterable[str] = ()) -> ReportRecord:
    """A record from what the central server stores: the counter's body (with its history,
    pauses and letters), the province's own status notes and letters it issued, and where
    its results came from (``dossier_results.origin``)."""
    hist = [(parse_iso(h["at"]), int(h["status"])) for h in body.get("history") or []]
    seen = {(h[0], h[1]) for h in hist}
    for note in province_notes:
        item = (parse_iso(note["at"]), int(note["status"]))
        if item not in seen:
            hist.append(item)
    if not hist:
        hist = [(parse_iso(body["received_at"]), status)]
    hist.sort(key=lambda h: h[0])
    all_letters = {str(p.get("letter_number")): p for p in body.get("postponements") or []}
    for p in letters:
        all_letters.setdefault(str(p.get("letter_number")), p)
    posts = sorted((parse_iso(p["issued_at"]), parse_iso(p["new_due_at"]))
                   for p in all_letters.values())
    # In time order, as the counter's own records are (the open pause at a moment is the
    # latest one started).
    pauses = tuple(sorted(((parse_iso(p["started_at"]),
                            parse_iso(p["ended_at"]) if p.get("ended_at") else None)
                           for p in body.get("pauses") or []), key=lambda p: p[0]))
    # The counter never sends documents only shown at the counter; "presented" is read in
    # case another client does.
    documents = tally({"received": c.get("handed_in", True), "reused": c.get("reused", False),
                       "shown_only": c.get("presented", False),
                       "quantity": c.get("quantity", 1), "scanned": bool(c.get("pages"))}
                      for c in body.get("components") or [])
    legal = body.get("legal_due_at") or body.get("due_at")
    return ReportRecord(
        code=body["code"], procedure_code=body["procedure_code"],
        procedure_name=body.get("procedure_name", ""),
        channel=int(body.get("reception_channel") or body.get("channel") or 1),
        received_at=parse_iso(body["received_at"]),
        legal_due=parse_iso(legal) if legal else None, history=tuple(hist),
        postponements=tuple(posts), pauses=pauses, documents=documents,
        back_entered=bool(body.get("entered_at")), result=result_kind(result_origins),
        return_method=str(body.get("return_method") or "counter"), unit=unit)


def dumps(records: Iterable[ReportRecord]) -> str:
    """For debugging a report: the records as JSON lines."""
    return "\n".join(json.dumps({"code": r.code, "received_at": iso(r.received_at),
                                 "history": [[iso(a), s] for a, s in r.history]})
                     for r in records)
