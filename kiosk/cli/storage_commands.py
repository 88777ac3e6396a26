"""``kiosk dossier new|show|list|status|stats``, ``kiosk search``,
``kiosk db check|backup|restore``."""

from __future__ import annotations

import argparse
import mimetypes
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.cli import command_help
from kiosk.cli.argtypes import (
    MAX_LIMIT,
    input_dir,
    input_file,
    int_range,
    output_dir,
    output_file,
    parse_day,
    person_text,
    read_stdin_text,
    shown,
    text,
)
from kiosk.cli.common import acting_clerk, open_store
from kiosk.errors import InvalidInput, KioskError, StorageError
from kiosk.i18n import N_, _
from kiosk.limits import (
    ACTOR_MAX,
    ADDRESS_MAX,
    EMAIL_MAX,
    ID_NUMBER_MAX,
    NOTE_MAX,
    PERSON_MAX,
    PHONE_MAX,
)

if TYPE_CHECKING:
    from kiosk.storage import ComponentInput, DossierInput, Store

#: How a catalog component's form maps to what the checklist records.
_COPY_KIND = {
    "original": "original",
    "copy": "copy",
    "certified_copy": "certified_copy",
    "original_or_certified_copy": "original",
    "present": "original",
}


def register(sub: Any) -> None:
    p = sub.add_parser("dossier", help=command_help("dossier"))
    dsub = p.add_subparsers(dest="dossier_command", metavar="ACTION", required=True)

    c = dsub.add_parser("new", help="receive a dossier: allocates the code, prints code and due")
    which = c.add_mutually_exclusive_group(required=True)
    which.add_argument("--procedure", type=text(64), help="national procedure code, e.g. 1.001193")
    which.add_argument("--group", type=text(32), metavar="GROUP",
                       help="an interconnected group of the catalog (liên thông, e.g. "
                            "KS-TT-BHYT): one dossier per procedure, one receipt")
    c.add_argument("--cccd", help="the CCCD QR payload (or - for stdin)")
    c.add_argument("--name", type=person_text(PERSON_MAX), help="applicant's full name (without --cccd)")
    c.add_argument("--id-number", default="", type=text(ID_NUMBER_MAX, empty=True),
                   help="CCCD/CMND number (without --cccd)")
    c.add_argument("--phone", default="", type=text(PHONE_MAX, empty=True))
    c.add_argument("--email", default="", type=text(EMAIL_MAX, empty=True))
    c.add_argument("--address", default="", type=person_text(ADDRESS_MAX))
    c.add_argument("--channel", default="1", help="1 in person, 2 online, 3 postal, 4 other")
    c.add_argument("--return-method", default="counter", choices=("counter", "post"),
                   help="result returned at the counter or by post")
    c.add_argument("--received-on-paper", metavar="YYYY-MM-DDTHH:MM",
                   help="back-entry: the reception time on the paper record")
    c.add_argument("--attach", action="append", default=[], metavar="COMPONENT=FILE",
                   help="a scanned file for a component of the procedure (repeatable)")
    c.add_argument("--reuse", action="append", default=[], metavar="COMPONENT=PAPER_ID",
                   help="reuse a paper the citizen already has digitised for a component "
                        "(kiosk store list); the citizen has agreed (repeatable)")
    c.add_argument("--note", default="", type=text(NOTE_MAX, empty=True))
    c.add_argument("--notify", default="", type=text(20, empty=True), metavar="email,sms",
                   help="the citizen agreed to be told by these channels (docs/ELSEWHERE.md)")
    c.add_argument("--actor", type=text(ACTOR_MAX),
                   help="who receives it (default: $KIOSK_ACTOR or the OS user)")
    c.add_argument("--out", type=output_file, metavar="FILE.pdf",
                   help="with --group: write the group's one receipt there")
    c.set_defaults(func=_new)

    c = dsub.add_parser("show", help="the whole dossier (JSON)")
    c.add_argument("code")
    c.set_defaults(func=_show)

    c = dsub.add_parser("list", help="dossiers, newest first (JSON lines)")
    c.add_argument("--status", help="national portal status 1–10")
    c.add_argument("--overdue", action="store_true", help="only those past their due time")
    c.add_argument("--date", help="received on YYYY-MM-DD")
    c.add_argument("--limit", type=int_range(1, MAX_LIMIT), default=200)
    c.set_defaults(func=_list)

    c = dsub.add_parser("status", help="move a dossier to another status (allowed moves only)")
    c.add_argument("code")
    c.add_argument("--to", required=True, help="national portal status 1–10")
    c.add_argument("--note", default="", type=text(NOTE_MAX, empty=True))
    c.add_argument("--actor", type=text(ACTOR_MAX))
    c.set_defaults(func=_status)

    c = dsub.add_parser("stats", help="today's counts for the home screen")
    c.set_defaults(func=_stats)

    from kiosk.cli import late_commands

    late_commands.register_dossier(dsub)
    from kiosk.cli import incoming_commands

    incoming_commands.register_dossier(dsub)
    from kiosk.cli import result_commands

    result_commands.register_dossier(dsub)

    p = sub.add_parser("search", help=command_help("search"))
    p.add_argument("text", type=text(200, empty=True), nargs="?", default="")
    p.add_argument("--text", dest="words", type=text(200), default=None, metavar="WORDS",
                   help="words in the text of the scans (kiosk ocr run), diacritics optional")
    p.add_argument("--limit", type=int_range(1, MAX_LIMIT), default=50)
    p.set_defaults(func=_search)

    p = sub.add_parser("db", help=command_help("db"))
    bsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    c = bsub.add_parser("check", help="integrity, foreign keys, every file present and re-hashed")
    c.add_argument("--no-rehash", action="store_true", help="only check that files exist")
    c.set_defaults(func=_check)
    c = bsub.add_parser("backup", help="consistent copy of the database and files into DEST")
    c.add_argument("dest", type=output_dir)
    c.set_defaults(func=_backup)
    c = bsub.add_parser("restore", help="put a backup (made by db backup) back in place; "
                                        "the database it replaces is kept beside it")
    c.add_argument("backup", type=input_dir, help="the backup folder (with manifest.json)")
    c.add_argument("--replace", action="store_true",
                   help="replace a database that is still healthy (it is moved aside)")
    c.set_defaults(func=_restore)


