"""Vietnamese date/amount formatting and the template-set files."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from kiosk.clock import TZ
from kiosk.errors import ConfigError
from kiosk.forms.templates import KINDS, available_sets, load_set, parse_set, sets_dir
from kiosk.forms.vnformat import (
    format_amount,
    format_date_vn,
    format_datetime_vn,
    format_short_datetime,
    group_thousands,
)


def test_dates_and_times_as_on_official_forms() -> None:
    assert format_datetime_vn(datetime(2026, 11, 25, 16, 30, tzinfo=TZ)) == (
        "16 giờ 30 phút, ngày 25 tháng 11 năm 2026")
    # NĐ 30/2020: days below 10 and months 1–2 take a leading zero, other months do not.
    assert format_date_vn(date(2026, 1, 5)) == "ngày 05 tháng 01 năm 2026"
    assert format_date_vn(date(2026, 3, 9)) == "ngày 09 tháng 3 năm 2026"
    assert format_date_vn(date(2026, 2, 28)) == "ngày 28 tháng 02 năm 2026"
    # An aware UTC time is shown in the counter's zone (+07:00): 20:00 UTC is 03:00 next day.
    utc = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
    assert format_datetime_vn(utc) == "03 giờ 00 phút, ngày 25 tháng 11 năm 2026"
    assert format_short_datetime(utc) == "03:00 25/11/2026"


def test_amounts_in_dong() -> None:
    assert format_amount(8000) == "8.000 đồng"
    assert format_amount(200000) == "200.000 đồng"
    assert format_amount(1234567) == "1.234.567 đồng"
    assert format_amount(500) == "500 đồng"
    assert format_amount(Decimal("2499.5")) == "2.500 đồng"
    assert format_amount(0) == "Không thu phí"
    assert format_amount(None, free_text="Miễn phí") == "Miễn phí"
    assert group_thousands(-1000) == "-1.000"


def test_shipped_sets_are_complete() -> None:
    assert available_sets() == ["tt01-2018", "tt03-2025"]
    old, new = load_set("tt01-2018"), load_set("tt03-2025")
    assert sorted(old.forms) == ["01", "02", "03", "04", "05", "06"]
    assert sorted(new.forms) == ["01", "02", "03", "04", "05", "06", "07"]
    assert {t.kind for t in new.forms.values()} == set(KINDS)
    assert new.form("7").kind == "book"  # "7" and "07" both name Mẫu 07


def _write(tmp_path: Path, data: dict[str, object]) -> Path:
    path = tmp_path / "x.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_typo_in_a_set_file_fails_at_load_with_the_label_named(tmp_path: Path) -> None:
    data = json.loads((sets_dir() / "tt03-2025.json").read_text(encoding="utf-8"))
    data["forms"]["01"]["labels"]["due"] = "Hẹn trả {due_tim}"
    with pytest.raises(ConfigError, match=r"forms\.01\.labels\.due: \{due_tim\}"):
        parse_set(_write(tmp_path, data), data)
    data["forms"]["01"]["labels"]["due"] = "Hẹn trả {0}"
    with pytest.raises(ConfigError, match="không hợp lệ"):
        parse_set(_write(tmp_path, data), data)
    data["forms"]["01"]["labels"]["due"] = "Hẹn trả"
    data["forms"]["01"]["kind"] = "poster"
    with pytest.raises(ConfigError, match="poster"):
        parse_set(_write(tmp_path, data), data)
    del data["forms"]
    with pytest.raises(ConfigError, match="KeyError"):
        parse_set(_write(tmp_path, data), data)


def test_missing_label_is_a_clear_error() -> None:
    tpl = load_set("tt03-2025").form("01")
    with pytest.raises(ConfigError, match="thiếu nhãn «khong_co»"):
        tpl.label("khong_co")
