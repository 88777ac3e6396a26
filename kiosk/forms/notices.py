"""The letters a decision on a dossier prints (Mẫu 03 refusal), rendered from the stored
record in the template set it was received under: one function for the CLI and the screens.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk.clock import now


def render_notice(store: Any, code: str, form: str, reasons: list[str], **extra: Any) -> Any:
    """Mẫu ``form`` of dossier ``code`` with ``reasons`` as its numbered items (Mẫu 01: the
    receipt, listing every component, those brought as a supplement too)."""
    from kiosk.forms import Issue, render_form, unit_from_config
    from kiosk.forms.records import context_from_record

    config = store.config
    record = store.get_dossier(code)
    ctx = context_from_record(record, unit_from_config(config),
                              lookup_url=str(config.get("forms.lookup_url")),
                              issues=tuple(Issue(r.strip()) for r in reasons if r.strip()),
                              printed_at=None if form in ("01", "1") else now(), **extra)
    set_id = record.get("form_set") or str(config.get("forms.set"))
    return render_form(ctx, form, paper="a4", set_id=set_id)


def write_notice(code: str, form: str, reasons: list[str], out: Path, **extra: Any) -> Path:
    """Any of the letters, written atomically to ``out``."""
    from kiosk.output_file import write_atomic
    from kiosk.storage import Store

    with Store() as store:
        rendered = render_notice(store, code, form, reasons, **extra)
    write_atomic(out, rendered.pdf)
    return out


def write_refusal(code: str, reason: str, out: Path) -> Path:
    """Mẫu 03 of a refused dossier."""
    return write_notice(code, "03", [reason], out)
