"""The central server's store of a citizen's papers, as the counter asks it (issue 24 §3;
the server side is ``central/papers.py``): the list by ID number, and the claim of one paper
for reuse, after which its files are fetched once into this counter's file store under the
same hash (verified) — the server keeps one copy, the dossier names the same file."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kiosk.errors import KioskError, NotFound
from kiosk.i18n import _
from kiosk.storage import Store

_SHA = r"^[0-9a-f]{64}$"


class _Wire(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class Paper(_Wire):
    id: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=100)
    name: str = Field(default="", max_length=500)
    dossier: str = Field(min_length=1, max_length=100)
    component: str | None = Field(default=None, max_length=100)
    sha256: str = Field(pattern=_SHA)
    pages: list[str] = Field(min_length=1, max_length=2000)
    number: str = Field(default="", max_length=100)
    issued: str | None = Field(default=None, max_length=10)
    valid_until: str | None = Field(default=None, max_length=10)
    issuer: str = Field(default="", max_length=300)
    unit: str = Field(default="", max_length=100)
    origin: str = Field(default="document", max_length=20)


class ClaimedPage(_Wire):
    sha256: str = Field(pattern=_SHA)
    size: int = Field(ge=0, le=1 << 40)


class Claimed(_Wire):
    id: str = Field(min_length=1, max_length=200)
    pages: list[ClaimedPage] = Field(max_length=2000)


class CentralUnreachable(KioskError):
    kind = "central_unreachable"


def _error(r: httpx.Response) -> str:
    try:
        body = r.json()
    except ValueError:
        return str(r.status_code)
    message = body.get("message") if isinstance(body, dict) else None
    return message[:300] if isinstance(message, str) else str(r.status_code)


class RemotePapers:
    """Look-ups and claims on the configured server, with the device token."""

    def __init__(self, store: Store, http: Any, token: Callable[[], str]) -> None:
        self.store, self.http, self.token = store, http, token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def find(self, id_number: str) -> list[dict[str, Any]]:
        try:
            r = self.http.get("/v1/papers", params={"id_number": id_number},
                              headers=self._headers(), extensions={"max_bytes": 8 << 20})
        except httpx.HTTPError as exc:
            raise CentralUnreachable(_("Không hỏi được kho số hoá của tỉnh: {error}",
                                       error=str(exc)[:200])) from None
        if r.status_code != 200:
            raise CentralUnreachable(_("Kho số hoá của tỉnh trả lời {status}: {detail}",
                                       status=r.status_code, detail=_error(r)))
        try:
            rows = [Paper.model_validate(p).model_dump() for p in r.json()]
        except (ValidationError, ValueError, TypeError):
            raise CentralUnreachable(_("Kho số hoá của tỉnh trả lời không hợp lệ.")) from None
        return rows

    def claim(self, id_number: str, paper_id: str) -> list[str]:
        """Reuse ``paper_id`` (the citizen agreed): its files, here, by hash."""
        try:
            r = self.http.post("/v1/papers/claim", headers=self._headers(), json={
                "id_number": id_number, "paper_id": paper_id, "consent": True})
        except httpx.HTTPError as exc:
            raise CentralUnreachable(_("Không hỏi được kho số hoá của tỉnh: {error}",
                                       error=str(exc)[:200])) from None
        if r.status_code == 404:
            raise NotFound(_("Máy chủ: {detail}", detail=_error(r)))
        if r.status_code != 200:
            raise CentralUnreachable(_("Kho số hoá của tỉnh trả lời {status}: {detail}",
                                       status=r.status_code, detail=_error(r)))
        try:
            claimed = Claimed.model_validate_json(r.content)
        except ValidationError:
            raise CentralUnreachable(_("Kho số hoá của tỉnh trả lời không hợp lệ.")) from None
        shas = []
        for page in claimed.pages:
            if not self.store.files.exists(page.sha256):
                self._fetch(page.sha256, page.size)
            shas.append(page.sha256)
        return shas

    def _fetch(self, sha256: str, size: int) -> None:
        r = self.http.get(f"/v1/blobs/{sha256}", headers=self._headers(),
                          extensions={"max_bytes": size + 1})
        if r.status_code != 200 or len(r.content) != size or \
                hashlib.sha256(r.content).hexdigest() != sha256:
            raise CentralUnreachable(_("Tệp {sha} tải về từ kho số hoá không đúng.",
                                       sha=sha256[:12]))
        self.store.put_file(r.content)


def remote_papers(store: Store) -> RemotePapers | None:
    """The central server's store when this counter is enrolled for sync, else None."""
    url = store.config.get("sync.server_url")
    if not url:
        return None
    from kiosk.sync import credentials
    from kiosk.sync.transport import make_client

    token = credentials.load_token(url)
    if not token:
        return None
    http = make_client(url, store.config.get("sync.ca_file"),
                       deadline=float(store.config.get("sync.request_deadline_seconds")))
    return RemotePapers(store, http, lambda: token)
