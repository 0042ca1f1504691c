"""OpenAIChatModel through the real openai client against the scripted server in tests/openai_stub.py."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import openai  # noqa: F401  # imported up front: the timings below measure calls, not the first import
import pytest

from assistant.llm import (
    LLMBadResponse,
    LLMRejected,
    LLMTimeout,
    LLMUnavailable,
    OpenAIChatModel,
    build_chat_model,
)
from core.config import Settings
from tests.conftest import free_port
from tests.openai_stub import MODEL, OpenAIStub, Reply

MESSAGES = [
    {"role": "system", "content": "Chỉ trả lời dựa trên tài liệu."},
    {"role": "user", "content": "Nghị quyết 57 nói gì về chuyển đổi số?"},
]
TEXT = "Nghị quyết 57-NQ/TW xác định chuyển đổi số là động lực chính [1]."
FAST = {"Retry-After": "0.05"}


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub(default=Reply(TEXT)) as server:
        yield server


def model_for(stub: OpenAIStub, timeout: float = 2.0, **kwargs: Any) -> OpenAIChatModel:
    return OpenAIChatModel(stub.base_url, MODEL, None, timeout=timeout, **kwargs)


def wait_for(condition: Callable[[], bool], seconds: float = 2.0) -> bool:
    """Poll `condition` (the stub notices a disconnect a moment after the client closes)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_complete_returns_text_and_sends_parameters(stub: OpenAIStub) -> None:
    text = model_for(stub, max_tokens=123, temperature=0.3).complete(MESSAGES)

    assert text == TEXT
    body = stub.requests[0]
    assert (body["model"], body["messages"], body["max_tokens"], body["temperature"]) == (MODEL, MESSAGES, 123, 0.3)
    assert not body.get("stream")
    assert stub.headers[0]["authorization"] == "Bearer not-needed"


def test_stream_yields_deltas_that_join_to_the_text(stub: OpenAIStub) -> None:
    deltas = list(model_for(stub).stream(MESSAGES))

    assert deltas == Reply(TEXT).chunks() and len(deltas) > 5
    assert "".join(deltas) == TEXT
    assert stub.requests[0]["stream"] is True


def test_complete_429_then_200_is_retried_after_backoff(stub: OpenAIStub) -> None:
    stub.script(Reply(status=429), Reply("Đã trả lời."))
    start = time.monotonic()

    assert model_for(stub).complete(MESSAGES) == "Đã trả lời."
    assert len(stub.requests) == 2
    assert time.monotonic() - start >= 0.45  # the first backoff, 0.5 s


def test_complete_503_every_time_is_unavailable_after_the_retries(stub: OpenAIStub) -> None:
    stub.script(*[Reply(status=503, headers=FAST)] * 4)

    with pytest.raises(LLMUnavailable, match="HTTP 503 after 3 attempt") as caught:
        model_for(stub, retries=2).complete(MESSAGES)
    assert len(stub.requests) == 3
    assert "Mô hình ngôn ngữ" in caught.value.message_vi and caught.value.status == 503


def test_complete_500_is_unavailable_without_retry(stub: OpenAIStub) -> None:
    stub.script(Reply(status=500))
    start = time.monotonic()

    with pytest.raises(LLMUnavailable, match="HTTP 500"):
        model_for(stub).complete(MESSAGES)
    assert len(stub.requests) == 1 and time.monotonic() - start < 1.0


def test_complete_4xx_is_rejected_without_retry(stub: OpenAIStub) -> None:
    stub.script(Reply(status=404))

    with pytest.raises(LLMRejected, match="ASSISTANT_LLM_MODEL"):
        model_for(stub).complete(MESSAGES)
    assert len(stub.requests) == 1


def test_complete_long_retry_after_is_not_waited_for(stub: OpenAIStub) -> None:
    stub.script(Reply(status=429, headers={"Retry-After": "60"}))
    start = time.monotonic()

    with pytest.raises(LLMUnavailable, match="HTTP 429"):
        model_for(stub, timeout=120).complete(MESSAGES)
    assert len(stub.requests) == 1 and time.monotonic() - start < 1.0


def test_complete_slow_reply_times_out_within_the_timeout(stub: OpenAIStub) -> None:
    stub.script(Reply(TEXT, delay=3.0))
    start = time.monotonic()

    with pytest.raises(LLMTimeout) as caught:
        model_for(stub, timeout=0.5).complete(MESSAGES)
    assert 0.4 < time.monotonic() - start < 1.2
    assert "không phản hồi" in caught.value.message_vi and caught.value.status == 504
    assert wait_for(lambda: stub.disconnects == 1)  # the connection was closed, not left waiting


def test_deadline_prevents_a_retry_that_cannot_finish(stub: OpenAIStub) -> None:
    stub.script(Reply(status=429), Reply("không bao giờ tới"))
    start = time.monotonic()

    with pytest.raises(LLMUnavailable, match="could not finish in time"):
        model_for(stub, timeout=10).complete(MESSAGES, deadline=time.monotonic() + 0.8)
    assert len(stub.requests) == 1 and time.monotonic() - start < 0.45  # did not sleep 0.5 s for a retry


