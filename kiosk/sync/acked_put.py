"""One outbox item sent as one idempotent ``PUT``, and marked done only on the server's
acknowledgement of that very record (results, hand-overs, a paper's confirmed facts).

The operation's key is the outbox item's id, so a retry after a lost answer gets the stored
acknowledgement instead of a second write; an answer that is not the expected
acknowledgement (another record, ``stored`` false, not the model) leaves the item queued.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from kiosk.i18n import _
from kiosk.storage import outbox
from kiosk.sync.errors import BadResponse

AckT = TypeVar("AckT", bound=BaseModel)


def put_acknowledged(engine: Any, item: dict[str, Any], path: str, payload: dict[str, Any],
                     ack_model: type[AckT], acknowledges: Callable[[AckT], bool]) -> None:
    """``acknowledges`` says whether the parsed answer is the server storing this record."""
    r = engine.http.put(path, json=payload,
                        headers={**engine._headers(), "Idempotency-Key": item["id"]})
    if r.status_code not in (200, 201):
        engine._classify(r)
        raise BadResponse(_("{what}: trả lời {status}", what=path, status=r.status_code))
    try:
        ack = ack_model.model_validate_json(r.content)
    except ValidationError:
        raise BadResponse(_("{what}: nội dung không hợp lệ", what=path)) from None
    if not acknowledges(ack):
        raise BadResponse(_("{what}: xác nhận cho bản ghi khác", what=path))

    def done(db: Any) -> None:
        with db.atomic():
            outbox.mark_done(db, item["id"], ack.model_dump())

    engine.store.call(done)
