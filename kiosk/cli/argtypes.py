"""Argument checks at the edge: every bad value is a Vietnamese message and exit 2.

argparse types here raise ``ArgumentTypeError`` with a translated message, so a value that
cannot be right (a resolution of 0, ``nan`` days, a directory where a file is read) stops at
parse time, before any command opens the database or a device. :class:`KioskArgumentParser`
also words argparse's own complaints (missing argument, unknown option) in the UI language.
"""

from __future__ import annotations

import argparse
import functools
import gettext
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, NoReturn, TypeVar

from kiosk.errors import InvalidInput, KioskError
from kiosk.i18n import _
from kiosk.input_file import check_readable, expand_path
from kiosk.limits import FIRST_YEAR, LAST_YEAR, PRINTER_NAME_MAX, printer_name_ok
from kiosk.output_file import not_a_file_to_replace
from kiosk.safe_text import bad_characters, has_surrogates, shown

#: The largest row count a listing accepts (the book itself reads 100 000 at most per day).
MAX_LIMIT = 100_000
#: Resolutions a scanner offers (previews go down to 50; TT 01/2023 asks 200 for archives).
MIN_DPI, MAX_DPI = 50, 1200
#: The longest value an argument without a type of its own takes (a path: PATH_MAX).
MAX_ARGUMENT = 4096
#: What a QR payload or a token read from stdin may hold: far more than any real one.
MAX_STDIN_BYTES = 1 << 20


def reject_bad_argv(argv: Sequence[str]) -> None:
    """Refuse arguments that are not UTF-8 text; never echo the raw bytes back."""
    for n, arg in enumerate(argv, start=1):
        if has_surrogates(arg) or "\x00" in arg:
            raise InvalidInput(
                _("Tham số thứ {n} không phải văn bản UTF-8 hợp lệ.", n=n),
                hint=_("Gõ lại tham số bằng bảng mã UTF-8 (Unicode)."),
                field="argv",
            )


