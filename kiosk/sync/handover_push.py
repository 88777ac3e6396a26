"""The hand-over record up to the server (issue 24): what was given for each result (paper,
the electronic file, or both; printed on the spot or sent) and, with nothing on file, why
it went unscanned.

Outbox kind ``result.handover``, queued in the hand-over's own transaction after the status
change, so the dossier's record (status 10) goes first. ``PUT
/v1/dossiers/{id}/handover`` is idempotent by the operation's key and by the dossier: a
replay answers 200 with the stored record, so the record is stored exactly once however
often the counter retries.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kiosk.i18n import _
from kiosk.storage import outbox
from kiosk.storage.results import HANDOVER_KIND
from kiosk.sync.errors import BadResponse

KIND = HANDOVER_KIND


class Ack(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    dossier_id: str = Field(min_length=1, max_length=100)
    stored: bool


def put_handover(engine: Any, item: dict[str, Any]) -> None:
    payload = dict(item["payload"])
    dossier_id = payload.pop("dossier_id")
    path = f"/v1/dossiers/{dossier_id}/handover"
    r = engine.http.put(path, json=payload,
                        headers={**engine._headers(), "Idempotency-Key": item["id"]})
    if r.status_code not in (200, 201):
        engine._classify(r)
        raise BadResponse(_("{what}: trả lời {status}", what=path, status=r.status_code))
    try:
        ack = Ack.model_validate_json(r.content)
    except ValidationError:
        raise BadResponse(_("{what}: nội dung không hợp lệ", what=path)) from None
    if ack.dossier_id != dossier_id or not ack.stored:
        raise BadResponse(_("{what}: xác nhận cho bản ghi khác", what=path))

    def done(db: Any) -> None:
        with db.atomic():
            outbox.mark_done(db, item["id"], ack.model_dump())

    engine.store.call(done)
