"""The OpenAPI description says what the server enforces (issue 22): what FastAPI cannot
derive from the routes is added here, once, for every operation it concerns."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from central.service import MACHINE_PATTERN

#: Sent by every counter request; read by the token check (central/service.py), which
#: refuses a bound token without it. Optional for admin tools and older counters.
MACHINE_PARAMETER = {
    "name": "Kiosk-Machine", "in": "header", "required": False,
    "description": "The counter's machine id: a device token is bound to the first machine "
                   "that sends one and refused (401 machine_mismatch) on any other",
    "schema": {"type": "string", "pattern": MACHINE_PATTERN},
}


def install(app: FastAPI) -> None:
    def schema() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, description=app.description,
                          routes=app.routes)
        for path_item in doc.get("paths", {}).values():
            for operation in path_item.values():
                if isinstance(operation, dict) and operation.get("security"):
                    operation.setdefault("parameters", []).append(MACHINE_PARAMETER)
        app.openapi_schema = doc
        return doc

    app.openapi = schema  # type: ignore[method-assign]