def read_stdin_text(what: str, stream: IO[bytes] | None = None) -> str:
    """stdin as strict UTF-8 text (a BOM allowed), or a clear refusal; never raw bytes."""
    source = stream if stream is not None else sys.stdin.buffer
    data = source.read(MAX_STDIN_BYTES + 1)
    if len(data) > MAX_STDIN_BYTES:
        raise InvalidInput(_("Dữ liệu vào ({what}) quá lớn.", what=what),
                           hint=_("Mã QR hoặc mã truy cập chỉ dài vài trăm ký tự."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            _("Dữ liệu vào ({what}) không phải văn bản UTF-8 hợp lệ.", what=what),
            hint=_("Kiểm tra đầu đọc hoặc tệp: dữ liệu phải là văn bản UTF-8."),
        ) from None


# --- argparse types -------------------------------------------------------------------------

def int_range(lo: int, hi: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                _("«{value}» không phải số nguyên.", value=_shown(text))) from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(
                _("{value} nằm ngoài khoảng cho phép {lo}–{hi}.", value=value, lo=lo, hi=hi))
        return value

    parse.__name__ = "int"
    return parse


def parse_day(text: str, what: str) -> date:
    """A calendar day written YYYY-MM-DD, within the years :mod:`kiosk.limits` allows."""
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(_("Ngày «{value}» không hợp lệ ({what}).", value=_shown(text),
                             what=what),
                           hint=_("Viết ngày dạng YYYY-MM-DD, ví dụ 2026-11-25.")) from None
    _check_year(value.year, text, what)
    return value


def parse_moment(text: str, what: str) -> datetime:
    """A local time written YYYY-MM-DDTHH:MM (an offset allowed), within the years allowed."""
    from kiosk.clock import to_local

    try:
        parsed = datetime.fromisoformat(text.strip())
        _check_year(parsed.year, text, what)
        return to_local(parsed)
    except (ValueError, OverflowError):  # 9999-12-31T23:59-05:00 overflows in conversion
        raise InvalidInput(_("Thời điểm «{value}» không hợp lệ ({what}).", value=_shown(text),
                             what=what),
                           hint=_("Viết dạng YYYY-MM-DDTHH:MM, ví dụ 2026-11-27T10:00.")
                           ) from None


def _check_year(year: int, text: str, what: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(_("«{value}» nằm ngoài các năm {lo}–{hi} ({what}).",
                             value=_shown(text), lo=FIRST_YEAR, hi=LAST_YEAR, what=what),
                           hint=_("Kiểm tra lại năm."))


def iso_day(text: str) -> date:
    """A calendar day written YYYY-MM-DD (argparse type)."""
    try:
        return parse_day(text, "YYYY-MM-DD")
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def float_range(lo: float, hi: float, *, above: bool = True) -> Callable[[str], float]:
    """A finite number in (lo, hi] (``above``) or [lo, hi]: never nan, inf or 1e308."""

    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                _("«{value}» không phải số.", value=_shown(text))) from None
        low_ok = value > lo if above else value >= lo
        if not math.isfinite(value) or not low_ok or value > hi:
            raise argparse.ArgumentTypeError(
                _("«{value}» nằm ngoài khoảng cho phép: lớn hơn {lo} và tối đa {hi}.",
                  value=_shown(text), lo=f"{lo:g}", hi=f"{hi:g}") if above else
                _("«{value}» nằm ngoài khoảng cho phép {lo}–{hi}.", value=_shown(text),
                  lo=f"{lo:g}", hi=f"{hi:g}"))
        return value

    parse.__name__ = "float"
    return parse


def text(max_len: int = 1000, *, empty: bool = False) -> Callable[[str], str]:
    """Plain text of bounded length (no control characters); stripped."""

    def parse(value: str) -> str:
        value = value.strip()
        if not value and not empty:
            raise argparse.ArgumentTypeError(_("không được để trống."))
        if len(value) > max_len:
            raise argparse.ArgumentTypeError(
                _("dài quá {n} ký tự.", n=max_len))
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            raise argparse.ArgumentTypeError(_("có ký tự điều khiển."))
        return value

    parse.__name__ = "text"
    return parse


def bounded(value: str) -> str:
    """What every argument without a type of its own gets (:class:`KioskArgumentParser`):
    at most :data:`MAX_ARGUMENT` characters and no control characters, as typed (not
    stripped). A path fits (PATH_MAX); a 70 000-character value or a terminal escape
    never reaches a command, a URL parser or a printer."""
    if len(value) > MAX_ARGUMENT:
        raise argparse.ArgumentTypeError(_("dài quá {n} ký tự.", n=MAX_ARGUMENT))
    if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in value):
        raise argparse.ArgumentTypeError(_("có ký tự điều khiển."))
    return value


bounded.__name__ = "text"


def printer_name(value: str) -> str:
    """A CUPS queue name: what CUPS itself accepts (printable, no space, "/", "#", "\\")."""
    value = value.strip()
    if not value:
        raise argparse.ArgumentTypeError(_("không được để trống."))
    if len(value.encode("utf-8", "surrogatepass")) > PRINTER_NAME_MAX:
        raise argparse.ArgumentTypeError(_("dài quá {n} ký tự.", n=PRINTER_NAME_MAX))
    if not printer_name_ok(value):
        raise argparse.ArgumentTypeError(
            _("tên máy in chỉ gồm chữ, số và dấu, không có dấu cách, «/», «#», «\\»."))
    return value


printer_name.__name__ = "text"


def person_text(max_len: int) -> Callable[[str], str]:
    """A name or an address: no control, zero-width or bidi characters (they disguise text)."""
    plain = text(max_len, empty=True)

    def parse(value: str) -> str:
        value = plain(value)
        if bad_characters(value):
            raise argparse.ArgumentTypeError(
                _("có ký tự ẩn hoặc ký tự điều khiển (không in ra được)."))
        return value

    parse.__name__ = "text"
    return parse


