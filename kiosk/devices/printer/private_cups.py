"""A private CUPS daemon with a cups-pdf queue: the demo's printer and the tests' printer.

``make run`` has no receipt printer on a developer's machine, and the tests must print for
real; both get a cupsd of their own that "prints" to PDF files. cupsd runs in the
foreground with its own ServerRoot, spool, logs and socket in one directory, so it needs no
systemd and leaves the machine's CUPS alone. The cups-pdf backend reads its configuration
from the fixed path /etc/cups, so cupsd runs in a private mount namespace (``unshare -m``)
where a bind mount puts our directory at /etc/cups: cups-pdf then writes its PDFs into our
output directory instead of a home directory.

Two lifetimes: :class:`CupsServer` for a test run (a temporary directory, removed on stop),
and :func:`start_detached` / :func:`stop_detached` for ``kiosk cups start|stop``, which keep
the daemon in a directory of its own per KIOSK_HOME (PDFs in ``$KIOSK_HOME/printed``) and record its
socket in the config as ``printer.cups_server``, so every ``kiosk`` command and the app with
that KIOSK_HOME reach the same printer.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from kiosk.devices.printer.ipp import CUPS_GET_PRINTERS, IppClient, IppError
from kiosk.errors import DeviceError
from kiosk.i18n import _

CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
CUPS_PDF_BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
#: The queue ``make run`` creates and makes the default.
DEMO_QUEUE = "KioskPDF"
#: A Unix socket path must stay under 108 bytes.
_SOCKET_MAX = 100


def unavailable_reason() -> str | None:
    """Why a private CUPS cannot run here, or None."""
    for tool in ("cupsd", "lpadmin", "lp", "unshare", "mount"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if not CUPS_PDF_BACKEND.exists() or not CUPS_PDF_PPD.exists():
        return "printer-driver-cups-pdf is not installed"
    if os.geteuid() != 0:
        return "a private cupsd with cups-pdf needs root (mount namespace)"
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        return "mount namespaces are not allowed here: " + probe.stderr.decode().strip()
    return None


class CupsServer:
    def __init__(self, root: Path | None = None, out: Path | None = None) -> None:
        # Short default path: see _SOCKET_MAX.
        self.temporary = root is None
        self.root = root or Path(tempfile.mkdtemp(prefix="kcups", dir="/tmp"))
        self.etc = self.root / "etc"
        self.out = out or self.root / "out"
        self.log = self.root / "log"
        self.socket = _socket_path(self.root)
        self.pid_file = self.root / "cupsd.pid"
        self._proc: subprocess.Popen[bytes] | None = None

    def _write_config(self) -> None:
        spool = self.root / "spool"
        for d in (self.etc / "ppd", spool / "tmp", self.root / "cache", self.root / "state",
                  self.log, self.out):
            d.mkdir(parents=True, exist_ok=True)
        # Filters run as the unprivileged "lp" user and must reach the spooled files.
        self.root.chmod(0o755)
        spool.chmod(0o755)
        (spool / "tmp").chmod(0o1777)
        (self.etc / "cupsd.conf").write_text(
            f"Listen {self.socket}\nLogLevel info\nWebInterface No\nBrowsing Off\n"
            "DefaultAuthType None\nMaxJobs 0\nPreserveJobHistory Yes\n"
            "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
            "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n")
        (self.etc / "cups-files.conf").write_text(
            "ServerRoot /etc/cups\n"
            f"RequestRoot {spool}\nTempDir {spool / 'tmp'}\nCacheDir {self.root / 'cache'}\n"
            f"StateDir {self.root / 'state'}\nAccessLog {self.log / 'access_log'}\n"
            f"ErrorLog {self.log / 'error_log'}\nPageLog {self.log / 'page_log'}\n"
            "SystemGroup root\nSandboxing Relaxed\n")
        (self.etc / "cups-pdf.conf").write_text(
            f"Out {self.out}\nAnonDirName {self.out}\nLog {self.log}\nGrp root\n")

    def start(self, timeout: float = 15.0, *, detached: bool = False) -> CupsServer:
        self._write_config()
        if os.path.exists(self.socket):
            os.unlink(self.socket)  # left by a daemon that was killed
        script = (f"mount --bind {self.etc} /etc/cups && "
                  "exec cupsd -f -c /etc/cups/cupsd.conf -s /etc/cups/cups-files.conf")
        self._proc = subprocess.Popen(["unshare", "-m", "sh", "-c", script],
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=open(self.log / "cupsd.stderr", "wb"),
                                      start_new_session=detached)
        self.pid_file.write_text(str(self._proc.pid))
        deadline = time.monotonic() + timeout
        while not self.answers():
            if self._proc.poll() is not None:
                raise RuntimeError("cupsd exited: " + self.log_text())
            if time.monotonic() > deadline:
                raise RuntimeError("cupsd did not answer: " + self.log_text())
            time.sleep(0.1)
        return self

    def answers(self) -> bool:
        client = IppClient(self.socket, timeout=1.0)
        try:
            client.request("/", CUPS_GET_PRINTERS)
            return True
        except IppError:
            return False
        finally:
            client.close()

    def env(self) -> dict[str, str]:
        return {**os.environ, "CUPS_SERVER": self.socket, "LANG": "C"}

    def admin(self, *args: str) -> None:
        subprocess.run(list(args), env=self.env(), check=True, capture_output=True, timeout=30)

    def add_pdf_printer(self, name: str, *, default: bool = False) -> None:
        self.admin("lpadmin", "-p", name, "-E", "-v", "cups-pdf:/", "-P", str(CUPS_PDF_PPD))
        if default:
            self.admin("lpadmin", "-d", name)

    def printed(self, job_id: int, timeout: float = 30.0) -> Path:
        """The PDF cups-pdf wrote for ``job_id`` (it names files ``<title>-job_<id>.pdf``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = sorted(self.out.glob(f"*job_{job_id}.pdf"))
            # cups-pdf writes through Ghostscript; wait until the file is complete.
            if found and found[0].read_bytes().rstrip().endswith(b"%%EOF"):
                return found[0]
            time.sleep(0.1)
        raise TimeoutError(f"no output for job {job_id}: " + self.log_text())

    def log_text(self) -> str:
        parts = []
        for name in ("cupsd.stderr", "error_log"):
            path = self.log / name
            if path.exists():
                parts.append(path.read_text(errors="replace")[-2000:])
        return "\n".join(parts)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        if self.temporary:
            shutil.rmtree(self.root, ignore_errors=True)


def _socket_path(root: Path) -> str:
    path = str(root / "cups.sock")
    if len(path) <= _SOCKET_MAX:
        return path
    # A deep KIOSK_HOME: keep the socket in /tmp under a name derived from the directory.
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:12]
    return f"/tmp/kiosk-cups-{digest}.sock"


