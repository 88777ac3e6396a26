"""The ``result`` events of the change feed carry the result's facts (issue 24). Apart from
:mod:`central.results` (which imports the service's neighbours) so the feed can use it."""

from __future__ import annotations

import json
from typing import Any

from central.db import Tx


def attach_results(tx: Tx, rows: list[dict[str, Any]]) -> None:
    """Give each ``result`` event of a feed page the result's facts."""
    for row in rows:
        row["result"] = None
        if row["kind"] == "result":
            found = tx.one("SELECT details FROM change_details WHERE seq = ?", (row["seq"],))
            if found:
                row["result"] = json.loads(found["details"]).get("result")
