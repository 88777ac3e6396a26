"""Per-device scan defaults, remembered between sessions.

A small JSON file under the data directory, keyed by the SANE device name: the source,
resolution and mode the clerk last used successfully on that scanner. Config (``scanner.*``)
gives the starting values; what is remembered for the device wins over config, and an
explicit choice (CLI flag, UI) wins over both.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from kiosk import paths
from kiosk.devices.scanner.protocol import Mode, ScanSettings, Source


def defaults_file() -> Path:
    return paths.data_dir() / "scanner-defaults.json"


def load_all(path: Path | None = None) -> dict[str, dict[str, Any]]:
    path = path or defaults_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (ValueError, UnicodeDecodeError):
        # A damaged file only costs the remembered choices; never block scanning for it.
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def remembered(device: str, path: Path | None = None) -> dict[str, Any]:
    return dict(load_all(path).get(device, {}))


def remember(device: str, settings: ScanSettings, path: Path | None = None) -> None:
    path = path or defaults_file()
    data = load_all(path)
    data[device] = {"source": settings.source.value, "resolution": settings.resolution,
                    "mode": settings.mode.value}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".scanner-defaults.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def resolve_settings(
    device: str,
    config: Any,
    *,
    source: str | None = None,
    resolution: int | None = None,
    mode: str | None = None,
    path: Path | None = None,
) -> ScanSettings:
    """Explicit choice > remembered for this device > config > built-in defaults."""
    saved = remembered(device, path)

    def pick(explicit: Any, key: str) -> Any:
        if explicit is not None:
            return explicit
        if key in saved:
            return saved[key]
        return config.get(f"scanner.{key}")

    try:
        return ScanSettings(
            source=Source(pick(source, "source")),
            resolution=int(pick(resolution, "resolution")),
            mode=Mode(pick(mode, "mode")),
        )
    except ValueError:
        # A remembered value from an older version that no longer parses: use config.
        return ScanSettings(
            source=Source(source or config.get("scanner.source")),
            resolution=int(resolution or config.get("scanner.resolution")),
            mode=Mode(mode or config.get("scanner.mode")),
        )
