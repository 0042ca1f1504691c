"""An index opened for answering: metadata and chunks in memory, vectors in the store, BM25 beside them."""

from __future__ import annotations

import logging
import math
from collections import Counter
from functools import cached_property
from pathlib import Path

from core.docnumbers import document_keys, number_key, number_of
from core.errors import IndexMissingError
from core.index.layout import DocRecord, Layout, read_manifest, read_record
from core.index.lexical import LexicalIndex
from core.index.store import ChromaStore, VectorStore
from core.index.types import Chunk, DocumentMeta
from core.vntext import fold, syllables

logger = logging.getLogger(__name__)


class IndexReader:
    """One committed generation of an index directory, read once."""

    def __init__(self, index_dir: Path, store: VectorStore | None = None) -> None:
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
        self.store: VectorStore = store if store is not None else ChromaStore(layout.chroma)
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
        df: Counter[str] = Counter()
        for chunk in self.chunks.values():
            df.update({fold(s) for s in syllables(chunk.text)})
        n = max(len(self.chunks), 1)
        return {term: math.log(1 + n / count) for term, count in df.items()}

    @cached_property
    def serial_numbers(self) -> frozenset[int]:
        """The serial number of every document number the collection names (its own or cited ones)."""
        named = {n for r in self.documents.values() for n in r.meta.numbers}
        named |= {n for c in self.chunks.values() for n in c.numbers}
        return frozenset(x for n in named if (x := number_of(n)) is not None)

    @cached_property
    def named_keys(self) -> frozenset[str]:
        """The key of every document number the collection holds or names ("nq:57", "hd:45", "vpcp:11306")."""
        named = {n for r in self.documents.values() for n in r.meta.numbers}
        named |= {n for c in self.chunks.values() for n in c.numbers}
        return frozenset({number_key(n) for n in named} | set(self.owners))

    @cached_property
    def owners(self) -> dict[str, list[str]]:
        """Document-number key → the documents whose own number it is ("cv:11306" → the công văn itself)."""
        found: dict[str, list[str]] = {}
        for doc_id, record in sorted(self.documents.items()):
            for key in document_keys(record.meta.number, record.meta.kind):
                found.setdefault(key, []).append(doc_id)
        return found

    def default_idf(self) -> float:
        """IDF of a term no chunk contains (the rarest possible)."""
        return math.log(1 + max(len(self.chunks), 1))
