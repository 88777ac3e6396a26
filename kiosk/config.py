"""Configuration, declared once.

Each setting is a :class:`Setting` (key, default, type, description, validation) registered in
:data:`SETTINGS`. Values are stored as TOML in ``paths.config_file()`` (under ``KIOSK_HOME``
when set), nested by the dotted key: ``unit.code`` is ``[unit] code = ...``. The file carries a
``config_version``; :data:`UPGRADES` bring older files forward when they are loaded.

Later layers declare their settings here too, so an admin sees every setting in one place.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk import config_checks as checks
from kiosk import paths
from kiosk.config_file import (
    get_nested,
    locked,
    read_config_file,
    set_nested,
    upgrade_data,
)
from kiosk.errors import ConfigError
from kiosk.i18n import N_, _
from kiosk.values import Value


class Setting(Value):
    # In the constructor's order (the repr's): not sorted.
    __slots__ = ("key", "default", "description", "kind", "choices",  # noqa: RUF023
                 "validate", "secret", "item_kind", "extra", "critical")
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
    #: Shapes a dossier code, a due time or a legal number: a bad stored value is an error
    #: when read, never replaced by the default (which would be another counter's codes).
    critical: bool

    def __init__(self, key: str, default: Any, description: str, kind: type = str,
                 choices: tuple[Any, ...] | None = None,
                 validate: Callable[[Any], str | None] | None = None, secret: bool = False,
                 item_kind: type | None = None, extra: dict[str, Any] | None = None,
                 critical: bool = False) -> None:
        self._set(key=key, default=default, description=description, kind=kind,
                  choices=choices, validate=validate, secret=secret, item_kind=item_kind,
                  extra={} if extra is None else extra, critical=critical)

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
            elif self.kind is object:  # a word or a whole number: validate decides
                value = int(text) if checks.is_ascii_digits(text.strip()) else text.strip()
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


# --- the settings ---------------------------------------------------------------------------

declare("unit.code", "000.00.04.H40", N_("Mã định danh của đơn vị (QCVN 102 / QĐ 20/2020)"),
        validate=checks.unit_code, critical=True)
declare("unit.name", "UBND xã Mẫu", N_("Tên đơn vị tiếp nhận"))
declare("unit.centre_name", "Trung tâm Phục vụ hành chính công xã",
        N_("Tên bộ phận/trung tâm in trên phiếu"))
declare("unit.address", "", N_("Địa chỉ nơi trả kết quả, in trên phiếu"))
declare("unit.province", "", N_("Tỉnh/thành phố, dùng cho địa danh trên biểu mẫu"))
declare("counter.number", 1, N_("Số quầy (1–9); mỗi quầy cấp mã hồ sơ trong khối k001–k999"),
        choices=tuple(range(1, 10)), critical=True)
declare("office.hours", ["07:00-11:30", "13:30-17:00"],
        N_("Giờ làm việc, các khoảng HH:MM-HH:MM cách nhau bởi dấu phẩy"),
        item_kind=str, validate=checks.office_hours, critical=True)
declare("office.same_day_cutoff", "15:00",
        N_("Giờ chốt trả trong ngày: nhận sau giờ này thì hẹn ngày làm việc tiếp theo"),
        validate=checks.hhmm, critical=True)
declare("office.working_saturday", False,
        N_("Thứ Bảy có tính là ngày làm việc khi tính hạn không"), critical=True)
declare("calendar.extra_days_off", [], N_("Ngày nghỉ thêm (YYYY-MM-DD, cách nhau bởi dấu phẩy)"),
        item_kind=str, validate=checks.date_list, critical=True)
declare("calendar.extra_working_days", [],
        N_("Ngày làm việc bù thêm (YYYY-MM-DD, cách nhau bởi dấu phẩy)"),
        item_kind=str, validate=checks.date_list, critical=True)
declare("locale.language", "vi", N_("Ngôn ngữ giao diện"), choices=("vi", "en"))
# --- the unit's clock (issue 11 §2) ---
declare("unit.timezone", "Asia/Ho_Chi_Minh",
        N_("Múi giờ của đơn vị (tên IANA); mọi giờ hiển thị và lưu theo múi giờ này"),
        validate=lambda value: None if checks.zone_ok(value) else N_(
            "múi giờ không có trong cơ sở dữ liệu múi giờ (ví dụ Asia/Ho_Chi_Minh)"),
        critical=True)
declare("catalog.file", "", N_("Tệp danh mục thủ tục đã nhập (để trống: danh mục mẫu)"))
declare("forms.set", "tt03-2025", N_("Bộ biểu mẫu dùng khi in"),
        choices=("tt01-2018", "tt03-2025"), critical=True)
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
declare("scanner.stall_seconds", 60,
        N_("Máy quét im lặng quá số giây này thì dừng lượt quét, giữ các trang đã nhận "
           "(máy quét phẳng có thể cần nửa phút để sấy đèn)"),
        validate=lambda v: None if 1 <= v <= 600 else N_("từ 1 đến 600 giây"))
declare("barcode.serial_port", "", N_("Cổng serial của đầu đọc mã vạch (để trống: không dùng)"))
declare("barcode.wedge_enabled", True, N_("Nhận đầu đọc mã vạch kiểu bàn phím (keyboard wedge)"))
declare("barcode.wedge_max_gap_ms", 50, N_("Khoảng cách tối đa giữa hai phím của một lần quét (ms)"))
declare("barcode.wedge_min_length", 6, N_("Số ký tự tối thiểu của một lần quét"))
declare("barcode.wedge_prefix", "", N_("Ký tự đầu do đầu đọc gửi thêm (nếu có)"))
declare("barcode.wedge_suffix", "", N_("Ký tự cuối do đầu đọc gửi thêm (nếu có), ngoài Enter"))
declare("barcode.camera", -1, N_("Số thứ tự camera đọc mã (-1: không dùng)"))
declare("barcode.extra_formats", [], N_("Loại mã vạch đọc thêm ngoài QR và Code128"),
        item_kind=str)
# --- every reader in the app (issue 21 §1) ---
declare("barcode.serial_baudrate", 9600,
        N_("Tốc độ cổng serial của đầu đọc (baud; đầu đọc USB kiểu COM ảo không cần đổi)"),
        choices=(1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200))
declare("barcode.serial_suffix", "",
        N_("Ký tự kết thúc do đầu đọc serial gửi thêm, ngoài CR/LF (nếu có)"),
        validate=checks.serial_suffix)
declare("barcode.camera_url", "",
        N_("Camera IP (rtsp://…, http://…) hoặc tệp video dùng thay cho số camera "
           "(để trống: dùng số camera)"), validate=checks.camera_url)
declare("sync.server_url", "", N_("Địa chỉ máy chủ một cửa trung tâm (https://...)"))
declare("sync.ca_file", "", N_("Tệp chứng thư CA của tỉnh (PEM) để xác thực TLS"))
declare("sync.enabled", True, N_("Tự động đồng bộ khi có mạng"))
# --- edges-sync (issue 12 §4): how long one request to the central server may take ---
declare("sync.request_deadline_seconds", 120,
        N_("Thời gian tối đa cho một yêu cầu tới máy chủ, kể cả câu trả lời (giây)"),
        validate=lambda v: None if 1 <= v <= 3600 else N_("từ 1 đến 3600 giây"))
# --- the sync client's honesty (issues 21, 22) ---
declare("sync.retry_after_max_seconds", 3600,
        N_("Thời gian chờ tối đa theo tiêu đề Retry-After của máy chủ (giây); giá trị lớn "
           "hơn hoặc ngày quá xa bị giới hạn ở mức này"),
        validate=lambda v: None if 1 <= v <= 86400 else N_("từ 1 đến 86400 giây"))
declare("sync.audit_interval_hours", 24,
        N_("Bao lâu đối chiếu một lần với máy chủ những hồ sơ quầy đã gửi (giờ; 0: không tự "
           "đối chiếu, chỉ khi chạy «kiosk sync audit»)"),
        validate=lambda v: None if 0 <= v <= 24 * 31 else N_("từ 0 đến 744 giờ"))
declare("sync.audit_days", 7,
        N_("Số ngày gần nhất được đối chiếu mỗi lần tự động"),
        validate=lambda v: None if 1 <= v <= 366 else N_("từ 1 đến 366 ngày"))
# Fewer suit a link shaped with a small queue and little delay, more a link with a long
# round trip; "auto" measures which (kiosk.sync.inflight, docs/BENCHMARKS.md).
declare("sync.parallel_uploads", "auto",
        N_("Số bản quét gửi cùng lúc khi đồng bộ: auto (máy tự chọn từ 1 đến 6 theo tốc độ "
           "đo được của đường truyền) hoặc một số cố định từ 1 đến 8"),
        kind=object, validate=checks.uploads_at_once)
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
declare("ui.citizen_screen", "auto",
        N_("Màn hình cho công dân: auto (màn hình thứ hai nếu có), off, hoặc số màn hình"),
        validate=checks.citizen_screen)
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
        item_kind=str, validate=checks.queue_services)

# --- money and certification (issue 23): the table is kiosk/money/settings.py ---------------
from kiosk.citizen.queue_settings import DECLARATIONS as _QUEUE_SETTINGS  # noqa: E402
from kiosk.money.settings import DECLARATIONS as _MONEY_SETTINGS  # noqa: E402

for _key, _default, _description, _options in _MONEY_SETTINGS + _QUEUE_SETTINGS:
    declare(_key, _default, _description, **_options)
# Dossiers from elsewhere, supplements, notices (issue 25): kiosk/dossier_settings.py.
from kiosk.dossier_settings import DECLARATIONS as _DOSSIER_SETTINGS  # noqa: E402

for _key, _default, _description, _options in _DOSSIER_SETTINGS:
    declare(_key, _default, _description, **_options)
# Results and their digitisation (issue 24): kiosk/results_settings.py.
from kiosk.results_settings import DECLARATIONS as _RESULT_SETTINGS  # noqa: E402

for _key, _default, _description, _options in _RESULT_SETTINGS:
    declare(_key, _default, _description, **_options)


# --- edges-cli (issue 12 §2): ranges for values that would only fail later ---------------
for _key, _check in {
    "barcode.wedge_max_gap_ms": checks.between(1, 1000),
    "barcode.wedge_min_length": checks.between(1, 500),
    "barcode.camera": checks.between(-1, 99),
    "ui.idle_lock_minutes": checks.between(0, 24 * 60),
    "barcode.extra_formats": checks.symbologies,
}.items():
    SETTINGS[_key] = SETTINGS[_key].replace(validate=_check)


class Config:
    """The loaded configuration. ``get`` returns the stored value or the declared default."""

    def __init__(self, path: Path | None = None, data: dict[str, Any] | None = None) -> None:
        self.path = path or paths.config_file()
        self._data: dict[str, Any] = data if data is not None else {}
        self._listeners: list[Callable[[str, Any], None]] = []
        #: Keys set since the last save: only these are written over the file's current
        #: content, so two programs changing different settings at once both keep theirs.
        self._changed: dict[str, Any] = {}
        #: Values ``get`` found valid, until the settings change (a save reads three).
        self._valid: dict[str, Any] = {}

    @classmethod
    def load(cls, path: Path | None = None) -> Config:
        path = path or paths.config_file()
        config = cls(path, read_config_file(path))
        config._upgrade()
        from kiosk import clock

        # A bad zone is refused where it shapes a time (get); the clock itself must still run.
        zone, problem = config._stored("unit.timezone")
        clock.configure(str(SETTINGS["unit.timezone"].default if problem or zone is None
                            else zone))
        return config

    def _upgrade(self) -> None:
        self._data = upgrade_data(self._data, self.path)
        self._valid.clear()

    def _stored(self, key: str) -> tuple[Any, ConfigError | None]:
        """The stored value (None when not set) and why it is invalid, if it is."""
        setting = self._setting(key)
        found, value = get_nested(self._data, key)
        if not found:
            return None, None
        try:
            setting.check(value)
        except ConfigError as exc:
            return value, exc
        return value, None

    def _invalid(self, key: str, value: Any, problem: ConfigError) -> ConfigError:
        return ConfigError(
            _("Thiết lập {key} trong tệp {path} có giá trị không hợp lệ «{value}»: {problem}",
              key=key, path=str(self.path), value=str(value)[:200], problem=problem.message),
            hint=_("Sửa bằng lệnh: kiosk config set {key} GIÁ_TRỊ", key=key),
            setting=key, file=str(self.path),
        )

    def get(self, key: str) -> Any:
        """The stored value, or the default when none is stored. A stored value that fails
        validation falls back to the default, except for a critical setting (one that shapes
        a dossier code, a due time or a legal number): that is a ConfigError naming the
        setting, the file and the value."""
        if key in self._valid:
            return self._valid[key]
        setting = self._setting(key)
        value, problem = self._stored(key)
        if problem is not None:
            if setting.critical:
                raise self._invalid(key, value, problem)
            return setting.default
        # TOML has no null: None means nothing is stored.
        value = setting.default if value is None else value
        self._valid[key] = value
        return value

    def get_or(self, key: str, fallback: Any) -> Any:
        """For showing or tagging, never for issuing: ``fallback`` when the stored value is
        invalid (a critical setting's bad value is refused by :meth:`get` where it counts)."""
        value, problem = self._stored(key)
        if problem is not None:
            return fallback
        return self._setting(key).default if value is None else value

    def get_strict(self, key: str) -> Any:
        """Like :meth:`get`, but any stored value that fails validation is an error."""
        setting = self._setting(key)
        value, problem = self._stored(key)
        if problem is not None:
            raise self._invalid(key, value, problem)
        return setting.default if value is None else value

    def problems(self) -> list[ConfigError]:
        """Every stored value that fails validation (critical ones first)."""
        found = []
        for key, _setting in sorted(SETTINGS.items(), key=lambda kv: not kv[1].critical):
            value, problem = self._stored(key)
            if problem is not None:
                found.append(self._invalid(key, value, problem))
        return found

    def set(self, key: str, value: Any) -> None:
        setting = self._setting(key)
        if isinstance(value, str) and setting.kind is not str:
            value = setting.parse(value)
        setting.check(value)
        set_nested(self._data, key, value)
        self._valid.clear()
        self._changed[key] = value
        if key == "unit.timezone":
            from kiosk import clock

            clock.configure(str(value))
        for listener in list(self._listeners):
            listener(key, value)

    def set_text(self, key: str, text: str) -> Any:
        value = self._setting(key).parse(text)
        self.set(key, value)
        return value

    def on_change(self, listener: Callable[[str, Any], None]) -> Callable[[], None]:
        """Call ``listener(key, value)`` after every ``set``; returns the unsubscribe."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def as_dict(self) -> dict[str, Any]:
        out = {}
        for key, setting in SETTINGS.items():
            value, problem = self._stored(key)
            out[key] = setting.default if problem is not None or value is None else value
        return out

    def save(self) -> None:
        """Write the settings changed since loading over the file as it is now, atomically
        (temp file, fsync, rename) and under a lock: a power cut leaves old or new, never
        half, and two programs saving at once (the app and a script) lose neither change."""
        import tempfile

        import tomli_w

        self.path.parent.mkdir(parents=True, exist_ok=True)
        with locked(self.path.with_name(self.path.name + ".lock")):
            current = upgrade_data(read_config_file(self.path), self.path)
            for key, value in self._changed.items():
                set_nested(current, key, value)
            payload = tomli_w.dumps(current).encode("utf-8")
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
        self._data = current
        self._valid.clear()
        self._changed.clear()

    @staticmethod
    def _setting(key: str) -> Setting:
        try:
            return SETTINGS[key]
        except KeyError:
            raise ConfigError(
                _("Không có thiết lập {key}.", key=key),
                hint=_("Xem danh sách bằng lệnh: kiosk config show"),
            ) from None
