"""The province page's view of the national portal push (``/province/portal``): what is
queued, sent and refused, and for each refused item the portal's answer (issue 25 §4)."""

from __future__ import annotations

from typing import Any

from central.province_html import esc
from kiosk.i18n import N_, _

SERVICES = {"DongBoHoSoMC": N_("Hồ sơ"), "CapNhatTienDoHoSoMC": N_("Tiến độ")}


def _answer(item: dict[str, Any]) -> str:
    answer = item.get("answer")
    body = answer.get("body") if isinstance(answer, dict) else None
    if isinstance(body, dict):
        return f"{body.get('error_code', '')}: {body.get('message', '')}"
    return str(answer if answer is not None else item.get("last_error") or "")[:300]


def portal(counts: dict[str, int], failed: list[dict[str, Any]], configured: bool) -> str:
    state = _("Đang gửi tự động.") if configured else _(
        "Máy chủ này chưa cấu hình gửi lên Cổng (KIOSK_PORTAL_URL); hồ sơ vẫn được xếp hàng.")
    summary = (f"<div class=summary><div><b>{counts.get('pending', 0)}</b>"
               f"{esc(_('chờ gửi'))}</div><div><b>{counts.get('done', 0)}</b>"
               f"{esc(_('đã gửi'))}</div><div class={'alert' if failed else ''}>"
               f"<b>{len(failed)}</b>{esc(_('cần người xử lý'))}</div></div>")
    head = "".join(f"<th>{esc(t)}</th>" for t in (
        _("Số"), _("Mã hồ sơ"), _("Phiên bản"), _("Loại"), _("Số lần gửi"),
        _("Trả lời của Cổng"), _("Lúc")))
    rows = "".join(
        f"<tr class=bad data-item=\"{item['id']}\"><td>{item['id']}</td>"
        f"<td><b>{esc(item['code'])}</b></td><td class=num>{item['version']}</td>"
        f"<td>{esc(_(SERVICES.get(item['service'], item['service'])))}</td>"
        f"<td class=num>{item['attempts']}</td><td>{esc(_answer(item))}</td>"
        f"<td>{esc((item.get('failed_at') or '')[:16].replace('T', ' '))}</td></tr>"
        for item in failed)
    table = (f"<div class=box><table id=portal-failed><thead><tr>{head}</tr></thead>"
             f"<tbody>{rows}</tbody></table></div>") if failed else \
        f"<div class=box>{esc(_('Không có hồ sơ nào bị Cổng từ chối.'))}</div>"
    hint = _("Sau khi khắc phục nguyên nhân, gửi lại bằng lệnh: kiosk central portal retry SỐ")
    return (f"<h2>{esc(_('Cổng Dịch vụ công quốc gia'))}</h2><p>{esc(state)}</p>{summary}"
            f"{table}<p class=muted>{esc(hint)}</p>")