# --- the detached daemon of ``kiosk cups start`` -----------------------------------------

def home_server(home: Path) -> CupsServer:
    """The daemon's own files live under /tmp: its filters run as the ``lp`` user and must
    reach the spool, and a KIOSK_HOME under a private directory (``/root``, a 0700 home) is
    out of their reach. The PDFs, written by the backend as root, land in the home."""
    digest = hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:12]
    return CupsServer(Path(tempfile.gettempdir()) / f"kiosk-cups-{digest}", out=home / "printed")


def start_detached(home: Path, queue: str = DEMO_QUEUE) -> dict[str, Any]:
    """Start (or find running) the private cupsd of ``home``; the queue is its default."""
    server = home_server(home)
    reused = server.answers()
    if not reused:
        reason = unavailable_reason()
        if reason:
            raise DeviceError(
                _("Không khởi động được máy in PDF thử nghiệm."),
                hint=_("Cài các gói cups và printer-driver-cups-pdf và chạy với quyền root, "
                       "hoặc dùng máy in thật của máy (đặt printer.name)."),
                reason=reason)
        try:
            server.start(detached=True)
        except RuntimeError as exc:
            raise DeviceError(_("Không khởi động được máy in PDF thử nghiệm."),
                              hint=_("Xem nhật ký trong {path}.", path=str(server.log)),
                              reason=str(exc)) from exc
    server.add_pdf_printer(queue, default=True)
    return {"socket": server.socket, "queue": queue, "out": str(server.out),
            "pid": _read_pid(server), "reused": reused}


def stop_detached(home: Path) -> bool:
    """Stop the private cupsd of ``home``; False when none was running."""
    server = home_server(home)
    pid = _read_pid(server)
    if pid is None:
        return False
    try:
        # start_new_session made it a process group leader: end unshare and cupsd together.
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    for _i in range(100):
        if not _alive(pid):
            break
        time.sleep(0.1)
    server.pid_file.unlink(missing_ok=True)
    return True


def _read_pid(server: CupsServer) -> int | None:
    try:
        pid = int(server.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours counts as gone
        done, _status = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True
