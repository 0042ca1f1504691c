"""Test helpers for the HTTP face: fake answering dependencies, and a real uvicorn server in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from assistant.api.app import create_app
from assistant.api.deps import get_deps
from tests.assistant.api.test_chat_search_documents import FakeIndex
from tests.conftest import free_port, make_settings


@dataclass
class SlowRetriever:
    """Retrieves nothing after `delay` seconds; `calls` counts the rankings (0 means input was refused first)."""

    delay: float = 0.0
    calls: int = 0
    queries: list[str] = field(default_factory=list)

    def rank(self, query: object, *args: object) -> list:
        self.calls += 1
        self.queries.append(getattr(query, "text", str(query)))
        time.sleep(self.delay)
        return []

    def select(self, ranked: list, k: int) -> list:
        return []

    def search(self, query: object, k: int, filters: object) -> list:
        self.rank(query)
        return []

    def passage(self, cid: str):
        raise AssertionError(f"nothing retrieved, nothing to cite ({cid})")


@dataclass
class FakeDeps:
    settings: object
    retriever: SlowRetriever
    index: FakeIndex = field(default_factory=FakeIndex)
    chat_model: None = None


def fake_app(tmp_path: Path, retriever: SlowRetriever | None = None, **settings: object) -> FastAPI:
    """An app whose answering runs on `retriever` (no index, no embedder): the HTTP face alone."""
    app = create_app(make_settings(tmp_path / "index", **settings))
    deps = FakeDeps(make_settings(tmp_path / "index", **settings), retriever or SlowRetriever())
    app.dependency_overrides[get_deps] = lambda: deps
    app.state.fake_deps = deps
    return app


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """`app` under a real uvicorn on 127.0.0.1 (in a thread); yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
