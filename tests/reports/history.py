"""A month of counter history (November 2026) built through the real Store under a
controlled clock, and its report worked out by hand (the comments show the arithmetic).

Office hours 07:00–11:30, 13:30–17:00 (8 h a day); 24/11/2026 is a public holiday
(Vietnamese Culture Day). TTHN = 1.004873 (3 working days), BS = 2.000815 (same day,
15:00 cut-off).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kiosk import clock
from kiosk.clock import TZ
from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput, Store

TTHN, BS = "1.004873", "2.000815"


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@dataclass
class Clock:
    at: datetime = field(default_factory=lambda: t("2026-10-01T08:00"))

    def __call__(self) -> datetime:
        return self.at


@contextmanager
def controlled_clock() -> Iterator[Clock]:
    c = Clock()
    clock.set_source(c)
    try:
        yield c
    finally:
        clock.set_source(None)


def _components(store: Store, code: str, scans: str) -> list[ComponentInput]:
    """``scans``: one letter per catalog component, S scanned, N handed in without scan.
    A document the catalog asks only to be shown (the ID card) is recorded as the intake
    records it: presented, never scanned."""
    proc = store.catalog.get(code)
    out = []
    for comp, flag in zip(proc.components, scans, strict=False):
        shown = comp.form == "present"
        pages = ([PageInput(store.put_file(b"%PDF-1.4\n" + os.urandom(64)))]
                 if flag == "S" and not shown else [])
        out.append(ComponentInput(comp.name, code=comp.code, pages=pages, presented=shown))
    return out


def build(store: Store, c: Clock) -> dict[str, str]:
    """Every dossier's code by its letter. Times are set before each step."""
    codes: dict[str, str] = {}

    def receive(key: str, at: str, proc: str, *, channel: int = 1, scans: str = "SSS",
                ret: str = "counter", paper: str | None = None) -> None:
        c.at = t(at)
        inp = DossierInput(proc, ApplicantInput(f"Người nộp {key}", id_number="001158024485",
                                                address="Thôn 1, xã Mẫu", phone="0912345678"),
                           channel=channel, components=_components(store, proc, scans),
                           return_method=ret)
        if paper:
            inp.received_at, inp.back_entry = t(paper), True
        else:
            inp.received_at = t(at)
        codes[key] = store.save_dossier(inp, actor="canbo1").code

    def step(key: str, at: str, to: int, note: str = "") -> None:
        c.at = t(at)
        store.change_status(codes[key], to, "canbo2", note)

    def postpone(key: str, at: str, new_due: str, reason: str = "Chờ xác minh") -> Any:
        c.at = t(at)
        return store.postpone(codes[key], t(new_due), reason, "canbo1")

    # A: Oct 28 09:00, due Mon Nov 2 09:00, done Oct 30: ended before the period.
    receive("A", "2026-10-28T09:00", TTHN)
    step("A", "2026-10-30T10:00", 9)
    # B: Thu Oct 29 08:00 → 7 + 8 (Fri) + 8 (Mon) + 1 = due Tue Nov 3 08:00. Letter on
    # Nov 2 to Nov 4 10:00; done Nov 3 08:30 → late against the legal due, with apology.
    receive("B", "2026-10-29T08:00", TTHN)
    postpone("B", "2026-11-02T10:00", "2026-11-04T10:00")
    step("B", "2026-11-03T08:30", 9)
    step("B", "2026-11-04T09:00", 10)
    # C: Fri Oct 30 14:00 same day → due Fri 17:00; still processing: overdue at the end.
    receive("C", "2026-10-30T14:00", BS)
    step("C", "2026-10-30T15:00", 4)
    # D1: Mon Nov 2 08:00 → due Thu Nov 5 08:00; done Wed Nov 4 → early; returned Nov 5.
    receive("D1", "2026-11-02T08:00", TTHN)
    step("D1", "2026-11-04T10:00", 9)
    step("D1", "2026-11-05T09:00", 10)
    # D2: online, same day → due Mon 17:00; done 16:00 → on time.
    receive("D2", "2026-11-02T09:00", BS, channel=2, scans="SS")
    step("D2", "2026-11-02T16:00", 9)
    # D3: postal, returned by post, not scanned. Tue Nov 3 10:00 → due Fri Nov 6 10:00.
    # Supplement Wed 09:00 → Thu 09:00 = 2.5 + 3.5 + 2 = 8 office hours paused → legal
    # due Mon Nov 9 10:00; done Mon 09:00 → on time (late without the pause).
    receive("D3", "2026-11-03T10:00", TTHN, channel=3, scans="NNN", ret="post")
    step("D3", "2026-11-04T09:00", 5, "Thiếu giấy xác nhận cư trú")
    step("D3", "2026-11-05T09:00", 2)
    step("D3", "2026-11-09T09:00", 9)
    # D4: Thu Nov 5 14:00 → 3 + 8 + 8 + 5 = due Tue Nov 10 14:00; done Wed Nov 11 → late.
    receive("D4", "2026-11-05T14:00", TTHN)
    step("D4", "2026-11-11T09:00", 9)
    # D5: other channel, Fri 15:30 (after the cut-off) → due Mon 17:00; withdrawn Mon.
    receive("D5", "2026-11-06T15:30", BS, channel=4, scans="SS")
    step("D5", "2026-11-09T08:00", 7, "Công dân xin rút hồ sơ")
    # D6: back-entry of paper Tue Nov 10 08:00 typed on Nov 12; due Fri Nov 13 08:00;
    # done exactly then → on time. Not scanned.
    receive("D6", "2026-11-12T10:00", TTHN, scans="NNN", paper="2026-11-10T08:00")
    step("D6", "2026-11-13T08:00", 9)
    # D7: Mon Nov 23 09:00 → 6 + (24 Nov holiday) + 8 + 8 + 2 = due Fri Nov 27 09:00.
    # Two letters: Nov 26 → Nov 30 10:00, Nov 30 → Dec 2 10:00; pending, not yet due.
    receive("D7", "2026-11-23T09:00", TTHN)
    step("D7", "2026-11-23T10:00", 4)
    postpone("D7", "2026-11-26T10:00", "2026-11-30T10:00")
    postpone("D7", "2026-11-30T09:00", "2026-12-02T10:00", "Chờ cơ quan khác trả lời")
    # D8: Wed Nov 25 16:00 same day → due Thu Nov 26 17:00; supplement from Thu 10:00:
    # waiting at the end, not overdue (its clock stopped before the due).
    receive("D8", "2026-11-25T16:00", BS, scans="SS")
    step("D8", "2026-11-26T10:00", 5, "Thiếu bản chính")
    # D9: online, one component scanned out of three → not digitised; pending, not due.
    receive("D9", "2026-11-27T10:00", TTHN, channel=2, scans="SNN")
    # D10: after the period.
    receive("D10", "2026-12-01T09:00", TTHN)
    c.at = t("2026-12-01T10:00")
    return codes


