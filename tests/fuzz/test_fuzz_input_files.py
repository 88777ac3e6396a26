"""Fuzzing what a person points the command line at (issue 22 §1): file contents in every
encoding a clerk's CSV may come in, mutated byte by byte, and path strings built from the
shapes that broke the CLI before (``~account``, deep, long, loops, devices, FIFOs).

Properties: :func:`kiosk.reports.reconcile.read_paper_csv` answers a table of days or
:class:`InvalidInput` (never UnicodeDecodeError, ValueError...); :mod:`kiosk.input_file`
answers a path, bytes or :class:`InvalidInput` — and never waits on a FIFO or reads a
device.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.errors import InvalidInput
from kiosk.input_file import (
    check_readable,
    decode_text,
    expand_path,
    read_bytes,
    to_windows_1258,
)
from kiosk.reports.reconcile import read_paper_csv
from tests.fuzz import budget
from tests.fuzz.mutate import havoc_bytes, havoc_text

ROWS = "ngày,số hồ sơ\n2026-11-02,3\n2026-11-03,14\nĐinh Thị Huyền,Nguyễn Ỹ\n"
SEEDS = [ROWS.encode(), b"\xef\xbb\xbf" + ROWS.encode(), to_windows_1258(ROWS),
         to_windows_1258(ROWS.replace(",", ";")), b"date,count\r\n2026-11-02,1\r\n\x1a",
         b"", b"\x89PNG\r\n\x1a\n\x00\x00", bytes(range(256))]


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("paths")
    os.mkfifo(root / "fifo")
    os.symlink(root / "b", root / "a")
    os.symlink(root / "a", root / "b")
    (root / "dir").mkdir()
    (root / "file.csv").write_text("date,count\n", encoding="utf-8")
    yield {"{fifo}": str(root / "fifo"), "{loop}": str(root / "a"), "{dir}": str(root / "dir"),
           "{file}": str(root / "file.csv"), "{root}": str(root)}


@budget.settings_for(0.5)
@given(st.sampled_from(SEEDS), st.integers(0, 2**63).map(random.Random))
def test_paper_csv_contents_never_crash(tmp_path_factory: pytest.TempPathFactory,
                                        seed: bytes, rng: random.Random) -> None:
    n = budget.batch(20)
    for data in havoc_bytes(seed, rng, n):
        try:
            text = decode_text(data, path="x.csv")
        except InvalidInput:
            continue
        assert "\x00" not in text
    # The whole reader, from a file, for one mutant per example (the file system is slower).
    path = tmp_path_factory.getbasetemp() / f"paper-{os.getpid()}.csv"
    path.write_bytes(next(havoc_bytes(seed, rng, 1)))
    try:
        read_paper_csv(path)
    except InvalidInput:
        pass
    budget.count("input_files", n + 1)


PATH_PARTS = ["~", "~nonexistentuser", "~root", "{fifo}", "{loop}", "{dir}", "{file}",
              "{root}", "/dev/zero", "/dev/urandom", "/dev/null", "/proc/self/mem", "/", "..",
              ".", "d/" * 200, "/" + "a" * 300, "\udcff", "\x00", "\u202e", " ", "x.csv",
              "--", "-", "~/", "//"]


@st.composite
def path_strings(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(PATH_PARTS) | st.text(max_size=8), min_size=1,
                          max_size=5))
    return "/".join(parts) if draw(st.booleans()) else "".join(parts)


@budget.settings_for(0.5)
@given(path_strings(), st.integers(0, 2**63).map(random.Random))
def test_path_arguments_never_crash_or_wait(places: dict[str, str], value: str,
                                            rng: random.Random) -> None:
    n = budget.batch(20) // 4 + 1
    for key, real in places.items():
        value = value.replace(key, real)
    for candidate in [value, *havoc_text(value, rng, n)]:
        for fn in (expand_path, check_readable,
                   lambda v: read_bytes(v, max_bytes=1 << 16)):
            try:
                result = fn(candidate)
            except InvalidInput:
                continue
            if isinstance(result, bytes):
                # Only a regular file was read, and never beyond the cap.
                assert len(result) <= 1 << 16
                assert Path(os.path.realpath(os.path.expanduser(candidate))).is_file()
    budget.count("input_paths", n + 1)
