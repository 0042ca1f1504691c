"""Ingestion: documents/ -> cleaned, described, chunked, embedded -> the index directory.

Incremental and crash-safe: a document's chunks are stored under ids that carry its content hash, and
only the manifest (written atomically, last) makes them visible. A killed run leaves its embedded chunks
in Chroma; the next run finds them there, embeds only what is missing, then commits. What is missing is first
looked up in the embedding cache (core.index.embedcache) by the hash of its text: only texts never embedded by
this embedder reach the model, each once, so an edited paragraph or a new processing version costs only the
chunks whose text changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import queue
import shutil
import sys
import threading
import time
import unicodedata
from collections import Counter
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
    write_json_atomic,
    write_manifest,
    write_record,
)
from core.index.lexical import LexicalIndex
from core.index.reader import (
    DOC_FREQS_FILE,
    MENTIONS_FILE,
    read_doc_freqs,
    read_mentions,
    record_doc_freqs,
    record_mentions,
)
from core.index.store import ChromaStore, VectorStore, attach_server, detach_server, drop_collection, read_server
from core.index.types import Chunk
from ingest.chunking import chunk_text, embedding_text
from ingest.clean import clean_text
from ingest.loaders import MB, SUPPORTED_SUFFIXES, LoadLimits, UnreadableDocumentError, check_file_size, load_text
from ingest.metadata import extract_metadata, part_header
from ingest.parts import find_parts
from ingest.tables import flatten_tables

logger = logging.getLogger(__name__)

# Bumped when cleaning, metadata or chunking change what a file becomes: every document is then re-processed and
# re-embedded under new chunk ids (2: hard-wrapped lines rejoined, portal boilerplate dropped).
# 5: each record carries its references to other documents (ingest.relations); 6: a letter's recipients;
# 7: lines wrapped inside a name rejoined ("tỉnh Nghệ / An"); 8: each document of a several-document file has
# its own header read (part_headers)
PROCESSING = 8

# (chunks just stored, chunks known so far to store in this run: it grows while documents are still being read)
Progress = Callable[[int, int], None]
EMBED_BATCH = 8  # texts per embedder call, unless the embedder hints more (`batch_hint`: requests kept in flight)
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
        self._mentions: dict[str, list[str]] = {}  # record name -> record_mentions, of this run's records

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
        self._mentions = {}
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
            self._commit(new, sink.store(), sink.cache(), old, records)
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
        self._mentions[name] = record_mentions(record)  # here, in the preparing thread: overlapped with embedding
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
        meta.part_headers = [part_header(item.doc_id, item.source, cleaned[p.start : p.end]) for p in parts]
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

    def _commit(
        self, manifest: Manifest, store: VectorStore, cache: EmbedCache, old: Manifest | None, records: list[_Prepared]
    ) -> None:
        """Update the lexical index, write the manifest (the commit), then drop what it no longer names."""
        manifest.generation += 1
        manifest.lexical = lexical_name(manifest.generation)
        manifest.dim = self.embedder.dim
        lexical, rebuilt = self._lexical(manifest, old, records)
        lexical.save(self.layout.lexical(manifest.lexical))
        self._save_mentions(manifest, old)
        self._save_doc_freqs(manifest, old, records)
        write_manifest(self.index_dir, manifest)
        self._collect_garbage(manifest, store, None if rebuilt else old)
        dropped = cache.keep_only(lexical.text_shas() or [])
        logger.debug("embedding cache: %d entries no live chunk uses dropped", dropped)

    def _lexical(self, manifest: Manifest, old: Manifest | None, records: list[_Prepared]) -> tuple[LexicalIndex, bool]:
        """The committed lexical index updated with this run's chunks, or (first run, too much removed, an older
        format) one rebuilt from every record; True when rebuilt."""
        if old and old.lexical and LexicalIndex.can_update(self.layout.lexical(old.lexical)):
            previous = LexicalIndex.load(self.layout.lexical(old.lexical))
            before = set(previous.chunk_ids)
            removed = before - set(manifest.chunk_ids())
            added = [(r, c) for _, r in records for c in r.chunks if c.chunk_id not in before]
            if not previous.needs_compaction(len(removed), len(added)):
                texts = [embedding_text(r.meta.title, c) for r, c in added]
                return previous.updated(removed, [c.chunk_id for _, c in added], texts), False
        chunk_ids, texts = [], []
        for entry in manifest.documents.values():
            record = read_record(self.index_dir, entry.record)
            for chunk in record.chunks:
                chunk_ids.append(chunk.chunk_id)
                texts.append(embedding_text(record.meta.title, chunk))
        return LexicalIndex.build(chunk_ids, texts), True

    def _save_mentions(self, manifest: Manifest, old: Manifest | None) -> None:
        """Each live record's mentioned keys beside the lexical index: this run's, the last commit's, or read."""
        known = read_mentions(self.layout.lexical(old.lexical)) if old and old.lexical else {}
        known |= self._mentions
        mentions = {}
        for entry in manifest.documents.values():
            if entry.record not in known:  # an index committed before mentions were saved
                known[entry.record] = record_mentions(read_record(self.index_dir, entry.record))
            mentions[entry.record] = known[entry.record]
        write_json_atomic(self.layout.lexical(manifest.lexical) / MENTIONS_FILE, mentions)

    def _save_doc_freqs(self, manifest: Manifest, old: Manifest | None, records: list[_Prepared]) -> None:
        """The chunk document frequencies the reader's idf needs: the last commit's, minus the records it no longer
        names, plus this run's (only those records are read); counted from every record when none were saved."""
        saved = read_doc_freqs(self.layout.lexical(old.lexical)) if old and old.lexical else None
        live = {entry.record for entry in manifest.documents.values()}
        if saved is not None and old is not None:
            before = {entry.record for entry in old.documents.values()}
            df = saved[1]
            for name in before - live:
                df.subtract(record_doc_freqs(read_record(self.index_dir, name)))
            fresh = {_record_name(item): record for item, record in records}
            for name in live - before:
                df.update(record_doc_freqs(fresh.get(name) or read_record(self.index_dir, name)))
            df = +df  # drops the terms no chunk holds any more
        else:
            df = Counter()
            for name in live:
                df.update(record_doc_freqs(read_record(self.index_dir, name)))
        data = {"chunks": len(manifest.chunk_ids()), "df": df}
        write_json_atomic(self.layout.lexical(manifest.lexical) / DOC_FREQS_FILE, data)

    def _collect_garbage(self, manifest: Manifest, store: VectorStore, old: Manifest | None) -> None:
        """Drop the vectors, records and lexical generations the manifest no longer names.

        After an update (`old` given) only the old commit's chunks are looked at; after a rebuild every id in the
        store, so vectors a killed run left and no later run used go then.
        """
        live = set(manifest.chunk_ids())
        candidates = old.chunk_ids() if old is not None else store.all_ids()
        store.delete([cid for cid in candidates if cid not in live])
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


