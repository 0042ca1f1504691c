"""Thin routes: parse, call the domain (blocking work in a thread), return a response model."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.responses import Response, StreamingResponse

from assistant import documents, pipeline, streaming
from assistant.api.deps import AdminDep, DepsDep, FeedbackDep, SettingsDep, current_deps
from assistant.api.schemas import (
    ChatRequest,
    ChatResponse,
    ChatStreamFinal,
    DocumentDetail,
    DocumentList,
    DocumentSummary,
    ErrorBody,
    FeedbackCreated,
    FeedbackItem,
    FeedbackList,
    FeedbackRequest,
    Health,
    LLMHealth,
    MaterialRequest,
    MaterialResponse,
    PassageModel,
    SearchResponse,
)
from assistant.feedback import FeedbackEntry
from assistant.material import formats, render
from assistant.material.builder import build_pack
from core.errors import AssistantError, IndexMissingError

logger = logging.getLogger(__name__)

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown document"},
    422: {"model": ErrorBody, "description": "Invalid request (message in Vietnamese and English)"},
    503: {"model": ErrorBody, "description": "No index yet: run `assistant ingest`"},
}
STREAM_DOC = {
    "description": "Server-sent events: `delta` {text} (several; they concatenate to the answer), then `final` "
    "(the /api/chat response plus `degraded`), or `error` {error, message, message_en} if answering fails "
    "after the stream started.",
    "content": {"text/event-stream": {"schema": {"type": "string"}}},
}
ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "ASSISTANT_ADMIN_TOKEN is set and the bearer token is missing or wrong"},
    403: {"model": ErrorBody, "description": "ASSISTANT_ADMIN_TOKEN is unset and the client is not this machine"},
    422: ERRORS[422],
}
MATERIAL_DOC = {
    "description": "The lesson pack as JSON; with `?format=md` Markdown, with `?format=docx` a Word document "
    "(attachment `bai-soan-<topic>.docx`). Every format starts with the note that the draft must be reviewed.",
    "content": {
        "text/markdown": {"schema": {"type": "string"}},
        render.MEDIA_TYPES["docx"]: {"schema": {"type": "string", "format": "binary"}},
    },
}
MATERIAL_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {
        "model": ErrorBody,
        "description": "Invalid request, or too few documents on the topic (not_enough_documents)",
    },
    503: ERRORS[503],
}

router = APIRouter()


class EventStreamResponse(StreamingResponse):
    """Server-sent events (named here so OpenAPI shows text/event-stream)."""

    media_type = "text/event-stream"


@router.post("/api/chat", response_model=ChatResponse, responses=ERRORS, tags=["assistant"])
async def chat(body: ChatRequest, deps: DepsDep) -> ChatResponse:
    """Answer a question with numbered, cited sources (or refuse when the documents do not say)."""
    trace = await run_in_threadpool(pipeline.run, deps, _turn(body))
    return ChatResponse.model_validate(trace.answer.to_dict())


def _turn(body: ChatRequest) -> pipeline.Turn:
    history = [turn.model_dump() for turn in body.history]
    return pipeline.Turn(body.question, history, body.filters.to_domain() if body.filters else None, body.k)


@router.post(
    "/api/chat/stream",
    response_class=EventStreamResponse,
    responses={200: STREAM_DOC, **ERRORS},
    tags=["assistant"],
)
async def chat_stream(body: ChatRequest, deps: DepsDep) -> EventStreamResponse:
    """The answer of /api/chat as server-sent events; bad input and a missing index fail before streaming."""
    events = streaming.chat_events(deps, _turn(body))
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return EventStreamResponse(_server_sent(events), headers=headers)


async def _server_sent(events: Iterator[streaming.StreamEvent]) -> AsyncIterator[bytes]:
    """Each event as SSE, produced in a worker thread; a failure after the start becomes an `error` event."""
    try:
        async for event in iterate_in_threadpool(events):
            data = event.data
            if event.event == "final":  # exactly the /api/chat shape
                data = ChatStreamFinal.model_validate(data).model_dump(mode="json")
            yield _sse(event.event, data)
    except AssistantError as exc:
        logger.warning("stream failed after start: %s", exc.message_en)
        yield _sse("error", exc.to_dict())
    except Exception:  # the status line is sent already: the client can only learn of it in the stream
        logger.exception("stream failed after start")
        internal = AssistantError(
            "Internal error while answering; details are in the server log. Try again.",
            "Lỗi nội bộ khi trả lời — vui lòng thử lại; chi tiết có trong nhật ký máy chủ.",
        )
        yield _sse("error", internal.to_dict())
    finally:  # also when the client disconnects: stop generating and close the model's stream
        close = getattr(events, "close", None)
        if close is not None:
            with contextlib.suppress(ValueError):  # still running in its worker thread: it stops at its next delta
                close()


def _sse(event: str, data: dict[str, Any]) -> bytes:
    # json.dumps escapes newlines, so the data is one `data:` line
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


@router.post(
    "/api/material",
    response_model=MaterialResponse,
    responses={200: MATERIAL_DOC, **MATERIAL_ERRORS},
    tags=["material"],
)
async def material(
    body: MaterialRequest,
    deps: DepsDep,
    fmt: Annotated[Literal["json", "md", "docx"], Query(alias="format", description="json, md or docx")] = "json",
) -> MaterialResponse | Response:
    """Draft trainer material on a topic: key points, Q&A, quiz, glossary and sources, every item cited."""
    pack = await run_in_threadpool(
        build_pack, deps, body.topic, audience=body.audience, points=body.points, questions=body.questions
    )
    if fmt == "json":
        return MaterialResponse.model_validate(render.to_data(pack))
    content = await run_in_threadpool(formats.render_as, pack, fmt)
    ascii_name, name = render.download_names(pack.topic, fmt)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(content, media_type=render.MEDIA_TYPES[fmt], headers={"Content-Disposition": disposition})


@router.post("/api/feedback", status_code=201, response_model=FeedbackCreated, responses=ERRORS, tags=["feedback"])
async def add_feedback(body: FeedbackRequest, settings: SettingsDep, store: FeedbackDep) -> FeedbackCreated:
    """Record a thumbs up/down (and an optional comment) on an answer."""
    _check_question_length(body.question, settings.max_question_chars)
    entry = FeedbackEntry(
        rating=body.rating,
        question=body.question,
        answer=body.answer,
        comment=body.comment,
        sources=[source.model_dump() for source in body.sources],
        mode=body.mode,
        history=[turn.model_dump() for turn in body.history],
    )
    feedback_id = await run_in_threadpool(store.add, entry)
    return FeedbackCreated(id=feedback_id, created=entry.created)


@router.get("/api/feedback", response_model=FeedbackList, responses=ADMIN_ERRORS, tags=["feedback"])
async def list_feedback(
    _: AdminDep,
    store: FeedbackDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> FeedbackList:
    """Feedback, newest first (admins: bearer ASSISTANT_ADMIN_TOKEN, or this machine when it is unset)."""
    items = await run_in_threadpool(store.list, limit, offset)
    total = await run_in_threadpool(store.count)
    return FeedbackList(items=[FeedbackItem.model_validate(item) for item in items], total=total)


def _check_question_length(question: str, limit: int) -> None:
    """The settings' limit, reported like any other validation error (the schema cannot know it)."""
    if len(question) > limit:
        msg = f"String should have at most {limit} characters"
        error = {"loc": ("body", "question"), "type": "string_too_long", "msg": msg, "input": question}
        raise RequestValidationError([error])


