"""The tutorial LangChain baseline over real Chroma stores in tmp dirs, with a hashing fake embedder."""

from __future__ import annotations

import hashlib
import re
import socket
import time
from pathlib import Path

import numpy as np
import pytest

from eval import baselines
from eval.baselines import TutorialRAG, corpus_files, split_corpus, store_key
from ingest.loaders import load_text

LONG_LINE = (  # short lines, as in a law text: the splitter can carry whole lines into the 200-char overlap
    "Điều {i}. Chuyển đổi số: các sở, ngành kết nối cơ sở dữ liệu dân cư, đất đai, doanh nghiệp (mục {i}).\n"
)
CORPUS = {
    "chuyen_doi_so.txt": "".join(LONG_LINE.format(i=i) for i in range(1, 33)),
    "nong_nghiep.md": (
        "# Kế hoạch phát triển nông nghiệp\n\nTỉnh mở rộng vùng trồng cà phê và hồ tiêu, tái canh cà phê "
        "già cỗi, xây dựng chỉ dẫn địa lý cho hồ tiêu; hợp tác xã liên kết tiêu thụ cà phê với doanh nghiệp."
    ),
    "giao_duc.txt": (
        "Ngành giáo dục tuyển thêm giáo viên, sửa chữa trường học vùng sâu; học sinh bán trú được hỗ trợ "
        "gạo và tiền ăn; các trường học đạt chuẩn quốc gia tăng lên."
    ),
    "du_lich.txt": (
        "Du lịch cộng đồng gắn với văn hóa cồng chiêng; khách sạn, nhà nghỉ được nâng cấp; "
        "lượng khách du lịch quốc tế tăng nhờ quảng bá."
    ),
}


