"""Ingestion: documents/ -> cleaned, described, chunked, embedded -> the index directory.

Incremental and crash-safe: a document's chunks are stored under ids that carry its content hash, and
only the manifest (written atomically, last) makes them visible. A killed run leaves its embedded chunks
in Chroma; the next run finds them there, embeds only what is missing, then commits.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from core.embedders import Embedder
from core.errors import IndexBusyError, IndexMismatchError, UserInputError
from core.index.layout import (
    DocEntry,
    DocRecord,
    Layout,
    Manifest,
    lexical_name,
    read_manifest,
    read_record,
    write_manifest,
    write_record,
)
from core.index.lexical import LexicalIndex
from core.index.store import ChromaStore, VectorStore, drop_collection
from core.index.types import Chunk
from ingest.chunking import chunk_text, embedding_text
from ingest.clean import clean_text
from ingest.loaders import SUPPORTED_SUFFIXES, UnreadableDocumentError, load_text
from ingest.metadata import extract_metadata
from ingest.parts import find_parts
from ingest.tables import flatten_tables

logger = logging.getLogger(__name__)

# Bumped when cleaning, metadata or chunking change what a file becomes: every document is then re-processed and
# re-embedded under new chunk ids (2: hard-wrapped lines rejoined, portal boilerplate dropped).
PROCESSING = 4

Progress = Callable[[int, int], None]  # (chunks just embedded, chunks to embed in this run)


@dataclass
class IngestSummary:
    documents: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    chunks: int = 0
    chunks_embedded: int = 0
    seconds: float = 0.0
    skipped: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class ChunkingOptions:
    target_chars: int = 900
    max_chars: int = 1400
    max_tokens: int = 480


@dataclass
class _Pending:
    doc_id: str
    path: Path
    source: str
    sha256: str
    is_new: bool


def scan_documents(documents_dir: Path) -> dict[str, tuple[Path, str]]:
    """doc_id -> (path, source relative to documents_dir) for every supported file."""
    if not documents_dir.is_dir():
        raise UserInputError(
            f"Documents directory {documents_dir} does not exist: create it or pass --documents DIR.",
            f"Không tìm thấy thư mục tài liệu {documents_dir}.",
        )
    found: dict[str, tuple[Path, str]] = {}
    for path in sorted(documents_dir.rglob("*")):
        rel = path.relative_to(documents_dir)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        doc_id = str(rel.with_suffix("")).replace("/", "__")
        if doc_id in found:  # "a.txt" and "a.md" side by side
            doc_id = str(rel).replace("/", "__")
        found[doc_id] = (path, str(rel))
    return found


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Ingestor:
    """Brings one index directory up to date with one documents directory."""

    def __init__(self, index_dir: Path, embedder: Embedder, options: ChunkingOptions | None = None) -> None:
        self.index_dir = index_dir
        self.layout = Layout(index_dir)
        self.embedder = embedder
        self.options = options or ChunkingOptions()

    def run(self, documents_dir: Path, progress: Progress | None = None, rebuild: bool = False) -> IngestSummary:
        """Ingest under the index's write lock; a second writer gets IndexBusyError at once."""
        self.index_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.layout.lock))
        try:
            lock.acquire(timeout=0)
        except Timeout as exc:
            raise IndexBusyError(self.index_dir) from exc
        try:
            if rebuild:
                self._wipe()
            return self._run_locked(documents_dir, progress)
        finally:
            lock.release()

    def _wipe(self) -> None:
        """Throw the index away: the manifest (the commit point) first, then the collection and files."""
        self.layout.manifest.unlink(missing_ok=True)
        if self.layout.chroma.is_dir():
            drop_collection(self.layout.chroma)  # through Chroma's API: this process may have it open
        for child in self.index_dir.iterdir():
            if child not in (self.layout.lock, self.layout.chroma):
                shutil.rmtree(child) if child.is_dir() else child.unlink()

    def _run_locked(self, documents_dir: Path, progress: Progress | None) -> IngestSummary:
        started = time.perf_counter()
        summary = IngestSummary()
        old = read_manifest(self.index_dir)
        self._check_embedder(old)
        new, pending = self._plan(old, scan_documents(documents_dir), summary)
        records = self._prepare(pending, summary)
        prepared = {item.doc_id for item, _ in records}
        for item in pending:  # unreadable now: keep the version already indexed, if any
            if item.doc_id not in prepared and old and item.doc_id in old.documents:
                new.documents[item.doc_id] = old.documents[item.doc_id]
        if old and old.lexical and not records and new.documents == old.documents:
            return self._finish(summary, old, started)  # nothing changed (at most unreadable files)

        store = ChromaStore(self.layout.chroma, create=True)
        summary.chunks_embedded = self._embed_missing(store, records, progress)
        for item, record in records:
            new.documents[item.doc_id] = DocEntry(
                item.source, item.sha256, _record_name(item), [c.chunk_id for c in record.chunks]
            )
            summary.added += item.is_new
            summary.updated += not item.is_new
        self._commit(new, store)
        return self._finish(summary, new, started)

    def _plan(
        self, old: Manifest | None, found: dict[str, tuple[Path, str]], summary: IngestSummary
    ) -> tuple[Manifest, list[_Pending]]:
        """The next manifest holding the unchanged documents, and the new or changed ones to prepare."""
        new = Manifest(
            embedder=self.embedder.name, dim=0, generation=old.generation if old else 0, processing=PROCESSING
        )
        pending: list[_Pending] = []
        current = old is not None and old.processing == PROCESSING  # else every record is re-made
        for doc_id, (path, source) in found.items():
            digest = _sha256(path)
            entry = old.documents.get(doc_id) if old else None
            if entry and current and entry.sha256 == digest and self.layout.record(entry.record).exists():
                new.documents[doc_id] = entry
                summary.unchanged += 1
            else:
                pending.append(_Pending(doc_id, path, source, digest, is_new=entry is None))
        summary.removed = len(set(old.documents) - set(found)) if old else 0
        return new, pending

    def _check_embedder(self, old: Manifest | None) -> None:
        if old and old.embedder != self.embedder.name:
            raise IndexMismatchError(
                f"Index {self.index_dir} was built with embedder {old.embedder!r}, not {self.embedder.name!r}: "
                "run `assistant ingest --rebuild` or choose another --index directory.",
                f"Chỉ mục được tạo bằng mô hình {old.embedder!r}; hãy chạy `assistant ingest --rebuild`.",
            )

    def _prepare(self, pending: list[_Pending], summary: IngestSummary) -> list[tuple[_Pending, DocRecord]]:
        """Load, clean, describe and chunk every new or changed document; unreadable ones are skipped."""
        out = []
        for item in pending:
            name = _record_name(item)
            if self.layout.record(name).exists():  # left by an interrupted run: same content
                out.append((item, read_record(self.index_dir, name)))
                continue
            try:
                raw = load_text(item.path)
            except UnreadableDocumentError as exc:
                logger.warning("skipped %s: %s", item.source, exc.reason)
                summary.skipped.append({"source": item.source, "reason": exc.reason})
                continue
            record = self._describe(item, raw)
            write_record(self.index_dir, name, record)
            out.append((item, record))
        return out

    def _describe(self, item: _Pending, raw: str) -> DocRecord:
        # Table rows carry their column headers in the stored text, so every chunk stays an exact span of it.
        cleaned = flatten_tables(clean_text(raw))
        meta = extract_metadata(item.doc_id, item.source, raw, cleaned)
        parts = find_parts(cleaned)
        meta.parts = [part.title for part in parts]
        count_tokens = getattr(self.embedder, "count_tokens", None)
        chunks = chunk_text(
            item.doc_id,
            cleaned,
            id_prefix=f"{item.doc_id}:{item.sha256[:12]}p{PROCESSING}",
            target_chars=self.options.target_chars,
            max_chars=self.options.max_chars,
            count_tokens=count_tokens,
            max_tokens=self.options.max_tokens,
            parts=parts,
        )
        return DocRecord(meta, cleaned, chunks)

    def _embed_missing(self, store: VectorStore, records, progress: Progress | None) -> int:
        """Embed and store chunks that Chroma does not hold yet (all, except after an interruption)."""
        todo: list[tuple[DocRecord, Chunk]] = []
        for _, record in records:
            ids = [c.chunk_id for c in record.chunks]
            have = store.existing(ids)
            todo.extend((record, c) for c in record.chunks if c.chunk_id not in have)
        batch = 8
        for i in range(0, len(todo), batch):
            part = todo[i : i + batch]
            texts = [embedding_text(r.meta.title, c) for r, c in part]
            vectors = self.embedder.embed_documents(texts)
            store.upsert(
                [c.chunk_id for _, c in part],
                vectors,
                [c.text for _, c in part],
                [_chroma_metadata(r, c) for r, c in part],
            )
            if progress:
                progress(len(part), len(todo))
        return len(todo)

    def _commit(self, manifest: Manifest, store: VectorStore) -> None:
        """Build the lexical index, write the manifest (the commit), then drop what it no longer names."""
        records = {d: read_record(self.index_dir, e.record) for d, e in manifest.documents.items()}
        chunk_ids, texts = [], []
        for record in records.values():
            for chunk in record.chunks:
                chunk_ids.append(chunk.chunk_id)
                texts.append(embedding_text(record.meta.title, chunk))
        manifest.generation += 1
        manifest.lexical = lexical_name(manifest.generation)
        manifest.dim = self.embedder.dim
        LexicalIndex.build(chunk_ids, texts).save(self.layout.lexical(manifest.lexical))
        write_manifest(self.index_dir, manifest)
        self._collect_garbage(manifest, store)

    def _collect_garbage(self, manifest: Manifest, store: VectorStore) -> None:
        live = set(manifest.chunk_ids())
        store.delete([cid for cid in store.all_ids() if cid not in live])
        records = {e.record for e in manifest.documents.values()}
        for path in self.layout.records():
            if path.name not in records:
                path.unlink()
        for path in self.layout.lexical_dirs():
            if path.name != manifest.lexical:
                shutil.rmtree(path, ignore_errors=True)

    def _finish(self, summary: IngestSummary, manifest: Manifest, started: float) -> IngestSummary:
        summary.documents = len(manifest.documents)
        summary.chunks = len(manifest.chunk_ids())
        summary.seconds = round(time.perf_counter() - started, 3)
        return summary


def _record_name(item: _Pending) -> str:
    return f"{item.doc_id}.{item.sha256[:12]}.p{PROCESSING}.json"


def _chroma_metadata(record: DocRecord, chunk) -> dict[str, object]:
    meta = record.meta
    return {
        "doc_id": chunk.doc_id,
        "position": chunk.position,
        "kind": meta.kind,
        "date": meta.date or "",
        "section": chunk.section[:500],
    }


class ProgressBar:
    """A tqdm bar on a terminal, created when the number of chunks to embed is known; silent otherwise."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="chunk", desc="embedding", file=sys.stderr)
        self._bar.update(done)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
