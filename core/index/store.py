"""The vector store seam: a small protocol, and the Chroma adapter behind it (embedded or a Chroma server).

Chroma never embeds on its own here: the collection is created without an embedding function and every
call passes vectors, so Chroma's ONNX model download can never be triggered.

Where an index's vectors live is written in its `chroma/` directory: Chroma's own files (embedded mode, one
process writes), or `server.json` naming a Chroma server and the collection of this index (server mode, set up
by `assistant ingest` with ASSISTANT_CHROMA_URL). Readers follow what the index says.

Every call that names ids goes in batches: SQLite refuses a statement with more than 32,766 variables ("too many
SQL variables") and Chroma refuses more records per call than its max batch size (5,461 in 1.5).
"""

from __future__ import annotations

import heapq
import json
import logging
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import numpy as np

from core.errors import UpstreamError
from core.index.layout import write_json_atomic

logger = logging.getLogger(__name__)

COLLECTION = "chunks"  # the one collection of an embedded store
SERVER_FILE = "server.json"  # in chroma/: the Chroma server and collection holding this index's vectors
BATCH = 1000  # ids per Chroma call: far under SQLite's variable limit and Chroma's max batch size

T = TypeVar("T")


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


@dataclass(frozen=True)
class ServerLocation:
    """A Chroma server (http[s]://host:port) and the collection holding one index's vectors."""

    url: str
    collection: str


def read_server(chroma_dir: Path) -> ServerLocation | None:
    """The server an index's vectors live in, or None when they are embedded in `chroma_dir`."""
    path = chroma_dir / SERVER_FILE
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return ServerLocation(str(data["url"]), str(data["collection"]))


def attach_server(chroma_dir: Path, url: str) -> ServerLocation:
    """Record that this index keeps its vectors in the server at `url`, in a collection of its own."""
    location = ServerLocation(url.rstrip("/"), f"index-{uuid.uuid4().hex}")
    chroma_dir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(chroma_dir / SERVER_FILE, asdict(location))
    return location


def detach_server(chroma_dir: Path) -> None:
    (chroma_dir / SERVER_FILE).unlink(missing_ok=True)


def _client(chroma_dir: Path) -> Any:
    import chromadb  # heavy import, only where the index is opened

    return chromadb.PersistentClient(
        path=str(chroma_dir), settings=chromadb.Settings(anonymized_telemetry=False, allow_reset=False)
    )


def http_client(url: str) -> Any:
    """A client of the Chroma server at `url`; UpstreamError saying how to start it when it does not answer."""
    import chromadb
    import httpx

    parts = urlsplit(url)
    try:
        return chromadb.HttpClient(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or (443 if parts.scheme == "https" else 8000),
            ssl=parts.scheme == "https",
            settings=chromadb.Settings(anonymized_telemetry=False, allow_reset=False),
        )
    except (ValueError, httpx.HTTPError) as exc:  # chromadb's "Could not connect to a Chroma server"
        raise _unreachable(url, exc) from exc


def _unreachable(url: str, exc: Exception) -> UpstreamError:
    return UpstreamError(
        f"The Chroma server at {url} does not answer ({type(exc).__name__}: {exc}): start it "
        "(`make chroma`, or `chroma run --path DIR --host 127.0.0.1 --port N`) or fix ASSISTANT_CHROMA_URL.",
        f"Máy chủ Chroma tại {url} không phản hồi — hãy khởi động nó (`make chroma`) hoặc sửa ASSISTANT_CHROMA_URL.",
    )


def _batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ChromaStore:
    """Chroma behind the VectorStore protocol: embedded (PersistentClient, one writing process: the index lock)
    or a Chroma server (HttpClient, any number of reading processes), as `chroma_dir` says."""

    def __init__(self, chroma_dir: Path, create: bool = False) -> None:
        server = read_server(chroma_dir)
        client = http_client(server.url) if server else _client(chroma_dir)
        name = server.collection if server else COLLECTION
        self.location = server
        self.batch = min(BATCH, int(client.get_max_batch_size()))
        if create:
            self._collection = client.get_or_create_collection(
                name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
            )
        else:
            self._collection = client.get_collection(name, embedding_function=None)

    @property
    def collection(self) -> Any:
        """The Chroma collection itself (for tests and maintenance)."""
        return self._collection

    def count(self) -> int:
        with self._calls():
            return int(self._collection.count())

    def upsert(self, ids: list[str], vectors: np.ndarray, texts: list[str], metadatas: list[dict[str, Any]]) -> None:
        with self._calls():
            for start in range(0, len(ids), self.batch):
                end = start + self.batch
                self._collection.upsert(
                    ids=ids[start:end],
                    embeddings=vectors[start:end],
                    documents=texts[start:end],
                    metadatas=metadatas[start:end],
                )

    def existing(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        with self._calls():
            for part in _batches(ids, self.batch):
                found.update(self._collection.get(ids=list(part), include=[])["ids"])
        return found

    def all_ids(self) -> list[str]:
        """Every id, read page by page (a large collection in one call would hold all its rows at once)."""
        out: list[str] = []
        with self._calls():
            while True:
                page = self._collection.get(include=[], limit=self.batch, offset=len(out))["ids"]
                out.extend(page)
                if len(page) < self.batch:
                    return out

    def delete(self, ids: list[str]) -> None:
        with self._calls():
            for part in _batches(ids, self.batch):
                self._collection.delete(ids=list(part))

    @contextmanager
    def _calls(self) -> Iterator[None]:
        """A Chroma server gone away is an upstream failure that says how to fix it, not a raw httpx error."""
        import httpx

        try:
            yield
        except httpx.HTTPError as exc:
            if self.location is None:
                raise
            raise _unreachable(self.location.url, exc) from exc

    def query(self, vector: np.ndarray, n: int, doc_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """The n nearest; a filter on many documents is asked in groups and the groups' best merged."""
        if doc_ids is None:
            return self._query(vector, n, None)
        groups = [self._query(vector, n, {"doc_id": {"$in": list(part)}}) for part in _batches(doc_ids, self.batch)]
        return heapq.nlargest(n, (pair for group in groups for pair in group), key=lambda pair: pair[1])

    def _query(self, vector: np.ndarray, n: int, where: dict[str, Any] | None) -> list[tuple[str, float]]:
        import httpx  # loaded already, like chromadb: the client was built
        from chromadb.errors import ChromaError

        try:
            result = self._collection.query(
                query_embeddings=[np.asarray(vector).tolist()], n_results=n, where=where, include=["distances"]
            )
        except (ChromaError, httpx.HTTPError) as exc:  # httpx: a Chroma server gone away; answers go lexical-only
            raise VectorStoreError(str(exc) or type(exc).__name__) from exc
        pairs = zip(result["ids"][0], result["distances"][0], strict=True)
        return [(cid, 1.0 - float(d)) for cid, d in pairs]


def drop_collection(chroma_dir: Path) -> None:
    """Delete the index's collection through Chroma: deleting chroma/ under a live client leaves its per-process
    cache serving the old collection, and the next process finds none. In server mode the pointer goes too."""
    server = read_server(chroma_dir)
    client = http_client(server.url) if server else _client(chroma_dir)
    name = server.collection if server else COLLECTION
    if any(c.name == name for c in client.list_collections()):
        client.delete_collection(name)
    if server:
        detach_server(chroma_dir)
