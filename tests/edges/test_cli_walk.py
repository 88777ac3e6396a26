"""A systematic walk of the whole ``kiosk`` command tree: every command, every argument that
takes a value, each given every hostile value below while the rest of the line is valid.

Judged as a user sees it: exit 0, 1 or 2 — never 70 ("Lỗi không mong đợi") or a traceback;
a refusal says why on stderr; what is printed is valid UTF-8 JSON; no hang. Commands that run
until stopped (servers, listeners, the scanner) are walked in a real subprocess with a short
deadline; the others through ``kiosk.cli.main`` in this process (the same entry point
``python -m kiosk`` calls), so the walk stays quick enough for ``make test``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fuzz import budget

from .cli_tree import LONG_RUNNING, RUNS_FOREVER, Slot, command_line, slots
from .helpers import CRASH, kiosk

#: Values a hurried admin, a script or an attacker may type; ``{dir}`` is an existing
#: folder, ``{file}`` an existing text file. Lone surrogates are what Python makes of
#: bytes in argv that are not UTF-8. Each class issue 22 §1 named has its generators:
#: values that start with ``--`` (given as ``--opt=--``), files that are not UTF-8 text
#: (``{bin}``, ``{bom}``, ``{cp1258}``, ``{latin}``), things that are not files (devices,
#: ``{fifo}``, ``{loop}`` of symbolic links, ``{dir}``), paths no system call takes
#: (``~nobody``, ``{deep}``, longer than PATH_MAX), dates past the calendar's horizon,
#: numbers past any bound, control characters, strings far over any model's limit.
HOSTILE = ["", " ", "-", "0", "-1", "nan", "inf", "-inf", "1e308", "99999999999999999999999",
           "²", "٣", "１２", "x" * 5000, "\x1b[2J\x07", "a\nb", "\udcff\udcfe", "\u202eabc",
           "/dev/null", "{dir}", "{file}", "/nonexistent/dir/f.pdf", "/proc/self/mem",
           "9999-12-31T23:59", "0001-01-01", "2026-02-30", "http://[::1", "garbage://x",
           "%s%n{0}", "'; DROP TABLE dossiers;--",
           "--", "--x", "--help", "-- ", "/dev/zero", "/dev/urandom", "/dev/tty", "{fifo}",
           "{loop}", "{loop}/x.pdf", "{bin}", "{bom}", "{cp1258}", "{latin}", "{empty}",
           "~nonexistentuser/x.pdf", "~nonexistentuser", "~", "{deep}", "/" + "a" * 5000,
           "9999-12-31", "9999-12-31T23:59:59+14:00", "0001-01-01T00:00", "10000-01-01",
           "9" * 5000, "1" + "0" * 400, "-" + "9" * 30, "a\tb", "\x7f", "\x85", "\u2028",
           "x" * 70_000, "Đ" * 3000]
#: ``make test`` gives every argument these (one of each kind of trouble); ``make fuzz``
#: (KIOSK_WALK=full) gives every argument all of HOSTILE.
CORE = ["", "-1", "nan", "99999999999999999999999", "x" * 5000, "\x1b[2J\x07",
        "\udcff\udcfe", "\u202eabc", "{dir}", "/dev/null", "0001-01-01", "garbage://x",
        "--", "/dev/zero", "{fifo}", "{loop}", "{bin}", "{cp1258}", "~nonexistentuser/x.pdf",
        "{deep}", "9999-12-31", "9" * 5000, "a\tb", "x" * 70_000, "²", "\u2028"]
if os.environ.get("KIOSK_WALK") != "full":
    HOSTILE = CORE
#: The subset for commands that run until stopped (each try may take the full deadline).
HOSTILE_LONG = ["", "-1", "nan", "99999999999999999999999", "{dir}", "\udcff", "--",
                "/dev/urandom", "{fifo}", "{loop}", "{bin}", "~nonexistentuser/x",
                "x" * 70_000]
#: Seconds one in-process command may take before the walk calls it a hang (a FIFO read
#: with no writer, /dev/zero read whole).
HANG_SECONDS = 30

ALL_SLOTS = slots()
SHORT = [s for s in ALL_SLOTS if s.command not in LONG_RUNNING]
LONG = [s for s in ALL_SLOTS if s.command in LONG_RUNNING]


@dataclass(frozen=True)
class World:
    home: Path
    work: Path
    code: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from PIL import Image

    root = tmp_path_factory.mktemp("walk")
    home, work = root / "home", root / "work"
    home.mkdir()
    work.mkdir()
    (work / "folder").mkdir()
    (work / "note.txt").write_text("not an image")
    _hostile_files(work)
    Image.new("RGB", (300, 420), "white").save(work / "page.png")
    catalog = json.loads((Path(__file__).resolve().parents[2] / "assets" / "catalog" /
                          "sample-catalog.json").read_text(encoding="utf-8"))
    catalog["version"] = "2999.1.1"
    (work / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KIOSK_HOME", str(home))
        r = kiosk("dossier", "new", "--procedure", "1.001193", "--name", "Đinh Thị Huyền",
                  "--id-number", "001158024485", "--attach", f"TK={work / 'page.png'}")
        assert r.returncode == 0, r.stderr.decode()
        code = json.loads(r.stdout)["code"]
    yield World(home, work, code)


@pytest.fixture
def in_world(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("KIOSK_HOME", str(world.home))
    # Relative paths among the hostile values (a backup to «１２») land in the world, not in
    # the checkout the tests run from.
    monkeypatch.chdir(world.work)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "kiosk.sync.memory_keyring.MemoryKeyring")
    return world


def _hostile_files(work: Path) -> None:
    """The files behind the ``{...}`` values, and the valid inputs of the base lines."""
    import pikepdf

    from kiosk.input_file import to_windows_1258

    os.mkfifo(work / "fifo")
    os.symlink(work / "loop2", work / "loop1")
    os.symlink(work / "loop1", work / "loop2")
    (work / "binary.bin").write_bytes(bytes(range(256)) * 64)
    (work / "bom.csv").write_bytes("\ufeffdate,count\n2026-11-02,3\n".encode())
    (work / "cp1258.csv").write_bytes(to_windows_1258("ngày,số hồ sơ\n2026-11-02,3\n"))
    (work / "latin.csv").write_bytes(b"date,count\n2026-11-02,3\x81\x8a\n")
    (work / "empty.csv").write_bytes(b"")
    (work / "paper.csv").write_text("date,count\n2026-11-02,3\n", encoding="utf-8")
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(work / "doc.pdf")


PLACES = {"{dir}": "folder", "{file}": "note.txt", "{fifo}": "fifo", "{loop}": "loop1",
          "{bin}": "binary.bin", "{bom}": "bom.csv", "{cp1258}": "cp1258.csv",
          "{latin}": "latin.csv", "{empty}": "empty.csv"}


def _fill(value: str, world: World) -> str:
    for key, name in PLACES.items():
        value = value.replace(key, str(world.work / name))
    # Deeper than any real tree, shorter than PATH_MAX: what a recursive walk chokes on.
    return value.replace("{deep}", str(world.work) + "/d" * 1500 + "/f.pdf")


class Hung(BaseException):
    """An in-process command that did not answer in time (not an Exception: main() must
    not turn it into an exit status)."""


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    def ring(_signum: int, _frame: object) -> None:
        raise Hung(f"no answer after {seconds} s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="module", autouse=True)
def _bounded_memory() -> Iterator[None]:
    """A command that reads /dev/zero whole fails with MemoryError (found), not by taking
    the machine's memory."""
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    cap = 4 << 30
    resource.setrlimit(resource.RLIMIT_DATA, (cap if hard == resource.RLIM_INFINITY
                                              else min(cap, hard), hard))
    yield
    resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def run_main(argv: list[str], stdin: bytes = b"") -> tuple[int, str, str]:
    from kiosk.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                _deadline(HANG_SECONDS):
            code = main(argv)
    except Hung as exc:
        return 124, out.getvalue(), err.getvalue() + f"\nHANG: {exc}"
    finally:
        sys.stdin = saved
    return code, out.getvalue(), err.getvalue()


