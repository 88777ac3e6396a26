"""The TTHC resolution statistics for a period: a pure function over report records.

Definitions (docs/REPORTS.md says the same for the people who read the numbers):

- The period is ``date_from`` 00:00 to the end of ``date_to`` (+07:00).
- **Resolved** means the dossier reached portal status 9 (Đã xử lý xong) or 10 (Đã trả kết
  quả) — its first such time. Refused (3), withdrawn (7) and stopped (8) dossiers end
  without a result: they are counted in ``closed_without_result``, never as resolved.
- **carried_over**: received before the period and neither resolved nor closed at its start.
  ``received.total`` = carried_over + new; ``new`` = received within the period (legal,
  i.e. paper, reception time).
- **early / on_time / late** compare the resolution time with the *legal* due (processing
  time + supplement pauses; apology letters do not move it): late after the due time, early
  on an earlier calendar day, on time otherwise.
- **pending**: received by ``judged_at`` (the period's end, or the report's ``as_of`` when
  that comes first) and neither resolved nor closed then, split by the due in force at
  that moment (the legal due or a later letter's date issued by then); a dossier waiting
  for a supplement is overdue only if its due had passed when its clock stopped.
- **digitised**: new dossiers with at least one document that counts, every one of them
  scanned or reused (:mod:`kiosk.reports.digitisation`: shown-only and absent documents
  never count). ``online_share`` is a fraction of ``new``; ``digitised_share`` of the new
  dossiers with documents to digitise; ``on_time_rate`` = (early + on_time) / resolved.
- **results** of the dossiers returned in the period: issued ``electronic``ally by the
  province, ``scanned`` (a paper result digitised at hand-over) or ``unscanned``;
  ``results_digitised_share`` = (electronic + scanned) / returned; ``reused_share`` =
  reused documents / documents that count (new dossiers).
  Shares are rounded to 4 places, null when the denominator is 0.

Sections are built by the functions in :data:`SECTIONS`, each adding its keys to the
report of one group of records; another section (satisfaction, queue waits) is one more
builder appended there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from kiosk.clock import TZ, iso
from kiosk.dossier import Channel, Status
from kiosk.reports.records import CLOSED, RESOLVED, ReportRecord

__all__ = ["CLOSED", "RESOLVED", "SECTIONS", "Period", "ReportRecord", "by_month", "summary"]


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date
    #: The report's "now": a period not yet over is judged at this moment, not at its end.
    as_of: datetime | None = None
    start: datetime = field(init=False, compare=False)
    #: The first instant after the period.
    end: datetime = field(init=False, compare=False)
    #: When pending dossiers are judged (due or overdue, awaiting a supplement): the end
    #: of the period, or ``as_of`` when that comes first. Judging a period that is still
    #: running at its end would call overdue a dossier due later today, which Home (judged
    #: now) does not: the same moment must give the same number.
    judged_at: datetime = field(init=False, compare=False)

    def __post_init__(self) -> None:
        start = datetime.combine(self.date_from, time(), TZ)
        end = datetime.combine(self.date_to + timedelta(days=1), time(), TZ)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        judged = end if self.as_of is None else max(start, min(end, self.as_of))
        object.__setattr__(self, "judged_at", judged)

    def contains(self, at: datetime | None) -> bool:
        return at is not None and self.start <= at < self.end


def first_at(rec: ReportRecord, statuses: frozenset[int]) -> datetime | None:
    return next((at for at, s in rec.history if s in statuses), None)


def resolved_at(rec: ReportRecord) -> datetime | None:
    return rec.resolved_at


def _ended_before(rec: ReportRecord, at: datetime) -> bool:
    return rec.ended_at is not None and rec.ended_at < at


def status_at(rec: ReportRecord, at: datetime) -> int | None:
    current = None
    for when, status in rec.history:
        if when >= at:
            break
        current = status
    return current


def due_at(rec: ReportRecord, at: datetime) -> datetime | None:
    """The due in force at ``at``: the legal one, or a later letter's date issued by then."""
    due = rec.legal_due
    for issued, new_due in rec.postponements:
        if issued < at and (due is None or new_due > due):
            due = new_due
    return due


def judge(rec: ReportRecord) -> str:
    """early / on_time / late of a resolved dossier against its legal due."""
    finished = resolved_at(rec)
    assert finished is not None
    if rec.legal_due is None or finished <= rec.legal_due:
        if rec.legal_due is not None and finished.date() < rec.legal_due.date():
            return "early"
        return "on_time"
    return "late"


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# --- sections -----------------------------------------------------------------------------

Section = Callable[[Sequence[ReportRecord], Period, dict[str, Any]], None]


def received_section(recs: Sequence[ReportRecord], period: Period, out: dict[str, Any]) -> None:
    new = [r for r in recs if period.contains(r.received_at)]
    carried = [r for r in recs if r.received_at < period.start
               and not _ended_before(r, period.start)]
    by_channel = {c: sum(1 for r in new if r.channel == c) for c in Channel}
    out["received"] = {
        "total": len(carried) + len(new), "carried_over": len(carried), "new": len(new),
        "online": by_channel[Channel.ONLINE], "direct": by_channel[Channel.COUNTER],
        "postal": by_channel[Channel.POSTAL], "other": by_channel[Channel.OTHER],
        "back_entered": sum(1 for r in new if r.back_entered),
    }


