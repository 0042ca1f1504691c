"""Ingest at scale: documents prepared while the embedder works, batched writes, an update that reads only what
changed, and several embedding requests in flight to an OpenAI-compatible server (a real local HTTP stub)."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import uvicorn
from fastapi import FastAPI, Request

import ingest.pipeline as pipeline
from core.config import load_settings
from core.docnumbers import query_numbers
from core.embedders import OpenAIEmbedder, build_embedder
from core.index.embedcache import EmbedCache
from core.index.layout import DocRecord, Layout, read_manifest
from core.index.lexical import LexicalIndex
from core.index.reader import IndexReader, chunk_terms, read_doc_freqs, read_mentions
from core.index.store import ChromaStore
from ingest.pipeline import Ingestor
from tests.conftest import free_port
from tests.ingest.test_pipeline import SMALL, CountingEmbedder, HashEmbedder, assert_manifest_matches_chroma


def write_documents(root: Path, count: int) -> Path:
    docs = root / "documents"
    docs.mkdir()
    for i in range(count):
        paragraphs = [f"Văn bản {i}: Ủy ban nhân dân tỉnh giao nhiệm vụ chuyển đổi số số {i}."] + [
            f"Đoạn {j} của văn bản {i}: các sở, ngành báo cáo kết quả thực hiện nhiệm vụ {i * 10 + j}."
            for j in range(4)
        ]
        (docs / f"vb{i:03d}.txt").write_text("\n\n".join(paragraphs), encoding="utf-8")
    return docs


class GatedEmbedder(HashEmbedder):
    """Its first call waits until the last document's record is written: only a preparing thread can write it."""

    def __init__(self, record_dir: Path, last_doc: str) -> None:
        self.record_dir, self.last_doc = record_dir, last_doc
        self.saw_last_record_while_embedding = False
        self.calls = 0

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        if self.calls == 1:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not self.saw_last_record_while_embedding:
                self.saw_last_record_while_embedding = any(self.record_dir.glob(f"{self.last_doc}.*.json"))
                time.sleep(0.01)
        return super().embed_documents(texts)


def test_run_next_documents_prepared_while_first_batch_embeds(tmp_path: Path, monkeypatch) -> None:
    docs, index = write_documents(tmp_path, 12), tmp_path / "index"
    monkeypatch.setattr(pipeline, "GROUP_CHUNKS", 1)  # one document per group: embedding starts at once
    monkeypatch.setattr(pipeline, "EMBED_BATCH", 2)
    embedder = GatedEmbedder(Layout(index).docs, "vb011")

    summary = Ingestor(index, embedder, SMALL).run(docs)

    assert embedder.saw_last_record_while_embedding
    assert summary.documents == 12 and summary.chunks_embedded == summary.chunks
    assert_manifest_matches_chroma(index)


class FailingLoad(Ingestor):
    def _load(self, item):  # type: ignore[no-untyped-def]
        if item.doc_id == "vb003":
            raise RuntimeError("disk on fire")
        return super()._load(item)


def test_run_error_while_preparing_raised_lock_released_nothing_committed(tmp_path: Path) -> None:
    docs, index = write_documents(tmp_path, 6), tmp_path / "index"

    with pytest.raises(RuntimeError, match="disk on fire"):
        FailingLoad(index, HashEmbedder(), SMALL).run(docs)

    assert read_manifest(index) is None
    assert Ingestor(index, HashEmbedder(), SMALL).run(docs).documents == 6  # the lock was released


