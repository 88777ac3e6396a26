"""Issue 12 §2: values that would break later are refused on the way in; a bad value already
stored (a hand-edited config, an old catalog file) is named — setting, file, place — when
it is met, as a clear error, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import ROOT, assert_refused, kiosk

SAMPLE = ROOT / "assets" / "catalog" / "sample-catalog.json"


def _catalog(tmp_path: Path, edit, name: str = "c.json") -> Path:  # type: ignore[no-untyped-def]
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["version"] = "2999.1.1"
    edit(data)
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False))
    return path


def _timed(data: dict) -> dict:
    return next(p for p in data["procedures"] if p["processing"]["unit"] == "working_days")


@pytest.mark.parametrize("key,value", [
    ("calendar.extra_days_off", "2026-02-30"),
    ("calendar.extra_days_off", "2026-11-20,2026-13-01"),
    ("calendar.extra_working_days", "0000-01-01"),
    ("calendar.extra_days_off", "2026-1-5"),
    ("office.hours", "17:00-07:00"),
    ("scanner.resolution", "99999999"),
    ("counter.number", "99999999999999999999999"),
    ("barcode.extra_formats", "qr,FOO"),
    ("barcode.wedge_max_gap_ms", "-5"),
    ("barcode.wedge_min_length", "0"),
    ("barcode.camera", "99999999999999999999"),
    ("ui.idle_lock_minutes", "-1"),
])
def test_config_set_refuses_values_that_break_later(key: str, value: str,
                                                    kiosk_home: Path) -> None:
    assert_refused(kiosk("config", "set", key, value))
    assert not (kiosk_home / "config.toml").exists()
    r = kiosk("due", "--received", "2026-11-20T09:00", "--working-days", "2")
    assert r.returncode == 0, r.stderr.decode()


def test_a_bad_day_already_in_the_config_file_is_named(kiosk_home: Path) -> None:
    config = kiosk_home / "config.toml"
    config.write_text('config_version = 2\n[calendar]\nextra_days_off = ["2026-02-30"]\n',
                      encoding="utf-8")
    for args in (("due", "--received", "2026-11-20T09:00", "--working-days", "2"),
                 ("dossier", "new", "--procedure", "1.001193", "--name", "Lê Văn A")):
        err = assert_refused(kiosk(*args))
        assert "calendar.extra_days_off" in err and str(config) in err and "2026-02-30" in err
        assert "kiosk config set calendar.extra_days_off" in err
    # Read-only commands still work, and the fix is the command the message names.
    assert kiosk("dossier", "list").returncode == 0
    assert kiosk("config", "set", "calendar.extra_days_off", "2026-02-27").returncode == 0
    r = kiosk("due", "--received", "2026-02-26T09:00", "--working-days", "1")
    assert r.returncode == 0 and json.loads(r.stdout)["due"].startswith("2026-03-02")


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e12", "1000000000000",
                                   "1e308", "0", "-5", "\"5\"", "true"])
def test_catalog_processing_times_that_are_not_times(value: str, tmp_path: Path) -> None:
    path = _catalog(tmp_path, lambda d: None)
    text = path.read_text(encoding="utf-8")
    marker = json.dumps(_timed(json.loads(text))["processing"], ensure_ascii=False)
    broken = json.loads(text)
    _timed(broken)["processing"]["value"] = "@@"
    path.write_text(json.dumps(broken, ensure_ascii=False).replace('"@@"', value))
    assert marker  # the catalog had a timed procedure to break
    err = assert_refused(kiosk("catalog", "import", str(path)))
    assert "procedures[" in err or "JSON" in err, err
    assert kiosk("config", "show").returncode == 0
    assert json.loads(kiosk("config", "show").stdout)["catalog.file"] == ""


@pytest.mark.parametrize("content", ["null", "[]", "\"catalog\"", "42", "{}", "", "\ufeff",
                                     '{"schema": 1, "version": "2999.1", "published": '
                                     '"2026-02-30", "procedures": []}'])
def test_catalog_files_that_hold_no_catalog(content: str, tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(content, encoding="utf-8")
    assert_refused(kiosk("catalog", "import", str(path)))
    assert json.loads(kiosk("config", "show").stdout)["catalog.file"] == ""


@pytest.mark.parametrize("edit", [
    lambda d: _timed(d)["components"][0].update(count=10**9),
    lambda d: d["procedures"][0].update(extension_days=-3),
    lambda d: d["procedures"][0].update(fees=[{"name": "Lệ phí", "amount": 10**15}]),
    lambda d: d["procedures"][0].update(fees=[{"name": "Lệ phí", "amount": 1,
                                               "tiers": [{"from": 0, "amount": -1}]}]),
    lambda d: d["procedures"][0].update(fees=[{"name": "Lệ phí", "amount": 1,
                                               "tiers": ["x"]}]),
], ids=["count", "extension", "fee", "tier", "tier-type"])
def test_catalog_numbers_out_of_range(edit, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert "procedures[" in assert_refused(kiosk("catalog", "import",
                                                 str(_catalog(tmp_path, edit))))


def test_an_imported_catalog_broken_later_is_named(tmp_path: Path, kiosk_home: Path) -> None:
    good = _catalog(tmp_path, lambda d: None)
    out = json.loads(kiosk("catalog", "import", str(good)).stdout)
    stored = Path(out["file"])
    data = json.loads(stored.read_text(encoding="utf-8"))
    _timed(data)["processing"]["value"] = "@@"
    stored.write_text(json.dumps(data, ensure_ascii=False).replace('"@@"', "NaN"),
                      encoding="utf-8")
    err = assert_refused(kiosk("due", "--received", "2026-11-20T09:00", "--procedure",
                               "1.001193"))
    assert str(stored) in err
    stored.write_text("[" * 50_000, encoding="utf-8")
    assert str(stored) in assert_refused(kiosk("catalog", "list"))
    assert kiosk("dossier", "list").returncode == 0


def test_a_catalog_spelling_a_lone_surrogate_is_refused(tmp_path: Path) -> None:
    # Found by tests/fuzz/test_fuzz_catalog.py: JSON may write "\udcff"; such a name could
    # neither be stored nor shown, and the refusal echoed it (a crash printing the message).
    path = _catalog(tmp_path, lambda d: d["procedures"][0].update(name="@@"))
    path.write_text(path.read_text(encoding="utf-8").replace('"@@"', '"Khai \\udcff sinh"'),
                    encoding="utf-8")
    err = assert_refused(kiosk("catalog", "import", str(path)))
    assert "procedures[0].name" in err


def test_the_symbology_list_is_the_decoders() -> None:
    from kiosk.config_checks import KNOWN_SYMBOLOGIES
    from kiosk.devices.barcode.decode import ZXING_FORMATS

    assert set(KNOWN_SYMBOLOGIES) == set(ZXING_FORMATS)


def test_a_bad_symbology_already_stored_falls_back(kiosk_home: Path, tmp_path: Path) -> None:
    (kiosk_home / "config.toml").write_text(
        'config_version = 2\n[barcode]\nextra_formats = ["FOO"]\ncamera = 99999999999\n',
        encoding="utf-8")
    page = tmp_path / "blank.png"
    from PIL import Image

    Image.new("L", (50, 50), 255).save(page)
    r = kiosk("decode", str(page))  # the stored FOO no longer breaks every decode
    assert r.returncode == 1 and "Không tìm thấy mã vạch" in r.stderr.decode()
