"""The bundle of services answering needs, built once by an entry point and passed in (no globals).

A server answers from `LiveDeps.current`: when another process commits the index (an ingest, a rebuild, an
admin job), `refresh` opens the new generation beside the one being served and swaps the reference. A request
keeps the Deps it started with to its end, so none fails or mixes two generations; the old one is freed when
the last request holding it lets go.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.llm import ChatModel, build_chat_model
from assistant.retrieve.retriever import Retriever
from core.config import Settings
from core.embedders import Embedder, build_embedder
from core.errors import AssistantError, IndexMismatchError
from core.index.reader import Commit, IndexReader, current_commit
from core.index.store import VectorStoreError

logger = logging.getLogger(__name__)

RETRY_FAILED_SECONDS = 30.0  # a commit that could not be opened is tried again after this (or at the next commit)


@dataclass
class Deps:
    """Settings, the embedder, the opened index and the chat model (None: extractive answers).

    Every external service is typed by its Protocol (Embedder, ChatModel, and the index's VectorStore), so a
    fake in a test is checked by mypy against the same shape as the real one.
    """

    settings: Settings
    embedder: Embedder
    index: IndexReader
    chat_model: ChatModel | None = None
    retriever: Retriever = field(init=False)

    def __post_init__(self) -> None:
        if self.index.manifest.embedder != self.embedder.name:
            raise IndexMismatchError(
                f"Index built with {self.index.manifest.embedder!r} but {self.embedder.name!r} is configured: "
                "set ASSISTANT_EMBEDDER to match or run `assistant ingest --rebuild`.",
                "Chỉ mục được tạo bằng mô hình nhúng khác với cấu hình hiện tại.",
            )
        self.retriever = Retriever(self.index, self.embedder, self.settings)

    def reopened(self) -> Deps:
        """The same embedder and chat model over the index committed now, opened and warmed beside this one."""
        index = IndexReader(self.index.index_dir, fresh=True)
        deps = Deps(self.settings, self.embedder, index, self.chat_model)
        index.warm()
        return deps


def load_deps(settings: Settings, index_dir: Path | None = None, fresh: bool = False) -> Deps:
    """Open the index and the embedder and chat model named by the settings (`fresh`: see IndexReader)."""
    index = IndexReader(index_dir or settings.index_dir, fresh=fresh)
    return Deps(
        settings=settings, embedder=build_embedder(settings), index=index, chat_model=build_chat_model(settings)
    )


def warm_load(settings: Settings) -> Deps:
    """load_deps for a server: the index warmed and the embedding model loaded before the first question."""
    deps = load_deps(settings, fresh=True)
    try:
        deps.index.warm()
    except VectorStoreError as exc:  # e.g. vectors dropped under a committed manifest: answer lexically, say why
        logger.warning("dense retrieval unavailable, answering lexically until the next commit: %s", exc)
    try:  # load the model now, not in the first user's request
        deps.embedder.embed_query(["khởi động"])
    except AssistantError as exc:  # e.g. an embeddings endpoint still starting: questions will retry
        logger.warning("embedder warm-up failed: %s", exc.message_en)
    return deps


class LiveDeps:
    """The Deps a server answers with, following the index directory as new generations are committed.

    `current` is read without a lock (one reference, swapped whole); `open` and `refresh` run in worker threads,
    one at a time.
    """

    def __init__(self, settings: Settings, load: Callable[[Settings], Deps] = warm_load) -> None:
        self.settings = settings
        self.current: Deps | None = None
        self.error: AssistantError | None = None  # why nothing is served (no index yet, a mismatch...)
        self.reload_error: str | None = None  # why the newest commit is not the one served
        self.reloads = 0  # generations swapped in since start
        self._load = load
        self._lock = threading.Lock()
        self._failed: tuple[Commit, float] | None = None

    def open(self) -> None:
        """Load Deps from the settings; a domain error is kept (routes answer with it) instead of raised."""
        with self._lock:
            self._open()

    def _open(self) -> None:
        try:
            self.current, self.error = self._load(self.settings), None
        except AssistantError as exc:
            logger.warning("index not loaded: %s", exc.message_en)
            self.current, self.error = None, exc

    def refresh(self) -> bool:
        """Open the index committed now if it is not the one served and swap it in; True when it was swapped.

        Nothing committed (none yet, or `ingest --rebuild` under way) keeps what is served. A commit that cannot
        be opened keeps it too, and is tried again at the next commit or after RETRY_FAILED_SECONDS.
        """
        with self._lock:
            commit = current_commit(self.settings.index_dir)
            served = self.current
            if commit is None or (served is not None and commit == served.index.commit) or self._failed_lately(commit):
                return False
            try:
                if served is None:  # nothing served yet (no index at start-up): load everything
                    self._open()
                    self._remember(commit, self.error)
                    return self.current is not None
                fresh = served.reopened()
            except Exception as exc:  # whatever stops the new generation opening, the old one goes on serving
                logger.warning(
                    "index commit of %s not opened, still serving the previous one", commit.time, exc_info=True
                )
                self._remember(commit, exc)
                return False
            self.current = fresh  # the swap: requests already holding `served` finish on it
            self.reloads += 1
            self._remember(commit, None)
            index = fresh.index
            logger.info(
                "serving index generation %d committed %s: %d documents, %d chunks",
                index.manifest.generation,
                commit.time,
                len(index.documents),
                len(index.chunks),
            )
            return True

    def _failed_lately(self, commit: Commit) -> bool:
        if self._failed is None or self._failed[0] != commit:
            return False
        return time.monotonic() - self._failed[1] < RETRY_FAILED_SECONDS

    def _remember(self, commit: Commit, error: Exception | None) -> None:
        self._failed = (commit, time.monotonic()) if error is not None else None
        self.reload_error = None if error is None else _describe(error)


def _describe(error: Exception) -> str:
    return error.message_en if isinstance(error, AssistantError) else f"{type(error).__name__}: {error}"
