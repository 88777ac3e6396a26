"""The fleet's HTTP routes (issue 26): a counter pulls its catalog and calendar and reports
its health; an admin token reads the fleet (central/fleet.py holds the rules). Publishing
is the province's: ``kiosk central catalog publish`` and the province page."""

# No ``from __future__ import annotations``: FastAPI reads the route signatures at definition.
from typing import Annotated, Any, Literal

from annotated_types import Ge, Le
from fastapi import Depends, FastAPI, Header, Query, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from central import fleet
from central.common import ApiError
from central.db import Database
from central.models import JSON_INTEGER, JsonInt, error_responses
from kiosk.i18n import _

Kind = Annotated[Literal["catalog", "calendar", "forms"], PathParam()]
_SHORT = 200
_MAX_DEVICES = 20


class DeviceState(BaseModel):
    """One printer or scanner as the counter sees it (kiosk.devices.registry)."""
    model_config = ConfigDict(extra="ignore")
    name: str = Field(default="", max_length=_SHORT)
    state: str = Field(default="", max_length=40)


class HealthReport(BaseModel):
    """What a counter says about itself on every sync pass (docs/FLEET.md)."""
    model_config = ConfigDict(extra="ignore")
    app_version: str = Field(max_length=40)
    catalog_version: str | None = Field(default=None, max_length=40)
    catalog_source: Literal["central", "local"] | None = None
    catalog_refused: str | None = Field(default=None, max_length=2000)
    calendar_version: str | None = Field(default=None, max_length=40)
    calendar_refused: str | None = Field(default=None, max_length=2000)
    forms_version: str | None = Field(default=None, max_length=40)
    forms_refused: str | None = Field(default=None, max_length=2000)
    outbox_depth: JsonInt = Field(ge=0, le=1 << 40)
    # The bounds inside the optional type and before the validator, so the OpenAPI schema
    # states them as minimum/maximum.
    outbox_oldest_age_seconds: Annotated[int, Ge(0), Le(1 << 40), JSON_INTEGER] | None = None
    parked: JsonInt = Field(default=0, ge=0, le=1 << 40)
    last_success: str | None = Field(default=None, max_length=40)
    disk_free_bytes: Annotated[int, Ge(0), Le((1 << 53) - 1), JSON_INTEGER] | None = None
    clock_skew_seconds: Annotated[int, Ge(-(1 << 40)), Le(1 << 40), JSON_INTEGER] | None = None
    printers: list[DeviceState] = Field(default_factory=list, max_length=_MAX_DEVICES)
    scanners: list[DeviceState] = Field(default_factory=list, max_length=_MAX_DEVICES)


class EnrolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[A-Za-z0-9_-]{20,64}$")


class EnrolOut(BaseModel):
    device_id: str
    unit_code: str
    token: str


class HealthAck(BaseModel):
    received_at: str


class Publication(BaseModel):
    kind: str
    version: str
    state: Literal["draft", "published"]
    sha256: str
    effective_on: str | None
    published_at: str | None
    content: str


def install(app: FastAPI, db: Database, device: Any, admin: Any) -> None:
    DeviceDep = Annotated[Any, Depends(device)]
    AdminDep = Annotated[Any, Depends(admin)]

    @app.get("/v1/publications/{kind}", response_model=Publication, tags=["fleet"],
             responses={304: {"description": "The counter already has this version"},
                        **error_responses(401, 404, 422)})
    def get_publication(kind: Kind, dev: DeviceDep, response: Response,
                        if_none_match: Annotated[str | None, Header(max_length=200)] = None
                        ) -> Any:
        """The catalog or calendar this counter should run (a draft only to its pilots)."""
        found = fleet.current_for(db, dev, kind)
        if found is None:
            raise ApiError(404, "no_publication",
                                 _("Tỉnh chưa công bố {kind} nào.", kind=kind))
        etag = f'"{found["sha256"]}"'
        if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
            return Response(status_code=304, headers={"ETag": etag})
        response.headers["ETag"] = etag
        return found

    @app.put("/v1/devices/self/health", response_model=HealthAck, tags=["fleet"],
             responses=error_responses(400, 401, 413, 422))
    async def put_health(body: HealthReport, dev: DeviceDep) -> Any:
        return await run_in_threadpool(fleet.record_health, db, dev, body.model_dump())

    @app.post("/v1/enrol", response_model=EnrolOut, status_code=201, tags=["fleet"],
              responses=error_responses(400, 404, 413, 422))
    def enrol(body: EnrolIn) -> Any:
        """Trade a one-time enrolment code (the province page's QR) for a device token."""
        from central import enrolment

        return enrolment.redeem(db, body.code)

    @app.get("/v1/admin/fleet", tags=["admin"],
             responses={200: {"content": {"application/json": {"schema": {
                 "type": "array", "items": {"type": "object"}}}}},
                 **error_responses(401, 403, 422)})
    def get_fleet(_admin: AdminDep,
                  stale_hours: Annotated[float, Query(gt=0, le=24 * 365)] = fleet.STALE_HOURS
                  ) -> Any:
        return fleet.devices(db, stale_hours=stale_hours)
