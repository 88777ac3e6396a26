"""The province page's HTML (issue 26): server-rendered, no script, no external resource
(counters and province offices may have no internet), the bundled Be Vietnam Pro font.

Every value shown goes through :func:`esc`; the page is readable at 1366×768 and on a phone
(tables scroll sideways inside their box).
"""

from __future__ import annotations

from html import escape
from typing import Any

from kiosk.i18n import _

FONTS = ("BeVietnamPro-Regular.ttf", "BeVietnamPro-SemiBold.ttf", "BeVietnamPro-Bold.ttf")

#: The bundled font as the pages load it, from the server itself (no internet needed).
FONT_FACES = """
@font-face{font-family:'Be Vietnam Pro';src:url('/province/static/BeVietnamPro-Regular.ttf');
font-weight:400}
@font-face{font-family:'Be Vietnam Pro';src:url('/province/static/BeVietnamPro-SemiBold.ttf');
font-weight:600}
@font-face{font-family:'Be Vietnam Pro';src:url('/province/static/BeVietnamPro-Bold.ttf');
font-weight:700}
"""

_CSS = FONT_FACES + """
*{box-sizing:border-box}
body{margin:0;font-family:'Be Vietnam Pro',sans-serif;font-size:15px;color:#1b1f24;
background:#f4f6f8}
header{background:#0b4f8a;color:#fff;padding:10px 20px;display:flex;flex-wrap:wrap;
align-items:center;gap:8px 24px}
header h1{font-size:18px;margin:0;font-weight:700}
header nav{display:flex;gap:4px;flex-wrap:wrap}
header nav a{color:#fff;text-decoration:none;padding:6px 10px;border-radius:6px}
header nav a.on{background:rgba(255,255,255,.2);font-weight:600}
header form{margin-left:auto}
header .who{font-size:13px;opacity:.9}
main{padding:16px 20px;max-width:1340px}
h2{font-size:17px;margin:8px 0 12px}
.box{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:12px 14px;
margin-bottom:16px;overflow-x:auto}
table{border-collapse:collapse;width:100%;min-width:640px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e6eaee;vertical-align:top}
th{font-weight:600;font-size:13px;color:#4a5561;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.bad td{background:#fdecec}
tr.bad td:first-child{border-left:4px solid #c62828}
.tag{display:inline-block;padding:1px 7px;border-radius:10px;font-size:12px;margin:1px 2px 1px 0;
background:#c62828;color:#fff;white-space:nowrap}
.ok{color:#1b7a3a;font-weight:600}
.muted{color:#5c6670;font-size:13px}
.summary{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:12px}
.summary div{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:8px 14px}
.summary b{font-size:22px;display:block}
.summary .alert b{color:#c62828}
form.inline{display:flex;gap:8px;flex-wrap:wrap;align-items:end}
label{display:flex;flex-direction:column;font-size:13px;gap:3px}
input,select,button{font:inherit;padding:6px 8px;border:1px solid #9aa5b1;border-radius:6px}
button{background:#0b4f8a;color:#fff;border-color:#0b4f8a;cursor:pointer;font-weight:600}
header button{background:transparent;border-color:#fff}
.qr svg{background:#fff;padding:8px;width:260px;height:260px}
code{word-break:break-all}
a.small{display:inline-block;color:#8e1c1c;border:1px solid #c62828;border-radius:6px;
font-size:13px;padding:3px 8px;text-decoration:none;white-space:nowrap}
button.danger{background:#c62828;border-color:#c62828}
.msg{padding:10px 12px;border-radius:6px;margin-bottom:12px}
.msg.error{background:#fdecec;border:1px solid #c62828;color:#8e1c1c}
.msg.done{background:#e8f5ec;border:1px solid #1b7a3a;color:#145c2c}
.login{max-width:380px;margin:60px auto;background:#fff;border:1px solid #d8dee4;
border-radius:10px;padding:22px}
.login form{display:flex;flex-direction:column;gap:12px}
@media (max-width:600px){main{padding:10px}header{padding:8px 10px}
.summary b{font-size:18px}}
"""


