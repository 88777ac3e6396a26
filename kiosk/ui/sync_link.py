"""The sync worker inside the app: its own thread, never the GUI thread (SYNC.md).

A missing server address, a missing or locked keyring, or another process already syncing
are states the home screen shows in plain words; none of them stops the counter.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from kiosk import paths
from kiosk.clock import now, parse_iso
from kiosk.errors import KioskError
from kiosk.events import EventHub, hub
from kiosk.i18n import _

log = logging.getLogger(__name__)


def last_sent_text(seconds: int) -> str:
    """"vừa xong" under a minute, then minutes, then hours (never "0 phút trước")."""
    if seconds < 60:
        return _("lần cuối: vừa xong")
    if seconds < 3600:
        return _("lần cuối {m} phút trước", m=seconds // 60)
    if seconds < 86_400:
        return _("lần cuối {h} giờ trước", h=seconds // 3600)
    return _("lần cuối {d} ngày trước", d=seconds // 86_400)


class SyncLink:
    def __init__(self, services: Any, events: EventHub = hub, interval: float = 30.0) -> None:
        self.services = services
        self.events = events
        self.interval = interval
        self.worker: Any = None
        self.engine: Any = None
        self.problem: str | None = None
        self._lock = threading.Lock()

    def start(self) -> SyncLink:
        config = self.services.config
        url = str(config.get("sync.server_url"))
        if not config.get("sync.enabled"):
            self.problem = _("Đồng bộ đang tắt trong cài đặt.")
            return self
        if not url:
            self.problem = _("Chưa cấu hình máy chủ (Cài đặt → Máy chủ).")
            return self
        try:
            from kiosk.sync.background import build_engine
            from kiosk.sync.worker import InstanceLock, SyncWorker

            # The same engine as `kiosk sync run`: TLS trust, the request deadline and the
            # token read again after a re-enrolment all come from the one place.
            self.engine = build_engine(self.services.store, config, on_event=self._on_event)
            self.engine.device_states = self._device_states
            self.worker = SyncWorker(self._one_pass, InstanceLock(paths.data_dir() / "sync.lock"),
                                     interval=self.interval).start()
        except KioskError as exc:
            self.problem = exc.message
            log.warning("sync not started: %s", exc.message)
        return self

    def _device_states(self) -> dict[str, Any]:
        """The scanner and printer as Home last saw them (kiosk.ui.home_model)."""
        rows = self.services.extras.get("device_states") or []
        kinds = {"scanner": "scanners", "printer": "printers"}
        out: dict[str, Any] = {"printers": [], "scanners": []}
        for row in rows:
            if row.get("kind") in kinds:
                out[kinds[row["kind"]]].append(
                    {"name": row.get("state", ""), "state": "ready" if row.get("ok") else "error"})
        return out

    def _one_pass(self) -> dict[str, Any]:
        result: dict[str, Any] = self.engine.run_once()
        self.events.publish("sync_pass", result=result)
        self._notify()
        return result

    _notified_once = False

    def _notify(self) -> None:
        """The citizen's notices after each pass, on the sync thread; a failure is written
        on the notice and never stops sync (kiosk.notices)."""
        from kiosk.notices import run_pass

        try:
            counts = run_pass(self.services.store, self.services.config,
                              first=not self._notified_once)
            self._notified_once = True
            if counts["sent"] or counts["failed"] or counts["queued"]:
                self.events.publish("notices", **counts)
        except KioskError as exc:
            log.warning("notices: %s", exc.message)

    def _on_event(self, event: dict[str, Any]) -> None:
        self.events.publish("sync", **event)

    def poke(self) -> None:
        if self.worker is not None:
            self.worker.poke()

    def ui_state(self) -> dict[str, Any]:
        """One line for the home screen: connected or not, what waits, the last error."""
        if self.worker is None:
            return {"text": self.problem or _("Chưa kết nối"), "ok": False}
        from kiosk.sync.engine import sync_status

        status = sync_status(self.services.store)
        waiting = int(status.get("waiting", 0))
        attention = int(status.get("needs_attention", 0))
        last_ok = status.get("last_success")
        last_error = status.get("last_error")
        if attention:
            return {"text": _("{n} hồ sơ cần xử lý (xem Tra cứu)", n=attention), "ok": False}
        recent_error = last_error and (not last_ok or last_error.split(" ")[0] > last_ok)
        if recent_error:
            return {"text": _("Mất kết nối; {n} mục chờ gửi", n=waiting), "ok": False}
        if waiting:
            kib = int(status.get("bytes_waiting", 0)) // 1024
            return {"text": _("Đang gửi: {n} mục, {kib} KB", n=waiting, kib=kib), "ok": True}
        when = ""
        if last_ok:
            when = " (" + last_sent_text(int((now() - parse_iso(last_ok)).total_seconds())) + ")"
        return {"text": _("Đã gửi hết") + when, "ok": True}

    def store_token(self, token: str) -> None:
        """Checked with the server first (runs on a worker: it is a network call)."""
        from kiosk.sync import credentials
        from kiosk.sync.token_check import check_token

        config = self.services.config
        url = check_token(str(config.get("sync.server_url")), token,
                          str(config.get("sync.ca_file")))
        credentials.save_token(url, token.strip())
        self.restart()

    def enrol(self, payload: str) -> str:
        """The province's one-time code (read off its page's QR) traded for this counter's
        token; the server address comes with it. Runs on a worker: network calls."""
        from kiosk.sync import credentials
        from kiosk.sync.enrol import parse_payload, redeem
        from kiosk.sync.token_check import check_token
        from kiosk.sync.transport import make_client

        config = self.services.config
        code, carried = parse_payload(payload)
        server = carried or str(config.get("sync.server_url"))
        ca = str(config.get("sync.ca_file"))
        with make_client(server, ca) as http:
            token = redeem(http, code)
        url = check_token(server, token, ca)
        credentials.save_token(url, token)
        config.set("sync.server_url", url)
        config.set("sync.enabled", True)
        config.save()
        self.restart()
        return url

    def restart(self) -> None:
        with self._lock:
            self.stop()
            self.problem = None
            self.start()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None
        if self.engine is not None:
            self.engine.http.close()
            self.engine = None
