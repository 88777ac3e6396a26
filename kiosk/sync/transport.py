"""HTTP to the central server: TLS verification always on (with the province's CA file
when configured); plain http only to loopback, for tests and a server on the same machine.

The client trusts the server no further than it must (issue 12): every request goes to the
configured origin only (a ``Location`` naming another port never gets the token or a scan),
redirects are never followed (a 3xx is a captive portal or a wrong address), and every
request has an overall deadline and a cap on the answer's size, read as a stream — a body
dripped one byte at a time or a 300 MB "health" answer cannot hold or flood the counter.
"""

from __future__ import annotations

import ipaddress
import ssl
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from kiosk.errors import ConfigError
from kiosk.i18n import _
from kiosk.safe_text import is_ascii_digits
from kiosk.sync.errors import DeadlineExceeded, ForeignOrigin, Redirected, ResponseTooLarge

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=10.0)
#: Overall seconds for one request and its answer, whatever the per-read timeouts.
DEFAULT_DEADLINE = 120.0
#: Extra deadline per byte sent, so a 2 MiB chunk on a slow link is not cut (32 KiB/s).
UPLOAD_RATE_FLOOR = 32 * 1024
#: Answers are small JSON documents; larger caps are asked per request (the change feed).
DEFAULT_MAX_BYTES = 1 << 20
#: Writes are cut into pieces so the deadline is checked while a slow server reads.
_WRITE_PIECE = 16 * 1024

_deadline = threading.local()


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


def origin_of(url: httpx.URL | str) -> tuple[str, str, int]:
    u = httpx.URL(str(url))
    port = u.port or (443 if u.scheme == "https" else 80)
    return u.scheme, (u.host or "").lower(), port


