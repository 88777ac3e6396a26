"""Storage fixtures: a real Store on real SQLite files under the test's KIOSK_HOME."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.storage import Store


@pytest.fixture
def store(kiosk_home: Path) -> Iterator[Store]:
    s = Store(orphan_grace_seconds=None)
    yield s
    s.close()
