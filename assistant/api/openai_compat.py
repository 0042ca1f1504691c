"""The OpenAI-compatible face: GET /v1/models and POST /v1/chat/completions over the same pipeline as /api/chat.

Every error of these routes leaves in OpenAI's shape, {"error": {"message", "type", "code", "param"}}, so the
official clients raise their own exceptions (BadRequestError, NotFoundError…). See docs/OPENAI.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant import openai_face, pipeline, streaming
from assistant.api import errors
from assistant.api.deps import DepsDep, MetricsDep
from assistant.api.handbook import link_sources
from assistant.api.limits import ClientIdentity, InFlightLimiter, RateLimiter
from assistant.api.responses import RETRY_AFTER
from assistant.api.routes import EventStreamResponse, public_answer
from assistant.api.schemas import ErrorBody, PassageModel
from assistant.openai_face import ModelNotFoundError, UnsupportedRequestError
from core.errors import AssistantError, UnauthorizedError

logger = logging.getLogger(__name__)

ERROR_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 404: "invalid_request_error"}
ERROR_CODES = {401: "invalid_api_key", 429: "rate_limit_exceeded"}


# --- errors -------------------------------------------------------------------------------------------------------


class InvalidRequestError(AssistantError):
    """A request body OpenAI would refuse as invalid: 400, naming the first bad field."""

    status = 400
    code = "invalid_request"

    def __init__(self, message_en: str, message_vi: str, param: str | None) -> None:
        super().__init__(message_en, message_vi)
        self.param = param


def openai_error(exc: AssistantError) -> JSONResponse:
    """A domain error in OpenAI's shape; a 422 of ours is a 400 there. Vietnamese `message`, English beside it."""
    status = 400 if exc.status == 422 else exc.status
    kind = ERROR_TYPES.get(status, "rate_limit_error" if status == 429 else "server_error")
    body = errors.public(exc)
    error = {
        "message": body["message"],
        "message_en": body["message_en"],
        "type": kind,
        "code": ERROR_CODES.get(status, exc.code),
        "param": getattr(exc, "param", None),
    }
    return JSONResponse({"error": error}, status_code=status, headers=exc.headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """The app's validation message (Vietnamese and English, fields named), reshaped; 400 as OpenAI does."""
    body = json.loads(bytes((await errors.validation_error(request, exc)).body))
    first: dict[str, Any] = next(iter(exc.errors()), {})
    invalid = InvalidRequestError(body["message_en"], body["message"], errors.field_name(first.get("loc", ())))
    return openai_error(invalid)


class OpenAIRoute(APIRoute):
    """A route whose errors (validation, domain, Starlette's) all leave in OpenAI's shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return await _validation_error(request, exc)
            except AssistantError as exc:
                if exc.status >= 500:
                    logger.warning("%s %s -> %s: %s", request.method, request.url.path, exc.status, exc.message_en)
                return openai_error(exc)
            except StarletteHTTPException as exc:
                plain = AssistantError(str(exc.detail))
                plain.status, plain.code = exc.status_code, "http_error"
                return openai_error(plain)

        return handle


# --- auth and limits ----------------------------------------------------------------------------------------------


def bearer_client(request: Request) -> str | None:
    """With ASSISTANT_CLIENT_KEYS set, a bearer key of that list is required (401 otherwise); the key sent."""
    keys = [key.get_secret_value() for key in request.app.state.settings.client_keys]
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if not keys:
        return None
    sent = hashlib.sha256(given.strip().encode("utf-8", "surrogateescape")).digest()
    found = False
    for key in keys:  # every key compared, in constant time: neither timing nor errors tell which one
        found = hmac.compare_digest(sent, hashlib.sha256(key.encode()).digest()) or found
    if scheme.lower() != "bearer" or not found:
        raise UnauthorizedError(
            "Missing or wrong API key: send `Authorization: Bearer <key>` with a key of ASSISTANT_CLIENT_KEYS.",
            "Thiếu hoặc sai khoá API — hãy gửi `Authorization: Bearer <khoá>` với một khoá trong "
            "ASSISTANT_CLIENT_KEYS (trong Open WebUI/LibreChat: ô API Key).",
        )
    return given.strip()


ClientKey = Annotated[str | None, Depends(bearer_client)]


def limited_by(rates: RateLimiter) -> list[Any]:
    """Router dependencies counting each completion in the "chat" bucket the middleware keeps for /api/chat.

    A client is its bearer key when that is a known client key (the bucket /api/chat gives it for `X-API-Key`),
    else its address. The app passes its one RateLimiter: `include_router(router, dependencies=limited_by(rates))`.
    """

    def take(request: Request) -> None:
        if request.method != "POST":
            return
        keys = [key.get_secret_value() for key in request.app.state.settings.client_keys]
        _, _, given = request.headers.get("authorization", "").partition(" ")
        client = (request.client.host, request.client.port) if request.client else None
        who = ClientIdentity(keys).of({b"x-api-key": given.strip().encode()} if given else {}, client)
        wait = rates.take("chat", who)
        if wait:
            request.app.state.metrics.inc("assistant_rejected_total", reason="rate_limited")
            raise errors.RateLimitedError(wait)

    return [Depends(take)]


class Slot:
    """One of the in-flight slots /api/chat uses, released once (after the answer, or the stream's end)."""

    def __init__(self, in_flight: InFlightLimiter) -> None:
        self.in_flight, self.held = in_flight, False

    async def take(self, settings: Any, metrics: Any) -> None:
        if not await self.in_flight.acquire():
            metrics.inc("assistant_rejected_total", reason="busy")
            raise errors.BusyError(settings.busy_retry_after)
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self.in_flight.release()


# --- schemas ------------------------------------------------------------------------------------------------------


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls… (a tool message is refused by role)

    role: str
    content: str | list[dict[str, Any]] | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """OpenAI's request; temperature, top_p, max_tokens, seed, user… are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(examples=[openai_face.MODEL])
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int | None = None
    tools: list[Any] | None = None
    functions: list[Any] | None = None
    tool_choice: Any = None
    function_call: Any = None
    response_format: dict[str, Any] | None = None


class TroLy(BaseModel):
    """The extension: what /api/chat returns beside the answer text."""

    sources: list[PassageModel]
    refused: bool
    mode: str
    degraded: bool
    warnings: list[str] = Field(default_factory=list)
    note: str | None = None
    standalone_question: str | None = None


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class Usage(BaseModel):
    prompt_tokens: int = Field(description="whitespace-separated words of the question and the history read")
    completion_tokens: int = Field(description="whitespace-separated words of the assistant message")
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    tro_ly: TroLy


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "tro-ly-nghi-quyet"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class OpenAIError(BaseModel):
    message: str = Field(description="Vietnamese, says what to fix")
    message_en: str
    type: str = Field(description="invalid_request_error, rate_limit_error or server_error")
    code: str
    param: str | None = Field(description="the request field at fault, when one is")


class OpenAIErrorBody(BaseModel):
    error: OpenAIError


def _error_doc(description: str, **extra: Any) -> dict[str, Any]:
    return {"model": OpenAIErrorBody, "description": description, **extra}


ERROR_DOC: dict[int | str, dict[str, Any]] = {
    400: _error_doc("Invalid request, or a parameter this face does not support (n > 1, tools, images…)"),
    401: _error_doc("ASSISTANT_CLIENT_KEYS is set and no valid `Authorization: Bearer` key was sent"),
    404: _error_doc("Unknown model (`model_not_found`)"),
    413: {"model": ErrorBody, "description": "The body is over ASSISTANT_MAX_BODY_BYTES (the app's error shape)"},
    422: {"description": "Never: invalid requests are 400 here, as OpenAI answers them"},
    429: _error_doc("Too many requests from this client: wait `Retry-After` seconds", headers=RETRY_AFTER),
    503: _error_doc("No index yet, or the server is busy (`Retry-After`)", headers=RETRY_AFTER),
}
CHUNK_STREAM = {
    "description": "A chat completion (JSON); with `stream: true`, server-sent `chat.completion.chunk` events: "
    'the role, the deltas, the "Nguồn" list, a chunk with `finish_reason` and `tro_ly`, then `data: [DONE]`.',
    "content": {"text/event-stream": {"schema": {"type": "string"}}},
}

router = APIRouter(prefix="/v1", route_class=OpenAIRoute, tags=["openai"], responses=ERROR_DOC)


# --- routes -------------------------------------------------------------------------------------------------------


@router.get("/models", response_model=ModelList)
async def models(_: ClientKey) -> ModelList:
    """The assistant as models: `tro-ly-nghi-quyet` (the LLM when configured, else extractive) and `…-extractive`."""
    return ModelList(data=[ModelCard(id=model) for model in openai_face.MODELS])


@router.get("/models/{model}", response_model=ModelCard)
async def model(model: str, _: ClientKey) -> ModelCard:
    """One model; 404 `model_not_found` for an unknown id."""
    openai_face.answerer_of(model)
    return ModelCard(id=model)


@router.post("/chat/completions", response_model=ChatCompletion, responses={200: CHUNK_STREAM})
async def chat_completions(
    body: ChatCompletionRequest, request: Request, deps: DepsDep, metrics: MetricsDep, _: ClientKey
) -> Response:
    """The answer of /api/chat as an OpenAI chat completion (or `chat.completion.chunk` events with `stream`)."""
    refuse_unsupported(body)
    turn = _turn(body, request)
    slot = Slot(request.app.state.in_flight)
    await slot.take(request.app.state.settings, metrics)
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    try:
        if body.stream:
            events = streaming.chat_events(deps, turn)
            include_usage = bool(body.stream_options and body.stream_options.include_usage)
            link = partial(link_sources, index=deps.index, request=request)
            chunks = _chunks(events, turn, body.model, completion_id, created, include_usage, metrics, slot, link)
            headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
            return EventStreamResponse(chunks, headers=headers, background=BackgroundTask(slot.release))
        trace = await run_in_threadpool(pipeline.run, deps, turn)
    except BaseException:
        slot.release()
        raise
    slot.release()
    answer = public_answer(trace.answer.to_dict())
    answer["sources"] = link_sources(answer["sources"], deps.index, request)
    metrics.observe_answer(answer)
    content = openai_face.assistant_content(answer)
    completion = ChatCompletion(
        id=completion_id,
        created=created,
        model=body.model,
        choices=[Choice(message=AssistantMessage(content=content))],
        usage=_usage(turn, content),
        tro_ly=TroLy.model_validate(openai_face.extension(answer)),
    )
    return JSONResponse(completion.model_dump(mode="json"))


def refuse_unsupported(body: ChatCompletionRequest) -> None:
    """400 for what this face cannot do; 404 for an unknown model (checked first, as OpenAI does)."""
    if body.model not in openai_face.MODELS:
        raise ModelNotFoundError(body.model)
    if body.n is not None and body.n != 1:
        raise UnsupportedRequestError(
            "n",
            f"n={body.n} is not supported: the assistant gives one answer (n=1).",
            f"Không hỗ trợ n={body.n} — trợ lý chỉ đưa ra một câu trả lời (n=1).",
        )
    for param in ("tools", "functions", "tool_choice", "function_call"):
        if getattr(body, param) not in (None, [], "none"):
            raise UnsupportedRequestError(
                param,
                f"`{param}` is not supported: the assistant answers from its documents and calls no tools.",
                f"Không hỗ trợ `{param}` — trợ lý chỉ trả lời theo tài liệu, không gọi công cụ.",
            )
    if body.response_format and body.response_format.get("type") not in (None, "text"):
        raise UnsupportedRequestError(
            "response_format",
            "Only response_format type `text` is supported: answers are cited text.",
            "Chỉ hỗ trợ response_format `text` — câu trả lời là văn bản có trích dẫn.",
        )


def _turn(body: ChatCompletionRequest, request: Request) -> pipeline.Turn:
    """The domain's turn, validated as /api/chat validates it (400 here instead of 422)."""
    settings = request.app.state.settings
    messages = [message.model_dump() for message in body.messages]
    turn = openai_face.to_turn(messages, body.model, settings)
    turn.question = pipeline.validate_question(turn.question, settings)
    turn.history = pipeline.validate_history(turn.history, settings) or None
    if settings.log_questions:
        request.state.question = turn.question
    return turn


def _usage(turn: pipeline.Turn, content: str) -> Usage:
    prompt, completion = openai_face.prompt_tokens(turn), openai_face.count_tokens(content)
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)


async def _chunks(
    events: Iterator[streaming.StreamEvent],
    turn: pipeline.Turn,
    model: str,
    completion_id: str,
    created: int,
    include_usage: bool,
    metrics: Any,
    slot: Slot,
    link: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
) -> AsyncIterator[bytes]:
    """`chat.completion.chunk` events: the role, the deltas, the "Nguồn" list, the finish with `tro_ly`, [DONE]."""

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        choices = [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]
        data = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model}
        return _sse({**data, "choices": choices, **extra})

    try:
        yield chunk({"role": "assistant", "content": ""})
        async for event in iterate_in_threadpool(events):
            if event.event == "delta":
                yield chunk({"content": event.data["text"]})
                continue
            answer = public_answer(event.data)
            answer["sources"] = link(answer["sources"])
            metrics.observe_answer(answer)
            sources = openai_face.sources_markdown(answer)
            if sources:
                yield chunk({"content": sources})
            tro_ly = TroLy.model_validate(openai_face.extension(answer)).model_dump(mode="json")
            yield chunk({}, "stop", tro_ly=tro_ly)
            if include_usage:
                usage = _usage(turn, openai_face.assistant_content(answer)).model_dump()
                data = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model}
                yield _sse({**data, "choices": [], "usage": usage})
        yield b"data: [DONE]\n\n"
    except AssistantError as exc:
        logger.warning("completion stream failed after start: %s", exc.message_en)
        yield _sse(json.loads(bytes(openai_error(exc).body)))
    except Exception:  # the status line is sent: the client can only learn of it in the stream
        logger.exception("completion stream failed after start")
        yield _sse(json.loads(bytes(openai_error(errors.InternalError()).body)))
    finally:
        slot.release()
        close = getattr(events, "close", None)
        if close is not None:
            with contextlib.suppress(ValueError):  # still running in its worker thread: it stops at its next delta
                close()


def _sse(data: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode()