class HashEmbedder:
    """Bag of lower-cased words hashed (md5, the same in every process) into 64 dims; counts its calls."""

    name = "test:hash-bow-64"
    dim = 64

    def __init__(self) -> None:
        self.document_calls: list[int] = []  # batch sizes
        self.query_calls = 0

    def _vectors(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        out[:, 0] += 1e-3  # no zero rows
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        self.document_calls.append(len(texts))
        return self._vectors(texts)

    def embed_query(self, texts: list[str]) -> np.ndarray:
        self.query_calls += 1
        return self._vectors(texts)


class FailingEmbedder(HashEmbedder):
    """Dies on the second batch, like a build killed halfway."""

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if self.document_calls:
            raise RuntimeError("killed mid-build")
        return super().embed_documents(texts)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    for name, text in CORPUS.items():
        (root / name).write_text(text, encoding="utf-8")
    (root / ".an.txt").write_text("tệp ẩn cà phê", encoding="utf-8")
    (root / "bang.csv").write_text("cà phê,hồ tiêu", encoding="utf-8")
    (root / "con").mkdir()
    (root / "con" / "khac.txt").write_text("thư mục con cà phê", encoding="utf-8")
    return root


def _store_dirs(cache: Path) -> list[str]:
    """Stores and leftover temporary directories (the per-store lock files are not stores)."""
    return sorted(p.name for p in cache.iterdir() if not p.name.endswith(".lock"))


def test_corpus_files_skip_hidden_unsupported_and_subdirectories(corpus: Path) -> None:
    assert [f.path.name for f in corpus_files(corpus)] == sorted(CORPUS)


def test_split_corpus_respects_chunk_size_and_overlap(corpus: Path) -> None:
    long_text = load_text(corpus / "chuyen_doi_so.txt")
    assert len(long_text) >= 3000
    chunks = [c for c in split_corpus(corpus_files(corpus)) if c.metadata["doc_id"] == "chuyen_doi_so"]

    assert len(chunks) >= 3
    assert all(len(c.page_content) <= 1000 for c in chunks)
    starts = [c.metadata["start_index"] for c in chunks]
    for chunk, start in zip(chunks, starts, strict=True):
        assert long_text[start : start + len(chunk.page_content)] == chunk.page_content
    for (prev, prev_start), start in zip(zip(chunks, starts, strict=True), starts[1:], strict=False):
        assert start < prev_start + len(prev.page_content)  # consecutive chunks overlap
    assert [c.id for c in chunks] == [f"chuyen_doi_so.txt:{i}" for i in range(len(chunks))]
    assert {c.metadata["source"] for c in chunks} == {"chuyen_doi_so.txt"}


def test_search_numbers_passages_from_one_relevant_doc_first(corpus: Path, tmp_path: Path) -> None:
    embedder = HashEmbedder()
    with TutorialRAG.open(corpus, tmp_path / "cache", embedder) as rag:
        passages = rag.search("cà phê hồ tiêu", k=5)

    assert [p.n for p in passages] == [1, 2, 3, 4, 5]
    top = passages[0]
    assert (top.doc_id, top.source, top.title) == ("nong_nghiep", "nong_nghiep.md", "nong_nghiep.md")
    assert {p.doc_id for p in passages} <= {Path(n).stem for n in CORPUS}
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    for p in passages:
        assert load_text(corpus / p.source)[p.start : p.end] == p.text
        assert (p.kind, p.section, p.numbers, p.date) == ("khác", "", [], None)


def test_search_score_is_cosine_similarity(corpus: Path, tmp_path: Path) -> None:
    embedder = HashEmbedder()
    question = "trường học và giáo viên"
    with TutorialRAG.open(corpus, tmp_path / "cache", embedder) as rag:
        top = rag.search(question, k=1)[0]

    cosine = float(embedder.embed_query([question])[0] @ embedder.embed_documents([top.text])[0])
    assert top.doc_id == "giao_duc"
    assert top.score == pytest.approx(cosine, abs=1e-5)


def test_search_k_larger_than_the_store_returns_every_chunk(corpus: Path, tmp_path: Path) -> None:
    with TutorialRAG.open(corpus, tmp_path / "cache", HashEmbedder()) as rag:
        passages = rag.search("du lịch", k=100)
    assert len(passages) == rag.info["chunks"]
    assert len({p.chunk_id for p in passages}) == len(passages)


def test_open_twice_reuses_store_without_embedding_documents(corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = HashEmbedder()
    TutorialRAG.open(corpus, cache, first).close()
    assert sum(first.document_calls) > 0

    second = HashEmbedder()
    with TutorialRAG.open(corpus, cache, second) as rag:
        assert rag.search("du lịch cồng chiêng", k=1)[0].doc_id == "du_lich"
    assert second.document_calls == []
    assert second.query_calls == 1
    assert len(_store_dirs(cache)) == 1


def test_changed_file_changes_key_and_rebuilds(corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    TutorialRAG.open(corpus, cache, HashEmbedder()).close()
    (corpus / "du_lich.txt").write_text("Lễ hội voi Buôn Đôn thu hút du khách.", encoding="utf-8")

    embedder = HashEmbedder()
    with TutorialRAG.open(corpus, cache, embedder) as rag:
        assert rag.search("lễ hội voi", k=1)[0].text == "Lễ hội voi Buôn Đôn thu hút du khách."
    assert sum(embedder.document_calls) == rag.info["chunks"]
    assert len(_store_dirs(cache)) == 2


def test_other_embedder_name_gets_its_own_store(corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    TutorialRAG.open(corpus, cache, HashEmbedder()).close()
    other = HashEmbedder()
    other.name = "test:other"
    TutorialRAG.open(corpus, cache, other).close()
    assert len(_store_dirs(cache)) == 2 and other.document_calls


def test_build_embeds_in_batches_reporting_progress(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(baselines, "BATCH_SIZE", 2)
    reports: list[tuple[int, int]] = []
    embedder = HashEmbedder()
    with TutorialRAG.open(corpus, tmp_path / "cache", embedder, progress=lambda d, t: reports.append((d, t))) as rag:
        total = rag.info["chunks"]

    assert total > 2
    assert sum(done for done, _ in reports) == total
    assert {t for _, t in reports} == {total}
    assert embedder.document_calls == [done for done, _ in reports]
    assert max(embedder.document_calls) <= 2


def test_crashed_build_leaves_nothing_to_reuse(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(baselines, "BATCH_SIZE", 2)
    cache = tmp_path / "cache"
    with pytest.raises(RuntimeError, match="killed mid-build"):
        TutorialRAG.open(corpus, cache, FailingEmbedder())
    assert _store_dirs(cache) == []

    embedder = HashEmbedder()
    with TutorialRAG.open(corpus, cache, embedder) as rag:
        assert rag.search("cà phê", k=1)[0].doc_id == "nong_nghiep"
    assert sum(embedder.document_calls) == rag.info["chunks"]


def test_build_removes_temp_dirs_left_by_a_killed_process(corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    key = store_key(corpus_files(corpus), HashEmbedder.name)
    (cache / f".tutorial-{key[:16]}-x1y2.tmp" / "chroma").mkdir(parents=True)
    TutorialRAG.open(corpus, cache, HashEmbedder()).close()
    names = _store_dirs(cache)
    assert len(names) == 1 and names[0].startswith("tutorial-") and not names[0].endswith(".tmp")


def test_chroma_never_embeds_text_itself(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chroma's default embedding function (an ONNX model it downloads) must never run: with it and the
    network both booby-trapped, building, reopening and searching still work."""
    from chromadb.api.types import DefaultEmbeddingFunction

    def trap(*args: object, **kwargs: object) -> None:
        raise AssertionError("Chroma tried to embed text itself")

    def no_network(*args: object, **kwargs: object) -> None:
        raise OSError("network disabled in this test")

    monkeypatch.setattr(DefaultEmbeddingFunction, "__call__", trap)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    cache = tmp_path / "cache"
    TutorialRAG.open(corpus, cache, HashEmbedder()).close()
    with TutorialRAG.open(corpus, cache, HashEmbedder()) as rag:
        assert rag.search("khách sạn du lịch", k=2)[0].doc_id == "du_lich"
        collection = rag._store._collection
        assert collection._embedding_function is None
        assert collection.metadata == {"hnsw:space": "cosine"}
        with pytest.raises(AssertionError, match="embed text itself"):  # the trap is live: text alone hits it
            collection.query(query_texts=["du lịch"], n_results=1)


@pytest.mark.slow
def test_real_embedder_ranks_the_relevant_document_first(tmp_path: Path) -> None:
    from core.embedders import build_embedder
    from tests.conftest import make_settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in CORPUS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    embedder = build_embedder(make_settings(tmp_path / "index"))

    started = time.perf_counter()
    with TutorialRAG.open(corpus, tmp_path / "cache", embedder) as rag:
        built = time.perf_counter() - started
        passages = rag.search("Tỉnh hỗ trợ học sinh bán trú và giáo viên như thế nào?", k=3)
    print(f"tutorial baseline build: {rag.info['chunks']} chunks in {built:.2f} s")
    assert passages[0].doc_id == "giao_duc"
    assert 0.0 < passages[0].score <= 1.0


def test_a_build_leaves_other_stores_temporary_directories_alone(corpus: Path, tmp_path: Path) -> None:
    """Two evaluations of different corpora may build at once: neither removes the other's work in progress."""
    cache = tmp_path / "cache"
    cache.mkdir()
    other_in_progress = cache / ".tutorial-0123456789abcdef-x1y2.tmp"
    other_in_progress.mkdir()
    with TutorialRAG.open(corpus, cache, HashEmbedder()):
        pass
    assert other_in_progress.is_dir()
