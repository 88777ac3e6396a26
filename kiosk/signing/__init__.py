"""Digital signatures on the kiosk's PDFs: PAdES from the clerk's PKCS#11 token (pyHanko).

- :mod:`kiosk.signing.settings` — the ``signing.*`` config as one object;
- :mod:`kiosk.signing.token` — log in to the token and sign a PDF (B-B, or B-T with a TSA);
  every token failure becomes a :class:`SigningError` with a Vietnamese message;
- :mod:`kiosk.signing.verify` — check a signed PDF with pyHanko's validator;
- :mod:`kiosk.signing.dossier` — sign a dossier's components at intake or later.

The PIN goes from the clerk (PIN pad, tty prompt or ``KIOSK_SIGNING_PIN``) straight to the
token's login call; it is never stored, logged or put in an error message.
"""

from __future__ import annotations

from kiosk.errors import DeviceError


class SigningError(DeviceError):
    """Signing could not happen; ``reason`` says why in a stable machine-readable word."""

    kind = "signing"

    def __init__(self, message: str, *, reason: str, hint: str | None = None,
                 **details: object) -> None:
        super().__init__(message, hint=hint, reason=reason, **details)
        self.reason = reason


__all__ = ["SigningError"]
