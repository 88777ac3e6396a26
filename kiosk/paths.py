"""Where the app keeps its files.

``KIOSK_HOME``, when set, holds everything (config and data): tests and several counters on
one machine rely on it. Otherwise the platform's config and data directories are used.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "kiosk"
ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"


def home() -> Path | None:
    value = os.environ.get("KIOSK_HOME")
    return Path(value).expanduser().resolve() if value else None


def _xdg(variable: str, default: str) -> Path:
    """The XDG base directory ``variable`` names, as platformdirs reads it on Linux; inlined
    because importing platformdirs was a tenth of every CLI command's start-up."""
    value = os.environ.get(variable, "")
    # The XDG spec: an empty or relative value is invalid and the default applies.
    if not value.strip() or not os.path.isabs(value):
        value = os.path.expanduser(default)
    return Path(value) / APP_NAME


def config_dir() -> Path:
    h = home()
    if h:
        return h
    if sys.platform == "linux":
        return _xdg("XDG_CONFIG_HOME", "~/.config")
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    h = home()
    if h:
        return h / "data"
    if sys.platform == "linux":
        return _xdg("XDG_DATA_HOME", "~/.local/share")
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))


def config_file() -> Path:
    return config_dir() / "config.toml"


def database_file() -> Path:
    return data_dir() / "kiosk.sqlite3"


def files_dir() -> Path:
    """The content-addressed file store (scans, generated PDFs)."""
    return data_dir() / "files"


def asset(*parts: str) -> Path:
    return ASSETS_DIR.joinpath(*parts)
