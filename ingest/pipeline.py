"""Ingestion: documents/ -> cleaned, described, chunked, embedded -> the index directory.

Incremental and crash-safe: a document's chunks are stored under ids that carry its content hash, and
only the manifest (written atomically, last) makes them visible. A killed run leaves its embedded chunks
in Chroma; the next run finds them there, embeds only what is missing, then commits. What is missing is first
looked up in the embedding cache (core.index.embedcache) by the hash of its text: only texts never embedded by
this embedder reach the model, each once, so an edited paragraph or a new processing version costs only the
chunks whose text changed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import shutil
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from filelock import FileLock, Timeout

from core.config import Settings
from core.embedders import Embedder
from core.errors import IndexBusyError, IndexMismatchError, UpstreamError, UserInputError
from core.index.embedcache import EmbedCache, embedder_identity, text_sha
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
from core.index.store import ChromaStore, VectorStore, attach_server, detach_server, drop_collection, read_server
from core.index.types import Chunk
from ingest.chunking import chunk_text, embedding_text
from ingest.clean import clean_text
from ingest.loaders import MB, SUPPORTED_SUFFIXES, LoadLimits, UnreadableDocumentError, check_file_size, load_text
from ingest.metadata import extract_metadata
from ingest.parts import find_parts
from ingest.tables import flatten_tables

logger = logging.getLogger(__name__)

# Bumped when cleaning, metadata or chunking change what a file becomes: every document is then re-processed and
# re-embedded under new chunk ids (2: hard-wrapped lines rejoined, portal boilerplate dropped).
PROCESSING = 6  # 5: each record carries its references to other documents (ingest.relations); 6: a letter's recipients

# (chunks just stored, chunks known so far to store in this run: it grows while documents are still being read)
Progress = Callable[[int, int], None]
EMBED_BATCH = 8  # texts per embedder call
UPSERT_BATCH = 256  # chunks per Chroma upsert (and embedding-cache transaction), at most
FLUSH_SECONDS = 2.0  # ... or fewer, when this long has passed: a slow embedder's work is stored as it goes
PREPARE_AHEAD = 16  # documents loaded, cleaned and chunked ahead of the embedder
GROUP_CHUNKS = 256  # chunks of ready documents looked up in Chroma and the cache together


@dataclass
class IngestSummary:
    documents: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    chunks: int = 0
    chunks_embedded: int = 0  # texts the embedder actually read in this run
    cache_hits: int = 0  # chunks stored with a vector from the cache (or from a same-text chunk of this run)
    seconds: float = 0.0
    skipped: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class ChunkingOptions:
    target_chars: int = 900
    max_chars: int = 1400
    max_tokens: int = 480


@dataclass(frozen=True)
class IngestLimits:
    """Per-file limits: a file over one is skipped (named, with the limit) and the run goes on."""

    load: LoadLimits = field(default_factory=LoadLimits)
    max_chunks: int = 5000

    @classmethod
    def from_settings(cls, settings: Settings) -> IngestLimits:
        load = LoadLimits(
            max_file_bytes=int(settings.max_file_mb * MB),
            max_text_chars=settings.max_text_chars,
            max_expanded_bytes=int(settings.max_docx_expanded_mb * MB),
        )
        return cls(load=load, max_chunks=settings.max_chunks_per_document)


@dataclass
class _Pending:
    doc_id: str
    path: Path
    source: str
    sha256: str
    is_new: bool


def scan_documents(
    documents_dir: Path, skipped: list[dict[str, str]] | None = None, link_roots: tuple[Path, ...] = ()
) -> dict[str, tuple[Path, str]]:
    """doc_id -> (path to read, source relative to documents_dir) for every supported file.

    Ids and sources are NFC whatever form the file system keeps the name in (macOS writes NFD). A symbolic link is
    followed only to a file inside the documents folder (its target is what gets read); a link out of the folder
    or a broken one is refused, listed in `skipped` and never read — unless it leads into one of `link_roots`,
    folders the caller trusts (the evaluation links its corpora to the read-only shared data instead of copying
    them). Linked folders are not entered: a folder inside is scanned under its own path already.
    """
    if not documents_dir.is_dir():
        raise UserInputError(
            f"Documents directory {documents_dir} does not exist: create it or pass --documents DIR.",
            f"Không tìm thấy thư mục tài liệu {documents_dir}.",
        )
    roots = (documents_dir.resolve(), *(r.resolve() for r in link_roots))
    found: dict[str, tuple[Path, str]] = {}
    sources: set[str] = set()
    for path in _candidates(documents_dir):
        source = unicodedata.normalize("NFC", path.relative_to(documents_dir).as_posix())
        problem = _link_problem(path, roots) if path.is_symlink() else None
        if problem is not None:
            _skip(skipped, source, problem)
            continue
        real = path.resolve() if path.is_symlink() else path
        if not real.is_file():  # a link to a folder
            continue
        if source in sources:  # the same name twice, in NFC and in NFD
            _skip(skipped, source, f"same name as {source} once Unicode-normalised: rename one of them")
            continue
        sources.add(source)
        doc_id = str(PurePosixPath(source).with_suffix("")).replace("/", "__")
        if doc_id in found:  # "a.txt" and "a.md" side by side
            doc_id = source.replace("/", "__")
        found[doc_id] = (real, source)
    return found


def _candidates(documents_dir: Path) -> list[Path]:
    """Supported, non-hidden entries (files and links) under documents_dir, in path order; links not entered."""
    out = []
    for dirpath, dirnames, filenames in os.walk(documents_dir):  # followlinks=False: linked folders stay closed
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        base = Path(dirpath)
        links = [d for d in dirnames if (base / d).is_symlink()]  # listed: one pointing outside is reported
        for name in [*filenames, *links]:
            path = base / name
            if name.startswith(".") or (path.suffix.lower() not in SUPPORTED_SUFFIXES and name not in links):
                continue
            out.append(path)
    return sorted(out)


def _link_problem(path: Path, roots: tuple[Path, ...]) -> str | None:
    """Why a symbolic link may not be followed, or None when it leads inside the documents folder or a trusted root."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing target, or a loop of links
        return f"broken symlink: it points to {os.readlink(path)}, which does not exist"
    if not any(target.is_relative_to(root) for root in roots):
        return (
            f"symlink outside the documents folder: it points to {target}; only files inside the folder are "
            "ingested: copy the file into it to ingest it"
        )
    return None


