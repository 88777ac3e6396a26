"""Fuzz suites: write the input counts where ``make fuzz`` asks for them."""

from __future__ import annotations

import os
from pathlib import Path

from tests.fuzz import budget


def pytest_sessionfinish(session: object, exitstatus: int) -> None:
    target = os.environ.get("KIOSK_FUZZ_REPORT")
    if target:
        budget.write_report(Path(target))
