"""Where the app keeps its files.

``KIOSK_HOME``, when set, holds everything (config and data): tests and several counters on
one machine rely on it. Otherwise the platform's config and data directories are used.
"""

from __future__ import annotations

import contextlib
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


def not_a_file_to_replace(path: Path) -> str | None:
    """Why writing a file at ``path`` must be refused, or None.

    Whatever stands there now must be a regular file (or nothing): a rename over a device
    node, a FIFO or a socket would replace it (``/dev/null`` as root), and a loop of
    symbolic links has no target at all."""
    import errno
    import stat

    from kiosk.i18n import _

    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return _("đường dẫn là một vòng liên kết tượng trưng")
        return exc.strerror or str(exc)
    if stat.S_ISDIR(st.st_mode):
        return _("đó là một thư mục")
    if not stat.S_ISREG(st.st_mode):
        return _("đó không phải tệp thường (thiết bị, FIFO hoặc socket)")
    return None


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: a temporary file beside it, synced, then
    renamed over it. A failure removes the temporary file and is a clear error."""
    import tempfile

    from kiosk.errors import KioskError
    from kiosk.i18n import _

    path = path.expanduser()
    problem = not_a_file_to_replace(path)
    if problem:
        raise KioskError(_("Không ghi được tệp {path}: {error}", path=str(path), error=problem),
                         hint=_("Chọn một tên tệp thường để ghi."))
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise KioskError(_("Không ghi được tệp {path}: {error}", path=str(path),
                           error=exc.strerror or str(exc)),
                         hint=_("Chọn thư mục khác hoặc kiểm tra quyền ghi.")) from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