@router.get("/api/search", response_model=SearchResponse, responses=ERRORS, tags=["assistant"])
async def search(
    deps: DepsDep,
    q: Annotated[str, Query(description="the question or keywords")] = "",
    k: Annotated[int | None, Query(ge=1, le=50, description="default: settings.top_k")] = None,
) -> SearchResponse:
    """Ranked passages for a query, without an answer."""
    passages = await run_in_threadpool(pipeline.search, deps, q, k)
    return SearchResponse(query=q, results=[PassageModel.model_validate(p.to_dict()) for p in passages])


@router.get("/api/documents", response_model=DocumentList, responses=ERRORS, tags=["documents"])
async def list_documents(deps: DepsDep) -> DocumentList:
    """Every document in the index with its metadata."""
    return DocumentList(documents=[DocumentSummary.model_validate(d) for d in documents.list_documents(deps)])


@router.get("/api/documents/{doc_id}", response_model=DocumentDetail, responses=ERRORS, tags=["documents"])
async def get_document(doc_id: str, deps: DepsDep) -> DocumentDetail:
    """Cleaned text and metadata of one document."""
    return DocumentDetail.model_validate(documents.get_document(deps, doc_id))


@router.get("/healthz", response_model=Health, tags=["ops"])
async def healthz(request: Request, settings: SettingsDep) -> Health:
    """Liveness and what is loaded; `no_index` (HTTP 200) until `assistant ingest` has run."""
    state = request.app.state
    index_dir = str(settings.index_dir)
    deps = await current_deps(state)
    if deps is None:
        error = state.deps_error
        status: Literal["no_index", "error"] = (
            "no_index" if error is None or isinstance(error, IndexMissingError) else "error"
        )
        message = error.message_vi if error else None
        return Health(status=status, index_dir=index_dir, embedder=settings.embedder, message=message)
    stale = deps.index.is_stale()
    return Health(
        status="stale" if stale else "ok",
        message="Chỉ mục đã được cập nhật sau khi máy chủ khởi động — hãy khởi động lại `assistant serve`."
        if stale
        else None,
        documents=len(deps.index.documents),
        chunks=len(deps.index.chunks),
        embedder=deps.embedder.name,
        index_dir=index_dir,
        mode="llm" if deps.chat_model is not None else "extractive",
        llm=await run_in_threadpool(_llm_health, deps.chat_model) if deps.chat_model is not None else None,
    )


def _llm_health(model: Any) -> LLMHealth:
    """Whether the chat model's endpoint answers (the model caches its probe)."""
    probe = getattr(model, "probe", None)
    error = probe() if probe is not None else None
    name, base_url = getattr(model, "model", model.name), getattr(model, "base_url", "")
    return LLMHealth(model=name, base_url=base_url, ok=error is None, error=error)
