"""Fuzzing catalog import: arbitrary JSON values, and the sample catalog with one place
replaced by an arbitrary value (or a number at the edge of what floats can hold).

Property: ``parse_catalog`` refuses with ``InvalidInput`` or gives a catalog with which
every procedure's due time can be computed (the "accepted, then breaks later" class).
"""

from __future__ import annotations

import atexit
import json
import random
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kiosk.catalog import MAX_PROCESSING, parse_catalog, read_catalog
from kiosk.clock import TZ
from kiosk.errors import InvalidInput
from kiosk.working_time import WorkingCalendar
from tests.fuzz import budget
from tests.fuzz.mutate import havoc_text

SAMPLE = json.loads((Path(__file__).resolve().parents[2] / "assets" / "catalog" /
                     "sample-catalog.json").read_text(encoding="utf-8"))
EDGE_NUMBERS = [0, -0.0, -1, 1e-300, 0.5, 3650, 3651, 29200, 29201, 10**12, 10**300, 1e308,
                float("nan"), float("inf"), float("-inf"), True, False, 2**63, -(2**63)]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) |
    st.sampled_from(EDGE_NUMBERS) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=4),
    max_leaves=12,
)


def _paths(node: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*here, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*here, i))
    return out


ALL_PATHS = [p for p in _paths(SAMPLE) if p]


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    data = json.loads(json.dumps(SAMPLE))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(ALL_PATHS))
        node = data
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = draw(json_values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed that place
    return data


CALENDAR = WorkingCalendar()
_SCRATCH = Path(tempfile.mkdtemp(prefix="kiosk-fuzz-catalog-"))
atexit.register(shutil.rmtree, _SCRATCH, True)
RECEIVED = datetime(2026, 11, 20, 16, 0, tzinfo=TZ)


def _check_one(data: Any) -> None:
    try:
        catalog = parse_catalog(data)
    except InvalidInput as exc:
        exc.message.encode("utf-8")
        return
    for proc in catalog.procedures:
        p = proc.processing
        if p.unit != "same_day":
            assert 0 < p.value <= MAX_PROCESSING[p.unit]
        CALENDAR.due(RECEIVED, p)  # accepted means usable
        json.dumps(catalog.to_json(), allow_nan=False)


@budget.settings_for(0.5)
@given(st.lists(json_values | mutated(), min_size=1, max_size=4))
def test_catalog_values_are_refused_or_usable(items: list[Any]) -> None:
    for data in items:
        _check_one(data)
    budget.count("catalog", len(items))


#: The sample catalog cut to three procedures, as text: the seed for havoc on the file.
SMALL = json.dumps({**SAMPLE, "procedures": SAMPLE["procedures"][2:5]}, ensure_ascii=False)


@budget.settings_for(0.2)
@given(st.integers(0, 2**63).map(random.Random))
def test_catalog_text_mutants_are_refused_or_usable(rng: random.Random) -> None:
    n = budget.batch(20)
    for text in havoc_text(SMALL, rng, n):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            continue  # read_catalog's own refusal, tested below
        budget.check(_check_one, data)
    budget.count("catalog", n)


@budget.settings_for(0.25)
@given(st.binary(max_size=400) | st.sampled_from([b"null", b"NaN", b"[" * 5000, b"\xef\xbb\xbf{}",
                                                  b'{"schema": 1e999}']))
def test_catalog_files_are_refused_or_usable(raw: bytes) -> None:
    path = _SCRATCH / "c.json"
    path.write_bytes(raw)
    try:
        read_catalog(path)
    except InvalidInput:
        pass
    budget.count("catalog", 1)