def _bounded(timeout: float | None, kind: type[Exception]) -> float | None:
    end: float | None = getattr(_deadline, "at", None)
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise kind("request deadline exceeded")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """Each socket operation waits at most until the request's overall deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        view = memoryview(buffer)
        while view:
            self._inner.write(bytes(view[:_WRITE_PIECE]),
                              _bounded(timeout, httpcore.WriteTimeout))
            view = view[_WRITE_PIECE:]

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(
            ssl_context, server_hostname, _bounded(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_tcp(
            host, port, _bounded(timeout, httpcore.ConnectTimeout), local_address,
            socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _env_proxy(url: str) -> str | None:
    """The proxy the environment names for ``url`` (``https_proxy``, ``no_proxy``...), as
    httpx itself would use it: a province network may require one."""
    import urllib.request

    proxies = urllib.request.getproxies_environment()
    host = urlsplit(url).hostname or ""
    if not proxies or urllib.request.proxy_bypass(host):
        return None
    return proxies.get(urlsplit(url).scheme) or proxies.get("all")


def _transport(verify: ssl.SSLContext | bool, url: str) -> httpx.HTTPTransport:
    context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(
        verify=verify)
    transport = httpx.HTTPTransport(verify=context)
    # httpx has no public hook for the network backend; the pool is rebuilt with the same
    # settings as httpx's defaults plus the deadline-aware backend.
    common: dict[str, Any] = {"ssl_context": context, "max_connections": 100,
                              "max_keepalive_connections": 20, "keepalive_expiry": 5.0,
                              "network_backend": _DeadlineBackend()}
    proxy_url = _env_proxy(url)
    if proxy_url and urlsplit(proxy_url).scheme in ("http", "https"):
        proxy = httpx.Proxy(proxy_url)
        transport._pool = httpcore.HTTPProxy(
            proxy_url=httpcore.URL(scheme=proxy.url.raw_scheme, host=proxy.url.raw_host,
                                   port=proxy.url.port, target=proxy.url.raw_path),
            proxy_auth=proxy.raw_auth, proxy_headers=proxy.headers.raw, **common)
    else:
        transport._pool = httpcore.ConnectionPool(**common)
    return transport


class ServerClient(httpx.Client):
    """An httpx client bound to one origin, with a deadline and a size cap per request.

    ``extensions={"max_bytes": n}`` raises the size cap of one request (the change feed).
    Answers are read whole (capped) before they are returned, so callers use them as usual.
    """

    def __init__(self, *, deadline: float = DEFAULT_DEADLINE,
                 max_bytes: int = DEFAULT_MAX_BYTES, **kw: Any) -> None:
        super().__init__(**kw)
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.origin = origin_of(self.base_url)

    def resolve(self, url: str) -> str:
        """A URL the server gave (``Location``), absolute, or :class:`ForeignOrigin`."""
        absolute = urljoin(str(self.base_url), url.strip())
        try:
            same = origin_of(absolute) == self.origin
        except (httpx.InvalidURL, ValueError):
            same = False
        if not same:
            raise ForeignOrigin(url)
        return absolute

    def request(self, method: str, url: httpx.URL | str, **kw: Any) -> httpx.Response:
        extensions = dict(kw.pop("extensions", None) or {})
        cap = int(extensions.pop("max_bytes", self.max_bytes))
        auth = kw.pop("auth", httpx.USE_CLIENT_DEFAULT)
        kw.pop("follow_redirects", None)  # never followed, whatever the caller says
        request = self.build_request(method, url, extensions=extensions, **kw)
        if origin_of(request.url) != self.origin:
            # Checked before a byte leaves: the token and the scan stay home.
            raise ForeignOrigin(str(request.url))
        sent = len(kw["content"]) if isinstance(kw.get("content"), bytes) else 0
        previous = getattr(_deadline, "at", None)
        budget = self.deadline + sent / UPLOAD_RATE_FLOOR
        _deadline.at = time.monotonic() + budget
        try:
            try:
                response = self.send(request, auth=auth, stream=True, follow_redirects=False)
            except httpx.TimeoutException as exc:
                if time.monotonic() >= _deadline.at:
                    raise DeadlineExceeded(_deadline_message(budget), request=request) from exc
                raise
            try:
                _read_capped(response, cap, budget)
            finally:
                response.close()
        finally:
            _deadline.at = previous
        # 304 Not Modified is no redirect: the answer to a conditional GET (If-None-Match).
        if 300 <= response.status_code < 400 and response.status_code != 304:
            raise Redirected(response.status_code, response.headers.get("Location", ""))
        return response


def _deadline_message(budget: float) -> str:
    return _("Máy chủ trả lời quá chậm (một yêu cầu quá {seconds} giây); đã dừng chờ.",
             seconds=round(budget))


def _read_capped(response: httpx.Response, cap: int, budget: float) -> None:
    declared = response.headers.get("Content-Length", "")
    too_large = _("Câu trả lời của máy chủ quá lớn (hơn {size} byte); đã dừng đọc.", size=cap)
    if is_ascii_digits(declared) and int(declared) > cap:
        raise ResponseTooLarge(too_large, request=response.request)
    body = bytearray()
    try:
        for part in response.iter_bytes():
            body += part
            if len(body) > cap:
                raise ResponseTooLarge(too_large, request=response.request)
    except httpx.TimeoutException as exc:
        if time.monotonic() >= _deadline.at:
            raise DeadlineExceeded(_deadline_message(budget), request=response.request) from exc
        raise
    # What Response.read() itself stores; the answer is then used like any read response.
    response._content = bytes(body)


def ca_context(ca_file: str, setting: str = "sync.ca_file") -> ssl.SSLContext:
    """The TLS context trusting the province's CA file, or a :class:`ConfigError` that names
    the setting, the file and what is wrong with it (never an "unexpected error")."""
    hint = _("Đặt lại {setting} tới tệp PEM do tỉnh cấp (bắt đầu bằng -----BEGIN "
             "CERTIFICATE-----): kiosk config set {setting} /đường/dẫn/ca.pem",
             setting=setting)
    path = Path(ca_file)
    if path.is_dir():
        problem = _("là một thư mục, không phải tệp")
    elif not path.exists():
        problem = _("không tồn tại")
    else:
        try:
            return ssl.create_default_context(cafile=str(path))
        except PermissionError:
            problem = _("không đọc được (không có quyền)")
        except (ssl.SSLError, ValueError, OSError, UnicodeDecodeError):
            problem = _("không chứa chứng thư PEM đọc được")
    raise ConfigError(_("Thiết lập {setting} = «{value}»: tệp CA {problem}.", setting=setting,
                        value=ca_file, problem=problem), hint=hint, setting=setting,
                      path=ca_file)


def make_client(server_url: str, ca_file: str = "", *,
                timeout: httpx.Timeout = DEFAULT_TIMEOUT,
                transport: httpx.BaseTransport | None = None,
                deadline: float = DEFAULT_DEADLINE,
                max_bytes: int = DEFAULT_MAX_BYTES) -> ServerClient:
    base = check_server_url(server_url)
    verify: ssl.SSLContext | bool = ca_context(ca_file) if ca_file else True
    from kiosk.sync import machine

    # The machine id on every request: the server binds the device token to this machine.
    return ServerClient(base_url=base, verify=verify, timeout=timeout,
                        transport=transport or _transport(verify, base),
                        headers={"User-Agent": "kiosk-sync/1", "Accept-Encoding": "identity",
                                 machine.HEADER: machine.machine_id()},
                        follow_redirects=False, deadline=deadline, max_bytes=max_bytes)
