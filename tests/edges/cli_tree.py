"""The ``kiosk`` command tree as data: every command, every argument that takes a value,
and a minimal valid command line for each, so one argument at a time can be made hostile.

Used by the systematic walk (tests/edges/test_cli_walk.py) and the argument fuzzer
(tests/fuzz/test_fuzz_cli.py).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from kiosk.cli import build_parser

CARD = "001158024485|110419092|Đinh Thị Huyền|08101958|Nữ|Khánh Vân, Thường Tín, Hà Nội|24042021"

#: Commands that run until stopped once their arguments are accepted: they are walked in a
#: subprocess with a short deadline, and still running at the deadline means "accepted".
LONG_RUNNING = {("sync", "run"), ("central", "serve"), ("listen",), ("scan",), ("print",),
                ("printers",), ("queue", "display")}
#: Of those, the ones that legitimately never end on their own (the others must end: the
#: base line makes them stop quickly — a listener with --duration, a server on a foreign
#: address — so running past the deadline is a hang).
RUNS_FOREVER = {("sync", "run"), ("queue", "display")}
#: The touch UI (Qt) is not started by the walk; its arguments are flags only.
SKIPPED = {("run",)}


@dataclass(frozen=True)
class Slot:
    """One argument that takes a value: ``--limit`` or a positional like ``payload``."""

    command: tuple[str, ...]
    name: str          # "--limit" or the positional's dest
    positional: bool
    group: int | None  # id of its mutually exclusive group, if any


def base_args(command: tuple[str, ...], work: Path, code: str) -> list[tuple[str, str | None]]:
    """A command line that is accepted (or refused for a plain reason), as (name, value)."""
    png = str(work / "page.png")
    table: dict[tuple[str, ...], list[tuple[str, str | None]]] = {
        ("cccd",): [("payload", CARD)],
        ("due",): [("--received", "2026-11-20T09:00"), ("--working-days", "2")],
        ("catalog", "search"): [("text", "khai sinh")],
        ("catalog", "import"): [("file", str(work / "catalog.json"))],
        ("config", "set"): [("key", "unit.name"), ("value", "UBND xã Mẫu")],
        ("dossier", "new"): [("--procedure", "1.001193"), ("--name", "Lê Văn A")],
        ("dossier", "show"): [("code", code)],
        ("dossier", "list"): [],
        ("dossier", "status"): [("code", code), ("--to", "2")],
        ("search",): [("text", "Lê")],
        ("db", "backup"): [("dest", str(work / "backup"))],
        ("scan",): [("--source", "flatbed"), ("--resolution", "50"),
                    ("--out", str(work / "scan.pdf"))],
        ("import",): [("files", png), ("--out", str(work / "import.pdf"))],
        ("devices",): [],
        ("sync", "enroll"): [("--server", "http://127.0.0.1:9"), ("--token", "abc")],
        ("sync", "run"): [("--interval", "30")],
        # An address that is not this machine's: accepted values end at the bind check.
        ("central", "serve"): [("--db", str(work / "central.sqlite3")),
                               ("--blobs", str(work / "blobs")), ("--host", "203.0.113.9"),
                               ("--port", "9")],
        ("central", "device", "add"): [("--db", str(work / "central.sqlite3")),
                                       ("--unit", "000.00.04.H40")],
        ("central", "export"): [("--db", str(work / "central.sqlite3")), ("code", code)],
        ("central", "status"): [("--db", str(work / "central.sqlite3")), ("code", code),
                                ("--to", "5")],
        ("form",): [("code", code), ("--out", str(work / "form.pdf"))],
        ("book",): [("--from", "2026-11-23"), ("--out", str(work / "book.pdf"))],
        ("print",): [("code", code), ("--printer", "NoSuchQueue")],
        ("decode",): [("images", png)],
        ("listen",): [("--serial", "/nonexistent-port"), ("--duration", "2")],
        # Every other command that has required arguments gets them, so a hostile value in
        # one slot reaches the code behind it instead of stopping at "missing --from".
        ("central", "device", "revoke"): [("--db", str(work / "central.sqlite3")),
                                          ("device_id", "1")],
        ("central", "postpone"): [("--db", str(work / "central.sqlite3")), ("code", code),
                                  ("--new-due", "2026-12-20"), ("--reason", "Thiếu giấy tờ"),
                                  ("--letter", "12/UBND")],
        ("central", "report"): [("--db", str(work / "central.sqlite3")),
                                ("--from", "2026-11-01"), ("--to", "2026-11-30")],
        ("certify", "book"): [("--from", "2026-11-01"), ("--to", "2026-11-30")],
        ("dossier", "postpone"): [("code", code), ("--new-due", "2026-12-20"),
                                  ("--reason", "Thiếu giấy tờ")],
        ("fee", "book"): [("--date", "2026-11-23")],
        ("fee", "collect"): [("code", code), ("--method", "cash")],
        ("fee", "handover"): [("--date", "2026-11-23"), ("--amount", "0")],
        ("fee", "quote"): [("code", code)],
        ("fee", "receipt"): [("receipt", "Q1-26E-0000001")],
        ("fee", "refund"): [("receipt", "Q1-26E-0000001"), ("--amount", "1000"),
                            ("--reason", "Thu nhầm")],
        ("fee", "vietqr"): [("code", code)],
        ("fee", "void"): [("receipt", "Q1-26E-0000001"), ("--reason", "Thu nhầm")],
        ("queue", "report"): [("--from", "2026-11-01"), ("--to", "2026-11-30")],
        ("rating", "report"): [("--from", "2026-11-01"), ("--to", "2026-11-30")],
        ("report", "postal-list"): [("--date", "2026-11-23"),
                                    ("--out", str(work / "postal.pdf"))],
        ("report", "reconcile"): [("--from", "2026-11-01"), ("--to", "2026-11-30"),
                                  ("--paper", str(work / "paper.csv"))],
        ("report", "summary"): [("--from", "2026-11-01"), ("--to", "2026-11-30")],
        ("separator",): [("--out", str(work / "separator.pdf"))],
        ("sign",): [("target", str(work / "doc.pdf")), ("--out", str(work / "signed.pdf"))],
        ("verify",): [("file", str(work / "doc.pdf"))],
        ("central", "dossier", "submit"): [("--db", str(work / "central.sqlite3")),
                                           ("--unit", "000.00.04.H40"), ("--channel", "2"),
                                           ("file", str(work / "catalog.json"))],
        ("central", "user", "add"): [("--db", str(work / "central.sqlite3")),
                                     ("name", "tinh"), ("--role", "province")],
        ("dossier", "refuse"): [("target", code), ("--reason", "Không đủ điều kiện")],
        # The portal emulator ends at its missing password (the walk sets none).
        ("central", "portal", "emulator"): [("--port", "9"), ("--state", str(work / "emu.db")),
                                            ("--user", "tinh"), ("--unit", "H40")],
        ("central", "portal", "retry"): [("--db", str(work / "central.sqlite3")),
                                         ("item_id", "1")],
        # The wall display's server on an address that is not this machine's: accepted
        # values end at the bind.
        ("queue", "display"): [("--bind", "203.0.113.9"), ("--port", "9")],
    }
    return table.get(command, [])


def leaves() -> dict[tuple[str, ...], argparse.ArgumentParser]:
    found: dict[tuple[str, ...], argparse.ArgumentParser] = {}

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        if parser.get_default("func") is not None and path:
            found[path] = parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, (*path, name))

    walk(build_parser(every_command=True), ())
    return found


#: ``print`` shares its form arguments with ``form`` (walked already); only its own.
OWN_ONLY = {("print",): {"--printer", "--copies"}}


def slots() -> list[Slot]:
    out: list[Slot] = []
    for command, parser in leaves().items():
        if command in SKIPPED:
            continue
        own = OWN_ONLY.get(command)
        groups = {id(a): id(g) for g in parser._mutually_exclusive_groups
                  for a in g._group_actions}
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            if action.nargs == 0:
                continue  # a flag: nothing to make hostile
            name = action.option_strings[-1] if action.option_strings else action.dest
            if action.option_strings and action.option_strings[0].startswith("--"):
                name = action.option_strings[0]
            if own is not None and name not in own:
                continue
            out.append(Slot(command, name, not action.option_strings, groups.get(id(action))))
    return out


def command_line(slot: Slot, value: str, work: Path, code: str) -> list[str]:
    """The base command line with ``slot`` set to ``value`` (and its rivals removed)."""
    parser = leaves()[slot.command]
    rivals = {a.option_strings[0] for g in parser._mutually_exclusive_groups
              if slot.group == id(g) for a in g._group_actions if a.option_strings}
    base = base_args(slot.command, work, code)
    pairs = [(n, value if n == slot.name else v) for n, v in base
             if n not in rivals - {slot.name}]
    if slot.name not in {n for n, _v in base}:
        pairs.append((slot.name, value))
    argv = list(slot.command)
    positionals: list[str] = []
    for name, val in pairs:
        if name.startswith("-"):
            # --opt=VALUE: a value that starts with "-" still reaches the argument's type.
            argv.append(f"{name}={val}" if val is not None else name)
        else:
            positionals.append(str(val))
    if positionals and any(p.startswith("-") for p in positionals):
        argv.append("--")
    return argv + positionals
