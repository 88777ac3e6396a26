"""Delivering notices to the citizen: e-mail through SMTP, SMS through one HTTP gateway.

:func:`run_pass` queues the notices the record calls for (kiosk.storage.notices.collect)
and sends what is due, each on its own: a failure is written on that notice and retried
later with a growing wait, never holding up another notice, a sync pass or the screen.

The texts are Vietnamese whatever the clerk's screen language: they are for the citizen.
SMS gateways differ per province [M]: the one adapter here posts ``{"id", "to", "text"}``
as JSON to ``notify.sms_url`` (a bearer token from ``$KIOSK_SMS_TOKEN``) and takes any 2xx
as accepted; ``id`` is the notice's, so a gateway can drop a repeat. The province's
gateway, or a Zalo bridge, sits behind that one shape.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from kiosk.clock import parse_iso
from kiosk.errors import KioskError
from kiosk.forms.vnformat import format_short_datetime
from kiosk.storage import notices

#: The citizen's texts (never translated: the citizen reads Vietnamese).
TEXTS = {
    "received": ("Hồ sơ {code} đã được tiếp nhận",
                 "Hồ sơ {code} ({procedure}) đã được tiếp nhận lúc {at}. Ngày hẹn trả kết quả: "
                 "{due}."),
    "supplement": ("Hồ sơ {code} cần bổ sung giấy tờ",
                   "Hồ sơ {code} ({procedure}) cần bổ sung: {note}. Thời hạn giải quyết tạm "
                   "dừng cho đến khi hồ sơ đủ."),
    "refused": ("Hồ sơ {code} không được tiếp nhận",
                "Hồ sơ {code} ({procedure}) không được tiếp nhận. Lý do: {note}."),
    "done": ("Hồ sơ {code} đã có kết quả",
             "Hồ sơ {code} ({procedure}) đã có kết quả. Mời ông/bà đến nhận tại {place}."),
    "postponed": ("Hồ sơ {code} được hẹn lại ngày trả",
                  "Hồ sơ {code} ({procedure}) chưa có kết quả đúng hẹn. Ngày hẹn mới: {due}. "
                  "Lý do: {note}. Xin lỗi ông/bà vì sự chậm trễ."),
}


class SendFailed(KioskError):
    kind = "notice_failed"


def composer(config: Any) -> Any:
    unit = str(config.get("unit.name"))
    place = str(config.get("unit.address")) or unit

    def compose(kind: str, facts: dict[str, Any], channel: str) -> tuple[str, str]:
        subject, body = TEXTS[kind]
        values = {"code": facts["code"], "procedure": facts.get("procedure_name") or "",
                  "at": _when(facts.get("at")), "due": _when(facts.get("due_at")) or "—",
                  "note": (facts.get("note") or "").strip() or "—", "place": place}
        text = body.format(**values)
        if channel == "email":
            text += f"\n\n{unit}"
        return subject.format(**values), text

    return compose


def _when(value: str | None) -> str:
    return format_short_datetime(parse_iso(value)) if value else ""


class EmailSender:
    """One SMTP connection per pass; ``notify.smtp_*`` settings, the password from
    ``$KIOSK_SMTP_PASSWORD``."""

    def __init__(self, config: Any) -> None:
        self.host = str(config.get("notify.smtp_host"))
        self.port = int(config.get("notify.smtp_port"))
        self.sender = str(config.get("notify.smtp_from"))
        self.starttls = bool(config.get("notify.smtp_starttls"))
        self.user = str(config.get("notify.smtp_user"))
        self.unit = str(config.get("unit.code"))
        self._smtp: smtplib.SMTP | None = None

    def send(self, notice: dict[str, Any]) -> None:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = notice["address"]
        msg["Subject"] = notice["subject"]
        msg["Date"] = formatdate(localtime=True)
        # The same notice has the same Message-ID: a mail system can see a repeat.
        msg["Message-ID"] = f"<notice-{notice['id']}-{notice['dossier_id']}@{self.unit}>"
        msg.set_content(notice["body"])
        try:
            if self._smtp is None:
                self._smtp = smtplib.SMTP(self.host, self.port, timeout=20)
                if self.starttls:
                    self._smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    self._smtp.login(self.user, os.environ.get("KIOSK_SMTP_PASSWORD", ""))
            self._smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise SendFailed(f"SMTP {self.host}:{self.port}: {exc}") from None

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._smtp = None


class SmsGateway:
    def __init__(self, config: Any) -> None:
        self.url = str(config.get("notify.sms_url"))

    def send(self, notice: dict[str, Any]) -> None:
        import httpx

        token = os.environ.get("KIOSK_SMS_TOKEN", "")
        try:
            r = httpx.post(self.url, json={"id": f"notice-{notice['id']}",
                                           "to": notice["address"], "text": notice["body"]},
                           headers={"Authorization": f"Bearer {token}"} if token else {},
                           timeout=20)
        except httpx.HTTPError as exc:
            raise SendFailed(f"SMS {self.url}: {type(exc).__name__}") from None
        if not 200 <= r.status_code < 300:
            raise SendFailed(f"SMS {self.url}: {r.status_code} {r.text[:200]}")

    def close(self) -> None:
        pass


def senders(config: Any) -> dict[str, Any]:
    """The channels configured on this counter; a channel left empty sends nothing."""
    out: dict[str, Any] = {}
    if config.get("notify.smtp_host"):
        out["email"] = EmailSender(config)
    if config.get("notify.sms_url"):
        out["sms"] = SmsGateway(config)
    return out


def run_pass(store: Any, config: Any | None = None, *, first: bool = False,
             channels: dict[str, Any] | None = None) -> dict[str, int]:
    """Queue what is new, send what is due. ``first``: this process's first pass (a notice
    still marked as sending was cut off by a crash: it becomes ``unknown``)."""
    config = config or store.config
    counts = {"queued": 0, "sent": 0, "failed": 0, "waiting": 0, "unknown": 0}
    if first:
        counts["unknown"] = store.call(notices.recover)
    chosen = channels if channels is not None else senders(config)
    # A channel not set up on this counter queues nothing (an SMS gateway the province has
    # not given yet); e-mail and SMS each go once the channel is there.
    counts["queued"] = store.call(lambda db: notices.collect(
        db, composer(config), tuple(senders(config))))
    max_attempts = int(config.get("notify.max_attempts"))
    try:
        for notice in store.read(notices.due):
            sender = chosen.get(notice["channel"])
            if sender is None:
                counts["waiting"] += 1  # the channel is not set up here yet
                continue
            store.call(lambda db, n=notice: notices.mark(db, n["id"], "sending"))
            try:
                sender.send(notice)
            except Exception as exc:  # one notice's failure never stops the others
                error = exc.message if isinstance(exc, KioskError) else repr(exc)
                attempts = int(notice["attempts"]) + 1
                final = attempts >= max_attempts
                store.call(lambda db, n=notice, e=error, a=attempts, f=final: notices.mark(
                    db, n["id"], "failed" if f else "pending", error=e,
                    retry_at=notices.backoff(a)))
                counts["failed"] += 1
                continue
            store.call(lambda db, n=notice: notices.mark(db, n["id"], "sent"))
            counts["sent"] += 1
        # Booking codes sent from the self-service screen (issue 27), by the same senders.
        from kiosk.citizen import booking_notice

        if first:
            counts["unknown"] += store.call(booking_notice.recover)
        for key, n in booking_notice.send_due(store, chosen, max_attempts).items():
            counts[key] += n
    finally:
        for sender in chosen.values():
            sender.close()
    return counts


def send_booking_notices(store: Any, config: Any) -> dict[str, int]:
    """Right after a booking at the self-service screen: send its code now by the channels
    configured here (what fails waits for the next pass)."""
    from kiosk.citizen import booking_notice

    chosen = senders(config)
    try:
        return booking_notice.send_due(store, chosen, int(config.get("notify.max_attempts")))
    finally:
        for sender in chosen.values():
            sender.close()
