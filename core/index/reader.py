"""An index opened for answering: metadata and chunks in memory, vectors in the store, BM25 beside them.

A server follows the index as it is re-ingested by opening each newly committed generation beside the one it
serves (assistant.deps.LiveDeps). Which commit a reader holds is the manifest file's identity (inode, mtime,
size), not its generation number: `ingest --rebuild` starts again at 1, and with the same documents it even
writes the same manifest, yet the old vectors are gone.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import numpy as np

from core.docnumbers import document_keys, number_key, number_of, query_numbers
from core.errors import IndexMissingError
from core.index.graph import Graph
from core.index.layout import DocRecord, Layout, read_manifest, read_record
from core.index.lexical import LexicalIndex
from core.index.store import ChromaStore, VectorStore, read_server
from core.index.types import Chunk, DocumentMeta
from core.vntext import fold, syllables

logger = logging.getLogger(__name__)

# In a lexical generation's directory, written by the ingest: record name -> the keys its chunks mention
# (record_mentions), so a server does not scan every chunk's text for them at start-up.
MENTIONS_FILE = "mentions.json"


def record_mentions(record: DocRecord) -> list[str]:
    """Keys of the documents a record's chunks mention as people write them ("Đề án 06"): see mentioned_keys."""
    return sorted({key for chunk in record.chunks for key in query_numbers(chunk.text)})


DOC_FREQS_FILE = "doc_freqs.json"  # beside it: {"chunks": n, "df": {folded syllable: chunks holding it}}


def chunk_terms(text: str) -> set[str]:
    """The folded syllables of one chunk's text, each once (what idf counts)."""
    return {fold(s) for s in syllables(text)}


def record_doc_freqs(record: DocRecord) -> Counter[str]:
    """How many of a record's chunks hold each folded syllable."""
    df: Counter[str] = Counter()
    for chunk in record.chunks:
        df.update(chunk_terms(chunk.text))
    return df


def read_doc_freqs(lexical_dir: Path) -> tuple[int, Counter[str]] | None:
    """The saved chunk count and document frequencies of one generation, or None when none were saved."""
    path = lexical_dir / DOC_FREQS_FILE
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return int(data["chunks"]), Counter(data["df"])


def read_mentions(lexical_dir: Path) -> dict[str, list[str]]:
    """The saved mentions of each record of one generation ({} when none were saved)."""
    path = lexical_dir / MENTIONS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


@dataclass(frozen=True)
class Commit:
    """The identity of one written manifest: every commit replaces the file (a new inode and mtime)."""

    inode: int
    mtime_ns: int
    size: int

    @property
    def time(self) -> str:
        """When it was committed, UTC ISO 8601 with seconds."""
        return datetime.fromtimestamp(self.mtime_ns / 1e9, UTC).isoformat(timespec="seconds")


def current_commit(index_dir: Path) -> Commit | None:
    """The manifest committed now (one stat, cheap enough for every request), or None while there is none."""
    try:
        stat = os.stat(Layout(index_dir).manifest)
    except FileNotFoundError:
        return None
    return Commit(stat.st_ino, stat.st_mtime_ns, stat.st_size)


def open_store(chroma_dir: Path, fresh: bool = False) -> VectorStore:
    """The index's vector store; `fresh` gives an embedded store a Chroma client of its own.

    Chroma keeps one client per path in a process, and its in-memory HNSW index never sees what another process
    wrote after it was loaded (measured with chromadb 1.5: a second client on the same path shares it, and a
    collection deleted by `ingest --rebuild` stays "does not exist" for it). Clearing Chroma's client cache makes
    the next client load the vectors as committed now; clients already made keep their own system, so requests
    still running on the previous generation finish on it, and it is freed when the last of them lets go.
    A Chroma server needs none of this: it serves what was written.
    """
    if fresh and read_server(chroma_dir) is None:
        from chromadb.api.shared_system_client import SharedSystemClient  # heavy import, only when reopening

        SharedSystemClient.clear_system_cache()
    return ChromaStore(chroma_dir)


