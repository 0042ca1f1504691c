"""The "tutorial LangChain RAG" baseline the evaluation report compares the product against.

What a LangChain tutorial builds: every file loaded to raw text (no cleaning), split with
RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200), embedded into a persisted
`langchain_chroma.Chroma` store, searched by dense cosine similarity only: no lexical side, no query
processing, no metadata. Only the embedder is the product's, so a difference measures the pipeline.

The store is cached under `cache_root/tutorial-<key>`, the key hashing the corpus files, the embedder
name and the splitter parameters. It is built in a temporary sibling directory and renamed into place
when complete, so a crash never leaves a half-built store that a later run would reuse. A file lock per
store lets one process build it while a concurrent evaluation of the same corpus waits and then reuses it;
evaluations of other corpora build their own stores side by side. A build removes the temporary
directories that earlier, crashed builds of the same store left behind (never another store's).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from assistant.types import Passage
from core.embedders import Embedder
from core.errors import UserInputError
from ingest.loaders import SUPPORTED_SUFFIXES, UnreadableDocumentError, load_text
from ingest.pipeline import Progress

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
BATCH_SIZE = 16
COLLECTION = "tutorial"
_TMP_SUFFIX = ".tmp"


class LangChainEmbeddings(Embeddings):
    """Our Embedder behind LangChain's interface, so LangChain makes the calls and Chroma only gets vectors."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [row.tolist() for row in self.embedder.embed_documents(list(texts))]

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query([text])[0].tolist()


@dataclass
class CorpusFile:
    path: Path
    sha256: str


def corpus_files(corpus_dir: Path) -> list[CorpusFile]:
    """Supported, non-hidden files directly in corpus_dir (not its subdirectories), sorted by name."""
    if not corpus_dir.is_dir():
        raise UserInputError(f"Corpus directory {corpus_dir} does not exist: pass an existing directory.")
    paths = sorted(
        p
        for p in corpus_dir.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in SUPPORTED_SUFFIXES
    )
    if not paths:
        raise UserInputError(
            f"No supported documents ({', '.join(SUPPORTED_SUFFIXES)}) directly in {corpus_dir}: "
            "pass the directory that holds the corpus files."
        )
    return [CorpusFile(p, hashlib.sha256(p.read_bytes()).hexdigest()) for p in paths]


