"""Text of scanned PDFs with Tesseract and its Vietnamese data (issue 24 §4).

A stored PDF's pages are rendered (poppler's ``pdftoppm``, grey, ``ocr.dpi``) and read by
``tesseract -l vie`` (both are Debian packages the set-up installs). Nothing here runs on
the GUI thread: the app submits :func:`ocr_page` to a helper process of its own
(``kiosk.child_executor``; Tesseract and pdftoppm run at the lowest CPU priority and die
with it), ``kiosk ocr run`` calls :func:`ocr_file` in the command's own process. The
text goes to the search index (:mod:`kiosk.storage.texts`); the stored files are not
changed (a text layer inside the PDF is left for later, see docs/DIGITISATION.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from kiosk.errors import DeviceError
from kiosk.i18n import _

#: Seconds one page may take before Tesseract is stopped (a pathological image).
PAGE_TIMEOUT = 120


def _background() -> None:
    """In the reader's children: lowest CPU priority (the clerk's scan goes first), and
    SIGKILL when the process that started them dies (the app's reader closed)."""
    from kiosk.child_process import die_with_parent

    os.nice(19)
    die_with_parent(os.getppid())


def available(lang: str = "vie") -> bool:
    if shutil.which("tesseract") is None or shutil.which("pdftoppm") is None:
        return False
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True,
                             timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return lang in out.stdout.split()


def ocr_image(path: Path, lang: str = "vie") -> str:
    try:
        done = subprocess.run(["tesseract", str(path), "stdout", "-l", lang, "--psm", "3"],
                              capture_output=True, timeout=PAGE_TIMEOUT,
                              env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"},
                              preexec_fn=_background)
    except (OSError, subprocess.SubprocessError) as exc:
        raise DeviceError(_("Không chạy được Tesseract: {error}", error=str(exc)[:200]),
                          hint=_("Cài gói tesseract-ocr và tesseract-ocr-vie.")) from None
    if done.returncode != 0:
        raise DeviceError(_("Tesseract báo lỗi: {error}",
                            error=done.stderr.decode(errors="replace")[:300]))
    return done.stdout.decode("utf-8", errors="replace")


def ocr_file(pdf: str | Path, dpi: int = 300, lang: str = "vie") -> str:
    """The text of every page of a PDF, pages separated by form feeds."""
    return _ocr(pdf, dpi, lang, None)


def ocr_page(pdf: str | Path, page: int, dpi: int = 300, lang: str = "vie") -> str:
    """The text of one page (1-based): the app reads a file page by page, so a scan started
    meanwhile waits for one page at most in the shared helper process."""
    return _ocr(pdf, dpi, lang, page)


def _ocr(pdf: str | Path, dpi: int, lang: str, page: int | None) -> str:
    with tempfile.TemporaryDirectory(prefix="kiosk-ocr-") as tmp:
        pick = ["-f", str(page), "-l", str(page)] if page else []
        try:
            done = subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", *pick,
                                   str(pdf), str(Path(tmp) / "p")], capture_output=True,
                                  timeout=PAGE_TIMEOUT * 4, preexec_fn=_background)
        except (OSError, subprocess.SubprocessError) as exc:
            raise DeviceError(_("Không dựng được trang PDF để nhận dạng chữ: {error}",
                                error=str(exc)[:200]),
                              hint=_("Cài gói poppler-utils.")) from None
        if done.returncode != 0:
            raise DeviceError(_("Không đọc được tệp PDF để nhận dạng chữ: {error}",
                                error=done.stderr.decode(errors="replace")[:300]))
        pages = sorted(Path(tmp).glob("p*.png"))
        return "\f".join(ocr_image(p, lang) for p in pages)
