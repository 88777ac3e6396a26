"""Shared by the money tests: PDFs of N pages, the CLI on a KIOSK_HOME, a configured unit."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SIGNER = "PHÓ CHỦ TỊCH=Nguyễn Văn An"


def pdf_of(pages: int, label: str = "Bản sao") -> bytes:
    """A PDF of ``pages`` A4 pages in the bundled font (text a reader can check)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from kiosk.forms import fonts

    fonts.register_fonts()
    buf = io.BytesIO()
    canv = Canvas(buf, pagesize=A4, invariant=True, initialFontName=fonts.REGULAR)
    for n in range(pages):
        canv.setFont(fonts.REGULAR, 14)
        canv.drawString(72, 760, f"{label} — trang {n + 1}/{pages}")
        canv.showPage()
    canv.save()
    return buf.getvalue()


def kiosk(*args: str, home: Path, actor: str = "canbo", check: bool = False,
          env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([sys.executable, "-m", "kiosk", *args], cwd=ROOT, text=True,
                       capture_output=True, timeout=180,
                       env={**os.environ, "KIOSK_HOME": str(home), "KIOSK_ACTOR": actor,
                            **(env or {})})
    if check:
        assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r


def kiosk_json(*args: str, home: Path, actor: str = "canbo") -> Any:
    return json.loads(kiosk(*args, home=home, actor=actor, check=True).stdout)


def configure(home: Path, counter: int = 1, **settings: str) -> None:
    """A unit ready to certify and to take transfers."""
    values = {"counter.number": str(counter), "certify.signers": SIGNER,
              "fees.bank_bin": "970415", "fees.bank_account": "113366668888", **settings}
    from kiosk.config import Config

    config = Config.load(home / "config.toml")
    for key, value in values.items():
        config.set_text(key, value)
    config.save()
