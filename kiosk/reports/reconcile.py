"""Paper tracking book vs the electronic record, day by day.

The paper side is the book's daily totals (CSV ``date,count``); the electronic side counts
dossiers by their legal reception day, so a back-entered dossier counts on its paper day.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from kiosk.errors import InvalidInput
from kiosk.i18n import _
from kiosk.input_file import read_text
from kiosk.safe_text import shown
from kiosk.storage.sqlite import Database

#: The paper book's totals: a line a day, so a few hundred KB for a century of them.
MAX_PAPER_BYTES = 4 << 20
#: A header line, in English or as a Vietnamese clerk would write it.
HEADERS = ("date", "ngày", "ngay")
#: More dossiers in a day than any commune receives: a typo (or a pasted ID number).
MAX_DAILY = 100_000


def read_paper_csv(path: Path) -> dict[date, int]:
    text = read_text(path, max_bytes=MAX_PAPER_BYTES, what=_("tệp CSV"))
    out: dict[date, int] = {}
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    # Excel under a Vietnamese locale separates fields with ";" (the decimal mark is ",").
    reader = csv.reader(lines, delimiter=";" if ";" in first and "," not in first else ",")
    for n, row in enumerate(reader, start=1):
        if not row or not "".join(row).strip():
            continue
        if n == 1 and row[0].strip().lower() in HEADERS:
            continue
        if len(row) < 2:
            raise InvalidInput(_("Dòng {n} của {path} cần hai cột: ngày,số hồ sơ.", n=n,
                                 path=str(path)), hint=_("Ví dụ: 2026-11-02,14"))
        try:
            day = date.fromisoformat(row[0].strip())
            count = int(row[1].strip())
        except ValueError:
            raise InvalidInput(
                _("Dòng {n} của {path} không hợp lệ: «{line}».", n=n, path=str(path),
                  line=shown(",".join(row), limit=120)),
                hint=_("Ngày dạng YYYY-MM-DD, số hồ sơ là số nguyên không âm.")) from None
        if count > MAX_DAILY:
            raise InvalidInput(_("Dòng {n} của {path}: {count} hồ sơ một ngày là quá nhiều.",
                                 n=n, path=str(path), count=count),
                               hint=_("Số hồ sơ là số nguyên không âm, tối đa {max}.",
                                      max=MAX_DAILY))
        if count < 0:
            raise InvalidInput(_("Dòng {n} của {path}: số hồ sơ không được âm.", n=n,
                                 path=str(path)))
        if day in out:
            raise InvalidInput(_("Ngày {day} xuất hiện hai lần trong {path}.",
                                 day=day.isoformat(), path=str(path)))
        out[day] = count
    return out


def electronic_counts(db: Database, first: date, last: date) -> dict[date, int]:
    rows = db.execute("SELECT substr(received_at, 1, 10), count(*) FROM dossiers WHERE "
                      "substr(received_at, 1, 10) BETWEEN ? AND ? GROUP BY 1",
                      (first.isoformat(), last.isoformat())).fetchall()
    return {date.fromisoformat(d): int(n) for d, n in rows}


def reconcile(paper: dict[date, int], electronic: dict[date, int], first: date,
              last: date) -> list[dict[str, Any]]:
    """One line per day of the period, then ``{"date": "total", ...}``."""
    lines: list[dict[str, Any]] = []
    day = first
    while day <= last:
        p, e = paper.get(day, 0), electronic.get(day, 0)
        lines.append({"date": day.isoformat(), "paper": p, "electronic": e,
                      "difference": e - p})
        day += timedelta(days=1)
    tp = sum(int(x["paper"]) for x in lines)
    te = sum(int(x["electronic"]) for x in lines)
    lines.append({"date": "total", "paper": tp, "electronic": te, "difference": te - tp,
                  "days_differing": sum(1 for x in lines if x["difference"])})
    return lines
