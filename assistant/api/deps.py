"""FastAPI dependencies as `Annotated` aliases; tests replace them with `app.dependency_overrides`."""

from __future__ import annotations

import ipaddress
import logging
import secrets
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request

from assistant.api.metrics import Metrics
from assistant.deps import Deps, load_deps
from assistant.feedback import FeedbackStore
from core.config import Settings
from core.errors import AssistantError, ForbiddenError, IndexMissingError, UnauthorizedError
from core.index.layout import Layout

logger = logging.getLogger(__name__)


def _warm_load(settings: Settings) -> Deps:
    deps = load_deps(settings)
    try:  # load the model now, not in the first user's request
        deps.embedder.embed_query(["khởi động"])
    except AssistantError as exc:  # e.g. an embeddings endpoint still starting: questions will retry
        logger.warning("embedder warm-up failed: %s", exc.message_en)
    return deps


async def open_deps(state: Any) -> None:
    """Load Deps onto `state`; on a domain error keep the error so routes can answer with it."""
    try:
        state.deps = await anyio.to_thread.run_sync(_warm_load, state.settings)
        state.deps_error = None
    except AssistantError as exc:
        logger.warning("index not loaded: %s", exc.message_en)
        state.deps, state.deps_error = None, exc


async def current_deps(state: Any) -> Deps | None:
    """The loaded Deps, or None; if the index was missing at start-up and has been built since, load it."""
    missing = state.deps is None and isinstance(state.deps_error, IndexMissingError)
    if missing and Layout(state.settings.index_dir).manifest.exists():
        async with state.deps_lock:
            if state.deps is None:
                await open_deps(state)
    return state.deps


async def get_deps(request: Request) -> Deps:
    """The loaded Deps, or the start-up error (503 with "run `assistant ingest`" when no index)."""
    state = request.app.state
    deps = await current_deps(state)
    if deps is None:
        raise state.deps_error or IndexMissingError(state.settings.index_dir)
    return deps


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_feedback_store(request: Request) -> FeedbackStore:
    return request.app.state.feedback


def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


def require_admin(request: Request) -> None:
    """With ASSISTANT_ADMIN_TOKEN: `Authorization: Bearer <token>` (401 otherwise); without: loopback only (403)."""
    token = request.app.state.settings.admin_token
    if token is not None:
        expected = token.get_secret_value().encode()
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip().encode(), expected):
            raise UnauthorizedError(
                "Missing or wrong admin token: send `Authorization: Bearer <ASSISTANT_ADMIN_TOKEN>`.",
                "Thiếu hoặc sai mã quản trị — hãy gửi tiêu đề `Authorization: Bearer <ASSISTANT_ADMIN_TOKEN>`.",
            )
        return
    host = request.client.host if request.client else ""
    if not is_loopback(host):
        raise ForbiddenError(
            f"Only this machine may read feedback while ASSISTANT_ADMIN_TOKEN is unset (request from {host}): "
            "set ASSISTANT_ADMIN_TOKEN on the server and send `Authorization: Bearer <token>`.",
            "Chỉ máy chủ này mới được xem góp ý khi chưa đặt ASSISTANT_ADMIN_TOKEN — hãy đặt biến "
            "ASSISTANT_ADMIN_TOKEN trên máy chủ và gửi `Authorization: Bearer <mã>`.",
        )


def is_loopback(host: str) -> bool:
    """Is `host` an address of this machine (127.0.0.0/8, ::1, or IPv4-mapped loopback)?"""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:  # a name (e.g. "testclient"), not an address: not trusted
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


DepsDep = Annotated[Deps, Depends(get_deps)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback_store)]
AdminDep = Annotated[None, Depends(require_admin)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
