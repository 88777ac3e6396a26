"""The central server's database as the ``kiosk central`` commands open it (shared by
:mod:`kiosk.cli.central_commands` and :mod:`kiosk.cli.central_report_commands`)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from kiosk import paths
from kiosk.cli.argtypes import shown
from kiosk.errors import InvalidInput, NotFound
from kiosk.i18n import _
from kiosk.input_file import expand_path

_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_DB_SCHEMES = ("postgresql", "postgres", "sqlite")


def default_db() -> str:
    return str(paths.data_dir() / "central" / "central.sqlite3")


def default_blobs() -> Path:
    return paths.data_dir() / "central" / "blobs"


def db_url(args: argparse.Namespace) -> str:
    url = str(getattr(args, "db_sub", None) or args.db or default_db()).strip()
    scheme = _URL_SCHEME.match(url)
    # A drive-less path has no scheme; "garbage://x" must not become a file named "garbage:".
    if not url or (scheme and scheme[1].lower() not in _DB_SCHEMES):
        raise InvalidInput(
            _("Cơ sở dữ liệu «{url}» không hợp lệ.", url=shown(url)),
            hint=_("Dùng đường dẫn tệp SQLite, sqlite:///ĐƯỜNG_DẪN hoặc postgresql://..."))
    if not url.startswith(("postgresql://", "postgres://")):
        path = expand_path(url.removeprefix("sqlite:///") if url.startswith("sqlite:") else url,
                           what=_("tệp cơ sở dữ liệu"))
        if path.is_dir() or (path.exists() and not path.is_file()):
            raise InvalidInput(_("{path} không phải tệp cơ sở dữ liệu.", path=shown(str(path))),
                               hint=_("Dùng đường dẫn tới một tệp SQLite."))
        if not url.startswith("sqlite:"):
            url = str(path)  # "~/central.sqlite3" as a shell would have it
    return url


def open_db_of(args: argparse.Namespace) -> Any:
    return open_db(db_url(args))


def open_db(url: str) -> Any:
    """The server's database, or a clear refusal when the file or server is not one."""
    import sqlite3

    from central.db import Database

    try:
        return Database(url)
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(_("Không mở được cơ sở dữ liệu {url}: {error}", url=shown(url),
                             error=str(exc)),
                           hint=_("Dùng đường dẫn tới một tệp SQLite.")) from None
    except Exception as exc:
        if type(exc).__module__.startswith("psycopg"):
            raise InvalidInput(_("Không kết nối được cơ sở dữ liệu {url}: {error}",
                                 url=shown(url.split("@")[-1]), error=str(exc)[:300]),
                               hint=_("Kiểm tra địa chỉ, tài khoản và máy chủ PostgreSQL.")
                               ) from None
        raise


def find_dossier(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    from central import service

    db = open_db_of(args)
    row = service.find_dossier(db, code=args.code)
    if row is None:
        raise NotFound(_("Máy chủ không có hồ sơ {code}.", code=args.code),
                       hint=_("Kiểm tra mã hồ sơ hoặc chờ quầy đồng bộ."))
    return db, row
