"""The FastAPI app factory: lifespan loads the index once; handlers and middleware give every error as JSON."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.api import admin, errors, handbook, mcp_server, openai_compat, pages
from assistant.api.deps import follow_index, open_deps
from assistant.api.limits import InFlightLimiter, RateLimiter, rates_from
from assistant.api.logs import configure_access_log
from assistant.api.metrics import Metrics
from assistant.api.middleware import HostCheck, Limits, Serving
from assistant.api.routes import router
from assistant.deps import LiveDeps
from assistant.feedback import FeedbackStore
from assistant.jobs import Job, JobRunner, JobStore, settings_env
from core.config import Settings
from core.errors import AssistantError

# Pages served from this machine (any port) may always call the API; other origins via settings.cors_origins.
LOCAL_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?"


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app for `settings` (built from the environment when None)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        configure_access_log(settings)
        await open_deps(app.state)
        async with app.state.mcp.running(), anyio.create_task_group() as tasks:  # /mcp's task group: the app's life
            if settings.reload_interval > 0:
                tasks.start_soon(follow_index, app.state.live, settings.reload_interval)
            try:
                yield
            finally:
                tasks.cancel_scope.cancel()
                await anyio.to_thread.run_sync(app.state.jobs.close)

    app = FastAPI(
        title="Trợ lý Nghị quyết",
        description="Cited answers in Vietnamese about resolutions, plans and meeting reports.",
        version="0.1.0",
        lifespan=lifespan,
    )
    # Readable before the lifespan runs too (e.g. a request handled without it in a test). No I/O here either.
    app.state.settings = settings
    app.state.live = live = LiveDeps(settings)
    app.state.job_store, app.state.jobs = ingest_jobs(settings, live)
    # No I/O here: the file is created on the first feedback, so a read-only deployment starts.
    app.state.feedback = FeedbackStore(settings.feedback_path())
    app.state.metrics = metrics = Metrics()
    app.state.in_flight = in_flight = InFlightLimiter.from_settings(settings)
    app.add_exception_handler(AssistantError, errors.assistant_error)
    app.add_exception_handler(RequestValidationError, errors.validation_error)
    app.add_exception_handler(StarletteHTTPException, errors.http_error)
    # Added innermost first: Serving → HostCheck → CORS → Limits → routes (CORS outside Limits, so a portal's
    # page can read a 429 or 503 and its Retry-After).
    rates = RateLimiter(rates_from(settings))
    app.add_middleware(Limits, settings=settings, metrics=metrics, rates=rates, in_flight=in_flight)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_origin_regex=LOCAL_ORIGINS,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "Authorization", "X-API-Key", "X-Request-ID", "Mcp-Protocol-Version"],
        expose_headers=["Retry-After", "X-Request-ID"],
    )
    app.add_middleware(HostCheck, allowed=settings.allowed_hosts, metrics=metrics)
    app.add_middleware(Serving, settings=settings, metrics=metrics)
    app.include_router(router)
    app.include_router(handbook.router)  # /api/documents…: the handbook's documents
    app.include_router(openai_compat.router, dependencies=openai_compat.limited_by(rates))
    app.include_router(admin.router)
    app.include_router(pages.router)
    # /mcp: the MCP tools over streamable HTTP (client keys, Origins and limits as on /v1; see docs/MCP.md).
    app.state.mcp = mcp_server.McpEndpoint(app.state, rates, LOCAL_ORIGINS)
    app.add_route("/mcp", app.state.mcp, include_in_schema=False)
    app.openapi = _events_described(app.openapi)  # type: ignore[method-assign]
    return app


def ingest_jobs(settings: Settings, live: LiveDeps) -> tuple[JobStore, JobRunner]:
    """The admin API's job queue: each job a child process ingesting with these settings; once it committed,
    the server opens the new index before the job is reported done."""
    store = JobStore(settings.jobs_path())

    def command(job: Job) -> list[str]:
        return [sys.executable, "-m", "assistant.api.ingest_worker", *(["--rebuild"] if job.kind == "rebuild" else [])]

    def serve_new_index(job: Job) -> None:
        live.refresh()
        job.generation = live.current.index.manifest.generation if live.current is not None else None

    runner = JobRunner(store, command, settings_env(settings), settings.admin_job_timeout, after=serve_new_index)
    return store, runner


def _events_described(openapi: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """FastAPI's schema, where a text/event-stream response has an itemSchema (its events) but no "string"."""

    def schema() -> dict[str, Any]:
        document = openapi()  # built once and cached by FastAPI: the edit below is kept
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                for response in operation.get("responses", {}).values():
                    events = response.get("content", {}).get("text/event-stream", {})
                    if "itemSchema" in events:
                        events.pop("schema", None)
        return document

    return schema
