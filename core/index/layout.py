"""The index directory on disk: where each part lives, the manifest (the commit point) and document records.

Layout (everything under one directory, so an index can be copied or thrown away as a unit):
  manifest.json          the commit point: which document versions, chunk ids and lexical index are live
  docs/<id>.<hash>.json  cleaned text, metadata and chunks of one document version
  chroma/                the embedded vector store (one collection, embeddings always supplied by us), or, in
                         server mode, only server.json: the Chroma server and collection holding the vectors
  lexical-<generation>/  BM25 fields and the diacritic restorer
  embedcache.sqlite      passage vectors by (embedder identity, text hash), reused across versions (embedcache.py)
  .lock                  held by the one process that writes
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.index.types import Chunk, DocumentMeta

MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class Layout:
    """Every path of one index directory, written once."""

    root: Path

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def docs(self) -> Path:
        return self.root / "docs"

    @property
    def chroma(self) -> Path:
        return self.root / "chroma"

    @property
    def lock(self) -> Path:
        return self.root / ".lock"

    @property
    def embed_cache(self) -> Path:
        return self.root / "embedcache.sqlite"

    def embed_cache_files(self) -> list[Path]:
        """The cache and SQLite's side files (a rollback journal left by a killed run)."""
        return [self.embed_cache, self.root / "embedcache.sqlite-journal", self.root / "embedcache.sqlite-wal"]

    def record(self, name: str) -> Path:
        return self.docs / name

    def lexical(self, name: str) -> Path:
        return self.root / name

    def lexical_dirs(self) -> list[Path]:
        return sorted(self.root.glob("lexical-*"))

    def records(self) -> list[Path]:
        return sorted(self.docs.glob("*.json"))


def lexical_name(generation: int) -> str:
    """The directory name of the lexical index of one generation."""
    return f"lexical-{generation}"


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
    processing: int = 1  # version of cleaning/chunking that made the records: a new one re-processes every file

    def chunk_ids(self) -> list[str]:
        return [cid for entry in self.documents.values() for cid in entry.chunk_ids]


@dataclass
class DocRecord:
    """One document version as stored under docs/."""

    meta: DocumentMeta
    text: str
    chunks: list[Chunk]


def read_manifest(index_dir: Path) -> Manifest | None:
    """The live manifest, or None when nothing was ever committed."""
    path = Layout(index_dir).manifest
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
    write_json_atomic(Layout(index_dir).manifest, asdict(manifest))


def read_record(index_dir: Path, name: str) -> DocRecord:
    data = json.loads(Layout(index_dir).record(name).read_text(encoding="utf-8"))
    meta = data["meta"]
    meta["part_headers"] = [DocumentMeta(**part) for part in meta.get("part_headers", [])]
    return DocRecord(DocumentMeta(**meta), data["text"], [Chunk(**c) for c in data["chunks"]])


def write_record(index_dir: Path, name: str, record: DocRecord) -> None:
    layout = Layout(index_dir)
    layout.docs.mkdir(parents=True, exist_ok=True)
    write_json_atomic(layout.record(name), asdict(record))