def _counts(received: tuple[int, ...], resolved: tuple[int, ...], pending: tuple[int, ...],
            returned: int, apology: int, closed: int, supplement: tuple[int, int],
            digitised: int, shares: tuple[float | None, ...],
            documents: tuple[int, int, int, int]) -> dict[str, Any]:
    keys = ("total", "carried_over", "new", "online", "direct", "postal", "other",
            "back_entered")
    return {
        "received": dict(zip(keys, received, strict=True)),
        "resolved": dict(zip(("total", "early", "on_time", "late"), resolved, strict=True)),
        "pending": dict(zip(("total", "not_due", "overdue"), pending, strict=True)),
        "returned": returned, "late_with_apology": apology, "closed_without_result": closed,
        "supplement": {"requested": supplement[0], "awaiting": supplement[1]},
        "digitised": digitised,
        "digitisation": dict(zip(("dossiers", "documents", "scanned", "reused"), documents,
                                 strict=True)),
        "online_share": shares[0], "digitised_share": shares[1], "on_time_rate": shares[2],
        # No result is on file in this history: every returned dossier's result went
        # unscanned (tests/reports/test_summary.py has results of both kinds).
        "results": {"returned": returned, "electronic": 0, "scanned": 0,
                    "unscanned": returned},
        "results_digitised_share": 0.0 if returned else None,
        "reused_share": round(documents[3] / documents[1], 4) if documents[1] else None,
    }


#: November 2026, worked out by hand from the comments in :func:`build`.
EXPECTED_NOVEMBER: dict[str, Any] = {
    "from": "2026-11-01", "to": "2026-11-30", "unit": "000.00.04.H40",
    # Made on Dec 1, after the period: pending dossiers are judged at its end.
    "judged_at": "2026-12-01T00:00:00+07:00",
    # carried B, C; new D1–D9: online D2 D9, direct D1 D4 D6 D7 D8, postal D3, other D5.
    # resolved B(late) D1(early) D2 D3 D6(on time) D4(late); pending C(overdue) D7 D8 D9.
    # digitised D1 D2 D4 D5 D7 D8 = 6 of 9. Documents that count: two per dossier (TTHN's
    # ID card is only shown) = 18; scanned 2 × 6 (D1 D2 D4 D5 D7 D8) + 1 (D9) = 13.
    **_counts((11, 2, 9, 2, 5, 1, 1, 1), (6, 1, 3, 2), (4, 3, 1), 2, 1, 1, (2, 1), 6,
              (0.2222, 0.6667, 0.6667), (9, 18, 13, 0)),
    "by_procedure": [
        {"code": TTHN, "name": "Cấp Giấy xác nhận tình trạng hôn nhân",
         # B carried; D1 D3 D4 D6 D7 D9 new; resolved B D1 D3 D4 D6; pending D7 D9.
         **_counts((7, 1, 6, 1, 4, 1, 0, 1), (5, 1, 2, 2), (2, 2, 0), 2, 1, 0, (1, 0), 3,
                   (0.1667, 0.5, 0.6), (6, 12, 7, 0))},
        {"code": BS, "name": "",  # filled from the catalog by the test
         # C carried; D2 D5 D8 new; resolved D2; D5 withdrawn; pending C (overdue) D8.
         **_counts((4, 1, 3, 1, 1, 0, 1, 0), (1, 0, 1, 0), (2, 1, 1), 0, 0, 1, (1, 1), 3,
                   (0.3333, 1.0, 1.0), (3, 6, 6, 0))},
    ],
}
