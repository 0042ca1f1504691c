"""`assistant serve` with ASSISTANT_LOG_FORMAT=json: every line the server process writes is a JSON object; a
request's line carries its X-Request-ID and no question text unless ASSISTANT_LOG_QUESTIONS=true."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest

from tests.fuzz.conftest import Served, serve

pytestmark = pytest.mark.slow  # starts a server

QUESTION = "Nghị quyết 57-NQ/TW được ban hành ngày nào?"
SEARCH = "chỉ tiêu kinh tế số"


def ask_and_search(server: Served) -> tuple[httpx.Response, httpx.Response]:
    chat = httpx.post(
        f"{server.base}/api/chat", json={"question": QUESTION}, headers={"X-Request-ID": "log-test-chat"}, timeout=60
    )
    search = httpx.get(f"{server.base}/api/search", params={"q": SEARCH}, timeout=60)
    assert chat.status_code == 200 and search.status_code == 200, (chat.text, search.text)
    return chat, search


def access_record(records: list[dict], request_id: str) -> dict:
    [record] = [r for r in records if r["logger"] == "assistant.api.access" and r["request_id"] == request_id]
    return record


def test_serve_json_logs_every_line_json_request_id_no_question(sample_index: Path, tmp_path: Path) -> None:
    with serve(sample_index, tmp_path, log_format="json") as server:
        chat, search = ask_and_search(server)
    records = server.log_records()  # after the stop: shutdown lines too; a line that is not JSON fails here
    assert chat.headers["X-Request-ID"] == "log-test-chat"
    for response, route in ((chat, "/api/chat"), (search, "/api/search")):
        record = access_record(records, response.headers["X-Request-ID"])
        assert record["route"] == route and record["status"] == 200 and "question" not in record
    assert {"uvicorn.error", "assistant.api.access"} <= {r["logger"] for r in records}  # uvicorn's lines are JSON too
    text = server.log.read_text(encoding="utf-8")
    for secret in (QUESTION, SEARCH, quote(SEARCH), quote_plus(SEARCH), "q="):
        assert secret not in text


def test_serve_json_logs_question_when_log_questions(sample_index: Path, tmp_path: Path) -> None:
    with serve(sample_index, tmp_path, log_format="json", log_questions="true") as server:
        ask_and_search(server)
    assert access_record(server.log_records(), "log-test-chat")["question"] == QUESTION
