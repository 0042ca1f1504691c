"""The FastAPI app factory: lifespan loads the index once; one handler turns domain errors into JSON."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from assistant.api import pages
from assistant.api.deps import open_deps
from assistant.api.routes import router
from assistant.feedback import FeedbackStore
from core.config import Settings
from core.errors import AssistantError

logger = logging.getLogger(__name__)

# Pages served from this machine (any port) may always call the API; other origins via settings.cors_origins.
LOCAL_ORIGINS = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?"

# Vietnamese for the pydantic error types a client is likely to hit.
_VI_REASONS = {
    "missing": "bắt buộc phải có",
    "string_type": "phải là chuỗi ký tự",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "list_type": "phải là một danh sách",
    "bool_type": "phải là true hoặc false",
    "greater_than_equal": "quá nhỏ",
    "less_than_equal": "quá lớn",
    "literal_error": "không thuộc các giá trị cho phép",
    "json_invalid": "không phải JSON hợp lệ",
    "model_attributes_type": "phải là một đối tượng JSON",
    "dict_type": "phải là một đối tượng JSON",
    "string_too_short": "đang để trống hoặc quá ngắn",
    "string_too_long": "quá dài",
    "too_long": "có quá nhiều phần tử",
}


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app for `settings` (built from the environment when None)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.deps_lock = anyio.Lock()
        await open_deps(app.state)
        yield

    app = FastAPI(
        title="Trợ lý Nghị quyết",
        description="Cited answers in Vietnamese about resolutions, plans and meeting reports.",
        version="0.1.0",
        lifespan=lifespan,
    )
    # Readable before the lifespan runs too (e.g. a request handled without it in a test).
    app.state.settings, app.state.deps, app.state.deps_error = settings, None, None
    # No I/O here: the file is created on the first feedback, so a read-only deployment starts.
    app.state.feedback = FeedbackStore(settings.feedback_path())
    app.add_exception_handler(AssistantError, _assistant_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_origin_regex=LOCAL_ORIGINS,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "Authorization"],
    )
    app.include_router(router)
    app.include_router(pages.router)
    return app


async def _assistant_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AssistantError)
    if exc.status >= 500:
        logger.warning("%s %s -> %s: %s", request.method, request.url.path, exc.status, exc.message_en)
    return JSONResponse(status_code=exc.status, content=exc.to_dict(), headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 naming the bad field, in Vietnamese and English, like the domain's UserInputError."""
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    vi, en = [], []
    for err in errors:
        field = _field_name(err.get("loc", ()))
        reason = _VI_REASONS.get(str(err.get("type")), "không hợp lệ")
        vi.append(f"Trường `{field}` {reason} ({err.get('msg', '')}).")
        en.append(f"Field `{field}`: {err.get('msg', 'invalid')}.")
    details = [{"field": _field_name(e.get("loc", ())), "type": e.get("type"), "msg": e.get("msg")} for e in errors]
    content = {
        "error": "invalid_input",
        "message": "Yêu cầu không hợp lệ: " + " ".join(vi),
        "message_en": "Invalid request: " + " ".join(en),
        "details": details,
    }
    return JSONResponse(status_code=422, content=content)


def _field_name(loc: tuple | list) -> str:
    if len(loc) == 2 and loc[0] == "body" and isinstance(loc[1], int):  # JSON decode error: loc is a position
        return "body"
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    return ".".join(parts) or "body"
