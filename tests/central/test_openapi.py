"""The OpenAPI description matches what the running server answers (schemathesis)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import positive_data_acceptance

from central import service
from central.blobstore import BlobStore
from central.db import Database
from central.runner import ServerThread
from tests.central.helpers import UNIT

_state: dict[str, str] = {}

# tus chunks are raw bytes; tell schemathesis how to make them.
schemathesis.openapi.media_type("application/offset+octet-stream", st.binary(max_size=4096))


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    root: Path = tmp_path_factory.mktemp("central-openapi")
    db = Database(str(root / "central.sqlite3"))
    # An admin token reaches every operation, so bodies and 2xx answers get checked too.
    _state["token"] = service.add_device(db, UNIT, role="admin")["token"]
    with ServerThread(db, BlobStore(root / "blobs")) as srv:
        yield schemathesis.openapi.from_url(f"{srv.url}/openapi.json")


def test_api_conforms_to_its_openapi(api_schema: object) -> None:
    # schemathesis' pytest plugin does not support pytest 9 yet, so drive hypothesis here.
    headers = {"Authorization": f"Bearer {_state['token']}"}
    checked = []
    for result in api_schema.get_all_operations():  # type: ignore[attr-defined]
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case) -> None:
            # Schema-valid data may still break a business rule (wrong unit, unknown blob,
            # impossible status step), so a 4xx for valid data is not a schema fault here.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        run()
        checked.append(operation.label)
    assert len(checked) >= 12, checked


def test_every_schemathesis_check_passes(tmp_path: Path) -> None:
    """The schemathesis CLI with every check, its coverage phase included: `Allow` on 405
    (unsupported methods), malformed and schema-violating bodies refused with a documented
    status and body, documented headers. The tus PATCH (raw bytes) is exercised above."""
    import subprocess
    import sys

    db = Database(str(tmp_path / "central.sqlite3"))
    token = service.add_device(db, UNIT, role="admin")["token"]
    exe = Path(sys.executable).with_name("schemathesis")
    with ServerThread(db, BlobStore(tmp_path / "blobs")) as srv:
        run = subprocess.run(
            [str(exe), "run", f"{srv.url}/openapi.json", "-H", f"Authorization: Bearer {token}",
             "--checks", "all", "--exclude-checks", "positive_data_acceptance",
             "--exclude-method", "PATCH", "--max-examples", "10", "--seed", "20261201",
             "--workers", "1", "--report-dir", str(tmp_path / "report")],
            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " passed" in run.stdout
