"""A scanned document's confirmed number, dates and issuer up to the server (issue 24 §3).

Outbox kind ``paper.facts``, queued in the confirmation's own transaction
(:mod:`kiosk.storage.paper_facts`); the dossier's record was queued before it, so the
server knows the paper by then (it answers 409, retried, while it does not). ``PUT
/v1/dossiers/{id}/paper-facts`` is idempotent by the operation's key: a replay answers
the stored acknowledgement, so each confirmation is stored exactly once however often the
counter retries. A correction is a later confirmation and replaces it on the server too.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kiosk.storage.paper_facts import FACTS_KIND
from kiosk.sync.acked_put import put_acknowledged

KIND = FACTS_KIND


class Ack(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    paper_id: str = Field(min_length=1, max_length=200)
    stored: bool


def put_facts(engine: Any, item: dict[str, Any]) -> None:
    payload = dict(item["payload"])
    dossier_id = payload.pop("dossier_id")
    paper = f"{dossier_id}:{payload['component']}"
    put_acknowledged(engine, item, f"/v1/dossiers/{dossier_id}/paper-facts", payload, Ack,
                     lambda ack: ack.paper_id == paper and ack.stored)
