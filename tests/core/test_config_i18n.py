from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import i18n, paths
from kiosk.config import SETTINGS, Config
from kiosk.config_file import CONFIG_VERSION
from kiosk.errors import ConfigError


def test_kiosk_home_holds_everything(kiosk_home: Path) -> None:
    assert paths.config_file() == kiosk_home / "config.toml"
    assert paths.database_file().is_relative_to(kiosk_home)
    assert paths.files_dir().is_relative_to(kiosk_home)


def test_defaults_set_and_persist(kiosk_home: Path) -> None:
    config = Config.load()
    assert config.get("unit.code") == "000.00.04.H40"
    assert config.get("counter.number") == 1
    config.set_text("counter.number", "3")
    config.set_text("unit.code", "000.00.12.H49")
    config.set_text("unit.name", "UBND xã Hạ Long")
    config.save()
    again = Config.load()
    assert again.get("counter.number") == 3
    assert again.get("unit.name") == "UBND xã Hạ Long"
    assert "config_version" in (kiosk_home / "config.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("key", "value"),
    [("counter.number", "0"), ("counter.number", "10"), ("counter.number", "abc"),
     ("unit.code", "000 00"), ("office.hours", "11:30-07:00"), ("office.hours", "7-11"),
     ("office.hours", "07:00-12:00,11:00-17:00"), ("locale.language", "fr"),
     ("scanner.resolution", "20"), ("calendar.extra_days_off", "25/11/2026"),
     ("office.working_saturday", "maybe")],
)
def test_invalid_values_are_refused(key: str, value: str) -> None:
    config = Config.load()
    with pytest.raises(ConfigError) as err:
        config.set_text(key, value)
    assert key in err.value.message


def test_unknown_key() -> None:
    with pytest.raises(ConfigError) as err:
        Config.load().set_text("no.such.key", "1")
    assert err.value.hint


def test_every_setting_has_a_valid_default_and_description() -> None:
    for setting in SETTINGS.values():
        setting.check(setting.default)
        assert setting.description


def test_upgrade_from_version_1(kiosk_home: Path) -> None:
    (kiosk_home / "config.toml").write_text(
        'config_version = 1\n[office]\nhours = "07:30-11:30,13:30-17:00"\n', encoding="utf-8")
    config = Config.load()
    assert config.get("office.hours") == ["07:30-11:30", "13:30-17:00"]
    config.save()
    assert Config.load().as_dict()["office.hours"] == ["07:30-11:30", "13:30-17:00"]
    assert f"config_version = {CONFIG_VERSION}" in (kiosk_home / "config.toml").read_text()


def test_broken_file_is_a_clear_error(kiosk_home: Path) -> None:
    (kiosk_home / "config.toml").write_text("[unit\ncode=", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        Config.load()
    assert "config.toml" in err.value.message


def test_newer_file_is_refused(kiosk_home: Path) -> None:
    (kiosk_home / "config.toml").write_text("config_version = 99\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        Config.load()


def test_hand_edited_bad_value_falls_back_to_default(kiosk_home: Path) -> None:
    (kiosk_home / "config.toml").write_text(
        f"config_version = {CONFIG_VERSION}\n[ui]\nidle_lock_minutes = -5\n", encoding="utf-8")
    assert Config.load().get("ui.idle_lock_minutes") == 5


def test_a_bad_critical_value_is_an_error_naming_it(kiosk_home: Path) -> None:
    # Falling back would issue counter 1's codes from counter 42 (issue 22 §0).
    (kiosk_home / "config.toml").write_text(
        f"config_version = {CONFIG_VERSION}\n[counter]\nnumber = 42\n", encoding="utf-8")
    config = Config.load()
    with pytest.raises(ConfigError, match=r"counter\.number") as raised:
        config.get("counter.number")
    assert "42" in raised.value.message and "config.toml" in raised.value.message
    assert config.get_or("counter.number", 0) == 0
    assert [p.details["setting"] for p in config.problems()] == ["counter.number"]


def test_translation_switch_and_named_fields() -> None:
    msg = "Không có thiết lập {key}."
    assert i18n._(msg, key="x") == "Không có thiết lập x."
    seen: list[str] = []
    i18n.on_language_changed(seen.append)
    try:
        i18n.set_language("en")
        assert i18n._(msg, key="x") == "There is no setting x."
        assert i18n._("Chuỗi chưa dịch {n}", n=1) == "Chuỗi chưa dịch 1"
    finally:
        i18n.set_language("vi")
    assert seen == ["en", "vi"]


def test_translation_with_other_fields_is_ignored() -> None:
    catalog = i18n.parse_po('msgid "Xin chào {name}"\nmsgstr "Hello {nme}"\n')
    assert catalog == {"Xin chào {name}": "Hello {nme}"}
    assert not i18n._safe_pair("Xin chào {name}", "Hello {nme}")
    with pytest.raises(ValueError):
        i18n.field_names("Lỗi {}")


def test_english_catalog_is_consistent() -> None:
    entries = i18n.parse_po(i18n.catalog_path("en").read_text(encoding="utf-8"))
    assert entries
    bad = [k for k, v in entries.items() if not i18n._safe_pair(k, v)]
    assert bad == []


def test_language_listener_can_unsubscribe() -> None:
    seen: list[str] = []
    unsubscribe = i18n.on_language_changed(seen.append)
    unsubscribe()
    try:
        i18n.set_language("en")
    finally:
        i18n.set_language("vi")
    assert seen == []
