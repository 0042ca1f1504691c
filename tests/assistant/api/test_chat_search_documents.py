"""The HTTP API, in process (TestClient, lifespan included) and over real HTTP against `assistant serve`."""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.deps import get_deps
from assistant.api.schemas import PassageModel
from core.index.layout import DocRecord
from core.index.types import DocumentMeta
from tests.conftest import make_settings

QUESTION = "Nghị quyết 57-NQ/TW được ban hành ngày nào?"
PASSAGE_FIELDS = set(PassageModel.model_fields)


@pytest.fixture(scope="module", params=["in_process", "http"])
def api(request: pytest.FixtureRequest, sample_index: Path) -> Iterator[httpx.Client]:
    """The same tests through TestClient and through a real server."""
    if request.param == "in_process":
        with TestClient(create_app(make_settings(sample_index))) as client:
            yield client
    else:
        with httpx.Client(base_url=request.getfixturevalue("live_server"), timeout=60) as client:
            yield client


def assert_vi_and_en(body: dict, vi_word: str) -> None:
    assert vi_word in body["message"], body
    assert body["message_en"] and body["message_en"] != body["message"], body


@pytest.mark.slow
def test_chat_dated_question_cites_date(api: httpx.Client) -> None:
    response = api.post("/api/chat", json={"question": QUESTION})
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body["refused"] and body["mode"] == "extractive"
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])]
    assert markers and all(1 <= n <= len(body["sources"]) for n in markers), body["answer"]
    assert "22/12/2024" in body["answer"] or "22-12-2024" in body["answer"], body["answer"]
    for source in body["sources"]:
        assert set(source) >= PASSAGE_FIELDS
    assert [s["n"] for s in body["sources"]] == list(range(1, len(body["sources"]) + 1))


@pytest.mark.slow
def test_search_query_ranked_by_decreasing_score(api: httpx.Client) -> None:
    response = api.get("/api/search", params={"q": "chuyển đổi số tỉnh Gia Lai", "k": 4})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert 1 <= len(results) <= 4
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    assert [r["n"] for r in results] == list(range(1, len(results) + 1))


@pytest.mark.slow
def test_documents_sample_index_lists_five(api: httpx.Client) -> None:
    docs = api.get("/api/documents").json()["documents"]
    assert len(docs) == 5
    assert all(d["title"] and d["date"] and d["chunks"] > 0 for d in docs), docs


@pytest.mark.slow
def test_document_known_id_returns_text(api: httpx.Client) -> None:
    doc_id = api.get("/api/documents").json()["documents"][0]["id"]
    body = api.get(f"/api/documents/{doc_id}").json()
    assert body["id"] == doc_id and len(body["text"]) > 500


@pytest.mark.slow
def test_document_unknown_id_404(api: httpx.Client) -> None:
    response = api.get("/api/documents/khong-co")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert_vi_and_en(response.json(), "khong-co")


@pytest.mark.slow
@pytest.mark.parametrize("question", ["", "   \n "])
def test_chat_empty_question_422_vi_en(api: httpx.Client, question: str) -> None:
    response = api.post("/api/chat", json={"question": question})
    assert response.status_code == 422
    assert_vi_and_en(response.json(), "Câu hỏi")


@pytest.mark.slow
def test_chat_too_long_question_422(api: httpx.Client) -> None:
    response = api.post("/api/chat", json={"question": "a" * 2001})
    assert response.status_code == 422
    assert_vi_and_en(response.json(), "2000")


@pytest.mark.slow
def test_chat_unknown_filter_kind_422_names_allowed(api: httpx.Client) -> None:
    response = api.post("/api/chat", json={"question": QUESTION, "filters": {"kinds": ["thơ"]}})
    assert response.status_code == 422
    assert "nghị quyết" in response.json()["message"] and "thơ" in response.json()["message"]


@pytest.mark.slow
def test_chat_bad_field_types_422_names_field(api: httpx.Client) -> None:
    response = api.post("/api/chat", json={"question": QUESTION, "k": 99, "history": "x"})
    assert response.status_code == 422
    body = response.json()
    assert "`k`" in body["message"] and "`history`" in body["message"] and "`k`" in body["message_en"]


@pytest.mark.slow
def test_healthz_sample_index_ok(api: httpx.Client) -> None:
    body = api.get("/healthz").json()
    assert body["status"] == "ok" and body["documents"] == 5 and body["chunks"] > 5


@pytest.mark.slow
def test_pages_docs_and_index_served(api: httpx.Client) -> None:
    assert api.get("/docs").status_code == 200
    page = api.get("/")
    assert page.status_code == 200 and "Trợ lý Nghị quyết" in page.text
    assert "script-src 'self';" in page.headers["content-security-policy"]  # no inline script runs
    scripts = [page.text]
    widget = api.get("/widget.js")
    if widget.status_code == 200:  # the widget's script, once assistant/web/widget.js is there
        scripts.append(widget.text)
    for text, sink in itertools.product(scripts, ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write")):
        assert sink not in text  # server text goes in with textContent only: no <script> can run
    own = page.text.replace(str(api.base_url).rstrip("/"), "")  # {{API_BASE}} is this server
    assert "http://" not in own and "https://" not in own  # self-contained: no CDN


def test_app_empty_index_starts_and_answers_503(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path / "index"))) as client:
        health = client.get("/healthz").json()
        assert health["status"] == "no_index" and "assistant ingest" in health["message"]
        for response in (client.post("/api/chat", json={"question": QUESTION}), client.get("/api/documents")):
            assert response.status_code == 503
            assert "assistant ingest" in response.json()["message"]
            assert "assistant ingest" in response.json()["message_en"]


@pytest.mark.slow
def test_app_index_built_after_start_loads_without_restart(tmp_path: Path, sample_index: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path / "index"))) as client:
        assert client.get("/healthz").json()["status"] == "no_index"
        shutil.copytree(sample_index, tmp_path / "index")
        assert client.get("/healthz").json()["status"] == "ok"
        assert len(client.get("/api/documents").json()["documents"]) == 5


@dataclass
class FakeIndex:
    documents: dict[str, DocRecord] = field(default_factory=dict)
    chunks: dict = field(default_factory=dict)
    serial_numbers: frozenset[int] = frozenset({57})  # the collection names NQ 57: the question is not refused for it
    named_keys: frozenset[str] = frozenset({"nq:57"})
    mentioned_keys: frozenset[str] = frozenset({"nq:57"})
    owners: dict[str, list[str]] = field(default_factory=dict)  # no document's own number: nothing for the card
    part_owners: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # nor a part of a compiled file


@dataclass
class FakeDeps:
    settings: object
    index: FakeIndex


def test_documents_fake_deps_listed_without_index(tmp_path: Path) -> None:
    meta = DocumentMeta("nq57", "nq57.txt", "Nghị quyết 57-NQ/TW", "2024-12-22", "nghị quyết", ["57-NQ/TW"])
    fake = FakeDeps(make_settings(tmp_path), FakeIndex({"nq57": DocRecord(meta, "Nội dung <script>", [])}))
    app = create_app(make_settings(tmp_path))
    app.dependency_overrides[get_deps] = lambda: fake
    with TestClient(app) as client:
        assert client.get("/api/documents").json()["documents"][0]["title"] == "Nghị quyết 57-NQ/TW"
        assert client.get("/api/documents/nq57").json()["text"] == "Nội dung <script>"
        response = client.post("/api/chat", json={"question": " "})
        assert response.status_code == 422 and "Câu hỏi" in response.json()["message"]