def test_run_writes_batched_few_upserts_and_cache_transactions(tmp_path: Path, monkeypatch) -> None:
    docs, index = write_documents(tmp_path, 40), tmp_path / "index"
    calls = {"upsert": 0, "put": 0}
    upsert, put = ChromaStore.upsert, EmbedCache.put

    def counting_upsert(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["upsert"] += 1
        return upsert(self, *args, **kwargs)

    def counting_put(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["put"] += 1
        return put(self, *args, **kwargs)

    monkeypatch.setattr(ChromaStore, "upsert", counting_upsert)
    monkeypatch.setattr(EmbedCache, "put", counting_put)
    monkeypatch.setattr(pipeline, "FLUSH_SECONDS", 3600.0)
    monkeypatch.setattr(pipeline, "UPSERT_BATCH", 32)

    summary = Ingestor(index, HashEmbedder(), SMALL).run(docs)

    batches = -(-summary.chunks // pipeline.EMBED_BATCH)
    assert summary.chunks_embedded == summary.chunks == 120 and batches == 15
    # the first embedded batch is stored at once; then one write per 32 chunks, and the rest
    assert calls["upsert"] == calls["put"] <= 2 + summary.chunks // 32
    assert_manifest_matches_chroma(index)


def test_run_one_document_edited_reads_only_its_record_lexical_as_rebuilt(tmp_path: Path, monkeypatch) -> None:
    docs, index = write_documents(tmp_path, 10), tmp_path / "index"
    Ingestor(index, HashEmbedder(), SMALL).run(docs)
    old_record = read_manifest(index).documents["vb004"].record  # type: ignore[union-attr]
    path = docs / "vb004.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n\nĐoạn bổ sung về học phí.", encoding="utf-8")
    read: list[str] = []
    real = pipeline.read_record

    def counting(index_dir: Path, name: str) -> DocRecord:
        read.append(name)
        return real(index_dir, name)

    monkeypatch.setattr(pipeline, "read_record", counting)
    embedder = CountingEmbedder()

    summary = Ingestor(index, embedder, SMALL).run(docs)

    assert (summary.updated, summary.unchanged) == (1, 9)
    assert read == [old_record]  # only the replaced version (its counts leave idf): nothing rebuilt from all
    assert 0 < len(embedder.embedded) < 5
    reader = IndexReader(index)
    texts = [pipeline.embedding_text(reader.meta(c.doc_id).title, c) for c in reader.chunks.values()]
    fresh = LexicalIndex.build(list(reader.chunks), texts)
    assert sorted(reader.lexical.chunk_ids) == sorted(fresh.chunk_ids)
    order = {cid: i for i, cid in enumerate(reader.lexical.chunk_ids)}
    for query in ("học phí", "chuyen doi so", "nhiệm vụ 42"):
        mine = reader.lexical.scores(query)
        np.testing.assert_allclose([mine[order[c]] for c in fresh.chunk_ids], fresh.scores(query), rtol=1e-5)
    assert_manifest_matches_chroma(index)
    assert len(list(index.glob("lexical-*"))) == 1


def test_reader_mentioned_keys_from_saved_mentions_equal_scan_of_chunks(tmp_path: Path) -> None:
    docs, index = write_documents(tmp_path, 4), tmp_path / "index"
    (docs / "vb001.txt").write_text("Triển khai Đề án 06 và Kế hoạch 25 theo Nghị quyết 57-NQ/TW.", encoding="utf-8")
    Ingestor(index, HashEmbedder(), SMALL).run(docs)
    (docs / "vb002.txt").write_text("Thực hiện Chỉ thị 05 về chuyển đổi số.", encoding="utf-8")
    Ingestor(index, HashEmbedder(), SMALL).run(docs)
    reader = IndexReader(index)

    saved = read_mentions(Layout(index).lexical(reader.manifest.lexical))

    assert set(saved) == {e.record for e in reader.manifest.documents.values()}
    scanned = frozenset(key for chunk in reader.chunks.values() for key in query_numbers(chunk.text))
    assert reader.mentioned_keys == scanned and {"ct:5", "nq:57"} <= scanned
    assert read_doc_freqs(Layout(index).lexical(reader.manifest.lexical)) is not None
    df: Counter[str] = Counter()
    for chunk in reader.chunks.values():
        df.update(chunk_terms(chunk.text))
    n = len(reader.chunks)
    assert reader.idf == {term: math.log(1 + n / count) for term, count in df.items()}


def test_run_document_removed_then_back_lexical_holds_each_chunk_once(tmp_path: Path) -> None:
    docs, index = write_documents(tmp_path, 5), tmp_path / "index"
    Ingestor(index, HashEmbedder(), SMALL).run(docs)
    text = (docs / "vb001.txt").read_text(encoding="utf-8")
    (docs / "vb001.txt").unlink()
    Ingestor(index, HashEmbedder(), SMALL).run(docs)
    (docs / "vb001.txt").write_text(text, encoding="utf-8")

    Ingestor(index, HashEmbedder(), SMALL).run(docs)

    reader = IndexReader(index)
    assert sorted(reader.lexical.chunk_ids) == sorted(reader.manifest.chunk_ids())
    assert len(set(reader.lexical.chunk_ids)) == len(reader.lexical.chunk_ids)
    assert_manifest_matches_chroma(index)


# -- several requests in flight to an OpenAI-compatible embeddings server --------------------------------


class EmbeddingsStub:
    """POST /v1/embeddings on a real socket: each answer waits a little, so requests overlap if sent together.

    Records the inputs of every request and the most requests it held at once. Vectors are a function of the text
    (its length and first characters), so a vector returned for the wrong text is detected.
    """

    def __init__(self, delay: float = 0.05) -> None:
        self.delay, self.in_flight, self.most = delay, 0, 0
        self.inputs: list[list[str]] = []
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        app = FastAPI()
        app.post("/v1/embeddings")(self._embeddings)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None, access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    async def _embeddings(self, request: Request) -> dict[str, object]:
        body = await request.json()
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        self.inputs.append(list(body["input"]))
        await asyncio.sleep(self.delay * (1 + len(self.inputs) % 3))  # answers come back out of order
        self.in_flight -= 1
        data = [{"object": "embedding", "index": i, "embedding": vector_of(t)} for i, t in enumerate(body["input"])]
        data.reverse()  # the index field, not the order in the list, says which input a vector belongs to
        return {"object": "list", "data": data, "model": body["model"], "usage": {}}

    def __enter__(self) -> EmbeddingsStub:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def vector_of(text: str) -> list[float]:
    return [float(len(text)), float(ord(text[0])), float(ord(text[-1])), 1.0]


@pytest.fixture
def stub() -> Iterator[EmbeddingsStub]:
    with EmbeddingsStub() as server:
        yield server


def expected(texts: list[str]) -> np.ndarray:
    rows = np.array([vector_of(t) for t in texts], dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_openai_embed_documents_requests_in_flight_order_and_vectors_kept(stub: EmbeddingsStub) -> None:
    embedder = OpenAIEmbedder(stub.base_url, "stub-embed", max_batch=3, in_flight=4)
    texts = [f"đoạn văn số {i} " + "x" * i for i in range(20)]

    vectors = embedder.embed_documents(texts)

    assert stub.most == 4  # 7 requests of at most 3 texts, 4 at a time
    assert sorted(len(inputs) for inputs in stub.inputs) == [2, 3, 3, 3, 3, 3, 3]
    np.testing.assert_allclose(vectors, expected(texts), rtol=1e-6)
    assert embedder.batch_hint == 12


def test_openai_in_flight_one_requests_one_at_a_time(stub: EmbeddingsStub) -> None:
    embedder = OpenAIEmbedder(stub.base_url, "stub-embed", max_batch=2, in_flight=1)
    texts = [f"câu {i}" for i in range(7)]

    vectors = embedder.embed_documents(texts)

    assert stub.most == 1 and len(stub.inputs) == 4
    np.testing.assert_allclose(vectors, expected(texts), rtol=1e-6)


def test_ingest_with_openai_embedder_keeps_requests_in_flight(stub: EmbeddingsStub, tmp_path: Path) -> None:
    docs, index = write_documents(tmp_path, 30), tmp_path / "index"
    settings = load_settings(
        embedder="openai", embed_base_url=stub.base_url, embed_model="stub-embed", embed_batch_size=4
    )
    assert settings.embed_in_flight == 4  # the default
    embedder = build_embedder(settings)

    summary = Ingestor(index, embedder, SMALL).run(docs)

    assert stub.most == 4
    assert summary.chunks_embedded == summary.chunks
    reader = IndexReader(index)
    got = reader.store.collection.get(ids=list(reader.chunks)[:40], include=["embeddings"])  # type: ignore[attr-defined]
    titles = {c.chunk_id: pipeline.embedding_text(reader.meta(c.doc_id).title, c) for c in reader.chunks.values()}
    want = expected([titles[cid] for cid in got["ids"]])
    np.testing.assert_allclose(np.asarray(got["embeddings"]), want, rtol=1e-5)
