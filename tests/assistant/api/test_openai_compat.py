"""The OpenAI-compatible face, through the official `openai` client and LangChain against a real server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from assistant import openai_face
from assistant.api.app import create_app
from tests.assistant.api.helpers import served
from tests.conftest import make_settings

QUESTION = "Nghị quyết 57-NQ/TW được ban hành ngày nào?"
UNANSWERABLE = "Giá vàng hôm nay bao nhiêu?"
FOLLOW_UP = "Ai ký nghị quyết đó?"
MODEL = openai_face.MODEL
KEY = "client-key-0123456789abcdef"


@pytest.fixture(scope="module")
def client(live_server: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live_server}/v1", api_key="unused", max_retries=0, timeout=60)


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def assert_cited_date(content: str) -> None:
    assert "22/12/2024" in content and "[1]" in content, content
    assert "\n\nNguồn:\n[1] " in content, content


# --- the domain conversion, no server ------------------------------------------------------------------------------


def test_to_turn_last_user_question_earlier_history_system_ignored(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    messages = [
        {"role": "system", "content": "Trả lời bằng tiếng Anh."},
        user(QUESTION),
        {"role": "assistant", "content": "Ngày 22/12/2024 [1].\n\nNguồn:\n[1] Nghị quyết — 57-NQ/TW, 22/12/2024"},
        {"role": "user", "content": [{"type": "text", "text": FOLLOW_UP}]},
    ]
    turn = openai_face.to_turn(messages, f"{MODEL}-extractive", settings)
    assert turn.question == FOLLOW_UP and turn.answerer == "extractive"
    assert turn.history == [user(QUESTION), {"role": "assistant", "content": "Ngày 22/12/2024 [1]."}]


def test_to_turn_long_conversation_keeps_latest_turns(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, max_history_turns=2)
    messages = [user(f"câu {i}") for i in range(5)]
    assert openai_face.to_turn(messages, MODEL, settings).history == [user("câu 2"), user("câu 3")]


def test_to_turn_image_part_refused(tmp_path: Path) -> None:
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
    with pytest.raises(openai_face.UnsupportedRequestError) as caught:
        openai_face.to_turn([{"role": "user", "content": [image]}], MODEL, make_settings(tmp_path))
    assert caught.value.status == 400 and caught.value.param == "messages.0.content"


def test_assistant_content_lists_only_cited_sources() -> None:
    source = {"title": "Nghị quyết  về KHCN", "numbers": ["57-NQ/TW"], "date": "2024-12-22", "section": "Điều 1"}
    answer = {"answer": "Ngày 22/12/2024 [2].", "sources": [{**source, "n": 1}, {**source, "n": 2, "section": ""}]}
    content = openai_face.assistant_content(answer)
    assert content == "Ngày 22/12/2024 [2].\n\nNguồn:\n[2] Nghị quyết về KHCN — 57-NQ/TW, 22/12/2024"
    assert openai_face.strip_sources(content) == answer["answer"]


def test_count_tokens_whitespace_words() -> None:
    assert openai_face.count_tokens(" Nghị quyết\n57-NQ/TW  ") == 3


# --- the official client against the real server ------------------------------------------------------------------


@pytest.mark.slow
def test_models_lists_both_ids(client: openai.OpenAI) -> None:
    assert [model.id for model in client.models.list()] == [MODEL, f"{MODEL}-extractive"]
    assert client.models.retrieve(MODEL).id == MODEL


@pytest.mark.slow
def test_completion_cited_answer_with_extension_and_usage(client: openai.OpenAI, live_server: str) -> None:
    messages = [{"role": "system", "content": "Bạn là trợ lý."}, user(QUESTION)]
    completion = client.chat.completions.create(model=MODEL, messages=messages, temperature=0.2, max_tokens=50)
    content = completion.choices[0].message.content or ""
    assert_cited_date(content)
    assert completion.object == "chat.completion" and completion.choices[0].finish_reason == "stop"
    tro_ly = (completion.model_extra or {})["tro_ly"]
    assert tro_ly["refused"] is False and tro_ly["mode"] == "extractive" and tro_ly["degraded"] is False
    chat = httpx.post(f"{live_server}/api/chat", json={"question": QUESTION}, timeout=60).json()
    assert content.startswith(chat["answer"]) and tro_ly["sources"] == chat["sources"]  # the same pipeline
    # each cited source links to its passage in the handbook, as a Markdown link a chat UI renders
    cited = [s for s in tro_ly["sources"] if f"[{s['n']}]" in chat["answer"]]
    assert cited and all(s["handbook_url"].startswith("/so-tay/") for s in cited)
    assert all(f"]({s['handbook_url']})" in content for s in cited)
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == len(QUESTION.split())  # the system message is not read
    assert completion.usage.completion_tokens == len(content.split())
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens


@pytest.mark.slow
def test_completion_unanswerable_refused(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model=MODEL, messages=[user(UNANSWERABLE)])
    tro_ly = (completion.model_extra or {})["tro_ly"]
    assert tro_ly["refused"] is True
    assert "không đề cập" in (completion.choices[0].message.content or "")


@pytest.mark.slow
def test_completion_follow_up_answered_in_context(client: openai.OpenAI, live_server: str) -> None:
    first = client.chat.completions.create(model=MODEL, messages=[user(QUESTION)]).choices[0].message.content or ""
    messages = [user(QUESTION), {"role": "assistant", "content": first}, user(FOLLOW_UP)]
    completion = client.chat.completions.create(model=MODEL, messages=messages)
    tro_ly = (completion.model_extra or {})["tro_ly"]
    assert "57-NQ/TW" in (tro_ly["standalone_question"] or ""), tro_ly
    assert "57" in (completion.choices[0].message.content or "")
    history = [user(QUESTION), {"role": "assistant", "content": openai_face.strip_sources(first)}]
    chat = httpx.post(f"{live_server}/api/chat", json={"question": FOLLOW_UP, "history": history}, timeout=60).json()
    assert (completion.choices[0].message.content or "").startswith(chat["answer"])


@pytest.mark.slow
def test_stream_role_deltas_finish_extension_usage(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model=MODEL, messages=[user(QUESTION)], stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    finals = [chunk for chunk in chunks if chunk.choices and chunk.choices[0].finish_reason]
    assert len(finals) == 1 and finals[0].choices[0].finish_reason == "stop"
    assert (finals[0].model_extra or {})["tro_ly"]["refused"] is False
    content = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert_cited_date(content)
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == len(content.split())


@pytest.mark.slow
def test_stream_raw_sse_ends_with_done(live_server: str) -> None:
    body = {"model": MODEL, "messages": [user(UNANSWERABLE)], "stream": True}
    with httpx.stream("POST", f"{live_server}/v1/chat/completions", json=body, timeout=60) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]" and all(line.startswith("data: ") for line in lines)
    assert '"refused": true' in lines[-2] and '"finish_reason": "stop"' in lines[-2]


@pytest.mark.slow
def test_async_client_cited_answer_and_stream(live_server: str) -> None:
    async def ask() -> tuple[str, str]:
        async with openai.AsyncOpenAI(base_url=f"{live_server}/v1", api_key="unused", max_retries=0) as client:
            completion = await client.chat.completions.create(model=MODEL, messages=[user(QUESTION)])
            stream = await client.chat.completions.create(model=MODEL, messages=[user(QUESTION)], stream=True)
            streamed = "".join([chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices])
            return completion.choices[0].message.content or "", streamed

    content, streamed = asyncio.run(ask())
    assert_cited_date(content)
    assert streamed == content


@pytest.mark.slow
def test_extractive_model_answers_extractively(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model=f"{MODEL}-extractive", messages=[user(QUESTION)])
    assert completion.model == f"{MODEL}-extractive"
    assert (completion.model_extra or {})["tro_ly"]["mode"] == "extractive"


# --- refusals in OpenAI's error shape -------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"n": 2}, "n"),
        ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]}, "tools"),
        ({"functions": [{"name": "f", "parameters": {}}]}, "functions"),
        ({"response_format": {"type": "json_object"}}, "response_format"),
    ],
)
def test_unsupported_parameter_400(client: openai.OpenAI, extra: dict, param: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=MODEL, messages=[user(QUESTION)], **extra)
    error = caught.value.body
    assert isinstance(error, dict) and error["param"] == param and error["type"] == "invalid_request_error"
    assert error["code"] == "unsupported_parameter" and error["message"] and error["message_en"]


@pytest.mark.slow
def test_image_content_400(client: openai.OpenAI) -> None:
    parts = [{"type": "text", "text": QUESTION}, {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}]
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": parts}])
    assert isinstance(caught.value.body, dict) and caught.value.body["param"] == "messages.0.content"


@pytest.mark.slow
def test_unknown_model_404(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=[user(QUESTION)])
    assert isinstance(caught.value.body, dict) and caught.value.body["code"] == "model_not_found"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4o")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": MODEL, "messages": []}, "messages"),
        ({"model": MODEL, "messages": "x"}, "messages"),
        ({"messages": [user(QUESTION)]}, "model"),
        ({"model": MODEL, "messages": [user("   ")]}, None),
        (
            {"model": MODEL, "messages": [user(QUESTION), {"role": "assistant", "content": "Ngày 22/12/2024."}]},
            "messages",
        ),
        ({"model": MODEL, "messages": [{"role": "tool", "content": "1", "tool_call_id": "a"}]}, "messages.0.role"),
    ],
)
def test_invalid_request_400_openai_shape(live_server: str, body: dict, param: str | None) -> None:
    response = httpx.post(f"{live_server}/v1/chat/completions", json=body, timeout=60)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert set(error) >= {"message", "type", "code", "param"} and error["param"] == param
    assert error["type"] == "invalid_request_error"


@pytest.mark.slow
def test_unparsable_json_400_openai_shape(live_server: str) -> None:
    response = httpx.post(
        f"{live_server}/v1/chat/completions", content=b"{", headers={"Content-Type": "application/json"}, timeout=60
    )
    assert response.status_code == 400 and response.json()["error"]["type"] == "invalid_request_error"


# --- LangChain ------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_langchain_chat_openai_invoke_and_stream(live_server: str) -> None:
    langchain_openai = pytest.importorskip("langchain_openai")
    chat = langchain_openai.ChatOpenAI(model=MODEL, base_url=f"{live_server}/v1", api_key="unused", max_retries=0)
    reply = chat.invoke(QUESTION)
    assert_cited_date(str(reply.content))
    streamed = "".join(str(piece.content) for piece in chat.stream(QUESTION))
    assert streamed == reply.content


# --- client keys, limits: an app of its own on a real uvicorn -------------------------------------------------------


@pytest.fixture(scope="module")
def keyed_server(sample_index: Path) -> Iterator[str]:
    settings = make_settings(sample_index, client_keys=[KEY], rate_chat_per_minute=1, rate_chat_burst=3)
    with served(create_app(settings)) as base:
        yield base


@pytest.mark.slow
def test_client_keys_bearer_required_then_rate_limited(keyed_server: str) -> None:
    wrong = openai.OpenAI(base_url=f"{keyed_server}/v1", api_key="wrong-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        wrong.models.list()
    assert isinstance(caught.value.body, dict) and caught.value.body["code"] == "invalid_api_key"
    right = openai.OpenAI(base_url=f"{keyed_server}/v1", api_key=KEY, max_retries=0, timeout=60)
    assert [model.id for model in right.models.list()][0] == MODEL
    for _ in range(3):  # the burst, shared with /api/chat's bucket for this key
        right.chat.completions.create(model=MODEL, messages=[user(QUESTION)])
    with pytest.raises(openai.RateLimitError) as limited:
        right.chat.completions.create(model=MODEL, messages=[user(QUESTION)])
    assert limited.value.response.headers["Retry-After"]
    assert isinstance(limited.value.body, dict) and limited.value.body["code"] == "rate_limit_exceeded"
