"""The CLI's command → module table matches what each module registers."""

from __future__ import annotations

import argparse
import importlib

from kiosk.cli import COMMAND_MODULES, COMMAND_OWNERS, build_parser, main


def test_every_command_has_its_owner_and_no_other() -> None:
    found: dict[str, str] = {}
    for name in COMMAND_MODULES:
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers(dest="command")
        importlib.import_module(name).register(sub)
        for command in sub.choices:
            found[command] = name
    assert found == COMMAND_OWNERS


def test_one_command_loads_only_its_module_and_help_lists_all(capsys) -> None:
    sub = next(a for a in build_parser(["due", "--help"])._actions
               if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == {"cccd", "due", "catalog"}
    assert main(["--help"]) == 0  # main turns argparse's exit into a status
    out = capsys.readouterr().out
    assert all(command in out for command in COMMAND_OWNERS)


def test_the_command_list_needs_no_command_module() -> None:
    """``kiosk --help`` lists the commands from the table, exactly as the modules would."""
    full = build_parser(["--help"], every_command=True)
    assert build_parser(["--help"]).format_help() == full.format_help()


def test_help_imports_no_command_module() -> None:
    import subprocess
    import sys

    code = ("import sys; from kiosk.cli import main; main(['--help']); "
            "print(sorted(m for m in sys.modules if m.endswith('_commands')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
