"""The index directory: manifest, per-document records, Chroma collection and lexical index.

Layout (everything under one directory, so an index can be copied or thrown away as a unit):
  manifest.json          the commit point: which document versions, chunk ids and lexical index are live
  docs/<id>.<hash>.json  cleaned text, metadata and chunks of one document version
  chroma/                Chroma PersistentClient (one collection, embeddings always supplied by us)
  lexical-<generation>/  BM25 fields and the diacritic restorer
  .lock                  held by the one process that writes
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from assistant.errors import IndexMissingError
from assistant.types import Chunk, DocumentMeta

logger = logging.getLogger(__name__)

MANIFEST_FORMAT = 1
COLLECTION = "chunks"


@dataclass
class DocEntry:
    source: str
    sha256: str
    record: str  # file name under docs/
    chunk_ids: list[str]


@dataclass
class Manifest:
    embedder: str
    dim: int
    generation: int = 0
    lexical: str = ""
    documents: dict[str, DocEntry] = field(default_factory=dict)
    format: int = MANIFEST_FORMAT

    def chunk_ids(self) -> list[str]:
        return [cid for entry in self.documents.values() for cid in entry.chunk_ids]


@dataclass
class DocRecord:
    """One document version as stored under docs/."""

    meta: DocumentMeta
    text: str
    chunks: list[Chunk]


def manifest_path(index_dir: Path) -> Path:
    return index_dir / "manifest.json"


def read_manifest(index_dir: Path) -> Manifest | None:
    """The live manifest, or None when nothing was ever committed."""
    path = manifest_path(index_dir)
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    docs = {k: DocEntry(**v) for k, v in data.pop("documents", {}).items()}
    return Manifest(documents=docs, **data)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write then rename, so a reader (or a crash) never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_manifest(index_dir: Path, manifest: Manifest) -> None:
    write_json_atomic(manifest_path(index_dir), asdict(manifest))


def read_record(index_dir: Path, name: str) -> DocRecord:
    data = json.loads((index_dir / "docs" / name).read_text(encoding="utf-8"))
    return DocRecord(DocumentMeta(**data["meta"]), data["text"], [Chunk(**c) for c in data["chunks"]])


def write_record(index_dir: Path, name: str, record: DocRecord) -> None:
    (index_dir / "docs").mkdir(parents=True, exist_ok=True)
    write_json_atomic(index_dir / "docs" / name, asdict(record))


def _chroma_client(index_dir: Path):
    import chromadb  # heavy import, only where the index is opened

    return chromadb.PersistentClient(
        path=str(index_dir / "chroma"),
        settings=chromadb.Settings(anonymized_telemetry=False, allow_reset=False),
    )


def open_collection(index_dir: Path, create: bool = False):
    """The Chroma collection, with no embedding function so Chroma can never embed on its own."""
    client = _chroma_client(index_dir)
    if create:
        return client.get_or_create_collection(
            COLLECTION, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
    return client.get_collection(COLLECTION, embedding_function=None)


def drop_collection(index_dir: Path) -> None:
    """Delete the collection through Chroma: deleting chroma/ under a live client leaves its per-process
    cache serving the old collection, and the next process finds none."""
    client = _chroma_client(index_dir)
    if any(c.name == COLLECTION for c in client.list_collections()):
        client.delete_collection(COLLECTION)


class IndexReader:
    """An index opened for answering: metadata and chunks in memory, vectors in Chroma."""

    def __init__(self, index_dir: Path) -> None:
        from assistant.lexical import LexicalIndex

        manifest = read_manifest(index_dir)
        if manifest is None or not manifest.lexical:
            raise IndexMissingError(index_dir)
        self.index_dir = index_dir
        self.manifest = manifest
        self.documents: dict[str, DocRecord] = {
            doc_id: read_record(index_dir, entry.record) for doc_id, entry in manifest.documents.items()
        }
        self.chunks: dict[str, Chunk] = {c.chunk_id: c for r in self.documents.values() for c in r.chunks}
        self.lexical = LexicalIndex.load(index_dir / manifest.lexical)
        self.collection = open_collection(index_dir)
        logger.info("opened index %s: %d documents, %d chunks", index_dir, len(self.documents), len(self.chunks))

    def meta(self, doc_id: str) -> DocumentMeta:
        return self.documents[doc_id].meta

    def is_stale(self) -> bool:
        """True when another process has committed a newer index since this one was opened.

        Chroma's PersistentClient caches segments per process and cannot safely follow another process's
        writes, so a server answers from what it opened and says "restart me" instead of reloading.
        """
        current = read_manifest(self.index_dir)
        return current is not None and current.generation != self.manifest.generation

    @cached_property
    def idf(self) -> dict[str, float]:
        """Inverse document frequency of folded syllables over chunks (weights query terms as evidence)."""
        from assistant.vntext import fold, syllables

        df: Counter[str] = Counter()
        for chunk in self.chunks.values():
            df.update({fold(s) for s in syllables(chunk.text)})
        n = max(len(self.chunks), 1)
        return {term: math.log(1 + n / count) for term, count in df.items()}

    def default_idf(self) -> float:
        """IDF of a term no chunk contains (the rarest possible)."""
        return math.log(1 + max(len(self.chunks), 1))
