"""POST /api/chat/stream: server-sent deltas and a final answer identical to /api/chat; errors before and after."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.deps import get_deps
from core.errors import UpstreamError
from tests.assistant.api.test_chat_search_documents import FakeIndex
from tests.conftest import make_settings

QUESTION = "Nghị quyết 57-NQ/TW được ban hành ngày nào?"


def parse_sse(lines: Iterable[str]) -> list[tuple[str, dict]]:
    """(event, data) pairs from SSE lines (what a browser's parser does, for one-line JSON data)."""
    events: list[tuple[str, dict]] = []
    name, data = "message", []
    for line in [*lines, ""]:
        if not line:
            if data:
                events.append((name, json.loads("\n".join(data))))
            name, data = "message", []
        elif line.startswith("event:"):
            name = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            data.append(line.removeprefix("data:").removeprefix(" "))
    return events


def assert_stream_of_answer(events: list[tuple[str, dict]]) -> dict:
    """Deltas then one final whose answer they spell exactly; the final's data."""
    names = [name for name, _ in events]
    assert names[-1] == "final" and set(names[:-1]) == {"delta"} and len(names) >= 3, names
    final = events[-1][1]
    assert "".join(data["text"] for _, data in events[:-1]) == final["answer"]
    assert final["degraded"] is False
    assert set(final) >= {"answer", "sources", "refused", "mode", "timings_ms", "standalone_question"}
    return final


@pytest.fixture(scope="module")
def client(sample_index: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(sample_index))) as client:
        yield client


@pytest.mark.slow
def test_stream_dated_question_final_equals_chat(client: TestClient) -> None:
    with client.stream("POST", "/api/chat/stream", json={"question": QUESTION}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        final = assert_stream_of_answer(parse_sse(response.iter_lines()))
    assert "22/12/2024" in final["answer"] and "[1]" in final["answer"], final["answer"]
    chat = client.post("/api/chat", json={"question": QUESTION}).json()
    assert final["answer"] == chat["answer"] and final["sources"] == chat["sources"]
    assert (final["refused"], final["mode"]) == (chat["refused"], chat["mode"]) == (False, "extractive")


@pytest.mark.slow
def test_stream_follow_up_with_history_has_standalone_question(client: TestClient) -> None:
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "Ngày 22/12/2024 [1]."}]
    body = {"question": "Nó do cơ quan nào ban hành?", "history": history, "k": 3}
    with client.stream("POST", "/api/chat/stream", json=body) as response:
        final = assert_stream_of_answer(parse_sse(response.iter_lines()))
    chat = client.post("/api/chat", json=body).json()
    assert final["standalone_question"] == chat["standalone_question"]
    assert len(final["sources"]) <= 3


@pytest.mark.slow
def test_stream_real_http_deltas_then_final(live_server: str) -> None:
    with (
        httpx.Client(base_url=live_server, timeout=60) as http,
        http.stream("POST", "/api/chat/stream", json={"question": QUESTION}) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert "content-length" not in response.headers  # streamed, not buffered
        final = assert_stream_of_answer(parse_sse(response.iter_lines()))
    assert "22/12/2024" in final["answer"]
    assert [int(n) for n in re.findall(r"\[(\d+)\]", final["answer"])][0] == 1


@pytest.mark.slow
@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"question": "  "}, "Câu hỏi"),
        ({"question": "a" * 2001}, "2000"),
        ({"question": QUESTION, "filters": {"kinds": ["thơ"]}}, "thơ"),
        ({"question": QUESTION, "k": 99}, "`k`"),
    ],
)
def test_stream_bad_input_plain_json_422(client: TestClient, body: dict, needle: str) -> None:
    response = client.post("/api/chat/stream", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert needle in response.json()["message"] and response.json()["message_en"]


def test_stream_no_index_plain_json_503(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path / "index"))) as client:
        response = client.post("/api/chat/stream", json={"question": QUESTION})
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/json"
        assert "assistant ingest" in response.json()["message"]


@dataclass
class FakeRetriever:
    failure: Exception | None = None

    def rank(self, *args: object) -> list:
        if self.failure:
            raise self.failure
        return []

    def select(self, ranked: list, k: int) -> list:
        return []

    def passage(self, cid: str):
        raise AssertionError(f"nothing retrieved, nothing to cite ({cid})")


@dataclass
class FakeDeps:
    settings: object
    retriever: FakeRetriever
    index: FakeIndex = field(default_factory=FakeIndex)
    chat_model: None = None


def stream_with(tmp_path: Path, retriever: FakeRetriever, body: dict) -> tuple[int, list[tuple[str, dict]]]:
    app = create_app(make_settings(tmp_path))
    app.dependency_overrides[get_deps] = lambda: FakeDeps(make_settings(tmp_path), retriever)
    with TestClient(app) as client, client.stream("POST", "/api/chat/stream", json=body) as response:
        return response.status_code, parse_sse(response.iter_lines())


def test_stream_nothing_retrieved_refusal_streamed(tmp_path: Path) -> None:
    status, events = stream_with(tmp_path, FakeRetriever(), {"question": QUESTION})
    final = assert_stream_of_answer(events)
    assert status == 200 and final["refused"] and "không đề cập" in final["answer"]


def test_stream_upstream_failure_after_start_error_event(tmp_path: Path) -> None:
    failure = UpstreamError("Embeddings endpoint down: start it.", "Dịch vụ nhúng không phản hồi.")
    status, events = stream_with(tmp_path, FakeRetriever(failure), {"question": QUESTION})
    assert status == 200
    assert events == [("error", failure.to_dict())] and events[0][1]["error"] == "upstream_error"


def test_stream_unexpected_failure_error_event_without_details(tmp_path: Path) -> None:
    status, events = stream_with(tmp_path, FakeRetriever(RuntimeError("secret path /srv/x")), {"question": QUESTION})
    assert status == 200 and [name for name, _ in events] == ["error"]
    error = events[0][1]
    assert error["error"] == "internal_error" and "thử lại" in error["message"] and error["message_en"]
    assert "secret" not in json.dumps(error)
