"""``json.dumps(value, ensure_ascii=False)``, the same text, with less work per call.

The audit entry and the outbox payload are encoded on every save. ``json.dumps`` makes a
``JSONEncoder`` each time, and ``JSONEncoder.encode`` then makes the C encoder and goes
through two Python frames before the C code runs. This module makes the C encoder once
with the very arguments ``json.dumps(…, ensure_ascii=False)`` gives it; what it writes is
the same, byte for byte (tests/storage/test_json_text.py), except that a value containing
itself raises ``RecursionError`` instead of ``ValueError`` (no stored record does). Where the
C accelerator is missing, the standard encoder does the work.
"""

from __future__ import annotations

import json
from json import encoder
from typing import Any

_STANDARD = json.JSONEncoder(ensure_ascii=False)
_C = getattr(encoder, "c_make_encoder", None)
_ENCODE = None if _C is None else _C(
    None, _STANDARD.default, encoder.encode_basestring, None, ": ", ", ", False, False, True)


def dumps(value: Any) -> str:
    """The text of ``json.dumps(value, ensure_ascii=False)``."""
    if _ENCODE is None or isinstance(value, str):
        return _STANDARD.encode(value)
    return "".join(_ENCODE(value, 0))