_Prepared = tuple[_Pending, DocRecord]
_DONE = object()


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class _Prefetch:
    """`make` run over `items` in a thread, results in order, at most `ahead` of them waiting to be taken.

    The embedder is the bottleneck: while it reads one group of chunks, the next documents are loaded, cleaned and
    chunked. Only this process's main thread writes Chroma, the cache and the manifest; this thread writes
    document records, as the loop did before (a record is harmless until a manifest names it).
    """

    def __init__(self, make: Callable[[_Pending], _Prepared | None], items: list[_Pending], ahead: int) -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, args=(make, items), name="ingest-prepare", daemon=True)

    def __enter__(self) -> _Prefetch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()  # the consumer failed or is done: the thread stops at its next document
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):  # drained so that a blocked put returns
                self._queue.get(timeout=0.05)
        self._thread.join()

    def _work(self, make: Callable[[_Pending], _Prepared | None], items: list[_Pending]) -> None:
        try:
            for item in items:
                if self._stop.is_set():
                    return
                result = make(item)
                if result is not None:
                    self._put(result)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            self._put(_Failed(exc))
        finally:
            self._put(_DONE)

    def _put(self, value: object) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(value, timeout=0.1)
                return
            except queue.Full:
                continue

    def _take(self, block: bool) -> object:
        value = self._queue.get(block=block)
        if isinstance(value, _Failed):
            raise value.exc
        return value

    def groups(self, max_chunks: int) -> Iterator[list[_Prepared]]:
        """The documents ready now (at least one, waiting for it; up to about `max_chunks` chunks) per group."""
        while (first := self._take(block=True)) is not _DONE:
            group = [first]
            size = len(first[1].chunks)  # type: ignore[index]
            while size < max_chunks:
                try:
                    value = self._take(block=False)
                except queue.Empty:
                    break
                if value is _DONE:
                    yield group  # type: ignore[misc]
                    return
                group.append(value)
                size += len(value[1].chunks)  # type: ignore[index]
            yield group  # type: ignore[misc]


