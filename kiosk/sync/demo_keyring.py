"""A keyring backend for the demo (``make run``) on machines without a Secret Service.

It keeps secrets in ``$KIOSK_HOME/demo-keyring.json`` (mode 0600). It exists so that the
embedded demo (a reference server on loopback, a throw-away token) works on a bare machine;
production counters use the desktop keyring (Secret Service), never this file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from kiosk import paths


class DemoFileKeyring(KeyringBackend):
    priority = 0.5

    @staticmethod
    def _path() -> Path:
        return paths.config_dir() / "demo-keyring.json"

    def _load(self) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self._path().read_text(encoding="utf-8"))
            return data
        except (OSError, ValueError):
            return {}

    def _save(self, data: dict[str, str]) -> None:
        path = self._path()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".keyring.")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\x00{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\x00{username}"] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\x00{username}", None) is None:
            raise PasswordDeleteError(username)
        self._save(data)
