"""Writing an output file whole or not at all, and never over something that is not a file.

A rename over whatever stands at the path would replace a device node (``/dev/null`` as
root), a FIFO or a socket; every file the counter writes for a person (reports, forms,
signed copies) goes through :func:`write_atomic`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from kiosk.errors import KioskError
from kiosk.i18n import _


def not_a_file_to_replace(path: Path) -> str | None:
    """Why writing a file at ``path`` must be refused, or None.

    Whatever stands there now must be a regular file (or nothing): a rename over a device
    node, a FIFO or a socket would replace it (``/dev/null`` as root), and a loop of
    symbolic links has no target at all."""
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