class IndexReader:
    """One committed generation of an index directory, read once."""

    def __init__(self, index_dir: Path, store: VectorStore | None = None, fresh: bool = False) -> None:
        # Taken before the manifest is read: a commit landing while this opens shows as a change afterwards.
        self.commit = current_commit(index_dir)
        manifest = read_manifest(index_dir)
        if manifest is None or not manifest.lexical:
            raise IndexMissingError(index_dir)
        layout = Layout(index_dir)
        self.index_dir = index_dir
        self.manifest = manifest
        self.documents: dict[str, DocRecord] = {
            doc_id: read_record(index_dir, entry.record) for doc_id, entry in manifest.documents.items()
        }
        self.chunks: dict[str, Chunk] = {c.chunk_id: c for r in self.documents.values() for c in r.chunks}
        self.lexical = LexicalIndex.load(layout.lexical(manifest.lexical))
        self.store: VectorStore = store if store is not None else open_store(layout.chroma, fresh)
        logger.info("opened index %s: %d documents, %d chunks", index_dir, len(self.documents), len(self.chunks))

    def meta(self, doc_id: str) -> DocumentMeta:
        return self.documents[doc_id].meta

    def is_stale(self) -> bool:
        """True when another commit (an ingest or a rebuild, by any process) replaced the one this reader opened."""
        return current_commit(self.index_dir) != self.commit

    def warm(self) -> None:
        """Do now what the first question would otherwise wait for: the derived tables, the vectors' loading.

        A store that cannot answer raises here (e.g. its collection was dropped by a rebuild begun meanwhile), so a
        generation that could only answer lexically is never swapped in.
        """
        # cached properties: computed once, here, not by the first question
        _ = self.idf, self.serial_numbers, self.named_keys, self.mentioned_keys, self.owners
        if self.chunks and self.manifest.dim:
            probe = np.full(self.manifest.dim, 1.0 / math.sqrt(self.manifest.dim), dtype=np.float32)
            self.store.query(probe, 1)

    @cached_property
    def idf(self) -> dict[str, float]:
        """Inverse document frequency of folded syllables over chunks (weights query terms as evidence)."""
        saved = read_doc_freqs(Layout(self.index_dir).lexical(self.manifest.lexical))
        if saved is not None and saved[0] == len(self.chunks):
            df = saved[1]
        else:  # an index committed before the ingest saved them
            df = Counter()
            for record in self.documents.values():
                df.update(record_doc_freqs(record))
        n = max(len(self.chunks), 1)
        return {term: math.log(1 + n / count) for term, count in df.items()}

    @cached_property
    def named_numbers(self) -> frozenset[str]:
        """Every document number the collection names, its own or cited, as found ("57-NQ/TW")."""
        named = {n for r in self.documents.values() for n in r.meta.numbers}
        return frozenset(named | {n for c in self.chunks.values() for n in c.numbers})

    @cached_property
    def serial_numbers(self) -> frozenset[int]:
        """The serial number of every document number the collection names (its own or cited ones)."""
        return frozenset(x for n in self.named_numbers if (x := number_of(n)) is not None)

    @cached_property
    def named_keys(self) -> frozenset[str]:
        """The key of every document number the collection holds or names ("nq:57", "hd:45", "vpcp:11306")."""
        return frozenset({number_key(n) for n in self.named_numbers} | set(self.owners))

    @cached_property
    def mentioned_keys(self) -> frozenset[str]:
        """Keys of documents the texts mention as people write them ("Đề án 06", "Kế hoạch 25"), not only as
        formal numbers: a question about "Đề án 06" is about something the collection speaks of."""
        saved = read_mentions(Layout(self.index_dir).lexical(self.manifest.lexical))
        names = [entry.record for entry in self.manifest.documents.values()]
        if all(name in saved for name in names):
            return frozenset(key for name in names for key in saved[name])
        return frozenset(key for record in self.documents.values() for key in record_mentions(record))

    @cached_property
    def owners(self) -> dict[str, list[str]]:
        """Document-number key → the documents whose own number it is ("cv:11306" → the công văn itself)."""
        found: dict[str, list[str]] = {}
        for doc_id, record in sorted(self.documents.items()):
            for key in document_keys(record.meta.number, record.meta.kind):
                found.setdefault(key, []).append(doc_id)
        return found

    @cached_property
    def graph(self) -> Graph:
        """How the documents refer to each other (implements, replaces, …), both ways, resolved once."""
        return Graph(self.documents, self.owners)

    @cached_property
    def part_owners(self) -> dict[str, list[tuple[str, int]]]:
        """Document-number key → (file, index of the part) for a document that is one part of a file holding
        several, other than the file's own first one ("kl:69" → the compilation, its second part)."""
        found: dict[str, list[tuple[str, int]]] = {}
        for doc_id, record in sorted(self.documents.items()):
            own = document_keys(record.meta.number, record.meta.kind)
            for i, part in enumerate(record.meta.part_headers):
                for key in document_keys(part.number, part.kind) - own:
                    found.setdefault(key, []).append((doc_id, i))
        return found

    def default_idf(self) -> float:
        """IDF of a term no chunk contains (the rarest possible)."""
        return math.log(1 + max(len(self.chunks), 1))
