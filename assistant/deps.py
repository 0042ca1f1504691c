"""The bundle of services answering needs, built once by an entry point and passed in (no globals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assistant.llm import ChatModel, build_chat_model
from assistant.retrieve.retriever import Retriever
from core.config import Settings
from core.embedders import Embedder, build_embedder
from core.errors import IndexMismatchError
from core.index.reader import IndexReader


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


def load_deps(settings: Settings, index_dir: Path | None = None) -> Deps:
    """Open the index and the embedder and chat model named by the settings."""
    index = IndexReader(index_dir or settings.index_dir)
    return Deps(
        settings=settings, embedder=build_embedder(settings), index=index, chat_model=build_chat_model(settings)
    )