def _sign_components(store: Store, inp: DossierInput) -> dict[str, Any] | None:
    """Sign the attached PDFs when the unit has a token configured (issue 14)."""
    from kiosk.signing import SigningError
    from kiosk.signing.dossier import sign_input
    from kiosk.signing.settings import SigningSettings

    settings = SigningSettings.from_config(store.config)
    if not settings.configured:
        return None
    from kiosk.cli.signing_commands import read_pin

    try:
        pin = read_pin()
    except SigningError:
        pin = ""  # sign_input records why nothing was signed (or refuses, if required)
    outcome = sign_input(inp, store, settings, pin)
    if outcome.error:
        print(_("Chưa ký số: {error}", error=outcome.error), file=sys.stderr)
    return outcome.to_json()


def _components(store: Store, procedure_code: str, attach: list[str],
                attached: list[dict[str, Any]] | None = None) -> list[ComponentInput]:
    """The procedure's checklist, with attached files as pages and attached items ticked.

    A PDF made elsewhere is brought to PDF/A-2b when that is faithful, else stored as it
    is and flagged on its page (``pdfa: false``, with the reasons) and on stderr;
    ``attached`` receives one line per file saying which (docs/SIGNING.md)."""
    from kiosk.storage import ComponentInput, PageInput

    proc = store.catalog.get(procedure_code)
    wanted: list[tuple[str, Path]] = []
    for item in attach:
        comp_code, sep, file_name = item.partition("=")
        if not sep or not file_name:
            raise InvalidInput(
                _("Tham số --attach «{value}» không hợp lệ.", value=shown(item)),
                hint=_("Dùng dạng --attach MÃ_THÀNH_PHẦN=ĐƯỜNG_DẪN_TỆP."),
                field="attach",
            )
        proc.component(comp_code.strip())  # NotFound lists the valid codes
        try:
            path = input_file(file_name)
        except argparse.ArgumentTypeError as exc:
            problem = str(exc)
            raise InvalidInput(
                _("Tham số --attach «{value}»: {problem}", value=shown(item),
                  problem=problem[:1].upper() + problem[1:]),
                hint=_("Dùng dạng --attach MÃ_THÀNH_PHẦN=ĐƯỜNG_DẪN_TỆP."),
                field="attach",
            ) from None
        wanted.append((comp_code.strip(), path))
    # Every argument is checked before any file is stored.
    pages: dict[str, list[PageInput]] = {}
    from kiosk.input_file import MAX_PDF_BYTES, read_bytes

    for comp_code, path in wanted:
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        # Read through the one reader: a regular file, at most the cap, never a device
        # swapped in after the argument was checked.
        data = read_bytes(path, max_bytes=MAX_PDF_BYTES, what=_("tệp đính kèm"))
        if mime != "application/pdf":
            pages.setdefault(comp_code, []).append(PageInput(store.put_file(data), mime))
            continue
        from kiosk.pdfa import conform

        result = conform(data)
        page = PageInput(store.put_file(result.data), mime, pdfa=result.pdfa,
                         pdfa_problems=result.problems)
        pages.setdefault(comp_code, []).append(page)
        line: dict[str, Any] = {"component": comp_code, "file": str(path), "pdfa": result.pdfa,
                                "converted": result.converted}
        if result.problems:
            line["pdfa_problems"] = list(result.problems)
            print(_("Tệp {file} không đạt PDF/A-2b và không chuyển đổi được mà giữ nguyên "
                    "nội dung ({problems}): đã lưu nguyên bản và đánh dấu «pdfa: false».",
                    file=path.name, problems="; ".join(result.problems)), file=sys.stderr)
        if attached is not None:
            attached.append(line)
    return [
        ComponentInput(
            name=comp.name,
            code=comp.code,
            copy_kind=_COPY_KIND.get(comp.form, "original"),
            count=comp.count,
            checked=comp.code in pages,
            pages=pages.get(comp.code, []),
        )
        for comp in proc.components
    ]