def judge(argv: list[str], code: int, out: str, err: str) -> None:
    shown = " ".join(a[:40] for a in argv)
    assert "HANG:" not in err, f"{shown}: no answer (a hang)"
    assert CRASH not in err and "Traceback" not in err, f"{shown}\n{err[-2000:]}"
    assert code in (0, 1, 2), f"{shown}: exit {code}\n{err[-2000:]}"
    if code != 0:
        assert err.strip(), f"{shown}: exit {code} without a word"
    # What reaches a terminal or a script must be real UTF-8 (no raw bytes from argv).
    out.encode("utf-8")
    err.encode("utf-8")
    for line in out.splitlines():
        json.loads(line)


def _problem(argv: list[str], code: int, out: str, err: str) -> str | None:
    try:
        judge(argv, code, out, err)
    except (AssertionError, UnicodeError, ValueError) as exc:
        return str(exc)[:600]
    return None


def _slot_id(slot: Slot) -> str:
    return f"{' '.join(slot.command)} {slot.name}"


# One test per argument, every hostile value in it: the per-test overhead of pytest would
# otherwise be most of the walk's time.
@pytest.mark.parametrize("slot", SHORT, ids=_slot_id)
def test_every_argument_refuses_hostile_values(slot: Slot, in_world: World) -> None:
    problems = []
    for value in HOSTILE:
        argv = command_line(slot, _fill(value, in_world), in_world.work, in_world.code)
        code, out, err = run_main(argv, stdin=b"\xff\xfe not utf-8")
        problem = _problem(argv, code, out, err)
        if problem:
            problems.append(problem)
    budget.count("cli_walk", len(HOSTILE))  # make fuzz reports the cases walked
    assert not problems, "\n---\n".join(problems)


