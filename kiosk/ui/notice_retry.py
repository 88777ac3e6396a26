"""«Gửi lại» beside a notice to the citizen that failed or may not have gone (issue 25 §5).

Set on the clerk's engine as ``noticeRetry``: the notices of the dossier on the dossier
screen, each with whether it may be sent again, and :meth:`NoticeRetry.retry`, which does
what ``kiosk notify retry ID`` does — :func:`kiosk.storage.notices.retry` puts it back in
the outbox, then a pass sends it: the sync thread's own pass when sync runs, otherwise one
pass here under the same lock, so two senders never take the same notice.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.i18n import _
from kiosk.storage import notices
from kiosk.ui.lookup_model import notice_text
from kiosk.ui.qt import QVARIANT_LIST, Property, QObject, Signal, Slot

log = logging.getLogger(__name__)
RETRYABLE = ("failed", "unknown")


class NoticeRetry(QObject):
    changed = Signal()

    def __init__(self, app: Any, detail: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.detail = detail
        self._code = ""
        self._rows: list[dict[str, Any]] = []
        self._busy: set[int] = set()
        detail.loaded.connect(self.refresh)

    rows = Property(QVARIANT_LIST, lambda self: list(self._rows), notify=changed)

    @Slot()
    def refresh(self) -> None:
        code = str((self.detail.dossier or {}).get("code") or "")
        self._code = code
        if not code:
            self._show(code, [])
            return
        store = self.app.services.store

        def work() -> list[dict[str, Any]]:
            def read(db: Any) -> list[dict[str, Any]]:
                if not db.has_table("notices"):
                    return []
                return [dict(r) for r in db.query(
                    "SELECT n.id, n.kind, n.channel, n.address, n.state, n.attempts,"
                    " n.last_error, n.sent_at FROM notices n JOIN dossiers d"
                    " ON d.id = n.dossier_id WHERE d.code = ? ORDER BY n.id", (code,))]

            return store.read(read)

        self.app.tasks.run(work, lambda rows: self._show(code, rows),
                           lambda exc: log.warning("notices of %s: %s", code, exc),
                           lane="work")

    def _show(self, code: str, rows: list[dict[str, Any]]) -> None:
        if code != self._code:
            return  # another dossier was opened meanwhile
        self._rows = [{"id": int(n["id"]), "text": notice_text(n),
                       "canRetry": n["state"] in RETRYABLE and int(n["id"]) not in self._busy}
                      for n in rows]
        self.changed.emit()

    @Slot(int)
    def retry(self, notice_id: int) -> None:
        if notice_id in self._busy:
            return
        self._busy.add(notice_id)
        # The button goes at once: one tap, one resend.
        self._rows = [{**r, "canRetry": r["canRetry"] and r["id"] != notice_id}
                      for r in self._rows]
        self.changed.emit()
        store = self.app.services.store

        def done(queued: bool) -> None:
            if not queued:
                self._busy.discard(notice_id)
                self.app.error(_("Thông báo này không còn ở trạng thái gửi lỗi hoặc chưa rõ."))
                self.refresh()
                return
            self.app.ok(_("Đã đưa thông báo vào hàng gửi lại."))
            self._send(notice_id)

        def failed(exc: BaseException) -> None:
            self._busy.discard(notice_id)
            self.app.error(exc)
            self.refresh()

        self.app.tasks.run(lambda: store.call(lambda db: notices.retry(db, notice_id)),
                           done, failed, lane="storage")

    def _send(self, notice_id: int) -> None:
        services = self.app.services
        sync = services.sync
        if sync is not None and getattr(sync, "worker", None) is not None:
            sync.poke()  # its pass sends it; the screen shows it when the dossier reloads
            self._busy.discard(notice_id)
            self.refresh()
            return

        def work() -> dict[str, int]:
            from kiosk import paths
            from kiosk.notices import run_pass
            from kiosk.sync.worker import AlreadyRunning, InstanceLock

            lock = InstanceLock(paths.data_dir() / "sync.lock")
            try:
                lock.acquire()
            except AlreadyRunning:
                return {}  # another process's pass (kiosk notify) sends it
            try:
                return run_pass(services.store, services.config)
            finally:
                lock.release()

        def finished(_counts: dict[str, int]) -> None:
            self._busy.discard(notice_id)
            self.refresh()

        def failed(exc: BaseException) -> None:
            self._busy.discard(notice_id)
            log.warning("notice %s: %s", notice_id, exc)
            self.refresh()

        self.app.tasks.run(work, finished, failed, lane="net")
