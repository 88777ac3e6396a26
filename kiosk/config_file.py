"""The configuration file on disk: reading it safely, bringing older files forward, and a
lock for read-modify-write (``kiosk.config.Config`` is the API; this is its file side).

The file is TOML, nested by dotted key (``unit.code`` is ``[unit] code = ...``), with a
``config_version`` that :data:`UPGRADES` bring forward. Reading never blocks or floods: a
FIFO, a device, a huge or deeply nested file is a clear :class:`ConfigError`.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kiosk.errors import ConfigError
from kiosk.i18n import _

CONFIG_VERSION = 2


# --- upgrades of older files ----------------------------------------------------------------

def _upgrade_1_to_2(data: dict[str, Any]) -> None:
    # Version 1 kept office hours as one string "07:00-11:30,13:30-17:00".
    office = data.get("office", {})
    if isinstance(office.get("hours"), str):
        office["hours"] = [p.strip() for p in office["hours"].split(",") if p.strip()]


UPGRADES: dict[int, Callable[[dict[str, Any]], None]] = {1: _upgrade_1_to_2}


def upgrade_data(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """Bring a loaded file forward to :data:`CONFIG_VERSION`; a version that is not a
    whole number this program knows is a clear error."""
    raw = data.get("config_version", CONFIG_VERSION if not data else 1)
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise ConfigError(
            _("Tệp cấu hình {path} có config_version không hợp lệ «{value}».", path=str(path),
              value=str(raw)[:50]),
            hint=_("config_version là một số nguyên (hiện nay là {v}); sửa hoặc xoá dòng đó.",
                   v=CONFIG_VERSION))
    version = raw
    if version > CONFIG_VERSION:
        raise ConfigError(
            _("Tệp cấu hình được tạo bởi phiên bản mới hơn (phiên bản {v}).", v=version),
            hint=_("Hãy cập nhật phần mềm."),
        )
    while version < CONFIG_VERSION:
        UPGRADES[version](data)
        version += 1
    data["config_version"] = CONFIG_VERSION
    return data


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (a lock file beside the config) for a read-modify-write."""
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def get_nested(data: dict[str, Any], key: str) -> tuple[bool, Any]:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def set_nested(data: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    node = data
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            # A hand-edited file may hold a value where a table belongs (``unit = 5``).
            child = node[part] = {}
        node = child
    node[parts[-1]] = value


#: A config file is a few kilobytes; anything this large is not one.
MAX_CONFIG_BYTES = 1 << 20


def read_config_file(path: Path) -> dict[str, Any]:
    """Parse the TOML at ``path`` ({} when absent); anything else is a clear ConfigError.

    Opened without blocking and checked before reading: a FIFO or a device in its place must
    not hang or flood every command, and a hostile file (deep nesting) is refused."""
    import stat

    def refuse(problem: str) -> ConfigError:
        return ConfigError(
            _("Tệp cấu hình {path} bị lỗi: {error}", path=str(path), error=problem),
            hint=_("Sửa hoặc xoá tệp này rồi chạy lại."))

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise refuse(exc.strerror or str(exc)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise refuse(_("không phải tệp thường"))
        if st.st_size > MAX_CONFIG_BYTES:
            raise refuse(_("lớn quá {n} byte", n=MAX_CONFIG_BYTES))
        with os.fdopen(fd, "rb", closefd=False) as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise refuse(exc.strerror or str(exc)) from None
    finally:
        os.close(fd)
    try:
        return tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise refuse(_("không phải văn bản UTF-8")) from None
    except tomllib.TOMLDecodeError as exc:
        raise refuse(str(exc)) from None
    except RecursionError:
        raise refuse(_("lồng nhau quá sâu")) from None
