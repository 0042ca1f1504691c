"""A server follows its index: a commit by another process (an ingest, a rebuild, an admin job) is opened beside
the generation being served and swapped in, with no restart and no failed request.

The first tests drive LiveDeps directly over small indexes (a hashing embedder, ingested in process); the last
one is the real thing: uvicorn on 127.0.0.1 under steady traffic while `assistant ingest` and then
`assistant ingest --rebuild` run in another process.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant import pipeline
from assistant.api.app import create_app
from assistant.deps import Deps, LiveDeps
from core.index.layout import Layout
from core.index.reader import IndexReader
from core.index.store import VectorStoreError
from ingest.pipeline import Ingestor
from tests.assistant.api.helpers import served
from tests.conftest import SAMPLE_DOCUMENTS, clean_env, make_settings
from tests.ingest.test_pipeline import SMALL, HashEmbedder, OtherEmbedder

EA_TLANG = (
    "THÔNG BÁO\nKết quả Ngày hội chuyển đổi số xã Ea Tlang\n\n"
    "Ngày hội chuyển đổi số xã Ea Tlang được tổ chức vào ngày 17/5/2025 tại Nhà văn hoá xã, thu hút 350 người "
    "dân tham gia. Ban tổ chức đã hướng dẫn người dân cài đặt ứng dụng VNeID và thanh toán không dùng tiền mặt.\n"
)
EA_TLANG_QUESTION = "Ngày hội chuyển đổi số xã Ea Tlang được tổ chức vào ngày nào?"
IA_KO_QUESTION = "Xã Ia Ko họp Ban Chỉ đạo ngày nào?"


def _hash_ingest(documents: Path, index: Path, rebuild: bool = False, embedder: object = None) -> None:
    Ingestor(index, embedder or HashEmbedder(), SMALL).run(documents, rebuild=rebuild)


def _hash_live(documents: Path, index: Path) -> LiveDeps:
    settings = make_settings(index, documents)
    live = LiveDeps(settings, load=lambda s: Deps(s, HashEmbedder(), IndexReader(s.index_dir, fresh=True)))
    live.open()
    assert live.current is not None, live.error
    return live


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    documents, index = tmp_path / "documents", tmp_path / "index"
    documents.mkdir()
    shutil.copy(SAMPLE_DOCUMENTS / "004_538540773102b57e.txt", documents)
    _hash_ingest(documents, index)
    return documents, index


def _dense(deps: Deps) -> list[tuple[str, float]]:
    vector = deps.embedder.embed_query(["chuyển đổi số"])[0]
    return deps.index.store.query(vector, 3)


def test_refresh_new_commit_swaps_and_old_generation_still_answers(corpus: tuple[Path, Path]) -> None:
    documents, index = corpus
    live = _hash_live(documents, index)
    old = live.current
    assert old is not None and live.refresh() is False and live.current is old  # nothing new: nothing opened

    (documents / "ea_tlang.txt").write_text(EA_TLANG, encoding="utf-8")
    _hash_ingest(documents, index)

    assert old.index.is_stale() and live.refresh() is True
    new = live.current
    assert new is not old and set(new.index.documents) == {"004_538540773102b57e", "ea_tlang"}
    assert new.index.manifest.generation == old.index.manifest.generation + 1 and live.reloads == 1
    assert new.embedder is old.embedder  # the model is loaded once, whatever the generation
    assert any(
        cid.startswith("ea_tlang:") for cid, _ in new.index.store.query(new.embedder.embed_query([EA_TLANG])[0], 3)
    )
    # A request that started on the old generation finishes on it: its own documents, its own vectors.
    assert set(old.index.documents) == {"004_538540773102b57e"} and _dense(old)
    assert pipeline.run(old, pipeline.Turn(IA_KO_QUESTION)).answer.sources


def test_refresh_after_rebuild_to_the_same_generation_swaps_and_dense_works(corpus: tuple[Path, Path]) -> None:
    """The old defect: a rebuild restarts at generation 1 and drops the collection; the server went lexical-only."""
    documents, index = corpus
    live = _hash_live(documents, index)
    old = live.current
    assert old is not None

    _hash_ingest(documents, index, rebuild=True)

    assert old.index.manifest.generation == 1 and old.index.is_stale()
    with pytest.raises(VectorStoreError, match="does not exist"):
        _dense(old)  # what every request used to hit until a restart
    assert live.refresh() is True
    new = live.current
    assert new is not None and new.index.manifest.generation == 1
    assert _dense(new) and new.index.store.count() == len(new.index.chunks)


def test_refresh_while_rebuild_under_way_keeps_serving(corpus: tuple[Path, Path]) -> None:
    documents, index = corpus
    live = _hash_live(documents, index)
    served_before = live.current
    Layout(index).manifest.unlink()  # what `ingest --rebuild` does first; the new manifest comes last

    assert live.refresh() is False and live.current is served_before


def test_refresh_commit_that_cannot_open_keeps_old_and_says_why(corpus: tuple[Path, Path]) -> None:
    documents, index = corpus
    live = _hash_live(documents, index)
    served_before = live.current
    _hash_ingest(documents, index, rebuild=True, embedder=OtherEmbedder())  # another model than the server's

    assert live.refresh() is False and live.current is served_before
    assert live.reload_error is not None and "test:other-64" in live.reload_error
    assert live.refresh() is False  # not retried at every tick: at the next commit, or later


def test_app_serves_new_commit_and_healthz_reports_generation(corpus: tuple[Path, Path]) -> None:
    documents, index = corpus
    settings = make_settings(index, documents, reload_interval=0.1)
    app = create_app(settings)
    app.state.live = LiveDeps(settings, load=lambda s: Deps(s, HashEmbedder(), IndexReader(s.index_dir, fresh=True)))
    with TestClient(app) as client:
        first = client.get("/healthz").json()
        assert first["status"] == "ok" and first["generation"] == 1 and first["committed"]
        (documents / "ea_tlang.txt").write_text(EA_TLANG, encoding="utf-8")
        _hash_ingest(documents, index)
        deadline = time.monotonic() + 20
        while client.get("/healthz").json()["generation"] != 2:
            assert time.monotonic() < deadline, "the new generation was not served"
            time.sleep(0.1)
        ids = [d["id"] for d in client.get("/api/documents").json()["documents"]]
        assert ids == ["004_538540773102b57e", "ea_tlang"]
        metrics = client.get("/metrics").text
        assert "assistant_index_generation 2" in metrics and "assistant_index_reloads 1" in metrics


def test_app_rebuild_under_way_healthz_says_rebuilding(corpus: tuple[Path, Path]) -> None:
    documents, index = corpus
    settings = make_settings(index, documents, reload_interval=0)
    app = create_app(settings)
    app.state.live = LiveDeps(settings, load=lambda s: Deps(s, HashEmbedder(), IndexReader(s.index_dir, fresh=True)))
    with TestClient(app) as client:
        Layout(index).manifest.unlink()  # a rebuild's first step; its commit comes last
        health = client.get("/healthz").json()
        assert health["status"] == "rebuilding" and "từ khoá" in health["message"] and health["documents"] == 1
        assert client.post("/api/chat", json={"question": IA_KO_QUESTION}).status_code == 200


def test_app_reload_failed_healthz_stale_with_message(corpus: tuple[Path, Path]) -> None:
    documents, index = corpus
    settings = make_settings(index, documents, reload_interval=0)
    app = create_app(settings)
    app.state.live = LiveDeps(settings, load=lambda s: Deps(s, HashEmbedder(), IndexReader(s.index_dir, fresh=True)))
    with TestClient(app) as client:
        _hash_ingest(documents, index, rebuild=True, embedder=OtherEmbedder())
        assert app.state.live.refresh() is False
        health = client.get("/healthz").json()
        assert health["status"] == "stale" and "bản trước" in health["message"] and health["generation"] == 1
        assert client.post("/api/chat", json={"question": IA_KO_QUESTION}).status_code == 200


# ---------------------------------------------------------------- the real server under steady traffic


def _cli_ingest(documents: Path, index: Path, *extra: str) -> None:
    cmd = [sys.executable, "-m", "assistant.cli", "ingest", "--json", "--documents", str(documents)]
    subprocess.run([*cmd, "--index", str(index), *extra], check=True, env=clean_env(), capture_output=True, timeout=600)


class Traffic:
    """Threads asking /api/chat and /api/search in a loop until stopped; every status kept."""

    def __init__(self, base: str, threads: int = 4) -> None:
        self.base, self.statuses, self.errors = base, Counter[int](), []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def __enter__(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def _run(self, i: int) -> None:
        with httpx.Client(base_url=self.base, timeout=60) as client:
            while not self._stop.is_set():
                try:
                    if i % 2:
                        response = client.get("/api/search", params={"q": "chuyển đổi số xã", "k": 3})
                    else:
                        response = client.post("/api/chat", json={"question": IA_KO_QUESTION})
                except httpx.HTTPError as exc:  # a dropped connection is a failed request too
                    self.errors.append(repr(exc))
                    continue
                self.statuses[response.status_code] += 1
                if response.status_code != 200:
                    self.errors.append(f"{response.status_code} {response.text[:300]}")

    @property
    def total(self) -> int:
        return sum(self.statuses.values()) + len([e for e in self.errors if not e[:3].isdigit()])


def _answered_from(client: httpx.Client, doc_id: str) -> bool:
    body = client.post("/api/chat", json={"question": EA_TLANG_QUESTION}).json()
    return "17/5/2025" in body["answer"] and any(s["doc_id"] == doc_id for s in body["sources"])


def _wait(condition, seconds: float) -> float:
    """Seconds until condition() held (polled every 0.1 s); fails after `seconds`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "not within the time allowed"
        time.sleep(0.1)
    return time.monotonic() - started


