"""Feedback: the SQLite store on its own, then POST/GET /api/feedback (no index needed for either)."""

from __future__ import annotations

import sqlite3
import threading
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from assistant.api.app import create_app
from assistant.feedback import FeedbackEntry, FeedbackStore
from tests.conftest import make_settings

QUESTION = "Nghị quyết 57-NQ/TW được ban hành ngày nào?"
ANSWER = "Nghị quyết 57-NQ/TW được ban hành ngày 22/12/2024 [1]."
TOKEN = "s3cret-admin-token-for-tests"
LOCAL = ("127.0.0.1", 50000)
SOURCE = {"n": 1, "doc_id": "nq57", "chunk_id": "nq57:0", "title": "Nghị quyết 57-NQ/TW", "text": "dropped"}


def feedback_body(**overrides: object) -> dict:
    return {"question": QUESTION, "answer": ANSWER, "rating": "up", **overrides}


def test_store_add_then_list_newest_first(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    first = store.add(FeedbackEntry("up", QUESTION, ANSWER, sources=[SOURCE], mode="extractive"))
    history = [{"role": "user", "content": "x"}]
    second = store.add(FeedbackEntry("down", "Câu khác?", comment="Sai ngày", history=history))
    items = store.list()
    assert [item["id"] for item in items] == [second, first] and store.count() == 2
    assert items[1]["sources"] == [{"n": 1, "doc_id": "nq57", "chunk_id": "nq57:0", "title": "Nghị quyết 57-NQ/TW"}]
    assert items[1]["mode"] == "extractive" and items[1]["created"].endswith("+00:00")
    assert items[0]["history"] == history and items[0]["comment"] == "Sai ngày"
    assert [item["id"] for item in store.list(limit=1, offset=1)] == [first]


def test_store_no_write_yet_lists_nothing_creates_nothing(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "missing" / "feedback.sqlite3")
    assert store.list() == [] and store.count() == 0
    assert not (tmp_path / "missing").exists()


def test_store_first_write_creates_parent_dir_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "feedback.sqlite3"
    FeedbackStore(path).add(FeedbackEntry("up", QUESTION))
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_store_first_writes_at_once_all_stored(tmp_path: Path) -> None:
    # The server's thread pool writes the first entries of a fresh file at the same moment: none may fail with
    # "database is locked" (switching the file to WAL takes a lock the busy timeout does not wait for).
    for attempt in range(30):  # the race is narrow: many fresh files, sixteen writers each
        store = FeedbackStore(tmp_path / str(attempt) / "feedback.sqlite3")
        barrier = threading.Barrier(16)

        def add(n: int, store: FeedbackStore = store, barrier: threading.Barrier = barrier) -> int:
            barrier.wait()
            return store.add(FeedbackEntry("up", f"{QUESTION} {n}"))

        with ThreadPoolExecutor(16) as pool:
            ids = list(pool.map(add, range(16)))
        assert len(set(ids)) == 16 and store.count() == 16


def test_store_decomposed_text_stored_nfc(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    decomposed = unicodedata.normalize("NFD", QUESTION)
    assert decomposed != QUESTION
    store.add(FeedbackEntry("down", decomposed, comment=unicodedata.normalize("NFD", "Sai")))
    item = store.list()[0]
    assert item["question"] == QUESTION and unicodedata.is_normalized("NFC", item["question"])


def test_store_bad_rating_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rating"):
        FeedbackStore(tmp_path / "f.sqlite3").add(FeedbackEntry("meh", QUESTION))  # type: ignore[arg-type]


def test_settings_feedback_path_beside_index_dir(tmp_path: Path) -> None:
    assert make_settings(tmp_path / "idx").feedback_path() == tmp_path.resolve() / "feedback.sqlite3"
    assert make_settings(tmp_path / "idx", feedback_db=tmp_path / "x.db").feedback_path() == tmp_path / "x.db"


def test_settings_short_admin_token_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="16 characters"):
        make_settings(tmp_path, admin_token="changethis")
    assert make_settings(tmp_path, admin_token="").admin_token is None


@pytest.fixture
def app_settings(tmp_path: Path):
    return make_settings(tmp_path / "index")


@pytest.fixture
def local(app_settings) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings), client=LOCAL) as client:
        yield client