class _VectorSink:
    """Stores the chunks of prepared documents that Chroma lacks: cached vectors, else each new text embedded once.

    Writes are batched: vectors go to the embedding cache, then to Chroma, every UPSERT_BATCH chunks or every
    FLUSH_SECONDS (cache first: a kill between the two finds the vectors cached). Store and cache are opened on
    the first document to store, so a run with nothing to do opens neither.
    """

    def __init__(self, layout: Layout, embedder: Embedder, summary: IngestSummary, progress: Progress | None) -> None:
        self.layout, self.embedder, self.summary, self.progress = layout, embedder, summary, progress
        self.batch = int(getattr(embedder, "batch_hint", EMBED_BATCH))
        self._store: VectorStore | None = None
        self._cache: EmbedCache | None = None
        self._texts: dict[str, str] = {}  # text sha -> embedding text, of the texts still to embed
        self._waiting: dict[str, list[tuple[DocRecord, Chunk]]] = {}  # text sha -> chunks awaiting its vector
        self._ready: dict[str, np.ndarray] = {}  # new vectors not in the cache yet
        self._rows: list[tuple[DocRecord, Chunk, np.ndarray]] = []  # chunks with a vector, not in Chroma yet
        self._known = 0  # chunks to store, of the documents seen so far
        self._flushed = -FLUSH_SECONDS  # the first embedded batch is stored (and reported) at once

    def store(self) -> VectorStore:
        if self._store is None:
            self._store = ChromaStore(self.layout.chroma, create=True)
        return self._store

    def cache(self) -> EmbedCache:
        if self._cache is None:
            identity = embedder_identity(self.embedder)
            self._cache = EmbedCache(self.layout.embed_cache, identity, self.embedder.dim)
        return self._cache

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()

    def add(self, group: list[_Prepared]) -> None:
        """Take one group of documents: cache hits are stored, new texts embedded once full batches are there."""
        chunks = [(record, c) for _, record in group for c in record.chunks]
        have = self.store().existing([c.chunk_id for _, c in chunks])
        todo = [(record, c) for record, c in chunks if c.chunk_id not in have]
        self._known += len(todo)
        by_sha: dict[str, list[tuple[DocRecord, Chunk]]] = {}
        for record, chunk in todo:
            text = embedding_text(record.meta.title, chunk)
            sha = text_sha(text)
            by_sha.setdefault(sha, []).append((record, chunk))
            self._texts.setdefault(sha, text)
        cached = self.cache().get([sha for sha in by_sha if sha not in self._waiting and sha not in self._ready])
        cached |= {sha: self._ready[sha] for sha in by_sha if sha in self._ready}  # embedded, not flushed yet
        for sha, rows in by_sha.items():
            if sha in cached:
                self.summary.cache_hits += len(rows)
                self._stage(rows, cached[sha], sha)
            else:
                self.summary.cache_hits += len(rows) if sha in self._waiting else len(rows) - 1
                self._waiting.setdefault(sha, []).extend(rows)
        self._maybe_flush()  # what the cache gave is stored before the slow part
        self._embed(whole_batches_only=True)

    def finish(self) -> None:
        self._embed(whole_batches_only=False)
        self._flush()

    def _embed(self, whole_batches_only: bool) -> None:
        # sorted by length: a batch pads to its longest text
        misses = sorted(self._waiting, key=lambda sha: len(self._texts[sha]))
        stop = len(misses) - len(misses) % self.batch if whole_batches_only else len(misses)
        for i in range(0, stop, self.batch):
            part = misses[i : i + self.batch]
            vectors = self.embedder.embed_documents([self._texts[sha] for sha in part])
            self.summary.chunks_embedded += len(part)
            for sha, vector in zip(part, vectors, strict=True):
                self._stage(self._waiting.pop(sha), vector, sha, new=True)
            self._maybe_flush()

    def _stage(self, rows: list[tuple[DocRecord, Chunk]], vector: np.ndarray, sha: str, new: bool = False) -> None:
        self._texts.pop(sha, None)
        self._rows.extend((r, c, vector) for r, c in rows)
        if new:
            self._ready[sha] = vector

    def _maybe_flush(self) -> None:
        if self._rows and (len(self._rows) >= UPSERT_BATCH or time.monotonic() - self._flushed >= FLUSH_SECONDS):
            self._flush()

    def _flush(self) -> None:
        """New vectors into the cache (one transaction), then every staged chunk into Chroma."""
        self._flushed = time.monotonic()
        if self._ready:  # every staged row's vector is cached by now, or was before this run
            shas = list(self._ready)
            self.cache().put(shas, np.stack([self._ready[sha] for sha in shas]))
            self._ready.clear()
        rows, self._rows = self._rows, []
        if not rows:
            return
        self.store().upsert(
            [c.chunk_id for _, c, _ in rows],
            np.stack([v for _, _, v in rows]),
            [c.text for _, c, _ in rows],
            [_chroma_metadata(r, c) for r, c, _ in rows],
        )
        if self.progress:
            self.progress(len(rows), self._known)


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