@pytest.mark.slow
def test_ingest_then_rebuild_under_traffic_no_request_fails(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    documents, index = tmp_path / "documents", tmp_path / "index"
    documents.mkdir()
    for name in ("004_538540773102b57e.txt", "002_f6b2abf78aec154f.txt"):
        shutil.copy(SAMPLE_DOCUMENTS / name, documents)
    _cli_ingest(documents, index)
    settings = make_settings(index, documents, reload_interval=0.5, rate_chat_per_minute=0, max_in_flight=16)
    app = create_app(settings)
    caplog.set_level(logging.WARNING, logger="assistant.retrieve.retriever")

    with served(app) as base, Traffic(base) as traffic, httpx.Client(base_url=base, timeout=60) as client:
        time.sleep(1.0)
        assert not _answered_from(client, "ea_tlang")
        (documents / "ea_tlang.txt").write_text(EA_TLANG, encoding="utf-8")
        _cli_ingest(documents, index)  # another process commits generation 2
        after_ingest = _wait(lambda: _answered_from(client, "ea_tlang"), 30)
        assert client.get("/healthz").json()["generation"] == 2

        committed = client.get("/healthz").json()["committed"]
        _cli_ingest(documents, index, "--rebuild")  # generation 1 again, the collection dropped and made anew
        after_rebuild = _wait(lambda: client.get("/healthz").json()["committed"] != committed, 30)
        time.sleep(1.0)  # requests that started on the dropped generation finish
        window = sum("dense retrieval failed" in r.getMessage() for r in caplog.records)
        caplog.clear()
        assert _answered_from(client, "ea_tlang")
        for _ in range(10):
            assert client.get("/api/search", params={"q": "Ngày hội chuyển đổi số Ea Tlang"}).status_code == 200
        lexical_only = [r.getMessage() for r in caplog.records if "dense retrieval failed" in r.getMessage()]
        store = app.state.live.current.index.store
        assert store.count() == len(app.state.live.current.index.chunks)
        time.sleep(1.0)

    print(
        f"\ntraffic: {traffic.total} requests {dict(traffic.statuses)}, {len(traffic.errors)} failed; new document "
        f"answered {after_ingest:.1f} s after its ingest committed; rebuild served {after_rebuild:.1f} s after it "
        f"ended; {window} requests answered lexically while the rebuild ran (its first step drops the old vectors)"
    )
    assert traffic.errors == [] and set(traffic.statuses) == {200}
    assert traffic.total > 20
    assert lexical_only == []  # after the rebuild's commit every request uses the vectors again
