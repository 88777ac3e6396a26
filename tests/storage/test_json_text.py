"""The save's JSON text is ``json.dumps(…, ensure_ascii=False)``'s, byte for byte."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest

from kiosk.storage import json_text
from kiosk.storage.store import Store
from tests.storage.helpers import make_input


@pytest.mark.parametrize("value", [
    {"code": "000.00.04.H40-261207-1001", "procedure": "1.004873"},
    {"name": "Nguyễn Thị Hương", "note": "Ghi chú \"trích\" \\ \n\t\u0000 \ud800", "n": None,
     "ok": True, "no": False, "x": 1.5, "big": 10**30, "neg": -0.0, "inf": math.inf,
     "nan": math.nan, "list": [[], {}, [1, [2, {"a": "b"}]]], "": ""},
    "plain text", 12, 3.25, None, [], {},
])
def test_same_text_as_json_dumps(value: Any) -> None:
    assert json_text.dumps(value) == json.dumps(value, ensure_ascii=False)


def test_same_text_for_random_records() -> None:
    rng = random.Random(28)
    alphabet = "aăâbcdđeêghiklmnoôơpqrstuưvxyÀÁẠẢÃàáạảã0123456789 \"\\/\n\t\x01€𝄞"

    def value(depth: int) -> Any:
        kind = rng.randrange(8 if depth < 4 else 5)
        if kind == 0:
            return "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))
        if kind == 1:
            return rng.randrange(-10**12, 10**12)
        if kind == 2:
            return rng.uniform(-1e6, 1e6)
        if kind == 3:
            return rng.choice([None, True, False])
        if kind == 4:
            return ""
        if kind in (5, 6):
            return {"".join(rng.choice(alphabet) for _ in range(rng.randrange(6))):
                    value(depth + 1) for _ in range(rng.randrange(5))}
        return [value(depth + 1) for _ in range(rng.randrange(5))]

    for _ in range(2000):
        v = value(0)
        assert json_text.dumps(v) == json.dumps(v, ensure_ascii=False)


def test_the_saved_payload_and_audit_are_json_dumps_text(store: Store) -> None:
    saved = store.save_dossier(make_input(store, pages=2), actor="clerk1")

    def texts(db: Any) -> tuple[str, str]:
        payload = db.execute("SELECT payload FROM outbox WHERE dossier_id = ?",
                             (saved.id,)).fetchone()[0]
        details = db.execute("SELECT details FROM audit_log WHERE dossier_id = ?",
                             (saved.id,)).fetchone()[0]
        return payload, details

    payload, details = store.read(texts)
    assert payload == json.dumps(json.loads(payload), ensure_ascii=False)
    assert details == json.dumps({"code": saved.code, "procedure": json.loads(details)[
        "procedure"]}, ensure_ascii=False)
