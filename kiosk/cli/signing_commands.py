"""``kiosk sign`` and ``kiosk verify``: PAdES signatures from the clerk's PKCS#11 token.

The PIN comes from ``KIOSK_SIGNING_PIN`` or, in a terminal, a hidden prompt; it is never
echoed, logged or written anywhere.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from kiosk.cli import command_help
from kiosk.cli.argtypes import input_file, output_file
from kiosk.cli.common import acting_clerk
from kiosk.errors import InvalidInput
from kiosk.i18n import _
from kiosk.input_file import expand_path
from kiosk.safe_text import shown

PIN_ENV = "KIOSK_SIGNING_PIN"
#: ``kiosk verify``: the signature is valid, the file is not PDF/A-2b.
NOT_PDFA = 3


def register(sub: Any) -> None:
    p = sub.add_parser("sign", help=command_help("sign"))
    p.add_argument("target", help="FILE.pdf (with --out) or a dossier code")
    p.add_argument("--out", type=output_file, help="where to write the signed copy of FILE.pdf")
    p.add_argument("--reason", help="reason written in the signature (default signing.reason)")
    p.add_argument("--actor", help="who signs (default: $KIOSK_ACTOR or the OS user)")
    p.set_defaults(func=_sign)
    v = sub.add_parser("verify", help=command_help("verify"))
    v.add_argument("file", type=input_file)
    v.add_argument("--trust", type=input_file, help="CA bundle (PEM) to trust "
                                              "(default signing.trust_file, else the system's)")
    v.set_defaults(func=_verify)


def read_pin() -> str:
    """The token PIN from the environment or a hidden terminal prompt."""
    pin = os.environ.get(PIN_ENV)
    if pin:
        return pin
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        try:
            pin = getpass.getpass(_("Mã PIN thẻ ký số: "))
        except EOFError:
            pin = ""
        if pin:
            return pin
    from kiosk.signing import SigningError

    raise SigningError(_("Chưa nhập mã PIN của thẻ ký số."), reason="no_pin",
                       hint=_("Chạy lệnh trong terminal để nhập mã PIN, hoặc đặt biến môi "
                              "trường {env}.", env=PIN_ENV))


def _settings() -> Any:
    from kiosk.config import Config
    from kiosk.signing.settings import SigningSettings

    return SigningSettings.from_config(Config.load())


def _write(path: Path, data: bytes) -> None:
    from kiosk.output_file import write_atomic as _atomic

    _atomic(path, data)


def _looks_like_file(target: str) -> bool:
    return (target.lower().endswith(".pdf") or os.sep in target or target.startswith("~")
            or os.path.isfile(target))


def _sign(args: argparse.Namespace) -> Any:
    from kiosk.signing.dossier import sign_bytes, sign_dossier

    settings = _settings()
    if _looks_like_file(args.target):
        from kiosk.input_file import MAX_PDF_BYTES, read_bytes

        src = expand_path(args.target)
        if args.out is None:
            raise InvalidInput(_("Thiếu --out: ký tệp cần nơi ghi bản đã ký."),
                               hint=_("Ví dụ: kiosk sign hoso.pdf --out hoso-da-ky.pdf"))
        data = read_bytes(src, max_bytes=MAX_PDF_BYTES, what=_("tệp PDF"))
        if data.lstrip()[:5] != b"%PDF-":
            raise InvalidInput(_("Tệp {path} không phải PDF.", path=shown(args.target)))
        # realpath, not Path.resolve: a loop of links is an answer here, not a RuntimeError.
        if os.path.realpath(args.out) == os.path.realpath(src):
            raise InvalidInput(_("--out phải khác tệp gốc: tệp gốc được giữ nguyên."))
        from kiosk.signing import SigningError
        from kiosk.signing.token import hint_later

        try:
            signed = sign_bytes(data, settings, read_pin(), reason=args.reason)
        except SigningError as exc:
            # Signing one file: the advice about dossiers saved unsigned does not apply.
            hint = (exc.hint or "").replace(hint_later(), "").strip() or None
            raise SigningError(exc.message, reason=exc.reason, hint=hint) from exc
        _write(args.out, signed["data"])
        from kiosk.pdfa import pdfa_problems

        problems = pdfa_problems(data)
        if problems:  # signed as given: say that it is not an archival PDF
            print(_("Tệp {path} không đạt PDF/A-2b: {problems}", path=str(src),
                    problems="; ".join(problems)), file=sys.stderr)
        return {"file": str(args.out), "signer": signed["signer"],
                "signed_at": signed["signed_at"], "timestamped": signed["timestamped"],
                "bytes_added": len(signed["data"]) - len(data), "pdfa": not problems}
    if args.out is not None:
        raise InvalidInput(_("--out chỉ dùng khi ký một tệp PDF."),
                           hint=_("Ký hồ sơ: kiosk sign MÃ_HỒ_SƠ (tệp đã ký được lưu vào hồ sơ)."))
    from kiosk.storage import Store

    with Store(orphan_grace_seconds=None) as store:
        return sign_dossier(store, args.target, settings, read_pin(), actor=acting_clerk(args))


def _verify(args: argparse.Namespace) -> int:
    from kiosk.cli import emit
    from kiosk.signing.verify import verify_file

    trust = args.trust
    if trust is None:
        configured = _settings().trust_file
        trust = Path(configured) if configured else None
    result = verify_file(args.file, trust)
    emit(result)
    if not (result["signed"] and result["intact"] and result["valid"]):
        # The JSON says which; a person at a terminal gets it in words too.
        print(_("Tệp {path} không có chữ ký số.", path=shown(str(args.file))) if not
              result["signed"] else
              _("Chữ ký số của tệp {path} không còn nguyên vẹn hoặc không hợp lệ.",
                path=shown(str(args.file))), file=sys.stderr)
        return 1
    if not result["pdfa"]:
        # The signature holds, but the file is not the archival format every stored
        # document must have: a distinct exit code, and the reasons in words.
        print(_("Chữ ký hợp lệ nhưng tệp không đạt PDF/A-2b: {problems}",
                problems="; ".join(result.get("pdfa_problems", []))), file=sys.stderr)
        return NOT_PDFA
    return 0