def test_connection_refused_is_unavailable_at_once() -> None:
    model = OpenAIChatModel(f"http://127.0.0.1:{free_port()}/v1", MODEL, None, timeout=2)
    start = time.monotonic()

    with pytest.raises(LLMUnavailable, match="ASSISTANT_LLM_BASE_URL") as caught:
        model.complete(MESSAGES)
    assert time.monotonic() - start < 0.45  # refused: no retry (the first backoff is 0.5 s)
    assert "Không kết nối được" in caught.value.message_vi


def test_malformed_json_is_bad_response(stub: OpenAIStub) -> None:
    stub.script(Reply(TEXT, malformed=True))

    with pytest.raises(LLMBadResponse, match="invalid JSON"):
        model_for(stub).complete(MESSAGES)


@pytest.mark.parametrize(
    "reply", [Reply(""), Reply(body={"id": "x", "object": "chat.completion", "choices": []})], ids=["empty", "none"]
)
def test_empty_content_or_no_choices_is_bad_response(stub: OpenAIStub, reply: Reply) -> None:
    stub.script(reply)

    with pytest.raises(LLMBadResponse):
        model_for(stub).complete(MESSAGES)


def test_broken_stream_is_bad_response_with_the_partial_text(stub: OpenAIStub) -> None:
    stub.script(Reply(TEXT, stream_break_after=3))
    received: list[str] = []

    with pytest.raises(LLMBadResponse, match="stream broke") as caught:
        for delta in model_for(stub).stream(MESSAGES):
            received.append(delta)
    assert caught.value.partial == "".join(Reply(TEXT).chunks()[:3]) == "".join(received)
    assert len(stub.requests) == 1  # text was already delivered: no retry


def test_malformed_stream_chunk_is_bad_response(stub: OpenAIStub) -> None:
    stub.script(Reply(TEXT, malformed=True))

    with pytest.raises(LLMBadResponse, match="invalid JSON in the stream"):
        list(model_for(stub).stream(MESSAGES))


def test_stream_reset_before_the_first_token_is_retried(stub: OpenAIStub) -> None:
    stub.script(Reply(TEXT, stream_break_after=0), Reply("Lần hai."))

    assert "".join(model_for(stub).stream(MESSAGES)) == "Lần hai."
    assert len(stub.requests) == 2


def test_stream_past_its_deadline_times_out_with_the_partial_text(stub: OpenAIStub) -> None:
    stub.script(Reply(" ".join(["chữ"] * 40), chunk_delay=0.05))
    received: list[str] = []

    with pytest.raises(LLMTimeout) as caught:
        for delta in model_for(stub).stream(MESSAGES, deadline=time.monotonic() + 0.5):
            received.append(delta)
    assert 0 < len(received) < 40 and caught.value.partial == "".join(received)


def test_closing_the_stream_early_disconnects_from_the_server(stub: OpenAIStub) -> None:
    stub.script(Reply(" ".join(["chữ"] * 50), chunk_delay=0.02))
    deltas = model_for(stub).stream(MESSAGES)

    assert next(deltas) == "chữ "
    deltas.close()
    assert wait_for(lambda: stub.disconnects == 1)


def test_stream_cut_without_done_is_bad_response_with_the_partial_text(stub: OpenAIStub) -> None:
    stub.script(Reply(TEXT, done=False))  # the body ends cleanly, as a proxy that cut it would end it
    received: list[str] = []

    with pytest.raises(LLMBadResponse, match=r"without \[DONE\]") as caught:
        for delta in model_for(stub).stream(MESSAGES):
            received.append(delta)
    assert "".join(received) == caught.value.partial == TEXT
    assert "[DONE]" in caught.value.reason and stub.base_url not in caught.value.reason


def test_stream_ignoring_max_tokens_is_cut_at_the_character_limit(stub: OpenAIStub) -> None:
    stub.script(Reply("chữ ", endless=True, chunk_delay=0.001))  # never stops on its own
    model = model_for(stub, timeout=10, max_tokens=20)  # 20 × 8 + 200 = 360 characters at most
    received: list[str] = []
    start = time.monotonic()

    with pytest.raises(LLMBadResponse, match="ran past 360 characters") as caught:
        for delta in model.stream(MESSAGES):
            received.append(delta)
    assert time.monotonic() - start < 5 and len("".join(received)) <= 360
    assert caught.value.partial == "".join(received)
    assert wait_for(lambda: stub.disconnects == 1)  # the connection was closed: the server stops writing


def test_stream_ignoring_max_tokens_stops_at_the_deadline(stub: OpenAIStub) -> None:
    stub.script(Reply("chữ ", endless=True, chunk_delay=0.02))
    start = time.monotonic()

    with pytest.raises(LLMTimeout):
        for _ in model_for(stub, timeout=1.0, max_tokens=100_000).stream(MESSAGES):
            pass
    assert 0.9 < time.monotonic() - start < 1.4
    assert wait_for(lambda: stub.disconnects == 1)


