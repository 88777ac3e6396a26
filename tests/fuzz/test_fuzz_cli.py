"""Fuzzing the CLI's argument parsing: command lines built from the real command tree
(every command, every option) with values drawn from hostile text, then havoc-mutated.

Property: parsing ends in a namespace or a usage refusal (exit 2, Vietnamese, valid UTF-8)
— never another exception. The side-effect-free commands (cccd, due, catalog search,
config show) are also run to the end through ``kiosk.cli.main``.
"""

from __future__ import annotations

import contextlib
import io
import random
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kiosk.cli import build_parser, main
from tests.edges.cli_tree import leaves
from tests.fuzz import budget
from tests.fuzz.mutate import TOKENS, havoc_text

PARSER = build_parser(every_command=True)
LEAVES = sorted(leaves().items())
RUN_TO_END = {("cccd",), ("due",), ("catalog", "search"), ("config", "show"), ("verify",)}
VALUES = [*TOKENS, "", "0", "2026-11-20T09:00", "1.001193", "/dev/null", "/", "/tmp",
          "/nonexistent/x", "http://[::1", "https://127.0.0.1:1", "garbage://x",
          "001158024485|110419092|Đinh Thị Huyền|08101958|Nữ|Hà Nội|24042021",
          # Issue 22 §1's classes: dashes as a value, devices, paths no system call takes,
          # days past the horizon, numbers past any bound, control characters, lengths.
          "--", "--x", "-- ", "/dev/zero", "/dev/urandom", "~nonexistentuser/x.csv",
          "~nonexistentuser", "d/" * 1500, "/" + "a" * 5000, "9999-12-31",
          "9999-12-31T23:59", "0001-01-01T00:00", "9" * 5000, "1" + "0" * 400, "a\x01b",
          "\x85", "x" * 70_000]


def _options(parser: Any) -> list[str]:
    return [o for a in parser._actions for o in a.option_strings if o not in ("-h", "--help")]


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    command, parser = draw(st.sampled_from(LEAVES))
    options = _options(parser)
    argv = list(command)
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.integers(0, 3))
        if kind == 0 and options:
            argv.append(draw(st.sampled_from(options)))
        elif kind == 1 and options:
            argv.append(f"{draw(st.sampled_from(options))}={draw(st.sampled_from(VALUES))}")
        elif kind == 2:
            argv.append(draw(st.sampled_from(VALUES)))
        else:
            argv.append(draw(st.text(max_size=20)))
    return argv


def _parse(argv: list[str]) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            PARSER.parse_args(argv)
        except SystemExit as exc:
            assert exc.code in (0, 2), (argv, exc.code)
    err.getvalue().encode("utf-8")  # the refusal is printable as UTF-8, bytes escaped


def _run(argv: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(argv)
    assert code in (0, 1, 2), (argv, code, err.getvalue()[-500:])
    assert "Lỗi không mong đợi" not in err.getvalue(), (argv, err.getvalue())
    out.getvalue().encode("utf-8")


@budget.settings_for(0.1)
@given(command_lines(), st.integers(0, 2**63).map(random.Random))
def test_argument_parsing_never_crashes(argv: list[str], rng: random.Random) -> None:
    n = budget.batch(20)
    budget.check(_parse, argv)
    line = "\x1f".join(argv)
    for mutant in havoc_text(line, rng, n):
        budget.check(_parse, [a for a in mutant.split("\x1f") if "\x00" not in a])
    budget.count("cli", n + 1)


@budget.settings_for(0.2)
@given(st.sampled_from(sorted(RUN_TO_END)), st.lists(st.sampled_from(VALUES) | st.text(
    max_size=12), max_size=4), st.integers(0, 2**63).map(random.Random))
def test_pure_commands_run_to_the_end(command: tuple[str, ...], extra: list[str],
                                      rng: random.Random) -> None:
    opts = _options(leaves()[command])
    argv = list(command)
    for value in extra:
        argv += [f"{rng.choice(opts)}={value}"] if opts and rng.random() < 0.6 else [value]
    _run(argv)
    budget.count("cli", 1)
