"""``kiosk dossier results|result-add|hand-over`` — a dossier's results (issue 24)."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli import command_help
from kiosk.cli.argtypes import input_file, int_range, output_file, person_text, text
from kiosk.cli.common import acting_clerk, open_store
from kiosk.errors import InvalidInput
from kiosk.i18n import _


def _day(value: str) -> Any:
    from kiosk.result_code import parse_day

    try:
        return parse_day(value, "date")
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def register(sub: Any) -> None:
    p = sub.add_parser("store", help=command_help("store"))
    ssub = p.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    c = ssub.add_parser("list", help="a citizen's digitised papers (JSON): this counter's, "
                                     "then the central server's; the look-up is logged")
    c.add_argument("--id-number", required=True, type=text(12))
    c.add_argument("--local", action="store_true", help="this counter's store only")
    c.add_argument("--actor", type=text(100))
    c.set_defaults(func=_store_list)
    o = sub.add_parser("ocr", help=command_help("ocr"))
    osub = o.add_subparsers(dest="ocr_command", metavar="ACTION", required=True)
    c = osub.add_parser("run", help="read the scans not yet read (newest first): text for "
                                    "the search, a copy with an invisible text layer")
    c.add_argument("--limit", type=int_range(1, 100_000), default=1000)
    c.set_defaults(func=_ocr_run)
    c = osub.add_parser("show", help="what the reader made of a stored file (JSON); --out "
                                     "writes its copy with the text layer")
    c.add_argument("sha256", type=text(64))
    c.add_argument("--out", type=output_file)
    c.set_defaults(func=_ocr_show)
    c = ssub.add_parser("suggest", help="number, issue date and validity of a scanned "
                                        "document, as its text suggests them (JSON)")
    c.add_argument("paper_id", type=text(200))
    c.set_defaults(func=_store_suggest)
    c = ssub.add_parser("confirm", help="confirm a scanned document's number and dates "
                                        "(absent: the text's suggestion)")
    c.add_argument("paper_id", type=text(200))
    c.add_argument("--number", type=text(60))
    c.add_argument("--issued", type=_day)
    c.add_argument("--valid-until", type=_day)
    c.add_argument("--no-expiry", action="store_true", help="the paper has no expiry date")
    c.add_argument("--issuer", type=text(200))
    c.add_argument("--actor", type=text(100))
    c.set_defaults(func=_store_confirm)


def _ocr_run(args: argparse.Namespace) -> Any:
    from kiosk import ocr
    from kiosk.errors import DeviceError
    from kiosk.ocr_store import read_stored
    from kiosk.storage import texts

    if not ocr.available():
        raise DeviceError(_("Chưa cài Tesseract với dữ liệu tiếng Việt."),
                          hint=_("Cài gói tesseract-ocr, tesseract-ocr-vie và poppler-utils."))
    done, layered, skipped = 0, 0, []
    with open_store() as store:
        for sha in store.read(lambda db: texts.pending(db, args.limit)):
            outcome = read_stored(store, sha)
            assert outcome is not None
            done += 1
            layered += outcome["layered_sha256"] is not None
            if outcome["skipped"]:
                skipped.append({"sha256": sha, "reason": outcome["skipped"]})
        left = len(store.read(lambda db: texts.pending(db, 100_000)))
    return {"read": done, "waiting": left, "layered": layered, "skipped": skipped}


def _ocr_show(args: argparse.Namespace) -> Any:
    from kiosk.errors import NotFound
    from kiosk.storage import texts

    with open_store() as store:
        sha = args.sha256.strip().lower()
        found = store.read(lambda db: texts.layer_of(db, sha))
        if found is None:
            raise NotFound(_("Tệp {sha} chưa được đọc chữ (hoặc không có).", sha=sha[:16]),
                           hint=_("Chạy «kiosk ocr run»."))
        if args.out is not None:
            if not found["layered_sha256"]:
                raise NotFound(_("Tệp {sha} không có bản có lớp chữ: {why}", sha=sha[:16],
                                 why=found["skipped"] or "-"))
            from kiosk.output_file import write_atomic

            write_atomic(args.out, store.files.read(found["layered_sha256"]))
            found["out"] = str(args.out)
    return found


def _store_suggest(args: argparse.Namespace) -> Any:
    from kiosk.clock import now
    from kiosk.storage import paper_facts

    with open_store() as store:
        return store.read(lambda db: paper_facts.suggestion(db, args.paper_id, now().date()))


def _store_confirm(args: argparse.Namespace) -> Any:
    from datetime import date

    from kiosk.clock import now
    from kiosk.storage import paper_facts

    with open_store() as store:
        seen = store.read(lambda db: paper_facts.suggestion(db, args.paper_id, now().date()))
        hint = seen["suggested"]

        def day(given: date | None, key: str) -> date | None:
            if given is not None:
                return given
            return date.fromisoformat(hint[key]) if hint.get(key) else None

        until = None if args.no_expiry else day(args.valid_until, "valid_until")
        return store.call(lambda db: paper_facts.confirm(
            db, args.paper_id, number=args.number if args.number is not None
            else (hint.get("number") or ""), issued=day(args.issued, "issued"),
            valid_until=until, issuer=args.issuer or "", actor=acting_clerk(args),
            suggested=hint))


def _store_list(args: argparse.Namespace) -> Any:
    import sys

    from kiosk.reuse import lookup
    from kiosk.sync.papers_client import CentralUnreachable, remote_papers

    with open_store() as store:
        remote = None if args.local else remote_papers(store)
        try:
            found = lookup(store, args.id_number, actor=acting_clerk(args), remote=remote)
        except CentralUnreachable as exc:
            print(_("Chỉ có kho của quầy này: {error}", error=exc.message), file=sys.stderr)
            found = lookup(store, args.id_number, actor=acting_clerk(args))
    keys = ("id", "kind", "dossier", "component", "sha256", "number", "issued", "valid_until",
            "source")
    return [{**{k: p.get(k) for k in keys}, "name": p.get("name", ""),
             "expired": p.get("expired", False), "origin": p.get("origin")} for p in found]


def register_dossier(dsub: Any) -> None:
    c = dsub.add_parser("results", help="the dossier's results: from the province or scanned "
                                        "at hand-over (JSON)")
    c.add_argument("code")
    c.set_defaults(func=_results)

    c = dsub.add_parser("result-add", help="digitise a paper result (a PDF of its scan): "
                                           "PDF/A, digitisation code, sent to the server")
    c.add_argument("code")
    c.add_argument("--file", type=input_file, required=True, help="the scanned result, a PDF")
    c.add_argument("--kind", type=text(64), required=True,
                   help="result kind code (results.kinds), e.g. KQ.KS")
    c.add_argument("--number", type=text(100, empty=True), default="", help="số, ký hiệu")
    c.add_argument("--issued", type=_day, default=None, metavar="YYYY-MM-DD")
    c.add_argument("--valid-until", type=_day, default=None, metavar="YYYY-MM-DD")
    c.add_argument("--issuer", type=text(300, empty=True), default="")
    c.add_argument("--actor", type=text(100))
    c.set_defaults(func=_add)

    c = dsub.add_parser("hand-over", help="hand the result over (status 10), saying what was "
                                          "given; without a result on file a reason is needed")
    c.add_argument("code")
    c.add_argument("--given", action="append", default=[], metavar="RESULT_ID=HOW",
                   help="paper, electronic or both for a result (repeatable; default paper)")
    c.add_argument("--delivered", action="append", default=[], metavar="RESULT_ID=HOW",
                   help="for a result given electronic or both: printed (printed now on the "
                        "configured printer, with its QR) or sent (repeatable)")
    c.add_argument("--unscanned-reason", type=text(500, empty=True), default="")
    c.add_argument("--recipient", type=person_text(200), default="",
                   help="who collected it (default: the applicant)")
    c.add_argument("--actor", type=text(100))
    c.set_defaults(func=_hand_over)


def _pairs(items: list[str], option: str, values: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        rid, sep, how = item.partition("=")
        if not sep:
            raise InvalidInput(_("Tham số {option} «{value}» không hợp lệ.", option=option,
                                 value=item[:80]),
                               hint=_("Dùng dạng {option} MÃ_KẾT_QUẢ={values}.", option=option,
                                      values=values), field=option.lstrip("-"))
        out[rid.strip()] = how.strip()
    return out


def _pin_if_signing(store: Any) -> str | None:
    """The token PIN when this counter signs (``signing.*``); None otherwise. Without one
    (no terminal, no KIOSK_SIGNING_PIN) the result is stored unsigned with the reason,
    unless ``signing.required``."""
    from kiosk.signing import SigningError
    from kiosk.signing.settings import SigningSettings

    if not SigningSettings.from_config(store.config).configured:
        return None
    from kiosk.cli.signing_commands import read_pin

    try:
        return read_pin()
    except SigningError:
        return ""


def _results(args: argparse.Namespace) -> Any:
    from kiosk.results import listing

    with open_store() as store:
        return listing(store, args.code)


def _add(args: argparse.Namespace) -> Any:
    from kiosk.input_file import MAX_PDF_BYTES, read_bytes
    from kiosk.results import add_scanned

    data = read_bytes(args.file, max_bytes=MAX_PDF_BYTES, what=_("tệp PDF"))
    with open_store() as store:
        return add_scanned(store, args.code, pdf=data, kind=args.kind, number=args.number,
                           issued=args.issued, valid_until=args.valid_until,
                           issuer=args.issuer, actor=acting_clerk(args),
                           pin=_pin_if_signing(store))


def _hand_over(args: argparse.Namespace) -> Any:
    from kiosk.results import hand_over

    given = _pairs(args.given, "--given", "paper|electronic|both")
    delivered = _pairs(args.delivered, "--delivered", "printed|sent")
    with open_store() as store:
        record = store.get_dossier(args.code)
        name = args.recipient or (record.get("applicant") or {}).get("name", "")
        note = _("Người nhận kết quả: {name}", name=name)
        printer = None
        if "printed" in delivered.values():
            from kiosk.devices.printer import open_printer

            printer = open_printer(store.config)
        done = hand_over(store, args.code, note=note, actor=acting_clerk(args), given=given,
                         unscanned_reason=args.unscanned_reason, delivered=delivered,
                         printer=printer, recipient=name)
        return {"code": done["code"], "status": done["status"], "results": done["results"],
                "result_handover": done["result_handover"], "printed": done["printed"]}
