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

from pydantic import BaseModel, ConfigDict, Field

from kiosk.storage.results import HANDOVER_KIND
from kiosk.sync.acked_put import put_acknowledged

KIND = HANDOVER_KIND


class Ack(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    dossier_id: str = Field(min_length=1, max_length=100)
    stored: bool


def put_handover(engine: Any, item: dict[str, Any]) -> None:
    payload = dict(item["payload"])
    dossier_id = payload.pop("dossier_id")
    put_acknowledged(engine, item, f"/v1/dossiers/{dossier_id}/handover", payload, Ack,
                     lambda ack: ack.dossier_id == dossier_id and ack.stored)
