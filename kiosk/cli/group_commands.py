"""``kiosk dossier new --group GROUP``: one intake of interconnected procedures (liên thông).

``--attach KEY=FILE`` names a line of the group's merged checklist: a shared paper's code
(``GCS``: stored once, linked to every dossier needing it), ``PROCEDURE:COMPONENT``, or a
component code only one procedure of the group has. Every argument and every file is
checked before anything is stored; the dossiers are saved together or not at all.
"""

from __future__ import annotations

import argparse
import mimetypes
import sys
from pathlib import Path
from typing import Any

from kiosk.cli.argtypes import input_file, shown
from kiosk.cli.common import acting_clerk, open_store
from kiosk.errors import InvalidInput, KioskError, StorageError
from kiosk.i18n import _


def new_group(args: argparse.Namespace, applicant: Any, channel: int) -> Any:
    from kiosk.catalog_groups import checklist, resolve_key
    from kiosk.group_intake import group_inputs, group_receipt, save_group

    refused = [name for name, given in (("--reuse", args.reuse),
                                        ("--received-on-paper", args.received_on_paper))
               if given]
    if refused:
        raise InvalidInput(
            _("Tham số {names} chưa dùng được với hồ sơ liên thông (--group).",
              names=", ".join(refused)),
            hint=_("Tiếp nhận từng thủ tục riêng bằng --procedure nếu cần các tham số này."),
            field="group")
    consent = _consent(applicant, args.notify)
    with open_store() as store:
        catalog = store.catalog
        group = catalog.group(args.group)
        procedures = {code: catalog.get(code) for code in group.procedures}
        items = checklist(group, procedures)
        wanted: list[tuple[str, Path]] = []
        for value in args.attach:
            key, sep, file_name = value.partition("=")
            if not sep or not key.strip() or not file_name:
                raise InvalidInput(
                    _("Tham số --attach «{value}» không hợp lệ.", value=shown(value)),
                    hint=_("Dùng dạng --attach MÃ_THÀNH_PHẦN=ĐƯỜNG_DẪN_TỆP; mã thành phần "
                           "của nhóm: {keys}", keys=", ".join(i.key for i in items)),
                    field="attach")
            item = resolve_key(items, key)
            try:
                path = input_file(file_name)
            except argparse.ArgumentTypeError as exc:
                raise InvalidInput(
                    _("Tham số --attach «{value}»: {problem}", value=shown(value),
                      problem=str(exc)), field="attach") from None
            wanted.append((item.key, path))
        pages = _store_files(store, wanted)
        inputs = group_inputs(catalog, group, applicant, pages=pages, channel=channel,
                              note=args.note, return_method=args.return_method)
        actor = acting_clerk(args)
        try:
            result = save_group(store, group, inputs, actor, then=consent)
        except StorageError as exc:
            # The papers are durable in the file store; keep what was typed as a draft.
            try:
                draft = store.save_draft({"group": group.code,
                                          "dossiers": [i.to_json() for i in inputs]},
                                         actor, label="cli")
            except KioskError:
                raise exc from None
            exc.details["draft_id"] = draft
            print(_("Đã giữ hồ sơ ở dạng nháp {draft}.", draft=draft), file=sys.stderr)
            raise
        if args.out is not None:
            from kiosk.output_file import write_atomic

            write_atomic(args.out, group_receipt(store, [d["code"] for d in
                                                         result["dossiers"]]))
            result["receipt"] = str(args.out)
        return result


def _store_files(store: Any, wanted: list[tuple[str, Path]]) -> dict[str, list[Any]]:
    """Each named file in the file store once (a PDF made elsewhere brought to PDF/A-2b
    where faithful), as pages keyed by checklist item."""
    from kiosk.input_file import MAX_PDF_BYTES, read_bytes
    from kiosk.storage import PageInput

    pages: dict[str, list[Any]] = {}
    for key, path in wanted:
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        data = read_bytes(path, max_bytes=MAX_PDF_BYTES, what=_("tệp đính kèm"))
        if mime != "application/pdf":
            pages.setdefault(key, []).append(PageInput(store.put_file(data), mime))
            continue
        from kiosk.pdfa import conform

        result = conform(data)
        pages.setdefault(key, []).append(PageInput(
            store.put_file(result.data), mime, pdfa=result.pdfa,
            pdfa_problems=result.problems))
    return pages


def _consent(applicant: Any, channels: str) -> Any:
    """The citizen's consent to notices, written on each dossier in the group's save."""
    from kiosk.storage import notices

    chosen = notices.chosen_channels(channels)
    if not chosen:
        return None

    def then(db: Any, saved: list[Any]) -> None:
        for one in saved:
            notices.consent(db, one.id, email=applicant.email, phone=applicant.phone,
                            channels=chosen, source="counter")

    return then