def _new(args: argparse.Namespace) -> Any:
    from kiosk.dossier import parse_channel
    from kiosk.storage import ApplicantInput, DossierInput, applicant_from_cccd

    if args.cccd:
        from kiosk.cccd import parse_cccd

        payload = read_stdin_text("--cccd") if args.cccd == "-" else args.cccd
        applicant = applicant_from_cccd(parse_cccd(payload), phone=args.phone)
        applicant.email = args.email
    elif args.name:
        applicant = ApplicantInput(args.name.strip(), id_number=args.id_number,
                                   phone=args.phone, email=args.email, address=args.address)
    else:
        raise InvalidInput(
            _("Chưa có thông tin người nộp hồ sơ."),
            hint=_("Dùng --cccd \"NỘI_DUNG_QR\" hoặc --name \"HỌ TÊN\" --id-number SỐ."),
            field="applicant",
        )
    channel = int(parse_channel(args.channel))
    if args.group:
        from kiosk.cli.group_commands import new_group

        return new_group(args, applicant, channel)
    attached: list[dict[str, Any]] = []
    with open_store() as store:
        components = _components(store, args.procedure, args.attach, attached)
        reused = _reuse(store, args, components, applicant.id_number)
        inp = DossierInput(args.procedure.strip(), applicant, channel=channel,
                           components=components, note=args.note,
                           return_method=args.return_method)
        if args.received_on_paper:
            from kiosk.cli.late_commands import parse_local_time

            inp.received_at = parse_local_time(args.received_on_paper, "--received-on-paper")
            inp.back_entry = True
        signing = _sign_components(store, inp)
        try:
            saved = store.save_dossier(inp, acting_clerk(args),
                                       then=_consent(applicant, args.notify)).to_json()
            return {**saved, **({"signing": signing} if signing else {}),
                    **({"attached": attached} if attached else {}),
                    **({"reused": reused} if reused else {})}
        except StorageError as exc:
            # Keep what was typed and scanned, as the intake screen does.
            try:
                draft = store.save_draft(inp.to_json(), acting_clerk(args), label="cli")
            except KioskError:
                raise exc from None
            exc.details["draft_id"] = draft
            print(_("Đã giữ hồ sơ ở dạng nháp {draft}.", draft=draft), file=sys.stderr)
            raise


def _reuse(store: Store, args: argparse.Namespace, components: list[ComponentInput],
           id_number: str) -> list[dict[str, Any]]:
    if not args.reuse:
        return []
    from kiosk.reuse import apply_reuse
    from kiosk.sync.papers_client import remote_papers

    wanted: dict[str, str] = {}
    for item in args.reuse:
        code, sep, paper = item.partition("=")
        if not sep or not code.strip() or not paper.strip():
            raise InvalidInput(_("Tham số --reuse «{value}» không hợp lệ.", value=shown(item)),
                               hint=_("Dùng dạng --reuse MÃ_THÀNH_PHẦN=MÃ_GIẤY_TỜ."),
                               field="reuse")
        wanted[code.strip()] = paper.strip()
    # A paper of the province is claimed only when this counter's store lacks it.
    local_ids = {p for p in wanted.values()}
    from kiosk.clock import now
    from kiosk.storage import papers

    here = {p["id"] for p in store.read(lambda db: papers.for_id_number(
        db, id_number, now().date()))}
    remote = None if local_ids <= here else remote_papers(store)
    return apply_reuse(store, components, id_number, wanted, actor=acting_clerk(args),
                       remote=remote)