def _skip(skipped: list[dict[str, str]] | None, source: str, reason: str) -> None:
    logger.warning("skipped %s: %s", source, reason)
    if skipped is not None:
        skipped.append({"source": source, "reason": reason})


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:  # in blocks: memory stays flat whatever the size
        return hashlib.file_digest(fh, "sha256").hexdigest()


class Ingestor:
    """Brings one index directory up to date with one documents directory."""

    def __init__(
        self,
        index_dir: Path,
        embedder: Embedder,
        options: ChunkingOptions | None = None,
        limits: IngestLimits | None = None,
        chroma_url: str = "",
        link_roots: tuple[Path, ...] = (),
    ) -> None:
        self.index_dir = index_dir
        self.link_roots = link_roots  # folders outside documents_dir that symlinks may lead into
        self.layout = Layout(index_dir)
        self.embedder = embedder
        self.options = options or ChunkingOptions()
        self.limits = limits or IngestLimits()
        self.chroma_url = chroma_url.rstrip("/")  # "": vectors embedded in the index directory

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
        """Throw the index away: the manifest (the commit point) first, then the collection and files.

        Only what the index layout names goes: anything else in the directory (e.g. a Chroma server's data under
        index/chroma-server, or a mistaken --index) is left alone.
        """
        self.layout.manifest.unlink(missing_ok=True)
        self._drop_vectors()
        for path in self.layout.embed_cache_files():
            path.unlink(missing_ok=True)
        for path in [self.layout.docs, *self.layout.lexical_dirs()]:
            if path.is_dir():
                shutil.rmtree(path)
        for path in self.index_dir.glob(".*.tmp"):  # half-written files of a killed run
            path.unlink()

    def _drop_vectors(self) -> None:
        """Delete the collection through Chroma (this process may have it open); a server that is gone is left."""
        if not self.layout.chroma.is_dir():
            return
        try:
            drop_collection(self.layout.chroma)
        except UpstreamError as exc:
            logger.warning("old vectors left in place: %s", exc.message_en)
            detach_server(self.layout.chroma)

    def _place_vectors(self, old: Manifest | None) -> None:
        """Make chroma/ name where this run's vectors go: ASSISTANT_CHROMA_URL's server, or the index directory.

        A committed index stays where its vectors are (moving them is a rebuild); an uncommitted one starts over.
        """
        where = read_server(self.layout.chroma)
        if (where.url if where else "") == self.chroma_url:
            return
        if old is not None:
            raise _vectors_elsewhere(self.index_dir, where.url if where else "", self.chroma_url)
        self._drop_vectors()
        if self.chroma_url:
            attach_server(self.layout.chroma, self.chroma_url)

    def _run_locked(self, documents_dir: Path, progress: Progress | None) -> IngestSummary:
        started = time.perf_counter()
        summary = IngestSummary()
        old = read_manifest(self.index_dir)
        self._check_embedder(old)
        self._place_vectors(old)
        found = scan_documents(documents_dir, summary.skipped, self.link_roots)
        new, pending = self._plan(old, found, summary)
        sink = _VectorSink(self.layout, self.embedder, summary, progress)
        try:
            records = self._prepare_and_embed(pending, summary, sink)
            prepared = {item.doc_id for item, _ in records}
            for item in pending:  # unreadable or over a limit now: keep the version already indexed, if any
                if item.doc_id not in prepared and old and item.doc_id in old.documents:
                    new.documents[item.doc_id] = old.documents[item.doc_id]
            if old and old.lexical and not records and new.documents == old.documents:
                return self._finish(summary, old, started)  # nothing changed (at most unreadable files)
            for item, record in records:
                new.documents[item.doc_id] = DocEntry(
                    item.source, item.sha256, _record_name(item), [c.chunk_id for c in record.chunks]
                )
                summary.added += item.is_new
                summary.updated += not item.is_new
            self._commit(new, sink.store(), sink.cache())
        finally:
            sink.close()
        return self._finish(summary, new, started)

    def _prepare_and_embed(
        self, pending: list[_Pending], summary: IngestSummary, sink: _VectorSink
    ) -> list[tuple[_Pending, DocRecord]]:
        """Documents are loaded, cleaned and chunked in a thread, up to PREPARE_AHEAD ahead of the embedder."""
        out: list[tuple[_Pending, DocRecord]] = []
        with _Prefetch(lambda item: self._prepare_one(item, summary), pending, PREPARE_AHEAD) as ready:
            for group in ready.groups(GROUP_CHUNKS):
                sink.add(group)
                out.extend(group)
        sink.finish()
        return out

    def _open_cache(self) -> EmbedCache:
        dim = self.embedder.dim
        return EmbedCache(self.layout.embed_cache, embedder_identity(self.embedder), dim)

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
            entry = old.documents.get(doc_id) if old else None
            try:
                check_file_size(path, self.limits.load)  # before hashing: a huge file is never read
                digest = _sha256(path)
            except (UnreadableDocumentError, OSError) as exc:
                reason = exc.reason if isinstance(exc, UnreadableDocumentError) else f"cannot read ({exc.strerror})"
                _skip(summary.skipped, source, reason)
                if entry:  # the version already indexed stays live
                    new.documents[doc_id] = entry
                continue
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

    def _prepare_one(self, item: _Pending, summary: IngestSummary) -> tuple[_Pending, DocRecord] | None:
        """Load, clean, describe and chunk one new or changed document; None (and listed) when unreadable."""
        name = _record_name(item)
        left = self.layout.record(name).exists()  # left by an interrupted run: same content
        try:
            record = read_record(self.index_dir, name) if left else self._describe(item, self._load(item))
            self._check_chunks(item, record)
        except UnreadableDocumentError as exc:
            _skip(summary.skipped, item.source, exc.reason)
            return None
        if not left:
            write_record(self.index_dir, name, record)
        return item, record

    def _load(self, item: _Pending) -> str:
        return load_text(item.path, self.limits.load)

    def _check_chunks(self, item: _Pending, record: DocRecord) -> None:
        if len(record.chunks) > self.limits.max_chunks:
            raise UnreadableDocumentError(
                item.path,
                f"it makes {len(record.chunks):,} chunks, over the {self.limits.max_chunks:,}-chunk limit per "
                "document (ASSISTANT_MAX_CHUNKS_PER_DOCUMENT); split it into smaller files or raise the limit",
            )

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

    def _commit(self, manifest: Manifest, store: VectorStore, cache: EmbedCache) -> None:
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
        dropped = cache.keep_only(text_sha(text) for text in texts)
        logger.debug("embedding cache: %d entries no live chunk uses dropped", dropped)

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


def _vectors_elsewhere(index_dir: Path, where: str, wanted: str) -> IndexMismatchError:
    here = f"the Chroma server at {where}" if where else "its own directory (embedded Chroma)"
    there = f"the Chroma server at {wanted}" if wanted else "the index directory (ASSISTANT_CHROMA_URL is unset)"
    keep = f"set ASSISTANT_CHROMA_URL={where}" if where else "unset ASSISTANT_CHROMA_URL"
    return IndexMismatchError(
        f"Index {index_dir} keeps its vectors in {here}, but this run would write them to {there}: {keep}, "
        f"or run `assistant ingest --rebuild` to embed every document into {there}.",
        f"Chỉ mục {index_dir} lưu vector ở nơi khác với cấu hình ASSISTANT_CHROMA_URL hiện tại; hãy sửa cấu hình "
        "hoặc chạy `assistant ingest --rebuild`.",
    )


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
