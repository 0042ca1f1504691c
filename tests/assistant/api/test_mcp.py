"""The MCP face over streamable HTTP: the SDK's own client (mcp.ClientSession) against a real uvicorn on 127.0.0.1.

The tools must give what the JSON API gives (same pipeline), refuse what the documents do not say, follow a
conversation, read the real index, fail as tool errors that say how to fix, require client keys when they are
set, and answer each call from the index generation served at that moment.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from fastapi import FastAPI
from mcp import ClientSession, MCPError
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult

from assistant.api import mcp_server
from assistant.api.app import create_app
from assistant.deps import Deps, LiveDeps
from core.errors import NotFoundError, UserInputError
from core.index.reader import IndexReader
from ingest.pipeline import Ingestor
from tests.assistant.api.helpers import served
from tests.conftest import SAMPLE_DOCUMENTS, make_settings
from tests.ingest.test_pipeline import SMALL, HashEmbedder

QUESTION = "Nghị quyết 57-NQ/TW được ban hành ngày nào?"
UNANSWERABLE = "Giá vàng hôm nay bao nhiêu?"
FOLLOW_UP = "Ai ký nghị quyết đó?"
KEY, OTHER_KEY = "client-key-0123456789abcdef", "client-key-fedcba9876543210"
TOOLS = ["ask", "search_documents", "get_document", "list_documents"]
ACCEPT = {"Accept": "application/json, text/event-stream"}


@asynccontextmanager
async def opened(base: str, headers: dict[str, str] | None = None) -> AsyncIterator[ClientSession]:
    """An SDK session with the server's /mcp, not initialized (headers on every request, as a host sends them)."""
    async with (
        httpx2.AsyncClient(headers=headers or {}, timeout=120) as http,
        streamable_http_client(f"{base}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        yield session


@asynccontextmanager
async def connected(base: str, headers: dict[str, str] | None = None) -> AsyncIterator[ClientSession]:
    async with opened(base, headers) as session:
        with anyio.fail_after(300):
            await session.initialize()
            yield session


def call(base: str, tool: str, arguments: dict[str, Any], headers: dict[str, str] | None = None) -> CallToolResult:
    async def go() -> CallToolResult:
        async with connected(base, headers) as session:
            return await session.call_tool(tool, arguments)

    return anyio.run(go)


def structured(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert isinstance(result.structured_content, dict)
    return result.structured_content


def text_of(result: CallToolResult) -> str:
    return "".join(getattr(block, "text", "") for block in result.content)


def cited_passages(sources: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What identifies a passage as cited (the API may add presentation fields, such as links, beside these)."""
    return [(s["n"], s["doc_id"], s["chunk_id"], s["start"], s["end"], s["text"], s["section"]) for s in sources]


def assert_cited(result: CallToolResult) -> dict[str, Any]:
    """A cited answer: [n] markers, each naming a source, and the "Nguồn" list in the text the model reads."""
    answer = structured(result)
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])}
    assert answer["refused"] is False and cited, answer
    assert cited <= {source["n"] for source in answer["sources"]}, answer
    assert text_of(result).startswith(answer["answer"]) and "\n\nNguồn:\n[" in text_of(result)
    return answer


@pytest.fixture(scope="module")
def server(sample_index: Path) -> Iterator[tuple[FastAPI, str]]:
    app = create_app(make_settings(sample_index))
    with served(app) as base:
        yield app, base


@pytest.fixture(scope="module")
def base(server: tuple[FastAPI, str]) -> str:
    return server[1]


# --- the tools ----------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_list_tools_exactly_four_with_input_and_output_schemas(base: str) -> None:
    async def listed() -> Any:
        async with connected(base) as session:
            return await session.list_tools()

    tools = {tool.name: tool for tool in anyio.run(listed).tools}
    assert sorted(tools) == sorted(TOOLS)
    for tool in tools.values():
        assert tool.description and tool.title
        assert tool.input_schema["type"] == "object" and tool.input_schema["properties"]
        assert tool.output_schema is not None and tool.output_schema["type"] == "object"
    assert tools["ask"].input_schema["required"] == ["question"]
    assert {"answer", "sources", "refused", "mode", "degraded"} <= set(tools["ask"].output_schema["properties"])
    assert set(tools["search_documents"].input_schema["properties"]) == {"query", "k", "filters"}
    assert tools["get_document"].input_schema["required"] == ["id"]
    assert "documents" in tools["list_documents"].output_schema["properties"]


@pytest.mark.slow
def test_ask_cited_answer_is_the_api_chat_answer(base: str) -> None:
    answer = assert_cited(call(base, "ask", {"question": QUESTION}))
    assert "22/12/2024" in answer["answer"] and answer["mode"] == "extractive" and answer["degraded"] is False
    chat = httpx.post(f"{base}/api/chat", json={"question": QUESTION}, timeout=120).json()
    assert answer["answer"] == chat["answer"] and cited_passages(answer["sources"]) == cited_passages(chat["sources"])


@pytest.mark.slow
def test_ask_unanswerable_refused(base: str) -> None:
    result = call(base, "ask", {"question": UNANSWERABLE})
    answer = structured(result)
    assert answer["refused"] is True and not re.search(r"\[\d+\]", answer["answer"]), answer
    assert "Nguồn:" not in text_of(result)


@pytest.mark.slow
def test_ask_follow_up_with_history_answered_in_context(base: str) -> None:
    first = assert_cited(call(base, "ask", {"question": QUESTION}))
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": first["answer"]}]
    follow_up = structured(call(base, "ask", {"question": FOLLOW_UP, "history": history}))
    assert "57-NQ/TW" in (follow_up["standalone_question"] or ""), follow_up
    alone = structured(call(base, "ask", {"question": FOLLOW_UP}))
    assert "57-NQ/TW" not in (alone["standalone_question"] or "")  # the context came from the history
    chat = httpx.post(f"{base}/api/chat", json={"question": FOLLOW_UP, "history": history}, timeout=120).json()
    assert follow_up["answer"] == chat["answer"]


@pytest.mark.slow
def test_search_documents_passages_from_the_index(base: str) -> None:
    found = structured(call(base, "search_documents", {"query": "chuyển đổi số xã Ia Ko", "k": 3}))
    ids = {d["id"] for d in structured(call(base, "list_documents", {}))["documents"]}
    assert found["query"] == "chuyển đổi số xã Ia Ko" and len(found["results"]) == 3
    assert [p["n"] for p in found["results"]] == [1, 2, 3]
    assert all(p["doc_id"] in ids and p["text"].strip() for p in found["results"])
    assert found["results"][0]["doc_id"] == "004_538540773102b57e"  # the Ia Ko meeting report
    api = httpx.get(f"{base}/api/search", params={"q": "chuyển đổi số xã Ia Ko", "k": 3}, timeout=120).json()
    assert cited_passages(found["results"]) == cited_passages(api["results"])


@pytest.mark.slow
def test_get_document_text_and_unknown_id_tool_error_naming_list_documents(base: str) -> None:
    document = structured(call(base, "get_document", {"id": "004_538540773102b57e"}))
    assert document["id"] == "004_538540773102b57e" and "Ia Ko" in document["text"]
    source = (SAMPLE_DOCUMENTS / "004_538540773102b57e.txt").read_text(encoding="utf-8")
    assert "Dương Mạnh Mẫn" in document["text"] and "Dương Mạnh Mẫn" in source
    missing = call(base, "get_document", {"id": "khong-co"})
    assert missing.is_error and missing.structured_content is None
    assert "list_documents" in text_of(missing) and "Không có tài liệu mã 'khong-co'" in text_of(missing)


@pytest.mark.slow
def test_list_documents_filters(base: str) -> None:
    everything = structured(call(base, "list_documents", {}))["documents"]
    assert sorted(d["id"] for d in everything) == sorted(p.stem for p in SAMPLE_DOCUMENTS.glob("*.txt"))
    in_gia_lai = structured(call(base, "list_documents", {"filters": {"places": ["Gia Lai"]}}))["documents"]
    expected = [d["id"] for d in everything if "tỉnh Gia Lai" in d["places"]]
    assert len(expected) == 3 and [d["id"] for d in in_gia_lai] == expected
    assert structured(call(base, "list_documents", {"filters": {"kinds": ["nghị quyết"]}}))["documents"] == []
    two = sorted(d["id"] for d in everything)[:2]
    by_id = structured(call(base, "list_documents", {"filters": {"doc_ids": two}}))["documents"]
    assert [d["id"] for d in by_id] == two
    unknown = call(base, "list_documents", {"filters": {"kinds": ["thơ"]}})
    assert unknown.is_error and "thơ" in text_of(unknown) and "nghị quyết" in text_of(unknown)  # names allowed ones
    dated = structured(call(base, "list_documents", {"filters": {"date_from": "2025-10"}}))["documents"]
    assert dated and all((d["date"] or "") >= "2025-10" for d in dated) and len(dated) < len(everything)


@pytest.mark.slow
def test_bad_arguments_tool_errors_in_vietnamese_and_english(base: str) -> None:
    bad_role = call(base, "ask", {"question": QUESTION, "history": [{"role": "system", "content": "x"}]})
    message = text_of(bad_role)
    assert bad_role.is_error and "history.0.role" in message
    assert "Lỗi: Tham số của công cụ `ask` không hợp lệ" in message and "Error: Invalid arguments" in message
    empty = call(base, "ask", {"question": "   "})
    assert empty.is_error and "Câu hỏi đang để trống" in text_of(empty) and "The question is empty" in text_of(empty)
    too_long = call(base, "ask", {"question": QUESTION, "history": [{"role": "user", "content": "x"}] * 21})
    assert too_long.is_error and "history" in text_of(too_long) and "20" in text_of(too_long)


@pytest.mark.slow
def test_origin_of_another_site_refused_local_page_allowed(base: str) -> None:
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    refused = httpx.post(f"{base}/mcp", json=ping, headers={**ACCEPT, "Origin": "http://evil.example"})
    assert refused.status_code == 403 and "ASSISTANT_CORS_ORIGINS" in refused.json()["error"]["message"]
    local = httpx.post(f"{base}/mcp", json=ping, headers={**ACCEPT, "Origin": "http://localhost:5173"})
    assert local.status_code == 200 and local.json()["id"] == 1


@pytest.mark.slow
def test_get_and_delete_405_post_only(base: str) -> None:
    for method in ("GET", "DELETE"):
        response = httpx.request(method, f"{base}/mcp", headers=ACCEPT, timeout=10)  # a stateless server: no stream
        assert response.status_code == 405 and response.headers["Allow"] == "POST"
        assert "POST" in response.json()["error"]["message"]


# --- client keys and limits ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keyed(sample_index: Path) -> Iterator[str]:
    settings = make_settings(sample_index, client_keys=[KEY, OTHER_KEY], rate_chat_per_minute=1, rate_chat_burst=2)
    with served(create_app(settings)) as base:
        yield base


@pytest.mark.slow
def test_client_keys_required_bearer_or_x_api_key(keyed: str) -> None:
    async def refused(headers: dict[str, str]) -> str:
        async with opened(keyed, headers) as session:
            with pytest.raises(MCPError) as caught:
                await session.initialize()
        return str(caught.value)

    for headers in ({}, {"Authorization": "Bearer wrong-key-0123456789"}, {"X-API-Key": KEY[:-1]}):
        message = anyio.run(refused, headers)
        assert "ASSISTANT_CLIENT_KEYS" in message and "Thiếu hoặc sai khoá API" in message
    raw = httpx.post(f"{keyed}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"}, headers=ACCEPT)
    assert raw.status_code == 401 and raw.headers["WWW-Authenticate"] == "Bearer"
    listed = structured(call(keyed, "list_documents", {}, {"Authorization": f"Bearer {KEY}"}))
    assert len(listed["documents"]) == 5
    assert_cited(call(keyed, "ask", {"question": QUESTION}, {"X-API-Key": KEY}))


@pytest.mark.slow
def test_rate_limit_shared_with_api_chat_as_a_tool_error(keyed: str) -> None:
    headers = {"X-API-Key": OTHER_KEY}  # a bucket of its own: burst 2, then one a minute
    assert_cited(call(keyed, "ask", {"question": QUESTION}, headers))
    structured(call(keyed, "search_documents", {"query": "chuyển đổi số"}, headers))
    structured(call(keyed, "list_documents", {}, headers))  # reading documents takes no token
    limited = call(keyed, "ask", {"question": QUESTION}, headers)
    assert limited.is_error and "vui lòng chờ" in text_of(limited) and "Too many requests" in text_of(limited)
    chat = httpx.post(f"{keyed}/api/chat", json={"question": QUESTION}, headers=headers, timeout=120)
    assert chat.status_code == 429  # the same bucket as /api/chat


# --- hot reload: each call answers from the generation served now -------------------------------------------------

EA_TLANG = (
    "THÔNG BÁO\nKết quả Ngày hội chuyển đổi số xã Ea Tlang\n\n"
    "Ngày hội chuyển đổi số xã Ea Tlang được tổ chức vào ngày 17/5/2025 tại Nhà văn hoá xã, thu hút 350 người "
    "dân tham gia. Ban tổ chức đã hướng dẫn người dân cài đặt ứng dụng VNeID và thanh toán không dùng tiền mặt.\n"
)
EA_TLANG_QUESTION = "Ngày hội chuyển đổi số xã Ea Tlang được tổ chức vào ngày nào?"


@pytest.mark.slow
def test_new_commit_served_to_the_next_tool_call(tmp_path: Path) -> None:
    documents, index = tmp_path / "documents", tmp_path / "index"
    documents.mkdir()
    shutil.copy(SAMPLE_DOCUMENTS / "004_538540773102b57e.txt", documents)
    Ingestor(index, HashEmbedder(), SMALL).run(documents)
    settings = make_settings(index, documents, reload_interval=0.1)
    app = create_app(settings)
    app.state.live = LiveDeps(settings, load=lambda s: Deps(s, HashEmbedder(), IndexReader(s.index_dir, fresh=True)))
    with served(app) as base:
        before = structured(call(base, "list_documents", {}))["documents"]
        assert [d["id"] for d in before] == ["004_538540773102b57e"]
        (documents / "ea_tlang.txt").write_text(EA_TLANG, encoding="utf-8")
        Ingestor(index, HashEmbedder(), SMALL).run(documents)  # another process's commit, as `assistant ingest`
        deadline = time.monotonic() + 30
        while httpx.get(f"{base}/healthz").json()["generation"] != 2:
            assert time.monotonic() < deadline, "the new generation was not served"
            time.sleep(0.1)
        after = structured(call(base, "list_documents", {}))["documents"]
        assert [d["id"] for d in after] == ["004_538540773102b57e", "ea_tlang"]
        answer = assert_cited(call(base, "ask", {"question": EA_TLANG_QUESTION}))
        assert "17/5/2025" in answer["answer"]


# --- the toolbox, no server -----------------------------------------------------------------------------------------


def _no_deps() -> Any:
    raise AssertionError("arguments are checked before the index is touched")


async def _unreachable() -> Deps:
    return _no_deps()


def test_toolbox_bad_arguments_refused_before_the_index_naming_fields() -> None:
    toolbox = mcp_server.Toolbox(_unreachable, mcp_server.Limits())
    with pytest.raises(UserInputError) as caught:
        anyio.run(toolbox.call, "search_documents", {"query": "x", "k": 0, "filters": {"kinds": 3}})
    assert "Trường `k` quá nhỏ" in caught.value.message_vi and "Field `filters.kinds`" in caught.value.message_en
    with pytest.raises(NotFoundError) as unknown:
        anyio.run(toolbox.call, "delete_everything", {})
    assert "list_documents" in unknown.value.message_en


def test_arguments_sent_as_json_text_are_read() -> None:
    history = [{"role": "user", "content": QUESTION}]
    args = mcp_server.AskArguments.model_validate(
        {"question": FOLLOW_UP, "history": json.dumps(history), "filters": '{"kinds": ["kế hoạch"]}'}
    )
    assert [turn.model_dump() for turn in args.history] == history
    assert args.filters is not None and args.filters.kinds == ["kế hoạch"]


def test_sent_key_and_known_key() -> None:
    assert mcp_server.sent_key({"authorization": f"Bearer {KEY}"}) == KEY
    assert mcp_server.sent_key({"x-api-key": f" {KEY} ", "authorization": "Bearer other"}) == KEY
    assert mcp_server.sent_key({"authorization": f"Basic {KEY}"}) == ""
    assert mcp_server.is_known_key(KEY, [OTHER_KEY, KEY]) and not mcp_server.is_known_key("", [KEY])
