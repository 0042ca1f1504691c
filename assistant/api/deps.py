"""FastAPI dependencies as `Annotated` aliases; tests replace them with `app.dependency_overrides`."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request

from assistant.config import Settings
from assistant.errors import AssistantError, IndexMissingError
from assistant.index import manifest_path
from assistant.service import Deps, load_deps

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
    if missing and manifest_path(state.settings.index_dir).exists():
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


DepsDep = Annotated[Deps, Depends(get_deps)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
