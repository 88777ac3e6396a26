"""This counter's machine id, sent with every request to the central server
(``Kiosk-Machine``): the server binds a device token to the first machine that uses it, so a
token copied to a second machine is refused there.

The id mixes the OS's ``/etc/machine-id`` with a random id this counter stores once in its
data directory. Either alone falls short: counters installed from one disk image share the
OS id, and a data directory copied to another machine carries the stored one. Only a hash
leaves the machine.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from kiosk import paths
from kiosk.errors import ConfigError
from kiosk.i18n import _

HEADER = "Kiosk-Machine"
SYSTEM_ID_FILES = (Path("/etc/machine-id"), Path("/var/lib/dbus/machine-id"))
LOCAL_ID_FILE = "machine-id"


def _system_id() -> str:
    for path in SYSTEM_ID_FILES:
        try:
            value = path.read_text(encoding="ascii", errors="replace").strip()
        except OSError:
            continue
        if value:
            return value
    return ""


def _local_id(directory: Path) -> str:
    path = directory / LOCAL_ID_FILE
    try:
        value = path.read_text(encoding="ascii").strip()
        if len(value) == 32 and all(c in "0123456789abcdef" for c in value):
            return value
    except (OSError, UnicodeDecodeError):
        pass
    value = secrets.token_hex(16)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{LOCAL_ID_FILE}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, value.encode() + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        # Two processes starting together: link() never replaces, so the first one wins
        # and both read the winner.
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        return path.read_text(encoding="ascii").strip()
    except OSError as exc:
        raise ConfigError(
            _("Không ghi được mã máy vào {path}: {error}", path=str(path),
              error=exc.strerror or str(exc)),
            hint=_("Kiểm tra quyền ghi và dung lượng thư mục dữ liệu của quầy.")) from exc


def machine_id(data_dir: Path | None = None) -> str:
    """sha256 (hex) of the OS id and this counter's stored random id."""
    local = _local_id(data_dir or paths.data_dir())
    return hashlib.sha256(f"kiosk-machine\n{_system_id()}\n{local}".encode()).hexdigest()
