"""Input bounds on everything that reaches the embedder or the model, and text that is no text (surrogates).

Each limit gives a 422 in the documented shape ({error, message, message_en}) naming the field and the limit,
before any retrieval: the fake retriever counts its calls.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant import pipeline
from assistant.feedback import FeedbackStore
from assistant.retrieve.filters import MAX_FILTER_VALUES, validate_filters
from assistant.types import Filters
from core.errors import UserInputError
from tests.assistant.api.helpers import SlowRetriever, fake_app
from tests.conftest import make_settings

QUESTION = "Nghị quyết 57-NQ/TW được ban hành ngày nào?"
LOCAL = ("127.0.0.1", 50000)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(fake_app(tmp_path), client=LOCAL) as client:
        yield client


def retriever_of(client: TestClient) -> SlowRetriever:
    return client.app.state.fake_deps.retriever  # type: ignore[attr-defined]


def assert_422(response, *needles: str) -> dict:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error"] == "invalid_input" and body["message"] and body["message_en"] != body["message"], body
    for needle in needles:
        assert needle in body["message"] and needle in body["message_en"], (needle, body)
    return body


def post_raw(client: TestClient, path: str, raw: str) -> object:
    """A body with JSON escapes as written ("\\ud800" stays an escape: httpx cannot encode a lone surrogate)."""
    return client.post(path, content=raw.encode("utf-8"), headers={"Content-Type": "application/json"})


# ---------------------------------------------------------------- history


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream"])
def test_chat_history_400kb_422_in_milliseconds_before_retrieval(client: TestClient, path: str) -> None:
    history = [{"role": "user", "content": "Nghị quyết " * 40_000}]  # 440 KB
    started = time.perf_counter()
    response = client.post(path, json={"question": "Nó ban hành ngày nào?", "history": history})
    elapsed = time.perf_counter() - started
    assert_422(response, "history", "32000")
    assert "Lịch sử hội thoại" in response.json()["message"]
    assert retriever_of(client).calls == 0 and elapsed < 1.0, elapsed  # ~20 ms here; never the embedder


@pytest.mark.parametrize(
    ("history", "needles"),
    [
        ([{"role": "user", "content": "Câu hỏi?"}] * 21, ("history", "21", "20")),
        ([{"role": "user", "content": "x" * 2001}], ("history.0.content", "2000")),
        (
            [{"role": "user", "content": "Câu hỏi?"}, {"role": "assistant", "content": "y" * 8001}],
            ("history.1", "8000"),
        ),
        ([{"role": "assistant", "content": "y" * 7000}] * 5, ("history", "35000", "32000")),
    ],
    ids=["turns", "user-turn", "assistant-turn", "total"],
)
def test_chat_history_over_a_limit_422_names_it(client: TestClient, history: list, needles: tuple) -> None:
    assert_422(client.post("/api/chat", json={"question": QUESTION, "history": history}), *needles)
    assert retriever_of(client).calls == 0


def test_chat_history_limits_from_settings(tmp_path: Path) -> None:
    with TestClient(fake_app(tmp_path, max_history_turns=2, max_history_chars=50)) as client:
        three = [{"role": "user", "content": "a"}] * 3
        assert_422(client.post("/api/chat", json={"question": QUESTION, "history": three}), "2")
        long = [{"role": "assistant", "content": "b" * 51}]
        assert_422(client.post("/api/chat", json={"question": QUESTION, "history": long}), "50")
        fine = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b" * 40}]
        assert client.post("/api/chat", json={"question": QUESTION, "history": fine}).status_code == 200


def test_validate_history_cleans_turns_like_questions() -> None:
    settings = make_settings(Path("index"))
    turns = [{"role": "user", "content": "Nghi\u0323\u200b quyết\x07"}, {"role": "assistant", "content": "Có [1]."}]
    assert pipeline.validate_history(turns, settings) == [
        {"role": "user", "content": "Nghị quyết"},
        {"role": "assistant", "content": "Có [1]."},
    ]
    assert pipeline.validate_history(None, settings) == []


# ---------------------------------------------------------------- lone surrogates and broken text


@pytest.mark.parametrize(
    ("path", "raw", "field"),
    [
        ("/api/chat", '{"question": "Ngh\\ud800 quyết"}', "question"),
        ("/api/chat/stream", '{"question": "\\udfff"}', "question"),
        ("/api/chat", '{"question": "Hỏi?", "history": [{"role": "user", "content": "\\ud800"}]}', "history.0"),
        ("/api/chat", '{"question": "Hỏi?", "filters": {"doc_ids": ["\\ud800"]}}', "filters.doc_ids.0"),
        ("/api/feedback", '{"question": "\\ud800x", "rating": "up"}', "question"),
        ("/api/feedback", '{"question": "Hỏi?", "answer": "\\ud800", "rating": "up"}', "answer"),
        ("/api/feedback", '{"question": "Hỏi?", "comment": "\\udbff", "rating": "down"}', "comment"),
        (
            "/api/feedback",
            '{"question": "Hỏi?", "rating": "up", "sources": [{"n": 1, "doc_id": "\\ud800"}]}',
            "sources",
        ),
        (
            "/api/feedback",
            '{"question": "Hỏi?", "rating": "up", "history": [{"role": "user", "content": "\\ud800"}]}',
            "history.0",
        ),
        ("/api/material", '{"topic": "Chuyển đổi số \\ud800"}', "topic"),
    ],
)
def test_lone_surrogate_422_never_500(client: TestClient, path: str, raw: str, field: str) -> None:
    response = post_raw(client, path, raw)
    body = assert_422(response, f"`{field}")
    assert "UTF-8" in body["message"]
    assert retriever_of(client).calls == 0


def test_validate_question_lone_surrogate_is_a_user_error() -> None:
    with pytest.raises(UserInputError, match="surrogate") as caught:
        pipeline.validate_question("Nghị quyết \ud800?", make_settings(Path("index")))
    assert caught.value.status == 422 and "Câu hỏi" in caught.value.message_vi and "UTF-8" in caught.value.message_vi


def test_feedback_store_lone_surrogate_named_not_sqlite_error(tmp_path: Path) -> None:
    from assistant.feedback import FeedbackEntry

    with pytest.raises(ValueError, match="invalid character"):
        FeedbackStore(tmp_path / "f.sqlite3").add(FeedbackEntry("up", "Hỏi \ud800"))


# ---------------------------------------------------------------- invisible characters in questions


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("Nghị\u200bquyết 57-NQ/TW", "Nghịquyết 57-NQ/TW"),
        ("\ufeffNghị quyết\u2060 57\u200d-NQ/TW\u00ad?", "Nghị quyết 57-NQ/TW?"),
        ("Nghi\u0323 quyê\u0301t\x00\x1b[31m\x85", "Nghị quyết[31m"),
        ("Dòng 1\r\nDòng 2\tcột", "Dòng 1\nDòng 2\tcột"),
        ("\u202eNghị quyết\u202c", "Nghị quyết"),
    ],
)
def test_validate_question_invisible_and_control_characters_removed(typed: str, clean: str) -> None:
    assert pipeline.validate_question(typed, make_settings(Path("index"))) == clean


def test_validate_question_only_invisible_characters_is_empty() -> None:
    with pytest.raises(UserInputError, match="empty"):
        pipeline.validate_question("\u200b\u200c\ufeff \x00", make_settings(Path("index")))


def test_chat_zero_width_question_retrieves_like_the_clean_one(client: TestClient) -> None:
    for question in ("Nghị quyết 57\u200b-NQ/TW ban\u2060 hành ngày nào?", "Nghị quyết 57-NQ/TW ban hành ngày nào?"):
        assert client.post("/api/chat", json={"question": question}).status_code == 200
    zero_width, clean = retriever_of(client).queries
    assert zero_width == clean


# ---------------------------------------------------------------- feedback


@pytest.mark.parametrize(
    ("overrides", "field", "limit"),
    [
        ({"answer": "x" * 101}, "answer", "100"),
        ({"comment": "x" * 11}, "comment", "10"),
        ({"sources": [{"n": i, "doc_id": "d"} for i in range(4)]}, "sources", "3"),
        ({"question": "x" * 31}, "question", "30"),
    ],
)
def test_feedback_field_over_setting_422(tmp_path: Path, overrides: dict, field: str, limit: str) -> None:
    settings = {
        "feedback_max_answer_chars": 100,
        "feedback_max_comment_chars": 10,
        "feedback_max_sources": 3,
        "max_question_chars": 30,
    }
    with TestClient(fake_app(tmp_path, **settings)) as client:
        body = {"question": "Hỏi?", "rating": "up", **overrides}
        assert_422(client.post("/api/feedback", json=body), f"`{field}`", limit)
        assert client.post("/api/feedback", json={"question": "Hỏi?", "rating": "up"}).status_code == 201


def test_feedback_history_over_limits_422(client: TestClient) -> None:
    history = [{"role": "assistant", "content": "x" * 8001}]
    assert_422(client.post("/api/feedback", json={"question": "Hỏi?", "rating": "up", "history": history}), "8000")
    history = [{"role": "user", "content": "x"}] * 21
    assert_422(client.post("/api/feedback", json={"question": "Hỏi?", "rating": "up", "history": history}), "20")


def test_feedback_528kb_row_refused(client: TestClient) -> None:
    body = {"question": "Hỏi?", "rating": "down", "answer": "x" * 20_000, "comment": "y" * 2000}
    body["history"] = [{"role": "assistant", "content": "z" * 8000}] * 20  # 160 KB of history: over 32,000 in all
    assert_422(client.post("/api/feedback", json=body), "history")


# ---------------------------------------------------------------- filters, k, paging


def test_chat_100000_doc_ids_short_422_naming_the_limit(client: TestClient) -> None:
    started = time.perf_counter()
    response = client.post("/api/chat", json={"question": QUESTION, "filters": {"doc_ids": ["x"] * 100_000}})
    elapsed = time.perf_counter() - started
    body = assert_422(response, "filters.doc_ids", str(MAX_FILTER_VALUES))
    assert len(response.content) < 2000 and elapsed < 2.0, (len(response.content), elapsed)
    assert "x, x" not in json.dumps(body)


def test_validate_filters_oversized_list_names_limit() -> None:
    with pytest.raises(UserInputError, match=f"limit is {MAX_FILTER_VALUES}") as caught:
        validate_filters(Filters(doc_ids=["x"] * 100_000), {})
    assert len(caught.value.message_vi) < 300


def test_validate_filters_many_unknown_values_message_stays_short() -> None:
    with pytest.raises(UserInputError) as caught:
        validate_filters(Filters(doc_ids=[f"khong-co-{i}" for i in range(100)]), {})
    message = caught.value.message_vi
    assert "khong-co-9" in message and "khong-co-10," not in message and "(+90)" in message and len(message) < 400


@pytest.mark.parametrize("value", ["2025-13-45", "2025-02-29", "2025-00", "0999", "2025-1-5", "2025-06-31"])
def test_chat_date_filter_not_a_calendar_date_422(client: TestClient, value: str) -> None:
    response = client.post("/api/chat", json={"question": QUESTION, "filters": {"date_from": value}})
    assert_422(response, "date_from")
    assert "YYYY-MM-DD" in response.json()["message"]


@pytest.mark.parametrize("value", ["2024-02-29", "2025", "2025-12", "2025-12-31"])
def test_validate_filters_real_dates_accepted(value: str) -> None:
    assert validate_filters(Filters(date_from=value), {}) is not None


def test_validate_filters_date_from_after_date_to_422() -> None:
    with pytest.raises(UserInputError, match="after"):
        validate_filters(Filters(date_from="2025-06", date_to="2025-01-31"), {})
    assert validate_filters(Filters(date_from="2025-01", date_to="2025-01-31"), {}) is not None


@pytest.mark.parametrize("k", [True, False, 2.0, "3"])
def test_chat_k_not_an_integer_422(client: TestClient, k: object) -> None:
    assert_422(client.post("/api/chat", json={"question": QUESTION, "k": k}), "`k`")
    assert retriever_of(client).calls == 0


@pytest.mark.parametrize("value", [True, 6.0, "6"])
@pytest.mark.parametrize("field", ["points", "questions"])
def test_material_counts_strict_integers(client: TestClient, field: str, value: object) -> None:
    assert_422(client.post("/api/material", json={"topic": "Chuyển đổi số", field: value}), f"`{field}`")


@pytest.mark.parametrize("offset", [2**63, 2**64, 10**9 + 1])
def test_feedback_list_offset_beyond_maximum_422(client: TestClient, offset: int) -> None:
    assert_422(client.get("/api/feedback", params={"offset": offset}), "`offset`")


def test_feedback_list_large_offset_within_maximum_empty(client: TestClient) -> None:
    client.post("/api/feedback", json={"question": "Hỏi?", "rating": "up"})
    response = client.get("/api/feedback", params={"offset": 10**9, "limit": 1000})
    assert response.status_code == 200 and response.json()["items"] == [] and response.json()["total"] == 1


def test_feedback_store_offset_beyond_sqlite_clamped(tmp_path: Path) -> None:
    from assistant.feedback import FeedbackEntry

    store = FeedbackStore(tmp_path / "f.sqlite3")
    store.add(FeedbackEntry("up", "Hỏi?"))
    assert store.list(limit=2**70, offset=2**70) == []


@pytest.mark.slow
def test_chat_sample_index_zero_width_question_answers_like_the_clean_one(sample_index: Path) -> None:
    from assistant.api.app import create_app

    typed = "Nghị quyết 57\u200b-NQ/TW được ban\u2060 hành ngày\ufeff nào?"
    with TestClient(create_app(make_settings(sample_index))) as client:
        hidden = client.post("/api/chat", json={"question": typed}).json()
        clean = client.post("/api/chat", json={"question": QUESTION}).json()
    assert (hidden["answer"], hidden["sources"]) == (clean["answer"], clean["sources"])
    assert "22/12/2024" in hidden["answer"]
