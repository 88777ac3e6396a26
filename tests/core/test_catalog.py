from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from kiosk.catalog import SAMPLE_CATALOG, import_catalog, load_catalog, parse_catalog
from kiosk.config import Config
from kiosk.errors import InvalidInput, NotFound
from kiosk.text import fold

DOMAIN_CODES = {"1.001193", "1.000656", "1.000894", "2.000806", "1.004873", "2.000635",
                "1.004859", "1.004884", "1.001022", "1.004837", "2.000815", "2.000884",
                "2.001035", "2.001019", "1.001612", "1.004222", "1.004194"}


def sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE_CATALOG.read_text(encoding="utf-8"))
    return data


def test_sample_has_the_domain_procedures() -> None:
    cat = load_catalog()
    assert {p.code for p in cat.procedures} >= DOMAIN_CODES
    for p in cat.procedures:
        assert p.components, p.code
        assert p.field and p.name
    assert cat.get("1.001193").processing.unit == "same_day"
    assert cat.get("1.004873").processing.value == 3


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("chung thuc", "Chứng thực bản sao từ bản chính"),
        ("dang ky khai sinh", "Đăng ký khai sinh"),
        ("ĐĂNG KÝ KHAI SINH", "Đăng ký khai sinh"),
        ("ket hon", "Đăng ký kết hôn"),
        ("1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân"),
        ("tam tru", "Đăng ký tạm trú"),
    ],
)
def test_search_ignores_diacritics_and_case(query: str, expected: str) -> None:
    found = load_catalog().search(query)
    assert found, query
    assert found[0].name.startswith(expected)


def test_search_ranks_by_usage_when_equal() -> None:
    cat = load_catalog()
    plain = [p.code for p in cat.search("chung thuc")]
    used = [p.code for p in cat.search("chung thuc", usage={"2.001019": 50})]
    assert used[0] == "2.001019" or used.index("2.001019") < plain.index("2.001019")
    assert cat.search("khong co thu tuc nay") == []


def test_fee_tiers_and_cap() -> None:
    fee = load_catalog().get("2.000815").fees[0]
    assert fee.total(1) == 2000
    assert fee.total(2) == 4000
    assert fee.total(5) == 7000  # 2 × 2.000 + 3 × 1.000
    assert fee.total(1000) == 200000
    assert load_catalog().get("2.000635").fees[0].total(3) == 24000


def test_unknown_procedure_is_a_clear_error() -> None:
    with pytest.raises(NotFound) as err:
        load_catalog().get("9.999999")
    assert "9.999999" in err.value.message


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_import_newer_catalog(tmp_path: Path) -> None:
    data = sample()
    data["version"] = "2026.1.0"
    data["procedures"][0]["name"] = "Đăng ký khai sinh (mới)"
    cat = import_catalog(_write(tmp_path, data))
    assert cat.version == "2026.1.0"
    again = load_catalog(Config.load())
    assert again.version == "2026.1.0"
    assert again.get("1.001193").name == "Đăng ký khai sinh (mới)"
    assert again.path is not None and again.path.is_relative_to(Path(Config.load().path).parent)


def test_import_refuses_older_unless_forced(tmp_path: Path) -> None:
    data = sample()
    data["version"] = "2020.1.0"
    with pytest.raises(InvalidInput) as err:
        import_catalog(_write(tmp_path, data))
    assert "2020.1.0" in err.value.message
    assert load_catalog().version != "2020.1.0"
    assert import_catalog(_write(tmp_path, data), force=True).version == "2020.1.0"


def _broken(mutate: Any) -> dict[str, Any]:
    data = copy.deepcopy(sample())
    data["version"] = "2099.1.0"
    mutate(data)
    return data


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d.pop("procedures"), "catalog.procedures"),
        (lambda d: d.__setitem__("procedures", []), "catalog.procedures"),
        (lambda d: d.__setitem__("schema", 9), "catalog.schema"),
        (lambda d: d.__setitem__("version", "abc"), "catalog.version"),
        (lambda d: d["procedures"][2].__setitem__("code", "12345"), "procedures[2].code"),
        (lambda d: d["procedures"][1]["processing"].__setitem__("unit", "weeks"),
         "procedures[1].processing.unit"),
        (lambda d: d["procedures"][3]["processing"].__setitem__("value", 0),
         "procedures[3].processing.value"),
        (lambda d: d["procedures"][0]["components"][0].__setitem__("form", "scan"),
         "procedures[0].components[0].form"),
        (lambda d: d["procedures"][0]["components"][1].pop("name"),
         "procedures[0].components[1].name"),
        (lambda d: d["procedures"][5]["fees"][0].__setitem__("amount", -1),
         "procedures[5].fees[0].amount"),
        (lambda d: d["procedures"][4].__setitem__("code", d["procedures"][0]["code"]),
         "procedures[4].code"),
    ],
)
def test_import_validation_names_the_place(tmp_path: Path, mutate: Any, where: str) -> None:
    before = load_catalog().version
    with pytest.raises(InvalidInput) as err:
        import_catalog(_write(tmp_path, _broken(mutate)))
    assert where in err.value.message
    assert load_catalog().version == before


def test_import_rejects_non_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidInput):
        import_catalog(path)


def test_round_trip() -> None:
    cat = load_catalog()
    assert parse_catalog(json.loads(json.dumps(cat.to_json()))).procedures == cat.procedures


@pytest.mark.parametrize(
    ("text", "key"),
    [("Đăng Ký  Khai Sinh", "dang ky khai sinh"), ("CHỨNG THỰC", "chung thuc"),
     ("Nguyễn Thị Ưng Ánh", "nguyen thi ung anh")],
)
def test_fold(text: str, key: str) -> None:
    assert fold(text) == key
