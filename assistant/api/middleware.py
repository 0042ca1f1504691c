"""ASGI middleware around the routes: request ids, metrics and the request log; the Host allow-list; limits.

Pure ASGI (no BaseHTTPMiddleware), so a stream is neither buffered nor cut, and a refusal (400, 413, 429,
503) is sent before the body is read. Outermost first: `Serving` → `HostCheck` → CORS → `Limits` → the app.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.errors import (
    BODY_SETTING,
    BodyTooLarge,
    BodyTooLargeError,
    BusyError,
    HostNotAllowedError,
    InternalError,
    RateLimitedError,
    error_response,
)
from assistant.api.limits import ClientIdentity, InFlightLimiter, RateLimiter
from assistant.api.logs import REQUEST_ID, access
from assistant.api.metrics import Metrics
from core.config import Settings
from core.errors import AssistantError

# Requests counted against a client's bucket (a search embeds like a question: it counts as one), and the routes
# that answer (embedding, retrieval, a model).
RATE_GROUPS = {
    ("POST", "/api/chat"): "chat",
    ("POST", "/api/chat/stream"): "chat",
    ("GET", "/api/search"): "chat",
    ("POST", "/api/feedback"): "feedback",
    ("POST", "/api/material"): "material",
}
ANSWERING = {("POST", "/api/chat"), ("POST", "/api/chat/stream"), ("POST", "/api/material"), ("GET", "/api/search")}
UPLOAD = ("POST", "/api/admin/documents")  # documents: its own body limit, ASSISTANT_ADMIN_MAX_UPLOAD_MB
REQUEST_ID_FORMAT = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def route_path(scope: Scope) -> str:
    """The path inside the app (without root_path)."""
    path, root = scope["path"], scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path or "/"


def route_label(scope: Scope) -> str:
    """The matched route's template, the path when it is one of the app's fixed routes, else "unmatched"."""
    route = scope.get("route")
    if route is not None and getattr(route, "path", None):
        return str(route.path)
    path = route_path(scope)
    app = scope.get("app")
    paths = {getattr(r, "path", None) for r in getattr(app, "routes", [])}
    return path if path in paths and "{" not in path else "unmatched"


class Serving:
    """X-Request-ID (kept from the client when well-formed, else new), metrics, one log line, JSON 500s."""

    def __init__(self, app: ASGIApp, settings: Settings, metrics: Metrics) -> None:
        self.app, self.settings, self.metrics = app, settings, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        response: dict[str, Any] = {"status": 500, "started": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                response.update(status=message["status"], started=True)
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            access.exception("unhandled error", extra={"fields": {"path": route_path(scope)}})
            if response["started"]:
                raise
            await error_response(InternalError())(scope, receive, send_with_id)
        finally:
            self._record(scope, response["status"], time.perf_counter() - started)
            REQUEST_ID.reset(token)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route, method = route_label(scope), scope["method"]
        self.metrics.observe_request(route, method, status, seconds)
        fields: dict[str, Any] = {
            "method": method,
            "route": route,
            "path": route_path(scope),  # never the query string: a search's q is a question
            "status": status,
            "duration_ms": round(seconds * 1e3, 1),
            "client": scope["client"][0] if scope.get("client") else None,
        }
        question = scope.get("state", {}).get("question")
        if self.settings.log_questions and question:
            fields["question"] = question
        access.info("request", extra={"fields": fields})


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            given = value.decode("latin-1")
            if REQUEST_ID_FORMAT.fullmatch(given):
                return given
    return uuid.uuid4().hex


class HostCheck:
    """400 for a Host header outside settings.allowed_hosts ("name", "*.domain" or "*"); empty list: any host."""

    def __init__(self, app: ASGIApp, allowed: list[str], metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics
        self.allowed = [host.strip().lower().strip("[]").rstrip(".") for host in allowed if host.strip()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.allowed or "*" in self.allowed or self._ok(scope):
            await self.app(scope, receive, send)
            return
        self.metrics.inc("assistant_rejected_total", reason="host")
        await error_response(HostNotAllowedError())(scope, receive, send)

    def _ok(self, scope: Scope) -> bool:
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1").strip().lower()
        name = host[1:].split("]", 1)[0] if host.startswith("[") else host.split(":", 1)[0]  # [::1]:8000 -> ::1
        name = name.rstrip(".")
        return any(
            name == allowed or (allowed.startswith("*.") and name.endswith(allowed[1:])) for allowed in self.allowed
        )


class Limits:
    """Per-client rate limits (429), the request-body limit (413) and the cap on answering requests (503)."""

    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        metrics: Metrics,
        rates: RateLimiter,
        in_flight: InFlightLimiter,
    ) -> None:
        self.app, self.settings, self.metrics = app, settings, metrics
        self.rates, self.in_flight = rates, in_flight
        self.clients = ClientIdentity([key.get_secret_value() for key in settings.client_keys])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key = (scope["method"], route_path(scope))
        limit = self._body_limit(key)
        refusal = self._rate_limited(scope, key) or self._too_large(scope, limit)
        if refusal is not None:
            await error_response(refusal)(scope, receive, send)
            return
        receive = self._limited_body(receive, limit)
        if key not in ANSWERING:
            await self._call(scope, receive, send)
            return
        if not await self.in_flight.acquire():
            self.metrics.inc("assistant_rejected_total", reason="busy")
            await error_response(BusyError(self.settings.busy_retry_after))(scope, receive, send)
            return
        try:
            await self._call(scope, receive, send)
        finally:
            self.in_flight.release()

    async def _call(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except BodyTooLarge as exc:  # read outside FastAPI's body parsing (which renders it itself)
            if started:
                raise
            self.metrics.inc("assistant_rejected_total", reason="body_too_large")
            await error_response(BodyTooLargeError(exc.limit, exc.setting))(scope, receive, send)

    def _body_limit(self, key: tuple[str, str]) -> tuple[int, str]:
        """The most bytes a request's body may have, and the setting that says so."""
        if key == UPLOAD:
            return int(self.settings.admin_max_upload_mb * 1024 * 1024), "ASSISTANT_ADMIN_MAX_UPLOAD_MB"
        return self.settings.max_body_bytes, BODY_SETTING

    def _rate_limited(self, scope: Scope, key: tuple[str, str]) -> AssistantError | None:
        group = RATE_GROUPS.get(key)
        if group is None:
            return None
        wait = self.rates.take(group, self.clients.of(dict(scope["headers"]), scope.get("client")))
        if not wait:
            return None
        self.metrics.inc("assistant_rejected_total", reason="rate_limited")
        return RateLimitedError(wait)

    def _too_large(self, scope: Scope, limit: tuple[int, str]) -> AssistantError | None:
        length = dict(scope["headers"]).get(b"content-length")
        try:
            too_large = length is not None and int(length) > limit[0]
        except ValueError:
            too_large = False
        if not too_large:
            return None
        self.metrics.inc("assistant_rejected_total", reason="body_too_large")
        return BodyTooLargeError(*limit)

    def _limited_body(self, receive: Receive, body_limit: tuple[int, str]) -> Receive:
        """`receive` that raises BodyTooLarge once more than the limit's bytes have come (chunked bodies too)."""
        (limit, setting), seen = body_limit, 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit, setting)
            return message

        return limited
