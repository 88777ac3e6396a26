"""The citizens' booking page's HTML (issue 27): server-rendered, no script, nothing from
elsewhere (the bundled Be Vietnam Pro font the province page serves), one column that reads
on a phone. Every value shown goes through :func:`esc`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from central.province_html import FONT_FACES, esc
from kiosk.i18n import _

_CSS = FONT_FACES + """
*{box-sizing:border-box}
body{margin:0;font-family:'Be Vietnam Pro',sans-serif;font-size:17px;color:#1b1f24;
background:#f4f6f8;line-height:1.4}
header{background:#0b4f8a;color:#fff;padding:12px 16px}
header h1{font-size:20px;margin:0;font-weight:700}
header p{margin:2px 0 0;font-size:14px;opacity:.9}
main{padding:14px;max-width:560px;margin:0 auto}
.box{background:#fff;border:1px solid #d8dee4;border-radius:10px;padding:14px;margin-bottom:14px}
h2{font-size:18px;margin:0 0 10px}
form{display:flex;flex-direction:column;gap:12px}
label{display:flex;flex-direction:column;gap:4px;font-weight:600;font-size:15px}
input,select,button{font:inherit;padding:10px;border:1px solid #9aa5b1;border-radius:8px;
width:100%;background:#fff}
button{background:#0b4f8a;color:#fff;border-color:#0b4f8a;font-weight:600;cursor:pointer}
.slots{display:grid;grid-template-columns:repeat(auto-fill,minmax(130px,1fr));gap:8px;
border:0;padding:0;margin:0}
.slots legend{font-weight:600;font-size:15px;margin-bottom:6px}
.slot{display:flex;flex-direction:row;align-items:center;gap:8px;border:1px solid #9aa5b1;
border-radius:8px;padding:8px;font-weight:400}
.slot input{width:auto;margin:0}
.slot b{font-size:18px}
.slot small{display:block;color:#5c6670;font-size:13px}
.slot.full{background:#eef0f2;color:#8a939c}
.msg{padding:12px;border-radius:8px;margin-bottom:14px}
.msg.error{background:#fdecec;border:1px solid #c62828;color:#8e1c1c}
.muted{color:#5c6670;font-size:14px}
.code{font-size:34px;font-weight:700;letter-spacing:4px;text-align:center;margin:6px 0}
.qr{display:block;margin:0 auto;width:240px;height:240px;image-rendering:pixelated}
dl{display:grid;grid-template-columns:auto 1fr;gap:4px 12px;margin:10px 0}
dt{color:#5c6670}dd{margin:0;font-weight:600}
a{color:#0b4f8a}
"""


def page(title: str, body: str) -> str:
    return ("<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>"
            f"<header><h1>{esc(_('Đặt lịch hẹn làm thủ tục'))}</h1>"
            f"<p>{esc(_('Đến đúng giờ hẹn, đưa mã hẹn cho cán bộ tại quầy.'))}</p></header>"
            f"<main>{body}</main></body></html>")


def _error(message: str) -> str:
    return f"<div class='msg error' role='alert'>{esc(message)}</div>" if message else ""


def _options(items: dict[str, str], chosen: str, blank: str) -> str:
    out = [f"<option value=''>{esc(blank)}</option>"] if not chosen else []
    for value, text in items.items():
        sel = " selected" if value == chosen else ""
        out.append(f"<option value='{esc(value)}'{sel}>{esc(text)}</option>")
    return "".join(out)


def choose(units: dict[str, dict[str, Any]], unit: str, service: str, day: str,
           first: date, last: date) -> str:
    """The GET form: the unit, then its group and a day."""
    names = {code: f"{s.get('unit_name') or code} ({code})" for code, s in units.items()}
    if not units:
        return ("<div class='box'><p>" + esc(_("Chưa có đơn vị nào nhận đặt hẹn qua trang "
                                                 "này.")) + "</p></div>")
    fields = [f"<label>{esc(_('Đơn vị'))}<select name='unit' required>"
              f"{_options(names, unit, _('— Chọn đơn vị —'))}</select></label>"]
    if unit in units:
        groups = {g: f"{g} – {n}" for g, n in dict(units[unit].get("groups") or {}).items()}
        fields.append(f"<label>{esc(_('Nhóm thủ tục'))}<select name='service' required>"
                      f"{_options(groups, service, _('— Chọn nhóm —'))}</select></label>")
        fields.append(f"<label>{esc(_('Ngày'))}<input type='date' name='day' required "
                      f"value='{esc(day)}' min='{first.isoformat()}' "
                      f"max='{last.isoformat()}'></label>")
        button = _("Xem giờ còn trống")
    else:
        button = _("Tiếp tục")
    return (f"<div class='box'><h2>{esc(_('1. Chọn nơi và ngày'))}</h2>"
            "<form method='get' action='/dat-lich/'>" + "".join(fields) +
            f"<button type='submit'>{esc(button)}</button></form></div>")


def slots(unit: str, service: str, day: date, rows: list[dict[str, Any]], csrf: str,
          phone: str = "", cccd: str = "", chosen: str = "") -> str:
    """The POST form: a free slot, the phone or CCCD number."""
    if not rows:
        return ("<div class='box'>" + esc(_("Ngày {day} không còn khung giờ nào để đặt.",
                                            day=f"{day:%d/%m/%Y}")) + "</div>")
    why = _("Số điện thoại hoặc CCCD chỉ dùng để một người không giữ hai chỗ trong cùng "
            "một khung giờ.")
    cells = []
    for r in rows:
        at: datetime = r["start"]
        free = int(r["free"])
        dis = " disabled" if free <= 0 else ""
        sel = " checked" if r["at"] == chosen and free > 0 else ""
        note = _("còn {free}/{capacity} chỗ", free=free, capacity=r["capacity"]) if free > 0 \
            else _("Hết chỗ")
        cells.append(f"<label class='slot{' full' if free <= 0 else ''}'>"
                     f"<input type='radio' name='at' value='{esc(r['at'])}' required{dis}{sel}>"
                     f"<span><b>{at:%H:%M}</b><small>{esc(note)}</small></span></label>")
    return (f"<div class='box'><h2>{esc(_('2. Chọn giờ ngày {day}', day=f'{day:%d/%m/%Y}'))}"
            "</h2><form method='post' action='/dat-lich/'>"
            f"<input type='hidden' name='csrf' value='{esc(csrf)}'>"
            f"<input type='hidden' name='unit' value='{esc(unit)}'>"
            f"<input type='hidden' name='service' value='{esc(service)}'>"
            f"<fieldset class='slots'><legend>{esc(_('Giờ hẹn'))}</legend>{''.join(cells)}"
            "</fieldset>"
            f"<label>{esc(_('Số điện thoại'))}<input name='phone' type='tel' inputmode='tel' "
            f"autocomplete='tel' value='{esc(phone)}' placeholder='0912345678'></label>"
            f"<label>{esc(_('hoặc số CCCD (12 chữ số)'))}<input name='cccd' inputmode='numeric' "
            f"value='{esc(cccd)}'></label>"
            f"<p class='muted'>{esc(why)}</p>"
            f"<button type='submit'>{esc(_('Đặt hẹn'))}</button></form></div>")


def booked(booking: dict[str, Any], unit_name: str, group_name: str, at: datetime,
           checkin_early: int, release: int) -> str:
    """The booking: its code in large letters and as a QR to show at the counter."""
    code = str(booking["code"])
    how = _("Chụp lại trang này hoặc ghi mã hẹn. Tại quầy, đưa mã QR vào máy đọc hoặc đọc mã "
            "cho cán bộ; có thể nhận số từ {early} phút trước giờ hẹn. Đến muộn quá {late} "
            "phút thì lịch hẹn tự huỷ để nhường chỗ.", early=checkin_early, late=release)
    alt = _("Mã QR {code}", code=code)
    states = {"booked": _("Đã đặt"), "checked_in": _("Đã nhận số tại quầy"),
              "cancelled": _("Đã huỷ"), "released": _("Quá giờ, đã huỷ")}
    state = states.get(str(booking["state"]), str(booking["state"]))
    return (f"<div class='box'><h2>{esc(_('Đã đặt hẹn'))}</h2>"
            f"<p>{esc(_('Mã hẹn của bạn'))}</p><div class='code' id='code'>{esc(code)}</div>"
            f"<img class='qr' src='/dat-lich/qr/{esc(code)}.png' alt='{esc(alt)}'>"
            "<dl>"
            f"<dt>{esc(_('Đơn vị'))}</dt><dd>{esc(unit_name)}</dd>"
            f"<dt>{esc(_('Nhóm'))}</dt><dd>{esc(booking['service'])} – {esc(group_name)}</dd>"
            f"<dt>{esc(_('Giờ hẹn'))}</dt><dd>{at:%H:%M} {esc(_('ngày'))} {at:%d/%m/%Y}</dd>"
            f"<dt>{esc(_('Trạng thái'))}</dt><dd id='state'>{esc(state)}</dd></dl>"
            f"<p class='muted'>{esc(how)}</p>"
            f"<p><a href='/dat-lich/'>{esc(_('Đặt lịch khác'))}</a></p></div>")


def refused(message: str, body: str = "") -> str:
    return _error(message) + body
