"""The boundary to the province's electronic-receipt provider (biên lai điện tử).

A counter's receipt reaches the central server once (``PUT /v1/receipts/{id}``, idempotent);
the server hands it to the provider, which registers it and answers with a look-up code (mã
tra cứu) that the citizen uses on the provider's site and that the counter prints on a
reprint. A void is passed on as a cancellation. Real providers (VNPT, Viettel, MISA...) have
their own APIs and credentials; each one is an adapter implementing :class:`EReceiptProvider`
and named in ``KIOSK_CENTRAL_ERECEIPT`` as ``module:Class`` (constructed without arguments:
it reads its own settings, e.g. from the environment, and never receives the counters'
tokens). Without it the server uses :class:`StandInProvider`, which plays the provider for
tests, demos and units not yet connected.

Contract an adapter must keep:

- ``issue`` is **idempotent on the receipt's id**: called again for the same receipt (a retry
  after a lost answer, two concurrent requests) it returns the same look-up code and issues
  nothing new. Real APIs take a caller's key for this (VNPT's ``fkey``): pass the id.
- ``cancel`` is idempotent too (cancelling a cancelled receipt is not an error).
- Errors are raised as :class:`ProviderUnavailable` (the counter retries later; the receipt
  is not stored until the provider answered) or :class:`ProviderRefused` (a person must look:
  the counter parks the operation as needing attention).
- Nothing else is sent: only the receipt's own fields (series, number, payer, items, amounts
  in figures and words, method, date, collector).
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import os
from dataclasses import dataclass
from typing import Any, Protocol


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered with a temporary error."""


class ProviderRefused(Exception):
    """The provider refused the receipt (a person must look at it)."""


@dataclass(frozen=True)
class Issued:
    lookup_code: str
    provider: str


class EReceiptProvider(Protocol):
    name: str

    def issue(self, receipt: dict[str, Any]) -> Issued:
        """Register ``receipt`` (the fields of ``central.money.ReceiptIn`` plus ``id`` and
        ``unit_code``); returns its look-up code."""

    def cancel(self, receipt: dict[str, Any], reason: str) -> None:
        """Cancel a registered receipt (the counter voided it)."""


class StandInProvider:
    """Plays the province's provider: a look-up code derived from the receipt itself, so
    it is the same every time the same receipt is issued, and differs between receipts."""

    name = "standin"

    def issue(self, receipt: dict[str, Any]) -> Issued:
        key = "|".join(str(receipt.get(k, "")) for k in ("id", "unit_code", "series", "year",
                                                          "number"))
        digest = hashlib.sha256(key.encode()).digest()
        code = base64.b32encode(digest).decode()[:12]
        return Issued(f"{code[:4]}-{code[4:8]}-{code[8:]}", self.name)

    def cancel(self, receipt: dict[str, Any], reason: str) -> None:
        return None


def provider_from_env() -> EReceiptProvider:
    """The adapter named in ``KIOSK_CENTRAL_ERECEIPT`` (``module:Class``), else the stand-in."""
    spec = os.environ.get("KIOSK_CENTRAL_ERECEIPT", "").strip()
    if not spec or spec == "standin":
        return StandInProvider()
    module, _sep, cls = spec.partition(":")
    provider: EReceiptProvider = getattr(importlib.import_module(module), cls)()
    return provider
