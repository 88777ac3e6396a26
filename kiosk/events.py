"""A small publish/subscribe hub: the core announces what happened, listeners decide.

Handlers run in the publishing thread; the UI's bridge re-emits them as Qt signals so that
screens handle them on the GUI thread. A failing handler is logged and never breaks the
publisher (a scan or a save must not fail because a screen could not redraw).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Handler = Callable[..., None]


class EventHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    def subscribe(self, event: str, handler: Handler) -> Callable[[], None]:
        with self._lock:
            self._handlers[event].append(handler)

        def unsubscribe() -> None:
            with self._lock:
                if handler in self._handlers[event]:
                    self._handlers[event].remove(handler)

        return unsubscribe

    def publish(self, event: str, **payload: Any) -> None:
        """Call the handlers of ``event`` with ``payload``, and ``"*"`` handlers with the name too."""
        with self._lock:
            specific = list(self._handlers.get(event, ()))
            wildcard = list(self._handlers.get("*", ()))
        calls = [(h, payload) for h in specific] + [(h, {"event": event, **payload}) for h in wildcard]
        for handler, kwargs in calls:
            try:
                handler(**kwargs)
            except Exception:
                log.exception("event handler for %s failed", event)


#: The process-wide hub.
hub = EventHub()
