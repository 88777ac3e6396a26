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
