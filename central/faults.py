"""Server-side fault injection (ASGI middleware) for the fault suite: answer 500/503 or 401
instead of running the request, or hold the answer after the handler committed (a slow
commit). Every rule has a count and is spent when it fires."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FaultRule:
    action: str  # "500" | "503" | "401" | "slow"
    method: str = ".*"
    path: str = ".*"
    count: int = 1
    #: let this many matching requests through before firing
    skip: int = 0
    delay: float = 0.0


@dataclass
class FaultPlan:
    rules: list[FaultRule] = field(default_factory=list)
    fired: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self.rules.append(rule)

    def take(self, method: str, path: str) -> FaultRule | None:
        with self._lock:
            for rule in self.rules:
                if rule.count <= 0 or not re.fullmatch(rule.method, method) or \
                        not re.fullmatch(rule.path, path):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                rule.count -= 1
                self.fired[rule.action] = self.fired.get(rule.action, 0) + 1
                return rule
        return None


class FaultMiddleware:
    def __init__(self, app: Any, plan: FaultPlan) -> None:
        self.app = app
        self.plan = plan

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rule = self.plan.take(scope["method"], scope["path"])
        if rule is None:
            await self.app(scope, receive, send)
            return
        if rule.action == "slow":
            held: list[dict[str, Any]] = []

            async def hold(message: dict[str, Any]) -> None:
                held.append(message)

            await self.app(scope, receive, hold)
            await asyncio.sleep(rule.delay)
            for message in held:
                await send(message)
            return
        status = int(rule.action)
        body = json.dumps({"error": "injected_fault", "message": f"injected {status}"}).encode()
        headers = [(b"content-type", b"application/json"),
                   (b"content-length", str(len(body)).encode())]
        if status == 503:
            headers.append((b"retry-after", b"1"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
