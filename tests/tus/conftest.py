"""The official tus implementations from npm (installed by ``make test`` with
``npm ci --prefix tests/tus``): tus-js-client as a client of our central server, and
@tus/server (with @tus/file-store) as a server for our sync client."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.central.conftest import central_server  # noqa: F401 - the real central server
from tests.sync.conftest import store  # noqa: F401 - a real Store

HERE = Path(__file__).parent


def node() -> str:
    exe = shutil.which("node")
    if exe is None or not (HERE / "node_modules" / "tus-js-client").is_dir() \
            or not (HERE / "node_modules" / "@tus" / "server").is_dir():
        pytest.fail("Node or the tus packages are missing: run `npm ci --prefix tests/tus` "
                    "(make test does it)")
    return exe


def tus_js_upload(endpoint: str, file: Path, token: str, **options: Any) -> dict[str, Any]:
    """Upload ``file`` with tus-js-client; returns its JSON line (ok, url or error)."""
    config = {"endpoint": endpoint, "file": str(file), "token": token, **options}
    run = subprocess.run([node(), str(HERE / "tus_client.mjs"), json.dumps(config)],
                         capture_output=True, text=True, timeout=60, cwd=HERE)
    assert run.stdout.strip(), run.stderr
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    assert (run.returncode == 0) == result["ok"], (run.returncode, result, run.stderr)
    return result


@dataclass
class TusNodeServer:
    url: str
    directory: Path
    log: Path

    def requests(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.read_text().splitlines()]


@pytest.fixture
def tus_node_server(tmp_path: Path) -> Iterator[TusNodeServer]:
    directory = tmp_path / "tus-files"
    directory.mkdir()
    log = tmp_path / "tus-requests.jsonl"
    log.touch()
    proc = subprocess.Popen([node(), str(HERE / "tus_server.mjs"), str(directory), str(log)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=HERE)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            pytest.fail(f"@tus/server did not start: {proc.stderr.read() if proc.stderr else ''}")
        port = json.loads(line)["port"]
        yield TusNodeServer(f"http://127.0.0.1:{port}", directory, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
