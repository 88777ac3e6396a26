"""A test PKI and a real SoftHSM2 token: CA, clerk certificate, TSA, made per test run.

Only used by tests and the signing benchmark. The token is a private SoftHSM2 token
directory with its own config (``SOFTHSM2_CONF``), so parallel runs never share state;
the key and certificate are loaded with opensc's ``pkcs11-tool`` the way an admin would.
"""

from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
USER_PIN = "123456"
SO_PIN = "12345678"
TOKEN_LABEL = "kiosk-test"
KEY_LABEL = "clerk"


def _name(cn: str, org: str = "UBND xã Mẫu") -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Issued:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def key_der(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.DER,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())


def make_ca(cn: str = "Kiosk Test Root CA") -> Issued:
    key = _key()
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return Issued(key, cert)


def issue(ca: Issued, cn: str, *, not_before: datetime | None = None,
          not_after: datetime | None = None, tsa: bool = False) -> Issued:
    key = _key()
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(ca.cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=1))
        .not_valid_after(not_after or now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=not tsa, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            ca.key.public_key()), critical=False)
    )
    if tsa:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return Issued(key, builder.sign(ca.key, hashes.SHA256()))


@dataclass
class SoftToken:
    """A SoftHSM2 token in ``root``; ``env`` points a process at it."""

    root: Path
    conf: Path
    label: str = TOKEN_LABEL
    pin: str = USER_PIN

    @property
    def env(self) -> dict[str, str]:
        return {"SOFTHSM2_CONF": str(self.conf)}

    def run(self, *args: str) -> str:
        proc = subprocess.run(args, env={**os.environ, **self.env}, capture_output=True,
                              text=True, timeout=60, check=False)
        if proc.returncode:
            raise RuntimeError(f"{args[0]} failed: {proc.stderr or proc.stdout}")
        return proc.stdout

    def load(self, issued: Issued, label: str = KEY_LABEL, object_id: str = "01") -> None:
        """Write the key and certificate onto the token with pkcs11-tool."""
        key_file = self.root / f"{label}.key.der"
        cert_file = self.root / f"{label}.cert.der"
        key_file.write_bytes(issued.key_der)
        cert_file.write_bytes(issued.cert_der)
        common = ("pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", self.label,
                  "--login", "--pin", self.pin)
        self.run(*common, "--write-object", str(key_file), "--type", "privkey",
                 "--id", object_id, "--label", label, "--usage-sign")
        self.run(*common, "--write-object", str(cert_file), "--type", "cert",
                 "--id", object_id, "--label", label)
        key_file.unlink()


def make_token(root: Path, label: str = TOKEN_LABEL, pin: str = USER_PIN) -> SoftToken:
    tokens = root / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                    "log.level = ERROR\nslots.removable = false\n", encoding="utf-8")
    token = SoftToken(root, conf, label, pin)
    token.run("softhsm2-util", "--init-token", "--free", "--label", label,
              "--so-pin", SO_PIN, "--pin", pin)
    return token


class _TsaHandler(BaseHTTPRequestHandler):
    stamper: Any = None

    def do_POST(self) -> None:
        from asn1crypto import tsp

        length = int(self.headers.get("Content-Length", "0"))
        req = tsp.TimeStampReq.load(self.rfile.read(length))
        body = self.stamper.request_tsa_response(req).dump()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Tsa:
    """An RFC 3161 timestamp server on loopback (pyHanko's DummyTimeStamper behind HTTP)."""

    def __init__(self, ca: Issued) -> None:
        from asn1crypto import keys
        from asn1crypto import x509 as ax509
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

        self.issued = issue(ca, "Kiosk Test TSA", tsa=True)
        stamper = DummyTimeStamper(
            tsa_cert=ax509.Certificate.load(self.issued.cert_der),
            tsa_key=keys.PrivateKeyInfo.load(self.issued.key_der))
        handler = type("Handler", (_TsaHandler,), {"stamper": stamper})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        self.requests = 0
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
