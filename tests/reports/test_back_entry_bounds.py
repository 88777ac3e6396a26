"""A back-entry's paper time is bounded on both sides: never in the future, never older than
``BACK_ENTRY_YEARS`` (a year-1 date once broke the tracking book of every later day)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _new(paper_time: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", "dossier", "new", "--procedure",
                           "1.001193", "--name", "Lê Văn Nam", "--received-on-paper",
                           paper_time], capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_paper_times_out_of_range_are_refused(kiosk_home: Path) -> None:
    # Year 1 is past the calendar's horizon (kiosk.limits), refused before any arithmetic.
    for when, words in (("0001-01-01T08:00", "1900–2200"),
                        ("1900-01-01T08:00", "đã quá 10 năm"),
                        ("2001-03-01T08:00", "đã quá 10 năm"),
                        ("2200-01-01T08:00", "còn ở tương lai"),
                        ("2999-01-01T08:00", "1900–2200")):
        r = _new(when)
        assert r.returncode == 2, (when, r.stderr)
        assert words in r.stderr and "Lỗi không mong đợi" not in r.stderr, r.stderr
    book = subprocess.run([sys.executable, "-m", "kiosk", "book", "--from", "1900-01-01",
                           "--out", str(kiosk_home / "book.pdf")], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert book.returncode == 0, book.stderr
