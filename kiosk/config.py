"""Configuration, declared once.

Each setting is a :class:`Setting` (key, default, type, description, validation) registered in
:data:`SETTINGS`. Values are stored as TOML in ``paths.config_file()`` (under ``KIOSK_HOME``
when set), nested by the dotted key: ``unit.code`` is ``[unit] code = ...``. The file carries a
``config_version``; :data:`UPGRADES` bring older files forward when they are loaded.

Later layers declare their settings here too, so an admin sees every setting in one place.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk import paths
from kiosk.errors import ConfigError
from kiosk.i18n import N_, _
from kiosk.values import Value

CONFIG_VERSION = 2


class Setting(Value):
    # In the constructor's order (the repr's): not sorted.
    __slots__ = ("key", "default", "description", "kind", "choices",  # noqa: RUF023
                 "validate", "secret", "item_kind", "extra")
    key: str
    default: Any
    description: str
    kind: type
    choices: tuple[Any, ...] | None
    validate: Callable[[Any], str | None] | None
    #: A secret is never written to the config file (it lives in keyring).
    secret: bool
    item_kind: type | None
    extra: dict[str, Any]

    def __init__(self, key: str, default: Any, description: str, kind: type = str,
                 choices: tuple[Any, ...] | None = None,
                 validate: Callable[[Any], str | None] | None = None, secret: bool = False,
                 item_kind: type | None = None, extra: dict[str, Any] | None = None) -> None:
        self._set(key=key, default=default, description=description, kind=kind,
                  choices=choices, validate=validate, secret=secret, item_kind=item_kind,
                  extra={} if extra is None else extra)

    def parse(self, text: str) -> Any:
        """Turn a string typed by an admin into this setting's type, or raise ConfigError."""
        try:
            if self.kind is bool:
                low = text.strip().lower()
                if low not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                    raise ValueError(text)
                value: Any = low in ("true", "1", "yes", "on")
            elif self.kind is int:
                value = int(text)
            elif self.kind is float:
                value = float(text)
            elif self.kind is list:
                value = [p.strip() for p in text.split(",") if p.strip()]
                if self.item_kind is int:
                    value = [int(v) for v in value]
            else:
                value = text
        except ValueError as exc:
            raise ConfigError(
                _("Giá trị «{value}» không hợp lệ cho {key}.", value=text, key=self.key),
                hint=_(self.description),
            ) from exc
        self.check(value)
        return value

    def check(self, value: Any) -> None:
        if self.kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, self.kind) or (self.kind is int and isinstance(value, bool)):
            raise ConfigError(
                _("{key} phải có kiểu {kind}.", key=self.key, kind=self.kind.__name__)
            )
        if self.choices is not None and value not in self.choices:
            raise ConfigError(
                _(
                    "{key} phải là một trong: {choices}.",
                    key=self.key,
                    choices=", ".join(str(c) for c in self.choices),
                )
            )
        if self.validate is not None:
            problem = self.validate(value)
            if problem:
                raise ConfigError(_("{key}: {problem}", key=self.key, problem=_(problem)))


SETTINGS: dict[str, Setting] = {}


def declare(key: str, default: Any, description: str, **kw: Any) -> Setting:
    if key in SETTINGS:
        raise RuntimeError(f"setting {key} declared twice")
    kind = kw.pop("kind", type(default))
    setting = Setting(key, default, description, kind=kind, **kw)
    SETTINGS[key] = setting
    return setting


# --- validators (messages are marked, translated when shown) -------------------------------

UNIT_CODE_RE = re.compile(r"^[0-9A-Z]{1,6}(\.[0-9A-Z]{1,6}){0,5}$")
_HOURS_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


def _unit_code(value: str) -> str | None:
    if not UNIT_CODE_RE.match(value) or len(value) > 35:
        return N_(
            "mã định danh gồm các nhóm chữ số/chữ hoa cách nhau bởi dấu chấm, "
            "tối đa 35 ký tự (ví dụ 000.00.04.H40)"
        )
    return None


