"""``kiosk dossier incoming|accept|refuse|supplement``: dossiers submitted online or by
post, refusals (Mẫu 03) and supplements (Mẫu 02) of any dossier.

``incoming`` first brings the feed up to date when no other sync process holds the machine's
sync lock (the app's worker keeps it fresh by itself), then lists what waits here. Deciding
needs the server (kiosk.sync.incoming explains why).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kiosk.cli.argtypes import output_file, text
from kiosk.cli.common import acting_clerk
from kiosk.errors import KioskError


def register_dossier(dsub: Any) -> None:
    c = dsub.add_parser("incoming", help="dossiers submitted online or by post, waiting here "
                                         "(JSON list)")
    c.add_argument("--offline", action="store_true",
                   help="only what this counter already knows (no request to the server)")
    c.set_defaults(func=_incoming)

    c = dsub.add_parser("accept", help="accept a dossier submitted online or by post: its "
                                       "code and the legal due time from now")
    c.add_argument("id", type=text(100), help="the submission's id (kiosk dossier incoming)")
    c.add_argument("--actor", type=text(100))
    c.set_defaults(func=_accept)

    c = dsub.add_parser("refuse", help="refuse a dossier submitted online or by post "
                                       "(Mẫu 03), by its id or its code")
    c.add_argument("target", metavar="ID|CODE", type=text(100))
    c.add_argument("--reason", required=True, type=text(2000), help="why (printed on Mẫu 03)")
    c.add_argument("--out", type=output_file, help="write the refusal notice (Mẫu 03) here")
    c.add_argument("--actor", type=text(100))
    c.set_defaults(func=_refuse)

    c = dsub.add_parser("supplement", help="ask for more papers (Mẫu 02, status 5), or take "
                                           "them in (back to 2, the due time moved)")
    c.add_argument("code", type=text(100), metavar="CODE|ID",
                   help="dossier code, or (with --ask) a submission's id")
    what = c.add_mutually_exclusive_group(required=True)
    what.add_argument("--ask", action="append", type=text(1000), metavar="TEXT",
                      help="what is missing (repeatable: one line of Mẫu 02 each)")
    what.add_argument("--attach", action="append", metavar="COMPONENT=FILE",
                      help="a paper brought in, scanned (repeatable)")
    c.add_argument("--contact", default="", type=text(500, empty=True),
                   help="Mẫu 02: who to ask, with a phone number")
    c.add_argument("--out", type=output_file,
                   help="write Mẫu 02 (--ask) or the supplement receipt (--attach) here")
    c.add_argument("--actor", type=text(100))
    c.set_defaults(func=_supplement)


@contextmanager
def _engine() -> Iterator[Any]:
    from kiosk.storage import Store
    from kiosk.sync.background import build_engine

    store = Store()
    try:
        engine = build_engine(store)
    except BaseException:
        store.close()
        raise
    try:
        yield engine
    finally:
        engine.http.close()
        store.close()


def _incoming(args: argparse.Namespace) -> Any:
    from kiosk.storage import Store, incoming

    if not args.offline:
        _refresh()
    with Store() as store:
        rows = store.read(incoming.waiting)
    return [{"id": r["id"], "procedure": r["procedure_code"],
             "procedure_name": r["procedure_name"], "applicant": r["applicant"],
             "channel": r["channel"], "submitted_at": r["submitted_at"],
             "components": [{"code": c["code"], "name": c.get("name", ""),
                             "size": c.get("size")} for c in r["components"]]}
            for r in rows]


def _refresh() -> None:
    """Read the feed when no other sync process runs; offline or not enrolled, say nothing:
    the list is then what this counter already knows."""
    from kiosk import paths
    from kiosk.sync.worker import AlreadyRunning, InstanceLock

    lock = InstanceLock(paths.data_dir() / "sync.lock")
    try:
        lock.acquire()
    except AlreadyRunning:
        return
    try:
        with _engine() as engine:
            engine.run_once()
    except KioskError:
        pass
    finally:
        lock.release()


def _accept(args: argparse.Namespace) -> Any:
    from kiosk.sync import incoming

    with _engine() as engine:
        return incoming.accept(engine, args.id.strip(), acting_clerk(args))


def _refuse(args: argparse.Namespace) -> Any:
    from kiosk.dossier_code import DOSSIER_CODE_RE
    from kiosk.sync import incoming

    target = args.target.strip()
    clerk = acting_clerk(args)
    if DOSSIER_CODE_RE.fullmatch(target.upper()):
        from kiosk.cli.common import open_store
        from kiosk.dossier import Status

        with open_store() as store:
            store.change_status(target.upper(), int(Status.REFUSED), clerk, args.reason)
            record = store.get_dossier(target.upper())
        result = {"id": record["id"], "code": record["code"], "status": record["status"],
                  "channel": record.get("channel")}
    else:
        with _engine() as engine:
            result = incoming.refuse(engine, target, args.reason, clerk)
    if args.out:
        from kiosk.forms.notices import write_refusal

        result["file"] = str(write_refusal(result["code"], args.reason, args.out))
    return result


def _supplement(args: argparse.Namespace) -> Any:
    from kiosk import supplement
    from kiosk.cli.common import open_store

    clerk = acting_clerk(args)
    from kiosk.dossier_code import DOSSIER_CODE_RE

    if args.ask and not DOSSIER_CODE_RE.fullmatch(args.code.strip().upper()):
        # A submission not yet accepted: asked for more before acceptance (1 → 5).
        from kiosk.sync import incoming

        with _engine() as engine:
            result = incoming.ask_supplement(engine, args.code.strip(), args.ask, clerk)
        if args.out:
            from kiosk.forms.notices import write_notice

            extra = {"contact": args.contact} if args.contact else {}
            result["file"] = str(write_notice(result["code"], "02", list(args.ask), args.out,
                                              **extra))
        return result
    with open_store() as store:
        if args.ask:
            result = supplement.ask(store, args.code, args.ask, clerk, args.contact)
            form, items = "02", list(args.ask)
        else:
            attached = supplement.read_attachments(store, args.attach)
            result = supplement.receive(store, args.code, attached, clerk)
            form, items = "01", []
    if args.out:
        from kiosk.forms.notices import write_notice

        extra = {"contact": args.contact} if args.contact else {}
        result["file"] = str(write_notice(result["code"], form, items, args.out, **extra))
    return result