def resolved_section(recs: Sequence[ReportRecord], period: Period, out: dict[str, Any]) -> None:
    done = [r for r in recs if period.contains(resolved_at(r))]
    verdicts = [judge(r) for r in done]
    out["resolved"] = {"total": len(done), "early": verdicts.count("early"),
                       "on_time": verdicts.count("on_time"), "late": verdicts.count("late")}
    out["returned"] = sum(1 for r in recs if period.contains(r.returned_at))
    out["late_with_apology"] = sum(1 for r, v in zip(done, verdicts, strict=True)
                                   if v == "late" and r.postponements)
    out["closed_without_result"] = sum(1 for r in recs if period.contains(r.closed_at))


def is_overdue_at(rec: ReportRecord, at: datetime) -> bool | None:
    """Whether ``rec`` is overdue at ``at``; None when it is not pending then (not yet
    received, or resolved or closed before ``at``). The one definition of "overdue at a
    moment": Home's count (:func:`kiosk.storage.late.overdue`) says the same in SQL."""
    if rec.received_at >= at or _ended_before(rec, at):
        return None
    due = due_at(rec, at)
    moment = at
    if status_at(rec, at) == Status.SUPPLEMENT:
        # Waiting for a supplement: the clock stopped when it was asked for.
        open_pause = [a for a, b in rec.pauses if a < at and (b is None or b >= at)]
        if open_pause:
            moment = open_pause[-1]
    return due is not None and due < moment


def pending_section(recs: Sequence[ReportRecord], period: Period, out: dict[str, Any]) -> None:
    not_due = overdue = 0
    for r in recs:
        verdict = is_overdue_at(r, period.judged_at)
        if verdict is None:
            continue
        if verdict:
            overdue += 1
        else:
            not_due += 1
    out["pending"] = {"total": not_due + overdue, "not_due": not_due, "overdue": overdue}


def supplement_section(recs: Sequence[ReportRecord], period: Period,
                       out: dict[str, Any]) -> None:
    end = period.judged_at
    out["supplement"] = {
        "requested": sum(1 for r in recs for a, _b in r.pauses if period.contains(a)),
        "awaiting": sum(1 for r in recs if r.received_at < end and not _ended_before(r, end)
                        and status_at(r, end) == Status.SUPPLEMENT),
    }


def shares_section(recs: Sequence[ReportRecord], period: Period, out: dict[str, Any]) -> None:
    new = [r for r in recs if period.contains(r.received_at)]
    with_documents = [r for r in new if r.documents.has_documents]
    digitised = sum(1 for r in with_documents if r.documents.digitised)
    out["digitised"] = digitised
    out["digitisation"] = {
        "dossiers": len(with_documents),
        "documents": sum(r.documents.documents for r in new),
        "scanned": sum(r.documents.scanned for r in new),
        "reused": sum(r.documents.reused for r in new),
    }
    out["online_share"] = _share(out["received"]["online"], len(new))
    out["digitised_share"] = _share(digitised, len(with_documents))
    resolved = out["resolved"]
    out["on_time_rate"] = _share(resolved["early"] + resolved["on_time"], resolved["total"])
    returned = [r for r in recs if period.contains(r.returned_at)]
    electronic = sum(1 for r in returned if r.result == "electronic")
    scanned = sum(1 for r in returned if r.result == "scanned")
    out["results"] = {"returned": len(returned), "electronic": electronic,
                      "scanned": scanned, "unscanned": len(returned) - electronic - scanned}
    out["results_digitised_share"] = _share(electronic + scanned, len(returned))
    out["reused_share"] = _share(out["digitisation"]["reused"],
                                 out["digitisation"]["documents"])


#: Run in order for the whole unit and for each procedure.
SECTIONS: list[Section] = [received_section, resolved_section, pending_section,
                           supplement_section, shares_section]


def counts(recs: Sequence[ReportRecord], period: Period,
           sections: Sequence[Section] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for section in SECTIONS if sections is None else sections:
        section(recs, period, out)
    return out


def _relevant(recs: Iterable[ReportRecord], period: Period) -> list[ReportRecord]:
    # Only dossiers that can touch the period: received by its end, not ended before it.
    return [r for r in recs if r.received_at < period.end and not _ended_before(r, period.start)]


def summary(records: Iterable[ReportRecord], date_from: date, date_to: date, *,
            unit: str = "", procedure: str | None = None,
            sections: Sequence[Section] | None = None,
            as_of: datetime | None = None) -> dict[str, Any]:
    """The report of ``records`` for the period (``procedure``: only that procedure).

    ``as_of`` is the moment the report is made: a period not yet over has its pending
    dossiers judged then (``judged_at``), not at its end."""
    period = Period(date_from, date_to, as_of)
    recs = _relevant(records, period)
    if procedure:
        recs = [r for r in recs if r.procedure_code == procedure]
    out: dict[str, Any] = {"from": date_from.isoformat(), "to": date_to.isoformat(),
                           "unit": unit, "judged_at": iso(period.judged_at)}
    out.update(counts(recs, period, sections))
    groups: dict[str, list[ReportRecord]] = {}
    for r in recs:
        groups.setdefault(r.procedure_code, []).append(r)
    out["by_procedure"] = [
        {"code": code, "name": groups[code][0].procedure_name,
         **counts(groups[code], period, sections)}
        for code in sorted(groups)
    ]
    return out


def by_month(records: Iterable[ReportRecord], date_from: date, date_to: date
             ) -> list[dict[str, Any]]:
    """On time (early included) and late resolutions per calendar month, for the chart."""
    recs = list(records)
    out = []
    month = date(date_from.year, date_from.month, 1)
    while month <= date_to:
        nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        period = Period(max(month, date_from), min(nxt - timedelta(days=1), date_to))
        verdicts = [judge(r) for r in recs if period.contains(resolved_at(r))]
        out.append({"month": f"{month:%Y-%m}", "on_time": len(verdicts) - verdicts.count("late"),
                    "late": verdicts.count("late")})
        month = nxt
    return out