def _office_hours(value: list[str]) -> str | None:
    if not value:
        return N_("cần ít nhất một khoảng giờ làm việc, ví dụ 07:00-11:30")
    previous_end = ""
    for span in value:
        if not _HOURS_RE.match(span):
            return N_("mỗi khoảng giờ có dạng HH:MM-HH:MM, ví dụ 07:00-11:30,13:30-17:00")
        start, end = span.split("-")
        if start >= end or start < previous_end:
            return N_("các khoảng giờ phải tăng dần và không chồng lên nhau")
        previous_end = end
    return None


def _date_list(value: list[str]) -> str | None:
    from datetime import date

    for item in value:
        if not isinstance(item, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", item):
            return N_("ngày có dạng YYYY-MM-DD, cách nhau bởi dấu phẩy")
        try:
            date.fromisoformat(item)  # 2026-02-30 has the shape but is no day
        except ValueError:
            return N_("có ngày không có thật trong lịch")
    return None


def _zone_ok(value: str) -> bool:
    from kiosk.clock import valid_zone

    return valid_zone(value)


def _hhmm(value: str) -> str | None:
    return None if re.match(r"^([01]\d|2[0-3]):[0-5]\d$", value) else N_("giờ có dạng HH:MM")


# --- the settings ---------------------------------------------------------------------------

declare("unit.code", "000.00.04.H40", N_("Mã định danh của đơn vị (QCVN 102 / QĐ 20/2020)"),
        validate=_unit_code)
declare("unit.name", "UBND xã Mẫu", N_("Tên đơn vị tiếp nhận"))
declare("unit.centre_name", "Trung tâm Phục vụ hành chính công xã",
        N_("Tên bộ phận/trung tâm in trên phiếu"))
declare("unit.address", "", N_("Địa chỉ nơi trả kết quả, in trên phiếu"))
declare("unit.province", "", N_("Tỉnh/thành phố, dùng cho địa danh trên biểu mẫu"))
declare("counter.number", 1, N_("Số quầy (1–9); mỗi quầy cấp mã hồ sơ trong khối k001–k999"),
        choices=tuple(range(1, 10)))
declare("office.hours", ["07:00-11:30", "13:30-17:00"],
        N_("Giờ làm việc, các khoảng HH:MM-HH:MM cách nhau bởi dấu phẩy"),
        item_kind=str, validate=_office_hours)
declare("office.same_day_cutoff", "15:00",
        N_("Giờ chốt trả trong ngày: nhận sau giờ này thì hẹn ngày làm việc tiếp theo"),
        validate=_hhmm)
declare("office.working_saturday", False,
        N_("Thứ Bảy có tính là ngày làm việc khi tính hạn không"))
declare("calendar.extra_days_off", [], N_("Ngày nghỉ thêm (YYYY-MM-DD, cách nhau bởi dấu phẩy)"),
        item_kind=str, validate=_date_list)
declare("calendar.extra_working_days", [],
        N_("Ngày làm việc bù thêm (YYYY-MM-DD, cách nhau bởi dấu phẩy)"),
        item_kind=str, validate=_date_list)
declare("locale.language", "vi", N_("Ngôn ngữ giao diện"), choices=("vi", "en"))
# --- the unit's clock (issue 11 §2) ---
declare("unit.timezone", "Asia/Ho_Chi_Minh",
        N_("Múi giờ của đơn vị (tên IANA); mọi giờ hiển thị và lưu theo múi giờ này"),
        validate=lambda value: None if _zone_ok(value) else N_(
            "múi giờ không có trong cơ sở dữ liệu múi giờ (ví dụ Asia/Ho_Chi_Minh)"))
declare("catalog.file", "", N_("Tệp danh mục thủ tục đã nhập (để trống: danh mục mẫu)"))
declare("forms.set", "tt03-2025", N_("Bộ biểu mẫu dùng khi in"),
        choices=("tt01-2018", "tt03-2025"))
declare("forms.lookup_url", "",
        N_("Địa chỉ tra cứu hồ sơ in trong mã QR (để trống: mã QR chứa mã hồ sơ)"))
declare("printer.name", "", N_("Tên máy in CUPS (để trống: máy in mặc định)"))
declare("printer.paper", "a4", N_("Khổ giấy in phiếu tiếp nhận"), choices=("a4", "thermal"))
declare("printer.print_on_return", False, N_("In phiếu khi trả kết quả"))
declare("scanner.device", "", N_("Máy quét (tên SANE; để trống: máy đầu tiên tìm thấy)"))
declare("scanner.resolution", 200, N_("Độ phân giải quét (dpi), tối thiểu 200 theo TT 01/2023"),
        validate=lambda v: None if 75 <= v <= 1200 else N_("từ 75 đến 1200 dpi"))
declare("scanner.mode", "color", N_("Chế độ màu khi quét"), choices=("color", "gray", "lineart"))
declare("scanner.source", "adf", N_("Nguồn giấy"), choices=("flatbed", "adf", "duplex"))
declare("scanner.sane_config_dir", "",
        N_("Thư mục cấu hình SANE của máy quét thật, ví dụ /etc/sane.d (để trống: biến môi "
           "trường SANE_CONFIG_DIR, nếu không có thì máy quét thử nghiệm của phần mềm)"))
declare("barcode.serial_port", "", N_("Cổng serial của đầu đọc mã vạch (để trống: không dùng)"))
declare("barcode.wedge_enabled", True, N_("Nhận đầu đọc mã vạch kiểu bàn phím (keyboard wedge)"))
declare("barcode.wedge_max_gap_ms", 50, N_("Khoảng cách tối đa giữa hai phím của một lần quét (ms)"))
declare("barcode.wedge_min_length", 6, N_("Số ký tự tối thiểu của một lần quét"))
declare("barcode.wedge_prefix", "", N_("Ký tự đầu do đầu đọc gửi thêm (nếu có)"))
declare("barcode.wedge_suffix", "", N_("Ký tự cuối do đầu đọc gửi thêm (nếu có), ngoài Enter"))
declare("barcode.camera", -1, N_("Số thứ tự camera đọc mã (-1: không dùng)"))
declare("barcode.extra_formats", [], N_("Loại mã vạch đọc thêm ngoài QR và Code128"),
        item_kind=str)
declare("sync.server_url", "", N_("Địa chỉ máy chủ một cửa trung tâm (https://...)"))
declare("sync.ca_file", "", N_("Tệp chứng thư CA của tỉnh (PEM) để xác thực TLS"))
declare("sync.enabled", True, N_("Tự động đồng bộ khi có mạng"))
# --- edges-sync (issue 12 §4): how long one request to the central server may take ---
declare("sync.request_deadline_seconds", 120,
        N_("Thời gian tối đa cho một yêu cầu tới máy chủ, kể cả câu trả lời (giây)"),
        validate=lambda v: None if 1 <= v <= 3600 else N_("từ 1 đến 3600 giây"))
# --- reports and late dossiers (issue 13) ---
declare("alerts.due_soon_hours", 8,
        N_("Cảnh báo «sắp đến hạn» khi còn số giờ làm việc này (mặc định 8 = một ngày)"))
declare("reports.online_target", 0.5,
        N_("Chỉ tiêu tỷ lệ hồ sơ trực tuyến/số hoá (0–1), vẽ trên biểu đồ báo cáo"))
# --- end reports ---
# --- digital signatures (issue 14) ---
declare("signing.pkcs11_module", "",
        N_("Thư viện PKCS#11 của thẻ ký số (tệp .so của nhà cung cấp; để trống: không ký số)"))
declare("signing.token_label", "", N_("Nhãn của thẻ ký số (để trống: thẻ đầu tiên tìm thấy)"))
declare("signing.key_label", "", N_("Nhãn khoá ký trên thẻ (để trống: theo nhãn chứng thư)"))
declare("signing.cert_label", "", N_("Nhãn chứng thư số trên thẻ (để trống: theo nhãn khoá)"))
declare("signing.tsa_url", "",
        N_("Địa chỉ máy chủ cấp dấu thời gian RFC 3161 (để trống: ký không dấu thời gian)"))
declare("signing.reason", "Tiếp nhận hồ sơ", N_("Lý do ký ghi trong chữ ký số"))
declare("signing.location", "", N_("Nơi ký ghi trong chữ ký số (tên và địa danh đơn vị)"))
declare("signing.required", False,
        N_("Bắt buộc ký số: không lưu hồ sơ khi chưa ký được"))
declare("signing.trust_file", "",
        N_("Tệp chứng thư CA gốc (PEM) dùng khi kiểm tra chữ ký (để trống: kho của hệ thống)"))
declare("forms.sign", False, N_("Ký số phiếu tiếp nhận (Mẫu 01) và thư (Mẫu 04) khi xuất tệp"))
declare("ui.idle_lock_minutes", 5, N_("Tự khoá màn hình sau số phút không thao tác"))

# --- counter (printing out of the box, counter round two) ---
declare("printer.cups_server", "",
        N_("Dịch vụ in CUPS dùng cho máy này (socket hoặc máy:cổng; để trống: CUPS của máy). "
           "«kiosk cups start» ghi vào đây máy in PDF thử nghiệm"))
# --- citizen screen (issue 16) ---------------------------------------------------------------


def _citizen_screen(value: str) -> str | None:
    ok = value in ("auto", "off") or (value.isdigit() and int(value) < 10)
    return None if ok else N_("auto, off hoặc số thứ tự màn hình (0, 1, ...)")


def _queue_services(value: list[str]) -> str | None:
    letters = [item.split("=", 1)[0] for item in value]
    ok = value and all(re.match(r"^[A-Z]=\S.*$", item) for item in value) \
        and len(set(letters)) == len(letters)
    return None if ok else N_("mỗi nhóm có dạng CHỮ=Tên nhóm (chữ không trùng), ví dụ "
                              "A=Tiếp nhận hồ sơ,B=Trả kết quả")


declare("ui.citizen_screen", "auto",
        N_("Màn hình cho công dân: auto (màn hình thứ hai nếu có), off, hoặc số màn hình"),
        validate=_citizen_screen)
declare("citizen.idle_seconds", 60,
        N_("Màn hình công dân trở về bảng thủ tục sau số giây không thao tác"),
        validate=lambda v: None if 5 <= v <= 3600 else N_("từ 5 đến 3600 giây"))
declare("citizen.thanks_seconds", 5,
        N_("Màn hình công dân hiện lời cảm ơn sau đánh giá trong số giây này rồi trở về "
           "bảng thủ tục (có nút Lấy số)"),
        validate=lambda v: None if 2 <= v <= 60 else N_("từ 2 đến 60 giây"))
declare("citizen.require_confirmation", True,
        N_("Khi có màn hình công dân, chỉ lưu hồ sơ sau khi công dân xác nhận thông tin"))
declare("queue.services", ["A=Tiếp nhận hồ sơ", "B=Trả kết quả"],
        N_("Nhóm dịch vụ của số thứ tự, dạng CHỮ=Tên nhóm, cách nhau bởi dấu phẩy"),
        item_kind=str, validate=_queue_services)


# --- edges-cli (issue 12 §2): ranges for values that would only fail later ---------------

#: The symbology names ``kiosk.devices.barcode.decode`` knows (a test keeps them equal).
KNOWN_SYMBOLOGIES = ("qr", "code128", "microqr", "datamatrix", "aztec", "pdf417", "code39",
                     "code93", "ean13", "ean8", "upca", "upce", "itf", "codabar")


def _between(lo: int, hi: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if lo <= value <= hi else N_("ngoài khoảng cho phép")

    return check


def _symbologies(value: list[str]) -> str | None:
    unknown = [v for v in value if v.strip().lower() not in KNOWN_SYMBOLOGIES]
    return N_("có loại mã vạch không biết (qr, code128, datamatrix, pdf417, ean13…)") \
        if unknown else None


for _key, _check in {
    "barcode.wedge_max_gap_ms": _between(1, 1000),
    "barcode.wedge_min_length": _between(1, 500),
    "barcode.camera": _between(-1, 99),
    "ui.idle_lock_minutes": _between(0, 24 * 60),
    "barcode.extra_formats": _symbologies,
}.items():
    SETTINGS[_key] = SETTINGS[_key].replace(validate=_check)


# --- upgrades of older files ----------------------------------------------------------------

def _upgrade_1_to_2(data: dict[str, Any]) -> None:
    # Version 1 kept office hours as one string "07:00-11:30,13:30-17:00".
    office = data.get("office", {})
    if isinstance(office.get("hours"), str):
        office["hours"] = [p.strip() for p in office["hours"].split(",") if p.strip()]


UPGRADES: dict[int, Callable[[dict[str, Any]], None]] = {1: _upgrade_1_to_2}


def _get_nested(data: dict[str, Any], key: str) -> tuple[bool, Any]:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _set_nested(data: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


class Config:
    """The loaded configuration. ``get`` returns the stored value or the declared default."""

    def __init__(self, path: Path | None = None, data: dict[str, Any] | None = None) -> None:
        self.path = path or paths.config_file()
        self._data: dict[str, Any] = data if data is not None else {}
        self._listeners: list[Callable[[str, Any], None]] = []

    @classmethod
    def load(cls, path: Path | None = None) -> Config:
        path = path or paths.config_file()
        data: dict[str, Any] = {}
        if path.exists():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigError(
                    _("Tệp cấu hình {path} bị lỗi: {error}", path=str(path), error=str(exc)),
                    hint=_("Sửa hoặc xoá tệp này rồi chạy lại."),
                ) from exc
        config = cls(path, data)
        config._upgrade()
        from kiosk import clock

        clock.configure(str(config.get("unit.timezone")))
        return config

    def _upgrade(self) -> None:
        version = int(self._data.get("config_version", CONFIG_VERSION if not self._data else 1))
        if version > CONFIG_VERSION:
            raise ConfigError(
                _("Tệp cấu hình được tạo bởi phiên bản mới hơn (phiên bản {v}).", v=version),
                hint=_("Hãy cập nhật phần mềm."),
            )
        while version < CONFIG_VERSION:
            UPGRADES[version](self._data)
            version += 1
        self._data["config_version"] = CONFIG_VERSION

    def get(self, key: str) -> Any:
        setting = self._setting(key)
        found, value = _get_nested(self._data, key)
        if not found:
            return setting.default
        try:
            setting.check(value)
        except ConfigError:
            # A hand-edited bad value must not stop the counter: fall back to the default.
            return setting.default
        return value

    def get_strict(self, key: str) -> Any:
        """Like :meth:`get`, but a stored value that fails validation is a clear error
        naming the setting, the file and the value (where falling back would be wrong,
        e.g. a day off that silently stops counting)."""
        setting = self._setting(key)
        found, value = _get_nested(self._data, key)
        if not found:
            return setting.default
        try:
            setting.check(value)
        except ConfigError as exc:
            raise ConfigError(
                _("Thiết lập {key} trong tệp {path} có giá trị không hợp lệ «{value}»: {problem}",
                  key=key, path=str(self.path), value=str(value)[:200], problem=exc.message),
                hint=_("Sửa bằng lệnh: kiosk config set {key} GIÁ_TRỊ", key=key),
            ) from None
        return value

    def set(self, key: str, value: Any) -> None:
        setting = self._setting(key)
        if isinstance(value, str) and setting.kind is not str:
            value = setting.parse(value)
        setting.check(value)
        _set_nested(self._data, key, value)
        if key == "unit.timezone":
            from kiosk import clock

            clock.configure(str(value))
        for listener in list(self._listeners):
            listener(key, value)

    def set_text(self, key: str, text: str) -> Any:
        value = self._setting(key).parse(text)
        self.set(key, value)
        return value

    def on_change(self, listener: Callable[[str, Any], None]) -> None:
        self._listeners.append(listener)

    def as_dict(self) -> dict[str, Any]:
        return {key: self.get(key) for key in SETTINGS}

    def save(self) -> None:
        """Write atomically (temp file, fsync, rename): a power cut leaves old or new, never half."""
        import tempfile

        import tomli_w

        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = tomli_w.dumps(self._data).encode("utf-8")
        fd, tmp = tempfile.mkstemp(prefix=".config.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @staticmethod
    def _setting(key: str) -> Setting:
        try:
            return SETTINGS[key]
        except KeyError:
            raise ConfigError(
                _("Không có thiết lập {key}.", key=key),
                hint=_("Xem danh sách bằng lệnh: kiosk config show"),
            ) from None