@pytest.mark.parametrize("slot", LONG, ids=_slot_id)
def test_long_running_commands_refuse_hostile_values(slot: Slot, in_world: World) -> None:
    problems = []
    for value in HOSTILE_LONG:
        argv = command_line(slot, _fill(value, in_world), in_world.work, in_world.code)
        forever = slot.command in RUNS_FOREVER
        try:
            r = kiosk(*argv, timeout=4 if forever else 60)
        except subprocess.TimeoutExpired:
            if not forever:
                problems.append(f"{' '.join(a[:40] for a in argv)}: still running (a hang)")
            continue  # accepted and running, as it should for a valid value
        # surrogateescape: bytes that are not UTF-8 survive, and judge() reports them.
        problem = _problem(argv, r.returncode, r.stdout.decode("utf-8", "surrogateescape"),
                           r.stderr.decode("utf-8", "surrogateescape"))
        if problem:
            problems.append(problem)
    budget.count("cli_walk", len(HOSTILE_LONG))
    assert not problems, "\n---\n".join(problems)


@pytest.mark.parametrize("argv", [["run", "--bogus"], ["nosuchcommand"], ["dossier"],
                                  ["--limit", "5"], ["dossier", "list", "--limitt", "5"],
                                  ["central", "device", "add", "--unit", "X", "--admin"]])
def test_usage_errors_are_vietnamese(argv: list[str]) -> None:
    code, out, err = run_main(argv)
    assert code == 2 and out == ""
    assert "lỗi:" in err and "--help" in err


def test_non_utf8_bytes_in_argv_are_refused_without_echo(in_world: World) -> None:
    for argv in ([b"cccd", b"\xff\xfe\xfd"], [b"dossier", b"new", b"--procedure", b"1.001193",
                                             b"--name", b"L\xea V\xe3n A"],
                 [b"search", b"\xc3"]):
        r = kiosk(*argv)
        assert r.returncode == 2
        err = r.stderr.decode("utf-8")  # strict: nothing raw comes back
        assert "UTF-8" in err and CRASH not in err


def test_the_store_still_works_after_the_walk(in_world: World) -> None:
    # Whatever the walk fed in, nothing broke a later write or read.
    r = kiosk("dossier", "new", "--procedure", "1.001193", "--name", "Trần Thị B")
    assert r.returncode == 0, r.stderr.decode()
    for args in (("dossier", "list"), ("dossier", "stats"), ("db", "check"),
                 ("config", "show"), ("catalog", "list")):
        r = kiosk(*args)
        assert r.returncode == 0, (args, r.stderr.decode())
        for line in r.stdout.decode("utf-8").splitlines():
            json.loads(line)
    shutil.rmtree(in_world.work / "backup", ignore_errors=True)


def test_the_walk_covers_every_command() -> None:
    commands = {s.command for s in ALL_SLOTS}
    assert len(commands) >= 25 and len(ALL_SLOTS) >= 70, (len(commands), len(ALL_SLOTS))


@pytest.mark.parametrize("lang", ["en", "xx", "\udcff"])
def test_usage_errors_follow_kiosk_lang(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_LANG", lang)
    r = kiosk("dossier", "list", "--limit", "0")
    err = r.stderr.decode("utf-8")
    assert r.returncode == 2 and "Traceback" not in err
    if lang == "en":
        assert "error:" in err and "outside the allowed range" in err
    else:
        assert "KIOSK_LANG" in err