def _consent(applicant: Any, channels: str) -> Any:
    """The citizen's consent to notices, saved with the dossier (None: none given)."""
    from kiosk.storage import notices

    chosen = notices.chosen_channels(channels)
    if not chosen:
        return None

    def then(db: Any, dossier_id: str, _code: str) -> None:
        notices.consent(db, dossier_id, email=applicant.email, phone=applicant.phone,
                        channels=chosen, source="counter")

    return then


def _show(args: argparse.Namespace) -> Any:
    with open_store() as store:
        return store.get_dossier(args.code)


def _parse_date(text: str) -> date:
    return parse_day(text, "--date")


def _list(args: argparse.Namespace) -> Any:
    from kiosk.cli import emit
    from kiosk.dossier import parse_status

    status = int(parse_status(args.status)) if args.status is not None else None
    day = _parse_date(args.date) if args.date else None
    with open_store() as store:
        for row in store.list_dossiers(status=status, overdue=args.overdue, day=day,
                                       limit=args.limit):
            emit(row)
    return None


def _status(args: argparse.Namespace) -> Any:
    with open_store() as store:
        return store.change_status(args.code, args.to, acting_clerk(args), args.note)


def _stats(args: argparse.Namespace) -> Any:
    with open_store() as store:
        return {**store.stats_today(), "outbox": store.outbox_counts()}


def _search(args: argparse.Namespace) -> Any:
    from kiosk.cli import emit

    with open_store() as store:
        if args.words is not None:
            from kiosk.storage import texts

            rows = store.read(lambda db: texts.search(db, args.words, args.limit))
        else:
            rows = store.search(args.text, limit=args.limit)
        for row in rows:
            emit(row)
    return None


_RESTORE_HINT = N_("Khôi phục từ bản sao lưu gần nhất (kiosk db restore THƯ_MỤC_SAO_LƯU) "
                   "theo hướng dẫn trong docs/STORAGE.md.")


def _check(args: argparse.Namespace) -> Any:
    from kiosk import paths
    from kiosk.cli import emit
    from kiosk.storage.files import FileStore
    from kiosk.storage.restore import diagnose

    try:
        with open_store() as store:
            result = store.check(rehash=not args.no_rehash)
    except StorageError as exc:
        # The report is what an admin needs most when the store will not open at all.
        emit(diagnose(paths.database_file(), FileStore(paths.files_dir()), exc))
        print(exc.message, file=sys.stderr)
        print(exc.hint if exc.hint and "kiosk db restore" in exc.hint else _(_RESTORE_HINT),
              file=sys.stderr)
        return 1
    emit(result)
    if not result["ok"]:
        print(_("Cơ sở dữ liệu hoặc kho tệp có lỗi (xem chi tiết ở trên)."), file=sys.stderr)
        print(_(_RESTORE_HINT), file=sys.stderr)
        return 1
    if result["numbers_without_record"]:
        print(_("Có {n} mã hồ sơ đã cấp nhưng không có trong cơ sở dữ liệu (xem "
                "numbers_without_record): lấy lại hồ sơ từ máy chủ hoặc từ giấy.",
                n=len(result["numbers_without_record"])), file=sys.stderr)
    return 0


def _backup(args: argparse.Namespace) -> Any:
    with open_store() as store:
        return store.backup(args.dest)


def _restore(args: argparse.Namespace) -> Any:
    from kiosk import paths
    from kiosk.storage.files import FileStore
    from kiosk.storage.restore import restore

    result = restore(args.backup, paths.database_file(), FileStore(paths.files_dir()),
                     replace=args.replace)
    with open_store() as store:  # binds the identity and catches the counters up
        report = store.check(rehash=False)
    return {**result, "numbers_caught_up": report["numbers_caught_up"],
            "numbers_without_record": report["numbers_without_record"], "ok": report["ok"]}