def esc(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def page(title: str, body: str, *, user: Any = None, csrf: str = "", active: str = "") -> str:
    nav = ""
    if user is not None:
        links = [("counters", "/province/", _("Quầy")),
                 ("reports", "/province/reports", _("Hồ sơ theo đơn vị")),
                 ("publications", "/province/publications", _("Danh mục và lịch")),
                 ("portal", "/province/portal", _("Cổng DVCQG"))]
        if user.role == "province":
            links.append(("enrol", "/province/enrol", _("Đăng ký quầy")))
        items = "".join(f'<a href="{href}"{" class=on" if key == active else ""}>{esc(text)}</a>'
                        for key, href, text in links)
        who = _("{name} ({role})", name=user.username,
                role=_("cấp tỉnh") if user.role == "province"
                else _("đơn vị {unit}", unit=user.unit_code))
        nav = (f"<nav>{items}</nav><form method=post action=/province/logout>"
               f"<input type=hidden name=csrf value=\"{esc(csrf)}\">"
               f"<span class=who>{esc(who)}</span> <button>{esc(_('Đăng xuất'))}</button></form>")
    return ("<!doctype html><html lang=vi><head><meta charset=utf-8>"
            "<meta name=viewport content=\"width=device-width,initial-scale=1\">"
            f"<title>{esc(title)} · {esc(_('Một cửa tỉnh'))}</title><style>{_CSS}</style></head>"
            f"<body><header><h1>{esc(_('Một cửa tỉnh'))}</h1>{nav}</header>"
            f"<main>{body}</main></body></html>")


def message(text: str, kind: str = "error") -> str:
    return f'<div class="msg {kind}" role="{"alert" if kind == "error" else "status"}">' \
           f"{esc(text)}</div>" if text else ""


def login(csrf: str, error: str = "", username: str = "") -> str:
    return page(_("Đăng nhập"), f"""<div class=login><h2>{esc(_('Đăng nhập cán bộ tỉnh'))}</h2>
{message(error)}<form method=post action=/province/login>
<input type=hidden name=csrf value="{esc(csrf)}">
<label>{esc(_('Tên đăng nhập'))}<input name=username autocomplete=username required
 value="{esc(username)}" autofocus></label>
<label>{esc(_('Mật khẩu'))}<input name=password type=password autocomplete=current-password
 required></label>
<button type=submit>{esc(_('Đăng nhập'))}</button></form></div>""")


PROBLEMS = {
    "never_reported": lambda: _("chưa báo cáo lần nào"),
    "stale": lambda: _("lâu không liên lạc"),
    "outbox_parked": lambda: _("có hồ sơ bị máy chủ từ chối"),
    "outbox_stuck": lambda: _("hồ sơ chờ gửi quá lâu"),
    "disk_low": lambda: _("sắp đầy ổ đĩa"),
    "clock_skew": lambda: _("đồng hồ sai"),
    "printer_failing": lambda: _("máy in lỗi"),
    "scanner_failing": lambda: _("máy quét lỗi"),
    "catalog_refused": lambda: _("từ chối danh mục"),
    "catalog_behind": lambda: _("danh mục cũ"),
    "calendar_refused": lambda: _("từ chối lịch"),
    "calendar_behind": lambda: _("lịch cũ"),
    "forms_refused": lambda: _("từ chối biểu mẫu"),
    "forms_behind": lambda: _("biểu mẫu cũ"),
}


def problem_tags(codes: list[str]) -> str:
    if not codes:
        return f"<span class=ok>{esc(_('Bình thường'))}</span>"
    return "".join(f"<span class=tag>{esc(PROBLEMS[c]() if c in PROBLEMS else c)}</span>"
                   for c in codes)


def _gib(value: Any) -> str:
    return f"{value / (1 << 30):.1f} GiB".replace(".", ",") if isinstance(value, int) else "—"


DEVICE_STATES = {"ready": lambda: _("sẵn sàng"), "idle": lambda: _("sẵn sàng"),
                 "busy": lambda: _("đang bận"), "offline": lambda: _("mất kết nối"),
                 "error": lambda: _("lỗi")}


def _devices(report: dict[str, Any]) -> str:
    parts = []
    for kind, label in (("printers", _("In")), ("scanners", _("Quét"))):
        for d in report.get(kind) or []:
            state = d.get("state") or ""
            shown = DEVICE_STATES[state]() if state in DEVICE_STATES else state
            parts.append(f"{esc(label)}: {esc(d.get('name'))} ({esc(shown)})")
    return "<br>".join(parts) or "—"


def _revoke(r: dict[str, Any], csrf: str) -> str:
    """The province's way to revoke a counter's token: a page that asks first."""
    if not csrf or r["revoked"]:
        return ""
    return (f"<a class=small href=\"/province/devices/{esc(r['id'])}/revoke\">"
            f"{esc(_('Thu hồi'))}</a>")


def revoke_confirm(r: dict[str, Any], csrf: str) -> str:
    about = _("Thu hồi mã truy cập của quầy «{name}» (đơn vị {unit})? Từ lần đồng bộ tới, "
              "máy chủ từ chối quầy này; quầy giữ nguyên hồ sơ chưa gửi và báo cho cán bộ. "
              "Muốn dùng lại, đăng ký quầy bằng mã mới.", name=r["name"] or r["id"][:8],
              unit=r["unit_code"])
    return (f"<h2>{esc(_('Thu hồi quầy'))}</h2><div class=box><p>{esc(about)}</p>"
            f"<form class=inline method=post action=\"/province/devices/{esc(r['id'])}/revoke\">"
            f"<input type=hidden name=csrf value=\"{esc(csrf)}\">"
            f"<button class=danger>{esc(_('Thu hồi'))}</button>"
            f"<a href=/province/>{esc(_('Quay lại'))}</a></form></div>")


def counters(rows: list[dict[str, Any]], when: Any, csrf: str = "") -> str:
    """``csrf`` given (a province user): each counter gets its revoke button."""
    bad = sum(1 for r in rows if r["problems"])
    stale = sum(1 for r in rows if r["stale"])
    summary = (f"<div class=summary><div><b>{len(rows)}</b>{esc(_('quầy'))}</div>"
               f"<div class={'alert' if bad else ''}><b>{bad}</b>{esc(_('cần xem'))}</div>"
               f"<div class={'alert' if stale else ''}><b>{stale}</b>"
               f"{esc(_('lâu không liên lạc'))}</div></div>")
    head = "".join(f"<th{' class=num' if n else ''}>{esc(t)}</th>" for t, n in (
        (_("Đơn vị / quầy"), 0), (_("Tình trạng"), 0), (_("Liên lạc gần nhất"), 0),
        (_("Danh mục"), 0), (_("Lịch"), 0), (_("Biểu mẫu"), 0), (_("Chờ gửi"), 1), (_("Ổ đĩa trống"), 1),
        (_("Thiết bị"), 0), (_("Phiên bản"), 0), *([("", 0)] if csrf else [])))
    body = []
    for r in rows:
        h = r["health"] or {}
        name = r["name"] or r["id"][:8]
        revoked = f" <span class=muted>({esc(_('đã thu hồi'))})</span>" if r["revoked"] else ""
        body.append(
            f"<tr class=\"{'bad' if r['problems'] else ''}\" data-device=\"{esc(r['id'])}\">"
            f"<td><b>{esc(r['unit_code'])}</b><br>{esc(name)}{revoked}</td>"
            f"<td>{problem_tags(r['problems'])}</td>"
            f"<td>{esc(_short(r['reported_at']) or '—')}</td>"
            f"<td>{esc(h.get('catalog_version') or '—')}</td>"
            f"<td>{esc(h.get('calendar_version') or '—')}</td>"
            f"<td>{esc(h.get('forms_version') or '—')}</td>"
            f"<td class=num>{esc(h.get('outbox_depth', '—'))}</td>"
            f"<td class=num>{esc(_gib(h.get('disk_free_bytes')))}</td>"
            f"<td>{_devices(h)}</td><td>{esc(h.get('app_version') or '—')}</td>"
            + (f"<td>{_revoke(r, csrf)}</td>" if csrf else "") + "</tr>")
    table = (f"<div class=box><table id=counters><thead><tr>{head}</tr></thead>"
             f"<tbody>{''.join(body)}</tbody></table></div>") if rows else \
        f"<div class=box>{esc(_('Chưa có quầy nào.'))}</div>"
    return (f"<h2>{esc(_('Các quầy'))}</h2>{summary}{table}"
            f"<p class=muted>{esc(_('Cập nhật lúc {time}.', time=_short(when)))}</p>")


def _short(value: Any) -> str:
    text = str(value or "")
    return text[:16].replace("T", " ") if text else ""


def _pct(value: Any) -> str:
    return f"{value:.1f} %".replace(".", ",") if isinstance(value, int | float) else "—"


def reports(period: tuple[str, str], units: list[dict[str, Any]], error: str = "",
            citizen: dict[str, dict[str, Any]] | None = None,
            overdue: dict[str, list[dict[str, Any]]] | None = None) -> str:
    citizen, overdue = citizen or {}, overdue or {}
    head = "".join(f"<th{' class=num' if n else ''}>{esc(t)}</th>" for t, n in (
        (_("Đơn vị"), 0), (_("Tiếp nhận"), 1), (_("Đã giải quyết"), 1),
        (_("Đúng hạn"), 1), (_("Tỷ lệ đúng hạn"), 1), (_("Tỷ lệ số hóa"), 1),
        (_("Kết quả số hóa"), 1), (_("Giấy tờ dùng lại"), 1),
        (_("Đang giải quyết"), 1), (_("Quá hạn"), 1), (_("Hài lòng"), 1),
        (_("Chờ gọi số (phút)"), 1)))
    rows = []
    for u in units:
        resolved = u["resolved"]
        people = citizen.get(u["unit"], {})
        happy = people.get("satisfaction", {})
        wait = people.get("queue", {}).get("median_wait_minutes")
        rows.append(
            f"<tr data-unit=\"{esc(u['unit'])}\"{' class=bad' if u['pending']['overdue'] else ''}>"
            f"<td><b>{esc(u['unit'])}</b></td>"
            f"<td class=num>{esc(u['received']['total'])}</td>"
            f"<td class=num>{esc(resolved['total'])}</td>"
            f"<td class=num>{esc(resolved['early'] + resolved['on_time'])}</td>"
            f"<td class=num data-key=on_time_rate>{esc(_pct(u['on_time_rate']))}</td>"
            f"<td class=num data-key=digitised_share>{esc(_pct(u['digitised_share']))}</td>"
            f"<td class=num data-key=results_digitised_share>"
            f"{esc(_pct(u.get('results_digitised_share')))}</td>"
            f"<td class=num data-key=reused_share>{esc(_pct(u.get('reused_share')))}</td>"
            f"<td class=num>{esc(u['pending']['total'])}</td>"
            f"<td class=num data-key=overdue>{esc(u['pending']['overdue'])}</td>"
            f"<td class=num data-key=satisfied>{esc(_pct(happy.get('satisfied_percent')))}"
            f"<br><span class=muted>{esc(_('{n} lượt', n=happy.get('ratings', 0)))}</span></td>"
            f"<td class=num data-key=median_wait>"
            f"{esc('—' if wait is None else str(wait).replace('.', ','))}</td></tr>")
    form = (f"<form class=inline method=get action=/province/reports>"
            f"<label>{esc(_('Từ ngày'))}<input type=date name=from value=\"{esc(period[0])}\"></label>"
            f"<label>{esc(_('Đến ngày'))}<input type=date name=to value=\"{esc(period[1])}\"></label>"
            f"<button>{esc(_('Xem'))}</button></form>")
    table = (f"<table id=units><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
             "</table>") if rows else esc(_("Không có hồ sơ trong khoảng này."))
    return (f"<h2>{esc(_('Hồ sơ theo đơn vị'))}</h2><div class=box>{form}</div>{message(error)}"
            f"<div class=box>{table}</div>{_overdue(overdue)}")


def _overdue(by_unit: dict[str, list[dict[str, Any]]]) -> str:
    if not by_unit:
        return ""
    from central.province_figures import OVERDUE_SHOWN

    head = "".join(f"<th>{esc(t)}</th>" for t in (
        _("Đơn vị"), _("Mã hồ sơ"), _("Thủ tục"), _("Tiếp nhận"), _("Hạn trả")))
    rows = "".join(
        f"<tr data-code=\"{esc(r['code'])}\"><td>{esc(unit)}</td><td>{esc(r['code'])}</td>"
        f"<td>{esc(r['procedure'])}</td><td>{esc(_short(r['received_at']))}</td>"
        f"<td>{esc(_short(r['due_at']))}</td></tr>"
        for unit, found in sorted(by_unit.items()) for r in found[:OVERDUE_SHOWN])
    return (f"<h2>{esc(_('Hồ sơ quá hạn'))}</h2><div class=box><table id=overdue><thead><tr>"
            f"{head}</tr></thead><tbody>{rows}</tbody></table></div>")


def publications(rows: list[dict[str, Any]], csrf: str, can_publish: bool,
                 note: str = "", error: str = "") -> str:
    kinds = {"catalog": _("Danh mục thủ tục"), "calendar": _("Lịch ngày nghỉ"),
             "forms": _("Bộ biểu mẫu")}
    states = {"published": _("đã công bố"), "draft": _("bản nháp")}
    head = "".join(f"<th>{esc(t)}</th>" for t in (
        _("Loại"), _("Phiên bản"), _("Trạng thái"), _("Hiệu lực từ"), _("Công bố lúc"),
        _("Người công bố"), _("Số quầy đang dùng")))
    body = "".join(
        f"<tr><td>{esc(kinds.get(r['kind'], r['kind']))}</td><td><b>{esc(r['version'])}</b></td>"
        f"<td>{esc(states.get(r['state'], r['state']))}</td><td>{esc(r['effective_on'] or '—')}</td>"
        f"<td>{esc(_short(r['published_at']) or '—')}</td><td>{esc(r['created_by'])}</td>"
        f"<td class=num>{esc(r['counters'])}</td></tr>" for r in rows)
    form = ""
    if can_publish:
        options = "".join(f"<option value={k}>{esc(v)}</option>" for k, v in kinds.items())
        form = (f"<div class=box><h2>{esc(_('Công bố phiên bản mới'))}</h2>"
                "<form class=inline method=post action=/province/publications "
                "enctype=multipart/form-data>"
                f"<input type=hidden name=csrf value=\"{esc(csrf)}\">"
                f"<label>{esc(_('Loại'))}<select name=kind>{options}</select></label>"
                f"<label>{esc(_('Tệp JSON'))}<input type=file name=file accept=.json required>"
                "</label>"
                f"<label><span><input type=checkbox name=draft value=1> "
                f"{esc(_('Bản nháp (chỉ quầy thử)'))}</span></label>"
                f"<button>{esc(_('Kiểm tra và công bố'))}</button></form></div>")
    table = (f"<table id=publications><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
             "</table>") if rows else esc(_("Tỉnh chưa công bố phiên bản nào."))
    return (f"<h2>{esc(_('Danh mục và lịch'))}</h2>{message(error)}{message(note, 'done')}"
            f"{form}<div class=box>{table}</div>")


def enrol_form(csrf: str, error: str = "", unit: str = "", name: str = "") -> str:
    how = _("Tạo mã đăng ký dùng một lần; quầy quét mã QR bằng đầu đọc mã vạch (Cài đặt → "
            "Đăng ký với máy chủ) hoặc chạy kiosk sync enroll --code -.")
    return (f"<h2>{esc(_('Đăng ký quầy mới'))}</h2>{message(error)}<div class=box>"
            f"<p class=muted>{esc(how)}</p>"
            "<form class=inline method=post action=/province/enrol>"
            f"<input type=hidden name=csrf value=\"{esc(csrf)}\">"
            f"<label>{esc(_('Mã đơn vị'))}<input name=unit required value=\"{esc(unit)}\" "
            "placeholder=\"000.00.04.H40\"></label>"
            f"<label>{esc(_('Tên quầy'))}<input name=name maxlength=200 value=\"{esc(name)}\" "
            f"placeholder=\"{esc(_('Quầy 1'))}\"></label>"
            f"<button>{esc(_('Tạo mã đăng ký'))}</button></form></div>")


def enrol_code(created: dict[str, Any], payload: str, qr_svg: str) -> str:
    """The one-time code as a QR (inline SVG: nothing fetched) and as text."""
    about = _("Đơn vị {unit}, {name}. Dùng một lần, hết hạn lúc {time}.",
              unit=created["unit_code"], name=created["name"] or "—",
              time=_short(created["expires_at"]))
    return (f"<h2>{esc(_('Mã đăng ký quầy'))}</h2><div class=box id=enrolment>"
            f"<p>{esc(about)}</p><div class=qr>{qr_svg}</div>"
            f"<p class=muted>{esc(_('Nội dung mã:'))} <code id=payload>{esc(payload)}</code></p>"
            f"<p><a href=/province/enrol>{esc(_('Tạo mã khác'))}</a></p></div>")
