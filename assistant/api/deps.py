"""FastAPI dependencies as `Annotated` aliases; tests replace them with `app.dependency_overrides`."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request

from assistant.api.metrics import Metrics
from assistant.deps import Deps, LiveDeps
from assistant.feedback import FeedbackStore
from core.config import Settings
from core.errors import ForbiddenError, IndexMissingError, UnauthorizedError
from core.index.layout import Layout

logger = logging.getLogger(__name__)


async def open_deps(state: Any) -> None:
    """Load the served Deps (state.live); on a domain error keep the error so routes can answer with it."""
    await anyio.to_thread.run_sync(state.live.open)


async def current_deps(state: Any) -> Deps | None:
    """The served Deps, or None; if the index was missing at start-up and has been built since, load it now."""
    live: LiveDeps = state.live
    missing = live.current is None and isinstance(live.error, IndexMissingError)
    if missing and Layout(state.settings.index_dir).manifest.exists():
        await anyio.to_thread.run_sync(live.refresh)
    return live.current


async def follow_index(live: LiveDeps, interval: float) -> None:
    """Every `interval` seconds, serve the index committed since (LiveDeps.refresh); runs for the app's life."""
    while True:
        await anyio.sleep(interval)
        try:
            await anyio.to_thread.run_sync(live.refresh)
        except Exception:  # a bug here must not end reloading for the life of the process: log it, go on
            logger.exception("index refresh failed")


async def get_deps(request: Request) -> Deps:
    """The served Deps, or the start-up error (503 with "run `assistant ingest`" when no index)."""
    state = request.app.state
    deps = await current_deps(state)
    if deps is None:
        raise state.live.error or IndexMissingError(state.settings.index_dir)
    return deps


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_feedback_store(request: Request) -> FeedbackStore:
    return request.app.state.feedback


def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


def require_admin(request: Request) -> None:
    """GET /api/feedback: with admin keys, `Authorization: Bearer <key>` (401 otherwise); without any, this machine
    only (403). Kept as it was for existing scripts; /api/admin/feedback is the admin API's (keys only)."""
    keys = request.app.state.settings.admin_secrets()
    if keys:
        check_bearer(request, keys)
        return
    host = request.client.host if request.client else ""
    if not is_loopback(host):
        raise ForbiddenError(
            f"Only this machine may read feedback while no admin key is set (request from {host}): set "
            "ASSISTANT_ADMIN_KEYS (or the deprecated ASSISTANT_ADMIN_TOKEN) on the server and send "
            "`Authorization: Bearer <key>`.",
            "Chỉ máy chủ này mới được xem góp ý khi chưa đặt khoá quản trị — hãy đặt biến ASSISTANT_ADMIN_KEYS "
            "(hoặc biến cũ ASSISTANT_ADMIN_TOKEN) trên máy chủ và gửi `Authorization: Bearer <khoá>`.",
        )


class AdminDisabledError(ForbiddenError):
    code = "admin_disabled"


def require_admin_key(request: Request) -> None:
    """The admin API: off (403 saying how to turn it on) without keys; else a bearer key (401 otherwise)."""
    keys = request.app.state.settings.admin_secrets()
    if not keys:
        raise AdminDisabledError(
            "The admin API is off: set ASSISTANT_ADMIN_KEYS to a JSON list of secrets of 16+ characters (e.g. "
            "ASSISTANT_ADMIN_KEYS='[\"<key>\"]', a key made by "
            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`), restart the server and send "
            "`Authorization: Bearer <key>`.",
            "Chức năng quản trị đang tắt — hãy đặt biến ASSISTANT_ADMIN_KEYS (danh sách JSON các khoá dài từ 16 ký "
            "tự) trên máy chủ, khởi động lại và gửi `Authorization: Bearer <khoá>`.",
        )
    request.state.admin_key = check_bearer(request, keys)


def check_bearer(request: Request, keys: list[str]) -> int:
    """The position (1-based, for logs) of the key sent as `Authorization: Bearer <key>`; 401 when none matches.

    Every key is compared, each in constant time on digests of equal length: neither the time taken nor an
    error tells which key, or how much of one, was right. Keys are never logged or echoed.
    """
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    sent = hashlib.sha256(given.strip().encode("utf-8", "surrogateescape")).digest()
    found = 0
    for position, key in enumerate(keys, start=1):
        if hmac.compare_digest(sent, hashlib.sha256(key.encode()).digest()) and not found:
            found = position
    if scheme.lower() != "bearer" or not found:
        raise UnauthorizedError(
            "Missing or wrong admin key: send `Authorization: Bearer <key>` with a key of ASSISTANT_ADMIN_KEYS.",
            "Thiếu hoặc sai khoá quản trị — hãy gửi tiêu đề `Authorization: Bearer <khoá>` với một khoá trong "
            "ASSISTANT_ADMIN_KEYS.",
        )
    return found


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
AdminKeyDep = Annotated[None, Depends(require_admin_key)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
