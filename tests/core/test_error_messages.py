"""Errors about bad input must themselves be printable, whatever the input was."""

from __future__ import annotations

import json
from pathlib import Path

from kiosk.catalog import parse_catalog
from kiosk.errors import InvalidInput


def test_an_error_echoing_bytes_that_were_not_utf8_can_still_be_printed() -> None:
    error = InvalidInput("thủ tục 1.001\udcff193 không có", hint="Sửa \udcfe rồi nhập lại")
    assert "\\udcff" in error.message and "\\udcfe" in (error.hint or "")
    str(error).encode("utf-8")
    json.dumps(error.to_json(), ensure_ascii=False).encode("utf-8")


SAMPLE_CATALOG = Path(__file__).resolve().parents[2] / "assets" / "catalog" / "sample-catalog.json"


def test_a_group_member_with_a_lone_surrogate_is_refused_in_words() -> None:
    # Found by the catalog fuzzer: the message naming the unknown member echoed the
    # surrogate, and printing the refusal failed.
    data = json.loads(SAMPLE_CATALOG.read_text(encoding="utf-8"))
    data["groups"][0]["procedures"][0] = "1.001\udcff193"
    try:
        parse_catalog(data)
    except InvalidInput as exc:
        assert "có ký tự không hợp lệ" in exc.message
        exc.message.encode("utf-8")
    else:
        raise AssertionError("a member code with a lone surrogate was accepted")