def store_key(files: list[CorpusFile], embedder_name: str) -> str:
    """sha256 over the file names and contents, the embedder name and the splitter parameters."""
    payload = {
        "files": [[f.path.name, f.sha256] for f in files],
        "embedder": embedder_name,
        "splitter": f"{CHUNK_SIZE}/{CHUNK_OVERLAP}",
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def split_corpus(files: list[CorpusFile]) -> list[Document]:
    """Load every file to raw text and split it as the tutorial does; unreadable files are skipped."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True)
    documents = []
    for f in files:
        try:
            text = load_text(f.path)
        except UnreadableDocumentError as exc:
            logger.warning("tutorial baseline skipped %s: %s", f.path.name, exc.reason)
            continue
        documents.append(Document(page_content=text, metadata={"source": f.path.name, "doc_id": f.path.stem}))
    chunks = splitter.split_documents(documents)
    position: dict[str, int] = {}
    for chunk in chunks:  # stable ids: file name + position in the file
        source = chunk.metadata["source"]
        chunk.id = f"{source}:{position.setdefault(source, 0)}"
        position[source] += 1
    return chunks


def _client(path: Path) -> Any:
    import chromadb

    return chromadb.PersistentClient(path=str(path), settings=chromadb.Settings(anonymized_telemetry=False))


def _store(client: Any, embeddings: Embeddings) -> Any:
    """The LangChain store; langchain_chroma creates or opens the collection with no embedding function.

    The collection still carries Chroma's default (ONNX, downloaded on first use) in its schema, which
    Chroma would run on any text sent without vectors: LangChain never sends any while `embeddings` is set.
    """
    from langchain_chroma import Chroma

    return Chroma(
        collection_name=COLLECTION,
        embedding_function=embeddings,
        client=client,
        collection_metadata={"hnsw:space": "cosine"},
    )


class TutorialRAG:
    """Dense top-k over a tutorial-style Chroma store of one corpus directory."""

    name = "tutorial-langchain"

    def __init__(self, store_dir: Path, embedder: Embedder) -> None:
        self.store_dir = store_dir
        self.info = json.loads((store_dir / "baseline.json").read_text(encoding="utf-8"))
        self._client = _client(store_dir / "chroma")
        self._store = _store(self._client, LangChainEmbeddings(embedder))

    @classmethod
    def open(
        cls, corpus_dir: Path, cache_root: Path, embedder: Embedder, progress: Progress | None = None
    ) -> TutorialRAG:
        """Build or reuse the baseline's Chroma store for corpus_dir, keyed by a content hash of the corpus
        files + embedder name + splitter parameters."""
        files = corpus_files(corpus_dir)
        key = store_key(files, embedder.name)
        store_dir = cache_root / f"tutorial-{key[:16]}"
        cache_root.mkdir(parents=True, exist_ok=True)
        # One builder per store: a second evaluation of the same corpus waits, then reuses what the first built.
        # Evaluations of other corpora build other stores side by side.
        with FileLock(str(cache_root / f".{store_dir.name}.lock")):
            if store_dir.is_dir():
                logger.info("tutorial baseline: reusing %s", store_dir)
            else:
                _build(store_dir, key, files, embedder, progress)
        return cls(store_dir, embedder)

    def search(self, question: str, k: int = 10) -> list[Passage]:
        """Top-k chunks by cosine similarity, numbered 1..k for citation."""
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        k = min(k, int(self.info["chunks"]))
        if k == 0:
            return []
        hits = self._store.similarity_search_with_score(question, k=k)
        return [_passage(n, doc, distance) for n, (doc, distance) in enumerate(hits, start=1)]

    def close(self) -> None:
        """Release Chroma's handles on the store (the process-wide client cache counts references)."""
        self._client.close()

    def __enter__(self) -> TutorialRAG:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _passage(n: int, doc: Document, distance: float) -> Passage:
    meta = doc.metadata
    start = int(meta.get("start_index", -1))
    start, end = (start, start + len(doc.page_content)) if start >= 0 else (0, len(doc.page_content))
    return Passage(
        n=n,
        chunk_id=str(doc.id),
        doc_id=str(meta["doc_id"]),
        title=str(meta["source"]),
        source=str(meta["source"]),
        text=doc.page_content,
        score=1.0 - float(distance),
        date=None,
        kind="khác",
        section="",
        numbers=[],
        start=start,
        end=end,
    )


def _build(store_dir: Path, key: str, files: list[CorpusFile], embedder: Embedder, progress: Progress | None) -> None:
    """Embed the corpus into a temporary sibling directory, then rename it into place: the commit."""
    cache_root = store_dir.parent
    cache_root.mkdir(parents=True, exist_ok=True)
    for stale in cache_root.glob(f".{store_dir.name}-*{_TMP_SUFFIX}"):  # crashed builds of this store (lock held)
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{store_dir.name}-", suffix=_TMP_SUFFIX, dir=cache_root))
    try:
        started = time.perf_counter()
        chunks = split_corpus(files)
        _embed_into(tmp / "chroma", chunks, embedder, progress)
        info = {
            "key": key,
            "embedder": embedder.name,
            "splitter": f"{CHUNK_SIZE}/{CHUNK_OVERLAP}",
            "files": {f.path.name: f.sha256 for f in files},
            "chunks": len(chunks),
            "build_seconds": round(time.perf_counter() - started, 3),
        }
        (tmp / "baseline.json").write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
        os.rename(tmp, store_dir)
        logger.info("tutorial baseline: built %s (%d chunks, %.1f s)", store_dir, len(chunks), info["build_seconds"])
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _embed_into(chroma_dir: Path, chunks: list[Document], embedder: Embedder, progress: Progress | None) -> None:
    """add_documents in batches so a long corpus reports progress; LangChain calls the embedder."""
    client = _client(chroma_dir)
    try:
        store = _store(client, LangChainEmbeddings(embedder))
        for i in range(0, len(chunks), BATCH_SIZE):
            batch = chunks[i : i + BATCH_SIZE]
            store.add_documents(batch, ids=[str(c.id) for c in batch])
            if progress:
                progress(len(batch), len(chunks))
    finally:
        client.close()  # before the rename: no open handles on the temporary path
