"""The vector store seam: a small protocol, and the embedded Chroma adapter behind it.

Chroma never embeds on its own here: the collection is created without an embedding function and every
call passes vectors, so Chroma's ONNX model download can never be triggered.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

logger = logging.getLogger(__name__)

COLLECTION = "chunks"


class VectorStoreError(Exception):
    """The store could not answer (e.g. its collection was rewritten under a running reader)."""


class VectorStore(Protocol):
    """Chunk vectors by chunk id, with the document id as the one filterable field."""

    def upsert(
        self, ids: list[str], vectors: np.ndarray, texts: list[str], metadatas: list[dict[str, Any]]
    ) -> None: ...

    def existing(self, ids: list[str]) -> set[str]: ...

    def all_ids(self) -> list[str]: ...

    def count(self) -> int: ...

    def delete(self, ids: list[str]) -> None: ...

    def query(self, vector: np.ndarray, n: int, doc_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """The n nearest chunk ids with their cosine similarity, best first."""
        ...


def _client(chroma_dir: Path) -> Any:
    import chromadb  # heavy import, only where the index is opened

    return chromadb.PersistentClient(
        path=str(chroma_dir), settings=chromadb.Settings(anonymized_telemetry=False, allow_reset=False)
    )


class ChromaStore:
    """Chroma's embedded PersistentClient: one process writes (the index lock), readers open it read-mostly."""

    DELETE_BATCH = 500

    def __init__(self, chroma_dir: Path, create: bool = False) -> None:
        client = _client(chroma_dir)
        if create:
            self._collection = client.get_or_create_collection(
                COLLECTION, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
            )
        else:
            self._collection = client.get_collection(COLLECTION, embedding_function=None)

    @property
    def collection(self) -> Any:
        """The Chroma collection itself (for tests and maintenance)."""
        return self._collection

    def count(self) -> int:
        return int(self._collection.count())

    def upsert(self, ids: list[str], vectors: np.ndarray, texts: list[str], metadatas: list[dict[str, Any]]) -> None:
        self._collection.upsert(ids=ids, embeddings=vectors, documents=texts, metadatas=metadatas)

    def existing(self, ids: list[str]) -> set[str]:
        return set(self._collection.get(ids=ids, include=[])["ids"]) if ids else set()

    def all_ids(self) -> list[str]:
        return list(self._collection.get(include=[])["ids"])

    def delete(self, ids: list[str]) -> None:
        for i in range(0, len(ids), self.DELETE_BATCH):
            self._collection.delete(ids=ids[i : i + self.DELETE_BATCH])

    def query(self, vector: np.ndarray, n: int, doc_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        from chromadb.errors import ChromaError  # chromadb is loaded already: the client was built

        where = {"doc_id": {"$in": list(doc_ids)}} if doc_ids is not None else None
        try:
            result = self._collection.query(
                query_embeddings=[np.asarray(vector).tolist()], n_results=n, where=where, include=["distances"]
            )
        except ChromaError as exc:
            raise VectorStoreError(str(exc)) from exc
        pairs = zip(result["ids"][0], result["distances"][0], strict=True)
        return [(cid, 1.0 - float(d)) for cid, d in pairs]


def drop_collection(chroma_dir: Path) -> None:
    """Delete the collection through Chroma: deleting chroma/ under a live client leaves its per-process
    cache serving the old collection, and the next process finds none."""
    client = _client(chroma_dir)
    if any(c.name == COLLECTION for c in client.list_collections()):
        client.delete_collection(COLLECTION)
