"""HTTP to the central server: TLS verification always on (with the province's CA file
when configured); plain http only to loopback, for tests and a server on the same machine."""

from __future__ import annotations

import ipaddress
import ssl
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from kiosk.errors import ConfigError
from kiosk.i18n import _

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=10.0)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_server_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            _("Địa chỉ máy chủ «{url}» không hợp lệ.", url=url),
            hint=_("Dùng dạng https://motcua.tinh.gov.vn"),
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigError(
            _("Không gửi dữ liệu công dân qua http không mã hoá tới {host}.", host=parts.hostname),
            hint=_("Dùng https://; http chỉ được phép tới máy này (127.0.0.1)."),
        )
    return url.strip().rstrip("/")


def make_client(server_url: str, ca_file: str = "", *,
                timeout: httpx.Timeout = DEFAULT_TIMEOUT,
                transport: httpx.BaseTransport | None = None) -> httpx.Client:
    base = check_server_url(server_url)
    verify: ssl.SSLContext | bool = True
    if ca_file:
        if not Path(ca_file).is_file():
            raise ConfigError(
                _("Không tìm thấy tệp CA {path}.", path=ca_file),
                hint=_("Đặt lại sync.ca_file tới tệp PEM do tỉnh cấp."),
            )
        verify = ssl.create_default_context(cafile=ca_file)
    return httpx.Client(base_url=base, verify=verify, timeout=timeout, transport=transport,
                        headers={"User-Agent": "kiosk-sync/1"}, follow_redirects=False)