def _input_file(value: str) -> Path:
    """A regular file that exists and can be read (not a directory, a device, a FIFO...)."""
    return check_readable(value, what=_("đường dẫn tệp"))


def _path_checked(check: Callable[[str], Path]) -> Callable[[str], Path]:
    """An OS refusal while looking (name too long, a loop of links) is a usage error too, and
    so is a path :func:`kiosk.input_file.expand_path` refuses (``~nobody``, too deep)."""

    def parse(value: str) -> Path:
        try:
            return check(value)
        except KioskError as exc:  # kiosk.input_file's refusals, already in words
            raise argparse.ArgumentTypeError(exc.message) from None
        except OSError as exc:
            raise argparse.ArgumentTypeError(
                _("không dùng được đường dẫn {path}: {error}", path=_shown(value),
                  error=exc.strerror or str(exc))) from None

    parse.__name__ = "path"
    parse.__doc__ = check.__doc__
    return parse


def _check_nearest_parent(path: Path, value: str) -> None:
    """The nearest existing ancestor of a path to create must be a directory."""
    parent = path.parent
    while not os.path.lexists(parent) and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(
            _("{path} nằm dưới {parent}, vốn không phải thư mục.", path=_shown(value),
              parent=_shown(str(parent))))


def _output_file(value: str) -> Path:
    """Where a file will be written: not a directory, in a folder that exists or can be made."""
    if not value.strip():
        raise argparse.ArgumentTypeError(_("chưa có đường dẫn tệp."))
    path = expand_path(value)
    if path.is_dir() or value.endswith(os.sep):
        raise argparse.ArgumentTypeError(
            _("{path} là thư mục; cần tên tệp, ví dụ {path}/ket-qua.pdf.", path=_shown(value)))
    problem = not_a_file_to_replace(path)
    if problem:
        raise argparse.ArgumentTypeError(
            _("không ghi được vào {path}: {problem}.", path=_shown(value), problem=problem))
    _check_nearest_parent(path, value)
    return path


def _output_dir(value: str) -> Path:
    """A directory to create or fill: not an existing file or device (``/dev/null``)."""
    if not value.strip():
        raise argparse.ArgumentTypeError(_("chưa có đường dẫn thư mục."))
    path = expand_path(value)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(
            _("{path} đã có và không phải thư mục.", path=_shown(value)))
    _check_nearest_parent(path, value)
    return path


def _input_dir(value: str) -> Path:
    """A directory that exists and can be read."""
    if not value.strip():
        raise argparse.ArgumentTypeError(_("chưa có đường dẫn thư mục."))
    path = expand_path(value)
    if not path.exists():
        raise argparse.ArgumentTypeError(
            _("không tìm thấy thư mục {path}.", path=_shown(value)))
    if not path.is_dir():
        raise argparse.ArgumentTypeError(_("{path} không phải thư mục.", path=_shown(value)))
    if not os.access(path, os.R_OK | os.X_OK):
        raise argparse.ArgumentTypeError(
            _("không có quyền đọc thư mục {path}.", path=_shown(value)))
    return path


_shown = shown


input_file = _path_checked(_input_file)
output_file = _path_checked(_output_file)
output_dir = _path_checked(_output_dir)
input_dir = _path_checked(_input_dir)


# --- argparse's own messages, in the UI language -------------------------------------------

