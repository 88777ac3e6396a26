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
