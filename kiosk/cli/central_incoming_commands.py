"""``kiosk central dossier submit``: a dossier submitted online or by post, for a unit.

The portal's side of issue 25, for scripts and demos: FILE.json is ``{"procedure",
"applicant": {"name", "id_number", "phone", "email", "address"}, "components": [{"code",
"file"}]}`` with each file relative to FILE.json.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
from pathlib import Path
from typing import Any

from kiosk.cli.argtypes import input_file, int_range, output_dir, shown, text
from kiosk.errors import InvalidInput, NotFound
from kiosk.i18n import _

#: FILE.json itself is small: the files it names are read separately.
MAX_JSON_BYTES = 1 << 20


def register(csub: Any, db_opt: argparse.ArgumentParser) -> None:
    dossier = csub.add_parser("dossier", help="dossiers submitted online or by post")
    dsub = dossier.add_subparsers(dest="central_dossier_command", metavar="ACTION",
                                  required=True)
    c = dsub.add_parser("submit", parents=[db_opt],
                        help="a dossier submitted online (2) or by post (3) for a unit")
    c.add_argument("--unit", required=True, type=text(60), help="the unit it is sent to")
    c.add_argument("--channel", required=True, type=int_range(2, 3),
                   help="2 online, 3 postal")
    c.add_argument("--blobs", type=output_dir, default=None,
                   help="the server's directory for scans (as given to serve)")
    c.add_argument("file", type=input_file, metavar="FILE.json")
    c.set_defaults(func=_submit)


def read_submission(path: Path) -> dict[str, Any]:
    """FILE.json with each ``file`` read and carried as base64 (what the API takes)."""
    from kiosk.input_file import MAX_PDF_BYTES, read_bytes

    raw = read_bytes(path, max_bytes=MAX_JSON_BYTES, what=_("tệp JSON"))
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except RecursionError:  # "[[[[…" a million deep
        raise InvalidInput(_("Tệp {path} lồng nhau quá sâu.", path=shown(str(path)))) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(_("Tệp {path} không phải JSON hợp lệ: {error}",
                             path=shown(str(path)), error=str(exc))) from None
    if not isinstance(data, dict) or not isinstance(data.get("applicant"), dict) \
            or not isinstance(data.get("components"), list) \
            or not isinstance(data.get("procedure"), str):
        raise InvalidInput(
            _("Tệp {path} thiếu «procedure», «applicant» hoặc «components».",
              path=shown(str(path))),
            hint=_("Dạng: {\"procedure\": ..., \"applicant\": {\"name\", \"id_number\", "
                   "...}, \"components\": [{\"code\", \"file\"}]}."))
    components = []
    for comp in data["components"]:
        if not isinstance(comp, dict) or not isinstance(comp.get("code"), str) \
                or not isinstance(comp.get("file"), str):
            raise InvalidInput(_("Mỗi thành phần cần «code» và «file»."))
        # realpath, not Path.resolve: a loop of links is "no such file", not a RuntimeError.
        file = Path(os.path.realpath(path.parent / comp["file"]))
        if not file.is_file():
            raise NotFound(_("Thiếu tệp đính kèm {file} của thành phần {code}.",
                             file=shown(comp["file"]), code=shown(comp["code"])),
                           hint=_("Đường dẫn tính từ thư mục chứa {path}.",
                                  path=shown(path.name)))
        components.append({"code": comp["code"], "filename": file.name,
                           "content_base64": base64.b64encode(read_bytes(
                               file, max_bytes=MAX_PDF_BYTES, what=_("tệp đính kèm"))).decode()})
    return {"procedure": data["procedure"], "applicant": data["applicant"],
            "components": components}


def _submit(args: argparse.Namespace) -> Any:
    from pydantic import ValidationError

    from central import incoming
    from central.blobstore import BlobStore
    from central.common import ApiError
    from kiosk.cli.central_db import default_blobs, open_db_of

    payload = {"unit": args.unit, "channel": args.channel, **read_submission(args.file)}
    try:
        body = incoming.IncomingIn.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise InvalidInput(_("Hồ sơ không hợp lệ ở «{where}»: {problem}", where=where,
                             problem=str(first.get("msg", "")))) from None
    db = open_db_of(args)
    try:
        return incoming.submit(db, BlobStore(args.blobs or default_blobs()), body)
    except ApiError as exc:
        raise InvalidInput(exc.message) from None
    finally:
        db.close()
