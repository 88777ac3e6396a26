"""Named crash points for the fault suite: ``KIOSK_SYNC_CRASH_AT=name[:n]`` makes the
process SIGKILL itself the n-th time (default 1st) it reaches ``name``. Unset in production:
then each call is one dictionary lookup."""

from __future__ import annotations

import os
import signal

POINTS = ("upload_url_stored", "chunk_sent", "blob_done", "record_sent", "ack_stored",
          "pull_applied")
_hits: dict[str, int] = {}


def crashpoint(name: str) -> None:
    spec = os.environ.get("KIOSK_SYNC_CRASH_AT")
    if not spec:
        return
    target, _sep, count = spec.partition(":")
    if target != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
