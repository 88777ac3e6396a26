"""Where the app keeps its files without KIOSK_HOME: the same folders platformdirs names."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs
import pytest

from kiosk import paths


@pytest.mark.skipif(sys.platform != "linux", reason="the inlined XDG lookup is Linux only")
@pytest.mark.parametrize("xdg", [None, "", "   ", "/srv/xdg base", "relative/dir"])
def test_config_and_data_folders_match_platformdirs(
    xdg: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("KIOSK_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        if xdg is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, xdg)
    assert paths.config_dir() == Path(platformdirs.user_config_dir("kiosk"))
    assert paths.data_dir() == Path(platformdirs.user_data_dir("kiosk"))
    assert paths.database_file().parent == paths.data_dir()


def test_kiosk_home_holds_everything(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KIOSK_HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", "/elsewhere")
    assert paths.config_file() == tmp_path / "config.toml"
    assert paths.files_dir() == tmp_path / "data" / "files"
