"""Every failure in the documented JSON shape: bodies too large or unreadable, unknown paths, crashes; OpenAPI.

The body limit is checked over real HTTP too, with a chunked body of unknown length: the server must refuse it
as it streams in, without reading it all.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.assistant.api.helpers import SlowRetriever, fake_app, served

ERROR_KEYS = {"error", "message", "message_en"}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(fake_app(tmp_path)) as client:
        yield client


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) >= ERROR_KEYS and body["error"] == code, body
    assert body["message"] != body["message_en"], body
    return body


# ---------------------------------------------------------------- body size


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream", "/api/feedback", "/api/material"])
def test_body_over_limit_by_content_length_413(client: TestClient, path: str) -> None:
    body = b'{"question": "' + b"x" * 1_100_000 + b'"}'
    body_json = assert_error(
        client.post(path, content=body, headers={"Content-Type": "application/json"}), 413, "body_too_large"
    )
    assert "1.048.576" in body_json["message"] and "1048576" in body_json["message_en"]


def test_body_limit_from_settings(tmp_path: Path) -> None:
    with TestClient(fake_app(tmp_path, max_body_bytes=2048)) as client:
        assert_error(client.post("/api/chat", json={"question": "x" * 3000}), 413, "body_too_large")
        assert client.post("/api/chat", json={"question": "Nghị quyết 57?"}).status_code == 200


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    yield b'{"question": "'
    for _ in range(total // size):
        yield b"x" * size
    yield b'"}'


def test_chunked_body_over_limit_413_before_reading_it_all(tmp_path: Path) -> None:
    """200 MB announced by nobody (chunked): refused after about 1 MB, in well under the time to send 200 MB."""
    retriever = SlowRetriever()
    with served(fake_app(tmp_path, retriever)) as base, httpx.Client(base_url=base, timeout=30) as http:
        started = time.perf_counter()
        try:
            response = http.post(
                "/api/chat", content=chunks(200 * 1024 * 1024), headers={"Content-Type": "application/json"}
            )
        except httpx.HTTPError as exc:  # the server may close while we still send: then it must not have read it all
            pytest.fail(f"connection failed instead of a 413: {exc!r}")
        elapsed = time.perf_counter() - started
    assert_error(response, 413, "body_too_large")
    assert elapsed < 10 and retriever.calls == 0, elapsed


def test_chunked_body_under_limit_answered(tmp_path: Path) -> None:
    with served(fake_app(tmp_path)) as base:
        response = httpx.post(
            f"{base}/api/feedback",
            content=iter([b'{"question": "H\xe1\xbb\x8fi?", ', b'"rating": "up"}']),
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 201, response.text


# ---------------------------------------------------------------- unreadable bodies, unknown paths


@pytest.mark.parametrize("raw", [b'{"question": "\xff\xfe"}', b'{"question": "Ngh\xe1"}', b"\xc3("])
def test_body_not_utf8_400_documented_shape(client: TestClient, raw: bytes) -> None:
    response = client.post("/api/chat", content=raw, headers={"Content-Type": "application/json"})
    body = assert_error(response, 400, "invalid_body")
    assert "UTF-8" in body["message"] and "UTF-8" in body["message_en"]


def test_body_with_utf8_encoded_surrogate_422(client: TestClient) -> None:
    """Python's JSON decoder lets an encoded surrogate (ED A0 80) through as text: the field check refuses it."""
    response = client.post(
        "/api/chat", content=b'{"question": "\xed\xa0\x80"}', headers={"Content-Type": "application/json"}
    )
    assert "UTF-8" in assert_error(response, 422, "invalid_input")["message"]


@pytest.mark.parametrize("raw", [b'{"question": ', b"[1, 2", b"not json"])
def test_body_not_json_422_names_body(client: TestClient, raw: bytes) -> None:
    response = client.post("/api/chat", content=raw, headers={"Content-Type": "application/json"})
    body = assert_error(response, 422, "invalid_input")
    assert "`body`" in body["message"]


def test_unknown_path_404_json(client: TestClient) -> None:
    body = assert_error(client.get("/api/khong-co"), 404, "not_found")
    assert "/docs" in body["message"]


