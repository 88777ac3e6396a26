"""Typed errors that carry a message for people.

Every error the clerk or an admin may see derives from :class:`KioskError`. The message is
already translated (Vietnamese by default) when the error is raised; ``hint`` says what to do.
"""

from __future__ import annotations

from typing import Any

from kiosk.safe_text import escape_surrogates


class KioskError(Exception):
    """An error with a human message (translated) and an optional hint on what to do."""

    #: A stable machine-readable kind, e.g. ``"invalid_input"``; subclasses override it.
    kind = "error"
    #: The CLI's exit status for this kind of error.
    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None, **details: Any) -> None:
        # A message may echo input that carried bytes which were not UTF-8 (lone
        # surrogates); such a message could be neither printed nor stored, so the error
        # about bad input would itself fail. Escaping here covers every echo at once.
        message = escape_surrogates(message)
        super().__init__(message)
        self.message = message
        self.hint = escape_surrogates(hint) if hint is not None else None
        self.details = details

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.kind, "message": self.message}
        if self.hint:
            out["hint"] = self.hint
        if self.details:
            out["details"] = {k: v for k, v in self.details.items() if _jsonable(v)}
        return out

    def __str__(self) -> str:
        # Two sentences: the message always ends before the hint begins.
        return f"{sentence(self.message)} {sentence(self.hint)}" if self.hint else self.message

    def technical(self) -> str:
        """What an admin or a maintainer needs and a clerk does not: kind, details, cause."""
        parts = [self.kind]
        parts += [f"{k}={v}" for k, v in self.details.items()]
        cause = self.__cause__ or self.__context__
        if cause is not None:
            parts.append(f"{type(cause).__name__}: {cause}")
        return "; ".join(parts)


def sentence(text: str) -> str:
    """``text`` as a sentence: it ends with a full stop unless it ends with . ! ? … or :."""
    text = text.strip()
    if not text or text[-1] in ".!?…:":
        return text
    return text + "."


class InvalidInput(KioskError):
    """Input from a person or a device that does not fit (bad date, malformed QR...)."""

    kind = "invalid_input"


class NotFound(KioskError):
    kind = "not_found"


class ConfigError(KioskError):
    kind = "config"


class DeviceError(KioskError):
    """A device (scanner, reader, printer) failed; pages or data already read are kept."""

    kind = "device"


class StorageError(KioskError):
    kind = "storage"


def _jsonable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | type(None) | list | dict)
