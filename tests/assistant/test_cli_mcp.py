"""`assistant mcp`: the real command as a subprocess, driven over stdio by the SDK's own client (mcp.ClientSession)."""

from __future__ import annotations

import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from tests.assistant.api.test_mcp import structured, text_of
from tests.conftest import SAMPLE_DOCUMENTS, clean_env

ASSISTANT = Path(sys.executable).with_name("assistant")  # .venv/bin/assistant, the installed script
QUESTION = "Nghị quyết 57-NQ/TW được ban hành ngày nào?"
FOLLOW_UP = "Ai ký nghị quyết đó?"


@asynccontextmanager
async def stdio_session(index: Path, cwd: Path) -> AsyncIterator[ClientSession]:
    """`assistant mcp --index INDEX` spawned as a host spawns it, its stderr kept in cwd/stderr.log."""
    params = StdioServerParameters(
        command=str(ASSISTANT), args=["mcp", "--index", str(index)], cwd=cwd, env=clean_env()
    )
    with open(cwd / "stderr.log", "w", encoding="utf-8") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as session:
            with anyio.fail_after(300):
                await session.initialize()
                yield session


@pytest.mark.slow
def test_mcp_stdio_tools_answer_from_the_real_index(sample_index: Path, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with stdio_session(sample_index, tmp_path) as session:
            tools = (await session.list_tools()).tools
            assert sorted(t.name for t in tools) == ["ask", "get_document", "list_documents", "search_documents"]
            assert all(t.input_schema["type"] == "object" and t.output_schema for t in tools)

            answer = structured(await session.call_tool("ask", {"question": QUESTION}))
            cited = {int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])}
            assert "22/12/2024" in answer["answer"] and not answer["refused"] and cited
            assert cited <= {source["n"] for source in answer["sources"]}

            history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": answer["answer"]}]
            follow_up = structured(await session.call_tool("ask", {"question": FOLLOW_UP, "history": history}))
            assert "57-NQ/TW" in (follow_up["standalone_question"] or "")

            listed = structured(await session.call_tool("list_documents", {}))["documents"]
            ids = [d["id"] for d in listed]
            assert ids == sorted(p.stem for p in SAMPLE_DOCUMENTS.glob("*.txt"))
            passages = structured(
                await session.call_tool("search_documents", {"query": "Ban Chỉ đạo xã Ia Ko", "k": 2})
            )
            assert len(passages["results"]) == 2 and all(p["doc_id"] in ids for p in passages["results"])
            document = structured(await session.call_tool("get_document", {"id": passages["results"][0]["doc_id"]}))
            assert passages["results"][0]["text"][:40] in document["text"]

            missing = await session.call_tool("get_document", {"id": "khong-co"})
            assert missing.is_error and "list_documents" in text_of(missing)

    anyio.run(scenario)
    assert "Traceback" not in (tmp_path / "stderr.log").read_text(encoding="utf-8")


@pytest.mark.slow
def test_mcp_stdio_without_an_index_says_to_run_ingest(tmp_path: Path) -> None:
    async def scenario() -> str:
        async with stdio_session(tmp_path / "no-index", tmp_path) as session:
            result = await session.call_tool("list_documents", {})
            assert result.is_error and result.structured_content is None
            return text_of(result)

    message = anyio.run(scenario)
    assert "hãy chạy `assistant ingest`" in message and "run `assistant ingest --index" in message
