"""The project stands alone: a clone has no ../shared, so its docs never point there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_docs_never_reference_outside_the_project() -> None:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    offending = [f"{f.relative_to(ROOT)}:{n}" for f in files
                 for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1)
                 if "../shared" in line]
    assert not offending, offending


def test_relative_doc_links_resolve() -> None:
    missing = []
    for f in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", f.read_text(encoding="utf-8")):
            if not (f.parent / target).exists():
                missing.append(f"{f.relative_to(ROOT)} → {target}")
    assert not missing, missing
