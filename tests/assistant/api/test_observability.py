"""GET /metrics in the Prometheus text format; one JSON log line per request with its X-Request-ID; no questions."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.metrics import BUCKETS, Gauge, Metrics
from tests.assistant.api.helpers import fake_app

QUESTION = "Nghị quyết 57-NQ/TW được ban hành ngày nào?"
# name{labels} value, as Prometheus parses it
SAMPLE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.e+Inf-]+$')


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(fake_app(tmp_path)) as client:
        yield client


def log_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"time"')]


# ---------------------------------------------------------------- /metrics


def test_metrics_prometheus_text_after_traffic(client: TestClient) -> None:
    client.post("/api/chat", json={"question": QUESTION})
    client.post("/api/chat", json={"question": " "})
    client.get("/api/documents/khong-co")
    client.get("/khong-co/gi")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    for line in text.splitlines():
        assert line.startswith("# HELP ") or line.startswith("# TYPE ") or SAMPLE.match(line), line
    assert 'assistant_http_requests_total{method="POST",route="/api/chat",status="200"} 1' in text
    assert 'assistant_http_requests_total{method="POST",route="/api/chat",status="422"} 1' in text
    assert 'route="/api/documents/{doc_id}",status="' in text  # the template, never the raw id
    assert 'route="unmatched",status="404"' in text and "khong-co" not in text
    assert 'assistant_http_request_duration_seconds_bucket{method="POST",route="/api/chat",le="+Inf"} 2' in text
    assert 'assistant_answers_total{mode="extractive"} 1' in text
    assert 'assistant_answers_refused_total{mode="extractive"} 1' in text  # nothing retrieved: a refusal
    for stage in ("understand", "retrieve", "answer", "total"):
        assert f'assistant_answer_stage_seconds_count{{stage="{stage}"}} 1' in text
    assert "# TYPE assistant_answers_degraded_total counter" in text
    assert "# TYPE assistant_llm_answers_replaced_total counter" in text
    assert "assistant_index_loaded 0" in text and "assistant_requests_in_flight 0" in text


def test_metrics_stream_answer_counted(client: TestClient) -> None:
    with client.stream("POST", "/api/chat/stream", json={"question": QUESTION}) as response:
        list(response.iter_lines())
    assert 'assistant_answers_total{mode="extractive"} 1' in client.get("/metrics").text


@pytest.mark.slow
def test_metrics_index_gauges_when_loaded(sample_index: Path, tmp_path: Path) -> None:
    from assistant.api.app import create_app
    from tests.conftest import make_settings

    with TestClient(create_app(make_settings(sample_index))) as client:
        text = client.get("/metrics").text
    assert "assistant_index_loaded 1" in text and "assistant_index_documents 5" in text
    assert re.search(r"^assistant_index_chunks \d+$", text, re.M) and re.search(
        r"^assistant_index_generation \d+$", text, re.M
    )


def test_metrics_disabled_404(tmp_path: Path) -> None:
    with TestClient(fake_app(tmp_path, metrics_enabled=False)) as client:
        assert client.get("/metrics").status_code == 404


def test_metrics_degraded_and_replaced_counted() -> None:
    metrics = Metrics()
    metrics.observe_answer({"mode": "extractive", "degraded": True, "warnings": ["llm: timeout"], "timings_ms": {}})
    metrics.observe_answer({"mode": "extractive", "warnings": ["replaced: wrong number"], "timings_ms": {"total": 5}})
    text = metrics.render([Gauge("g", "a gauge", 2.5, (("k", 'a"b'),))])
    assert "assistant_answers_degraded_total 1" in text and "assistant_llm_answers_replaced_total 1" in text
    assert 'g{k="a\\"b"} 2.5' in text
    assert f'assistant_answer_stage_seconds_bucket{{stage="total",le="{BUCKETS[0]}"}} 1' in text
    assert 'assistant_answer_stage_seconds_sum{stage="total"} 0.005' in text


# ---------------------------------------------------------------- request ids and the log


def test_request_id_echoed_or_made(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "portal-42.abc"})
    assert given.headers["x-request-id"] == "portal-42.abc"
    made = client.get("/healthz").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    hostile = client.get("/healthz", headers={"X-Request-ID": "x" * 65}).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", hostile)
    assert client.post("/api/chat", json={"question": " "}).headers["x-request-id"]  # errors carry one too


def test_log_one_json_line_per_request_without_the_question(client: TestClient, capsys: pytest.CaptureFixture) -> None:
    capsys.readouterr()
    client.post("/api/chat", json={"question": QUESTION}, headers={"X-Request-ID": "req-1"})
    client.get("/api/search", params={"q": "bí mật quốc gia"}, headers={"X-Request-ID": "req-2"})
    err = capsys.readouterr().err
    lines = log_lines(err)
    assert [(line["request_id"], line["route"], line["status"]) for line in lines] == [
        ("req-1", "/api/chat", 200),
        ("req-2", "/api/search", 200),
    ]
    assert lines[0]["method"] == "POST" and lines[0]["duration_ms"] >= 0 and lines[0]["level"] == "INFO"
    assert "57-NQ" not in err and "bí mật" not in err and "b%C3%AD" not in err


def test_log_questions_setting_logs_them(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with TestClient(fake_app(tmp_path, log_questions=True)) as client:
        capsys.readouterr()
        client.post("/api/chat", json={"question": QUESTION})
        (line,) = log_lines(capsys.readouterr().err)
    assert line["question"] == QUESTION


def test_log_text_format_setting(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    try:
        with TestClient(fake_app(tmp_path, log_format="text")) as client:
            capsys.readouterr()
            client.get("/healthz", headers={"X-Request-ID": "plain-1"})
            err = capsys.readouterr().err
        assert "INFO assistant.api.access: request" in err and '"/healthz"' in err
    finally:
        with TestClient(fake_app(tmp_path)):  # back to JSON for the tests after this one
            pass


def test_unhandled_error_logged_with_request_id(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from tests.assistant.api.helpers import SlowRetriever

    class Broken(SlowRetriever):
        def rank(self, *args: object) -> list:
            raise RuntimeError("boom")

    with TestClient(fake_app(tmp_path, Broken()), raise_server_exceptions=False) as client:
        capsys.readouterr()
        response = client.post("/api/chat", json={"question": QUESTION}, headers={"X-Request-ID": "bad-1"})
        lines = log_lines(capsys.readouterr().err)
    assert response.status_code == 500
    error = next(line for line in lines if line["level"] == "ERROR")
    assert error["request_id"] == "bad-1" and "RuntimeError: boom" in error["exception"]
    assert QUESTION not in json.dumps(lines, ensure_ascii=False)