def test_keep_alive_comments_do_not_stretch_the_deadline(stub: OpenAIStub) -> None:
    stub.script(Reply(TEXT, pings_after=2, chunk_delay=0.05))  # two words, then only ": keep-alive" forever
    received: list[str] = []
    start = time.monotonic()

    with pytest.raises(LLMTimeout) as caught:
        for delta in model_for(stub, timeout=0.8).stream(MESSAGES):
            received.append(delta)
    assert 0.7 < time.monotonic() - start < 1.2
    assert caught.value.partial == "".join(received) == "".join(Reply(TEXT).chunks()[:2])


def test_complete_with_a_body_that_never_ends_stops_at_the_deadline(stub: OpenAIStub) -> None:
    stub.script(Reply("chữ ", endless=True, chunk_delay=0.02))  # a JSON body whose content never closes
    start = time.monotonic()

    with pytest.raises(LLMTimeout):
        model_for(stub, timeout=1.0, max_tokens=100_000).complete(MESSAGES)
    assert 0.9 < time.monotonic() - start < 1.4
    assert wait_for(lambda: stub.disconnects == 1)


def test_complete_with_a_body_past_the_size_limit_is_bad_response(stub: OpenAIStub) -> None:
    stub.script(Reply("chữ " * 50, endless=True, chunk_delay=0.0005))
    start = time.monotonic()

    with pytest.raises(LLMBadResponse, match="ran past"):
        model_for(stub, timeout=10, max_tokens=1).complete(MESSAGES)  # 208 characters → 62,400 bytes at most
    assert time.monotonic() - start < 5


def test_complete_reply_longer_than_max_tokens_allows_is_bad_response(stub: OpenAIStub) -> None:
    stub.script(Reply("chữ " * 200))  # 800 characters; max_tokens=10 allows 280

    with pytest.raises(LLMBadResponse, match="ran past 280 characters"):
        model_for(stub, max_tokens=10).complete(MESSAGES)


def test_error_reason_names_the_failure_not_the_server(stub: OpenAIStub) -> None:
    stub.script(Reply(status=500))

    with pytest.raises(LLMUnavailable) as caught:
        model_for(stub).complete(MESSAGES)
    assert caught.value.reason == "unavailable (HTTP 500)"
    assert stub.base_url in caught.value.message_en  # the operator's message still says where


def test_build_chat_model_without_a_model_is_none() -> None:
    assert build_chat_model(Settings(_env_file=None, llm_model="")) is None  # type: ignore[call-arg]


def test_build_chat_model_reads_the_settings() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        llm_model="qwen2.5-7b-instruct",
        llm_base_url="http://127.0.0.1:8080/v1/",
        llm_timeout=12,
        llm_max_tokens=321,
        llm_temperature=0.0,
    )
    model = build_chat_model(settings)

    assert isinstance(model, OpenAIChatModel)
    assert (model.base_url, model.model, model.timeout, model.max_tokens, model.temperature) == (
        "http://127.0.0.1:8080/v1", "qwen2.5-7b-instruct", 12, 321, 0.0,
    )  # fmt: skip
    assert model.name == "openai:http://127.0.0.1:8080/v1:qwen2.5-7b-instruct"


def test_settings_fall_back_to_openai_env(stub: OpenAIStub, monkeypatch: pytest.MonkeyPatch) -> None:
    """OPENAI_BASE_URL / OPENAI_API_KEY are read by the settings object, not by the client: one door."""
    monkeypatch.delenv("ASSISTANT_LLM_BASE_URL", raising=False)
    monkeypatch.delenv("ASSISTANT_LLM_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    settings = Settings(_env_file=None, llm_model=MODEL)  # type: ignore[call-arg]
    assert settings.llm_base_url == stub.base_url
    model = build_chat_model(settings)

    assert model is not None and model.complete(MESSAGES) == TEXT
    assert stub.headers[0]["authorization"] == "Bearer sk-from-env"


@pytest.fixture
def real_endpoint(request: pytest.FixtureRequest) -> Settings:
    """Settings for a real endpoint; the test runs only under `pytest -m llm` with the endpoint configured."""
    if "llm" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("opt-in: run with `pytest -m llm`")
    base = os.environ.get("ASSISTANT_LLM_BASE_URL") or os.environ.get("OPENAI_BASE_URL")
    if not os.environ.get("ASSISTANT_LLM_MODEL") or not (base or os.environ.get("OPENAI_API_KEY")):
        pytest.skip("set ASSISTANT_LLM_MODEL and ASSISTANT_LLM_BASE_URL (or OPENAI_API_KEY) to test a real endpoint")
    return Settings()


@pytest.mark.llm
def test_real_endpoint_completes_and_streams(real_endpoint: Settings) -> None:
    model = build_chat_model(real_endpoint)
    assert model is not None
    question = [{"role": "user", "content": "Thủ đô của Việt Nam là thành phố nào? Trả lời một câu ngắn."}]

    assert "hà nội" in model.complete(question).lower()
    assert "hà nội" in "".join(model.stream(question)).lower()
