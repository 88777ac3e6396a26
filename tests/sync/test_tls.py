"""TLS against a real HTTPS server with a private CA (like a province's): verification is
always on; the CA file makes it work; without it the counter stays offline and says why."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from central import service
from central.blobstore import BlobStore
from central.db import Database
from central.runner import ServerThread
from kiosk.errors import ConfigError
from kiosk.sync.engine import SyncEngine
from kiosk.sync.status import sync_status
from kiosk.sync.transport import make_client
from tests.sync.conftest import UNIT, save_dossier


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    d = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
             "ca.pem", "-days", "2", "-subj", "/CN=So TTTT test CA", cwd=d)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
             "server.csr", "-subj", "/CN=127.0.0.1", cwd=d)
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext",
             cwd=d)
    return d


def test_private_ca_file_makes_tls_work(store, tmp_path: Path, pki: Path) -> None:
    db = Database(str(tmp_path / "c.sqlite3"))
    token = service.add_device(db, UNIT)["token"]
    kw = {"ssl_certfile": str(pki / "server.pem"), "ssl_keyfile": str(pki / "server.key")}
    with ServerThread(db, BlobStore(tmp_path / "blobs"), server_kw=kw) as srv:
        assert srv.url.startswith("https://")
        save_dossier(store, pages=1)
        # Without the province's CA the certificate is not trusted: offline, with the reason.
        untrusted = SyncEngine(store, make_client(srv.url), lambda: token)
        assert untrusted.run_once()["online"] is False
        assert "ConnectError" in sync_status(store)["last_error"]
        trusted = SyncEngine(store, make_client(srv.url, str(pki / "ca.pem")), lambda: token)
        assert trusted.run_once()["sent"] == 1


def test_missing_ca_file_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        make_client("https://127.0.0.1:1", "/nonexistent/ca.pem")
