"""Start sync in the background for the app: the one call the UI (or ``kiosk sync run``)
needs. Events arrive on the sync threads; the UI's bridge re-emits them on its own thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk import paths
from kiosk.config import Config
from kiosk.errors import ConfigError
from kiosk.i18n import _
from kiosk.storage import Store
from kiosk.sync import credentials
from kiosk.sync.engine import SyncEngine
from kiosk.sync.inflight import pinned
from kiosk.sync.transport import make_client
from kiosk.sync.worker import InstanceLock, SyncWorker


def build_engine(store: Store, config: Config | None = None,
                 on_event: Callable[[dict[str, Any]], None] | None = None) -> SyncEngine:
    """The engine for the configured server; raises ConfigError/CredentialsError (with a
    hint for the admin) when the counter is not enrolled or the keyring is unusable."""
    config = config or store.config
    url = config.get("sync.server_url")
    if not url:
        raise ConfigError(_("Chưa cấu hình máy chủ đồng bộ."),
                          hint=_("Chạy «kiosk sync enroll --server URL --token MÃ»."))
    token = credentials.require_token(url)
    http = make_client(url, config.get("sync.ca_file"),
                       deadline=float(config.get("sync.request_deadline_seconds")))
    # After a 401 the token is read again: an admin may have re-enrolled meanwhile.
    return SyncEngine(store, http, lambda: credentials.load_token(url) or token, on_event,
                      retry_after_max=float(config.get("sync.retry_after_max_seconds")),
                      audit_every_hours=float(config.get("sync.audit_interval_hours")),
                      audit_days=int(config.get("sync.audit_days")),
                      parallel=pinned(config.get("sync.parallel_uploads")))


def start_background_sync(store: Store, config: Config | None = None,
                          on_event: Callable[[dict[str, Any]], None] | None = None,
                          interval: float = 30.0) -> SyncWorker:
    """Start the single sync worker of this machine; call ``poke()`` after each save."""
    engine = build_engine(store, config, on_event)
    return SyncWorker(engine.run_once, InstanceLock(paths.data_dir() / "sync.lock"),
                      interval=interval).start()