def test_wrong_method_405_json_with_allow(client: TestClient) -> None:
    response = client.put("/api/chat")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["allow"]


def test_unexpected_exception_500_json_without_details(tmp_path: Path) -> None:
    class Broken(SlowRetriever):
        def rank(self, *args: object) -> list:
            raise RuntimeError("secret /srv/path")

    with TestClient(fake_app(tmp_path, Broken()), raise_server_exceptions=False) as client:
        response = client.post("/api/chat", json={"question": "Nghị quyết 57?"})
    body = assert_error(response, 500, "internal_error")
    assert "secret" not in response.text and "thử lại" in body["message"] and response.headers["x-request-id"]


# ---------------------------------------------------------------- OpenAPI


@pytest.fixture
def openapi(client: TestClient) -> dict:
    return client.get("/openapi.json").json()


def test_openapi_stream_declares_events_and_json_errors(openapi: dict) -> None:
    responses = openapi["paths"]["/api/chat/stream"]["post"]["responses"]
    assert set(responses["200"]["content"]) == {"text/event-stream"}
    events = responses["200"]["content"]["text/event-stream"]
    assert "schema" not in events and events["itemSchema"]["properties"]["event"]["enum"] == ["delta", "final", "error"]
    data = events["itemSchema"]["properties"]["data"]
    assert data["contentMediaType"] == "application/json"
    assert {"$ref": "#/components/schemas/ChatResponse"} in data["contentSchema"]["oneOf"]
    for status in ("400", "413", "422", "429", "503"):
        assert set(responses[status]["content"]) == {"application/json"}, status
        assert responses[status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/api/chat", "post", {"400", "413", "422", "429", "503"}),
        ("/api/feedback", "post", {"400", "413", "422", "429"}),
        ("/api/material", "post", {"400", "413", "422", "429", "503"}),
        ("/api/search", "get", {"422", "429", "503"}),
        ("/api/feedback", "get", {"401", "403", "422"}),
    ],
)
def test_openapi_documents_error_statuses_as_json(openapi: dict, path: str, method: str, statuses: set) -> None:
    responses = openapi["paths"][path][method]["responses"]
    assert statuses <= set(responses), set(responses)
    for status in statuses:
        assert "application/json" in responses[status]["content"], (path, status)
    for status in statuses & {"429", "503"}:
        assert "Retry-After" in responses[status]["headers"]


def test_openapi_feedback_offset_bounded(openapi: dict) -> None:
    params = {p["name"]: p for p in openapi["paths"]["/api/feedback"]["get"]["parameters"]}
    assert params["offset"]["schema"]["maximum"] < 2**63 and params["limit"]["schema"]["maximum"] == 1000


def test_openapi_chat_k_strict_and_filters_capped(openapi: dict) -> None:
    schemas = openapi["components"]["schemas"]
    doc_ids = schemas["FiltersModel"]["properties"]["doc_ids"]["anyOf"][0]
    assert doc_ids["maxItems"] == 100 and doc_ids["items"]["maxLength"] == 200


def test_socket_keeps_alive_after_a_422(tmp_path: Path) -> None:
    """A refused request (here a surrogate) leaves the keep-alive connection usable: no dropped connection."""
    with served(fake_app(tmp_path)) as base:
        host, port = base.removeprefix("http://").split(":")
        statuses: list[int] = []
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            for raw in (b'{"question": "\\ud800"}', b'{"question": "Ngh\xe1\xbb\x8b quy\xe1\xba\xbft 57?"}'):
                request = (
                    b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(raw)}\r\n\r\n".encode()
                    + raw
                )
                sock.sendall(request)
                statuses.append(read_response(sock))
    assert statuses == [422, 200]


def read_response(sock: socket.socket) -> int:
    """One HTTP/1.1 response with a Content-Length, read whole; its status."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(line.split(":")[1]) for line in lines if line.lower().startswith("content-length"))
    while len(body) < length:
        body += sock.recv(65536)
    assert "connection: close" not in head.decode("latin-1").lower()
    return int(lines[0].split()[1])
