"""The ``signing.*`` settings, read once into a plain object (tests build it directly)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.config import Config


@dataclass(frozen=True)
class SigningSettings:
    module: str = ""
    token_label: str = ""
    key_label: str = ""
    cert_label: str = ""
    tsa_url: str = ""
    reason: str = ""
    location: str = ""
    required: bool = False
    sign_forms: bool = False
    trust_file: str = ""

    @property
    def configured(self) -> bool:
        """A unit without a token configured signs nothing and flags nothing."""
        return bool(self.module)

    @classmethod
    def from_config(cls, config: Config) -> SigningSettings:
        return cls(
            module=str(config.get("signing.pkcs11_module")),
            token_label=str(config.get("signing.token_label")),
            key_label=str(config.get("signing.key_label")),
            cert_label=str(config.get("signing.cert_label")),
            tsa_url=str(config.get("signing.tsa_url")),
            reason=str(config.get("signing.reason")),
            location=str(config.get("signing.location")),
            required=bool(config.get("signing.required")),
            sign_forms=bool(config.get("forms.sign")),
            trust_file=str(config.get("signing.trust_file")),
        )
