"""A scripted OpenAI-compatible chat server on a real socket, for tests of anything that calls an LLM.

    with OpenAIStub() as stub:
        stub.script(Reply("Xin chào"), Reply(status=429, headers={"Retry-After": "0.05"}))
        model = OpenAIChatModel(stub.base_url, "stub-model", None)
        ...
        assert stub.requests[0]["messages"] == [...]

Each request to `POST /v1/chat/completions` takes the next scripted reply (the default one when the queue is
empty; or, given a `responder`, the reply it computes from the request's body) and answers it in OpenAI's own
format, as JSON or, for `stream: true`, as server-sent events. Misbehaving servers are scripted too: a stream
that ends without `[DONE]`, one that sends keep-alive comments and no more text, a reply that never ends
(a server ignoring `max_tokens`, streamed or as a JSON body that never closes).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from tests.conftest import free_port

MODEL = "stub-model"


@dataclass
class Reply:
    """One scripted answer; `status` ≠ 200 sends an OpenAI error body, `body` (a dict) is sent verbatim."""

    text: str = ""
    status: int = 200
    delay: float = 0.0  # seconds before answering (async: the server stays responsive)
    stream_break_after: int | None = None  # close the connection abruptly after N content chunks
    malformed: bool = False  # invalid JSON (the whole body, or a stream chunk)
    headers: dict[str, str] = field(default_factory=dict)
    chunk_delay: float = 0.01  # seconds between streamed chunks
    body: dict[str, Any] | None = None
    done: bool = True  # end a stream with `data: [DONE]` (False: the body just ends, as a cut-off proxy's would)
    pings_after: int | None = None  # after N content chunks, only ": keep-alive" comments, until the client leaves
    endless: bool = False  # repeat the text until the client leaves (streamed, or as a JSON body never closed)

    def chunks(self) -> list[str]:
        """The pieces a stream sends: one word with its trailing space each (they concatenate to `text`)."""
        return re.findall(r"\S+\s*|\s+", self.text)


class StreamBroken(Exception):
    """Raised inside a streaming body so that uvicorn drops the connection mid-response."""


def _completion(text: str, model: str) -> dict[str, Any]:
    message = {"role": "assistant", "content": text, "refusal": None}
    usage = {"prompt_tokens": 10, "completion_tokens": len(text.split()), "total_tokens": 10 + len(text.split())}
    return {
        "id": "chatcmpl-stub", "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}], "usage": usage,
    }  # fmt: skip


def _chunk(model: str, delta: dict[str, Any], finish_reason: str | None = None) -> str:
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
    data = {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "system_fingerprint": None, "choices": [choice]}  # fmt: skip
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def _error(status: int) -> dict[str, Any]:
    kind = {400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error", 429: "rate_limit_error"}
    message = f"Stub error {status}"
    return {"error": {"message": message, "type": kind.get(status, "server_error"), "param": None, "code": None}}


class OpenAIStub:
    """The stub server in a background thread; `base_url` ends in `/v1`, `requests` holds the JSON bodies received."""

    def __init__(
        self, default: Reply | None = None, responder: Callable[[dict[str, Any]], Reply] | None = None
    ) -> None:
        self.default = default or Reply(text="Câu trả lời mẫu [1].")
        self.responder = responder  # computes the reply from the request's body when the queue is empty
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []  # each request's headers (lower-case names), e.g. authorization
        self.disconnects = 0  # clients that left before the whole answer was sent
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        # log_config=None: uvicorn's records go to the root logger (pytest shows them on failure only).
        config = uvicorn.Config(
            self._app(), host="127.0.0.1", port=self.port, log_config=None, access_log=False, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="openai-stub", daemon=True)

    def script(self, *replies: Reply) -> None:
        """Queue replies, answered one per request in order."""
        with self._lock:
            self._queue.extend(replies)

    def start(self) -> OpenAIStub:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"OpenAI stub did not start on port {self.port}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        # force_exit: do not wait for requests still sleeping in a scripted delay.
        self._server.should_exit = self._server.force_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> OpenAIStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next(self, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            if self._queue:
                return self._queue.popleft()
        return self.responder(body) if self.responder is not None else self.default

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/v1/models")
        async def models() -> dict[str, Any]:
            return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "stub"}]}

        @app.post("/v1/chat/completions")
        async def chat(request: Request) -> Response:
            body = await request.json()
            reply = self._next(body, dict(request.headers))
            if not await self._wait(request, reply.delay):
                return Response(status_code=499)
            model = body.get("model", MODEL)
            if reply.status != 200:
                return JSONResponse(_error(reply.status), status_code=reply.status, headers=reply.headers)
            if reply.body is not None:
                return JSONResponse(reply.body, headers=reply.headers)
            if body.get("stream"):
                events = self._events(reply, model, bool((body.get("stream_options") or {}).get("include_usage")))
                return StreamingResponse(events, media_type="text/event-stream", headers=reply.headers)
            if reply.malformed:
                return Response('{"id": "chatcmpl-stub", "choices": [', media_type="application/json")
            if reply.endless:
                return StreamingResponse(self._endless_body(reply), media_type="application/json")
            return JSONResponse(_completion(reply.text, model), headers=reply.headers)

        return app

    async def _wait(self, request: Request, delay: float) -> bool:
        """Sleep `delay` seconds; False (and one more disconnect) if the client leaves meanwhile."""
        end = time.monotonic() + delay
        while time.monotonic() < end:
            if await request.is_disconnected():
                self.disconnects += 1
                return False
            await asyncio.sleep(min(0.02, end - time.monotonic()))
        return True

    async def _events(self, reply: Reply, model: str, include_usage: bool) -> AsyncIterator[str]:
        """The SSE body: a role chunk, one chunk per piece of text, a finish chunk, [optional usage], [DONE]."""
        finished = False
        try:
            yield _chunk(model, {"role": "assistant", "content": ""})
            for sent, piece in enumerate(self._pieces(reply)):
                if sent == reply.stream_break_after:
                    raise StreamBroken(f"stub: stream broken after {sent} chunks, as scripted")
                while sent == reply.pings_after:
                    await asyncio.sleep(reply.chunk_delay)
                    yield ": keep-alive\n\n"
                await asyncio.sleep(reply.chunk_delay)
                yield "data: {not json\n\n" if reply.malformed else _chunk(model, {"content": piece})
            if reply.stream_break_after is not None:  # N >= the number of chunks: break before the end
                raise StreamBroken("stub: stream broken before [DONE], as scripted")
            yield _chunk(model, {}, finish_reason="stop")
            if include_usage:
                usage = {"prompt_tokens": 10, "completion_tokens": len(reply.chunks()), "total_tokens": 0}
                yield f"data: {json.dumps({'id': 'chatcmpl-stub', 'choices': [], 'usage': usage})}\n\n"
            if reply.done:
                yield "data: [DONE]\n\n"
            finished = True
        finally:
            if not finished and reply.stream_break_after is None:
                self.disconnects += 1  # cancelled by Starlette when the client closed the connection

    @staticmethod
    def _pieces(reply: Reply) -> Iterator[str]:
        """The chunks of the reply's text; for an endless reply, again and again."""
        yield from reply.chunks()
        while reply.endless:
            yield from reply.chunks()

    async def _endless_body(self, reply: Reply) -> AsyncIterator[str]:
        """A completion whose content never ends, sent piece by piece until the client leaves."""
        try:
            yield '{"id": "chatcmpl-stub", "object": "chat.completion", "choices": [{"index": 0, "message": '
            yield '{"role": "assistant", "content": "'
            for piece in self._pieces(reply):
                await asyncio.sleep(reply.chunk_delay)
                yield json.dumps(piece, ensure_ascii=False)[1:-1]
        finally:
            self.disconnects += 1
