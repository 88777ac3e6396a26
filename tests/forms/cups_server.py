"""A private CUPS daemon with a cups-pdf queue, for tests that print for real.

cupsd runs in the foreground with its own ServerRoot, spool, logs and socket in a temporary
directory, so it needs no systemd and leaves the machine's CUPS alone. The cups-pdf backend
reads its configuration from the fixed path /etc/cups, so cupsd runs in a private mount
namespace (``unshare -m``) where a bind mount puts our directory at /etc/cups: cups-pdf then
writes its PDFs into our temporary directory instead of a home directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from kiosk.devices.printer.ipp import CUPS_GET_PRINTERS, IppClient, IppError

CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
CUPS_PDF_BACKEND = Path("/usr/lib/cups/backend/cups-pdf")


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
    def __init__(self) -> None:
        # Short path: a Unix socket path must stay under 108 bytes.
        self.root = Path(tempfile.mkdtemp(prefix="kcups", dir="/tmp"))
        self.etc = self.root / "etc"
        self.out = self.root / "out"
        self.log = self.root / "log"
        self.socket = str(self.root / "cups.sock")
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

    def start(self, timeout: float = 15.0) -> CupsServer:
        self._write_config()
        script = (f"mount --bind {self.etc} /etc/cups && "
                  "exec cupsd -f -c /etc/cups/cupsd.conf -s /etc/cups/cups-files.conf")
        self._proc = subprocess.Popen(["unshare", "-m", "sh", "-c", script],
                                      stdout=subprocess.DEVNULL,
                                      stderr=open(self.log / "cupsd.stderr", "wb"))
        deadline = time.monotonic() + timeout
        client = IppClient(self.socket, timeout=1.0)
        try:
            while True:
                if self._proc.poll() is not None:
                    raise RuntimeError("cupsd exited: " + self.log_text())
                try:
                    client.request("/", CUPS_GET_PRINTERS)
                    return self
                except IppError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("cupsd did not answer: " + self.log_text()) from None
                    time.sleep(0.1)
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
        shutil.rmtree(self.root, ignore_errors=True)