def test_post_then_get_lists_newest_first(local: TestClient, tmp_path: Path) -> None:
    first = local.post("/api/feedback", json=feedback_body(sources=[SOURCE], mode="extractive"))
    assert first.status_code == 201, first.text
    assert set(first.json()) == {"id", "created"} and first.json()["created"].endswith("+00:00")
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": ANSWER}]
    second = local.post("/api/feedback", json=feedback_body(rating="down", comment="Thiếu nguồn", history=history))
    listing = local.get("/api/feedback").json()
    assert listing["total"] == 2
    assert [item["id"] for item in listing["items"]] == [second.json()["id"], first.json()["id"]]
    newest, oldest = listing["items"]
    assert newest["rating"] == "down" and newest["comment"] == "Thiếu nguồn" and newest["history"] == history
    assert oldest["question"] == QUESTION and oldest["answer"] == ANSWER  # Vietnamese text unchanged (NFC)
    assert oldest["sources"] == [{k: v for k, v in SOURCE.items() if k != "text"}]
    assert local.get("/api/feedback", params={"limit": 1, "offset": 1}).json()["items"][0]["id"] == first.json()["id"]
    # Beside the index directory, so `assistant ingest --rebuild` (which replaces that directory) keeps it.
    assert (tmp_path / "feedback.sqlite3").exists() and not (tmp_path / "index").exists()


def test_get_before_any_feedback_empty_list(local: TestClient, tmp_path: Path) -> None:
    assert local.get("/api/feedback").json() == {"items": [], "total": 0}
    assert not (tmp_path / "feedback.sqlite3").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (feedback_body(rating="meh"), "rating"),
        (feedback_body(question=""), "question"),
        (feedback_body(question="   "), "question"),
        (feedback_body(question="a" * 2001), "question"),
        (feedback_body(comment="x" * 2001), "comment"),
        (feedback_body(answer="x" * 20001), "answer"),
        ({"answer": ANSWER, "rating": "up"}, "question"),
    ],
)
def test_post_bad_input_422_vi_en(local: TestClient, body: dict, field: str) -> None:
    response = local.post("/api/feedback", json=body)
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["error"] == "invalid_input"
    assert f"`{field}`" in error["message"] and f"`{field}`" in error["message_en"]
    assert error["message"].startswith("Yêu cầu không hợp lệ")


def test_get_no_token_remote_client_403(app_settings) -> None:
    with TestClient(create_app(app_settings), client=("10.0.0.5", 1234)) as client:
        response = client.get("/api/feedback")
        assert response.status_code == 403
        assert "ASSISTANT_ADMIN_TOKEN" in response.json()["message"]
        assert "ASSISTANT_ADMIN_TOKEN" in response.json()["message_en"]
        assert client.post("/api/feedback", json=feedback_body()).status_code == 201  # anyone may give feedback


def test_get_no_token_ipv6_loopback_allowed(app_settings) -> None:
    with TestClient(create_app(app_settings), client=("::1", 1234)) as client:
        assert client.get("/api/feedback").status_code == 200


@pytest.mark.parametrize("client_address", [LOCAL, ("10.0.0.5", 1234)])
def test_get_token_set_checks_bearer_from_anywhere(tmp_path: Path, client_address: tuple[str, int]) -> None:
    app = create_app(make_settings(tmp_path / "index", admin_token=TOKEN))
    with TestClient(app, client=client_address) as client:
        wrong: list[dict] = [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": TOKEN}]
        wrong.append({"Authorization": f"Bearer {TOKEN}ạ".encode()})  # non-ASCII must not crash the comparison
        for headers in wrong:
            response = client.get("/api/feedback", headers=headers)
            assert response.status_code == 401, headers
            assert response.headers["www-authenticate"] == "Bearer"
            assert "Authorization" in response.json()["message"] and response.json()["message_en"]
        response = client.get("/api/feedback", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200 and response.json()["total"] == 0


def test_get_bad_limit_422(local: TestClient) -> None:
    response = local.get("/api/feedback", params={"limit": 0})
    assert response.status_code == 422 and "`limit`" in response.json()["message"]