def _argparse_messages() -> list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]:
    return [
        (re.compile(r"^the following arguments are required: (.+)$"),
         lambda m: _("thiếu tham số bắt buộc: {names}", names=m[1])),
        (re.compile(r"^one of the arguments (.+) is required$"),
         lambda m: _("cần một trong các tham số: {names}", names=m[1])),
        (re.compile(r"^argument (.+?): not allowed with argument (.+)$"),
         lambda m: _("không dùng {a} cùng với {b}", a=m[1], b=m[2])),
        (re.compile(r"^argument (.+?): expected one argument$"),
         lambda m: _("tham số {name} cần một giá trị (giá trị bắt đầu bằng «-» thì viết "
                     "{name}=GIÁ_TRỊ)", name=m[1])),
        (re.compile(r"^argument (.+?): expected at least one argument$"),
         lambda m: _("tham số {name} cần ít nhất một giá trị", name=m[1])),
        (re.compile(r"^argument (.+?): invalid choice: (.+?) \(choose from (.+)\)$"),
         lambda m: _("{name}: giá trị {value} không có; chọn một trong {choices}",
                     name=m[1], value=m[2], choices=m[3])),
        (re.compile(r"^argument (.+?): invalid \w+ value: (.+)$"),
         lambda m: _("{name}: giá trị {value} không hợp lệ", name=m[1], value=m[2])),
        (re.compile(r"^unrecognized arguments: (.+)$"),
         lambda m: _("tham số không được hỗ trợ: {names}", names=m[1])),
        (re.compile(r"^ambiguous option: (.+?) could match (.+)$"),
         lambda m: _("tùy chọn {name} không rõ: có thể là {choices}", name=m[1],
                     choices=m[2])),
        (re.compile(r"^argument (.+?): (.+)$"),
         lambda m: _("{name}: {problem}", name=m[1], problem=m[2])),
    ]


def translate_argparse(message: str) -> str:
    for pattern, words in _argparse_messages():
        match = pattern.match(message)
        if match:
            return words(match)
    return message


# argparse looks its own words up with gettext.gettext at every parser and argument, and a
# lookup that finds no catalog searches the locale folders again each time (192 searches, a
# fifth of `kiosk --help`). The domain and the environment do not change within a process:
# look the catalog up once.
argparse._ = gettext.translation(gettext.textdomain(), fallback=True).gettext  # type: ignore[attr-defined]


@functools.cache
def _terminal_columns() -> int:
    """What shutil.get_terminal_size answers, without importing shutil (and with it bz2, lzma
    and zlib) in every command: argparse builds a help formatter for each argument added."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class KioskHelpFormatter(argparse.HelpFormatter):
    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position,
                         _terminal_columns() - 2 if width is None else width)


_Action = TypeVar("_Action", bound=argparse.Action)


class KioskArgumentParser(argparse.ArgumentParser):
    """argparse with Vietnamese errors, values escaped, and a pointer to ``--help``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", KioskHelpFormatter)
        super().__init__(*args, **kwargs)

    def _add_action(self, action: _Action) -> _Action:
        # Every argument that takes a value is bounded, including those a command declared
        # without a type (and those copied from a parent parser): one place, every command.
        if action.type is None and action.nargs != 0 and isinstance(
                action, argparse._StoreAction | argparse._AppendAction):
            action.type = bounded
        return super()._add_action(action)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        text_ = _shown(translate_argparse(message), limit=400)
        sys.stderr.write(_("{prog}: lỗi: {problem}", prog=self.prog, problem=text_) + "\n")
        sys.stderr.write(_("Xem hướng dẫn: {prog} --help", prog=self.prog) + "\n")
        sys.exit(2)

    def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> Any:
        """An option's own value is never the end-of-options mark.

        argparse (before Python 3.12.7) drops the first ``--`` from every argument's values,
        so ``--working-days=--`` reached the command as an empty list. An option only ever
        gets ``--`` as a value written ``--opt=--`` (its pattern never takes a lone ``--``
        from the command line), so for options the value is the text itself, checked by the
        option's type like any other; positionals keep argparse's rule."""
        if not action.option_strings or "--" not in arg_strings or \
                action.nargs in (argparse.PARSER, argparse.REMAINDER):
            return super()._get_values(action, arg_strings)
        values = [self._get_value(action, v) for v in arg_strings]
        for value in values:
            self._check_value(action, value)
        if action.nargs in (None, argparse.OPTIONAL):
            return values[0]
        return values


def parser_kwargs() -> dict[str, Any]:
    return {"parser_class": KioskArgumentParser}
