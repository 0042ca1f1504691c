"""Thin routes: parse, call the domain (blocking work in a thread), return a response model."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from functools import partial
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from assistant import pipeline, streaming
from assistant.api.deps import AdminDep, DepsDep, FeedbackDep, MetricsDep, SettingsDep, current_deps, is_loopback
from assistant.api.errors import public
from assistant.api.handbook import link_sources
from assistant.api.metrics import CONTENT_TYPE, Gauge, Metrics
from assistant.api.redact import redact, redact_all
from assistant.api.responses import (
    ADMIN_ERRORS,
    ANSWER_ERRORS,
    BODY_ERRORS,
    BUSY_ERRORS,
    ERRORS,
    MATERIAL_DOC,
    MATERIAL_ERRORS,
    RATE_ERRORS,
    STREAM_DOC,
    STREAM_ERRORS,
)
from assistant.api.schemas import (
    ChatRequest,
    ChatResponse,
    ChatStreamFinal,
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
from assistant.deps import Deps, LiveDeps
from assistant.feedback import FeedbackEntry
from assistant.material import formats, render
from assistant.material.builder import build_pack
from core.config import Settings
from core.errors import AssistantError, IndexMissingError, NotFoundError
from core.index.reader import current_commit

logger = logging.getLogger(__name__)

MAX_FEEDBACK_OFFSET = 1_000_000_000  # far beyond any table, far below SQLite's 2^63

router = APIRouter()


class EventStreamResponse(StreamingResponse):
    """Server-sent events (named here so OpenAPI shows text/event-stream)."""

    media_type = "text/event-stream"


@router.post("/api/chat", response_model=ChatResponse, responses=ANSWER_ERRORS, tags=["assistant"])
async def chat(body: ChatRequest, request: Request, deps: DepsDep, metrics: MetricsDep) -> ChatResponse:
    """Answer a question with numbered, cited sources (or refuse when the documents do not say)."""
    turn = _turn(body, request)
    trace = await run_in_threadpool(pipeline.run, deps, turn)
    answer = public_answer(trace.answer.to_dict())
    answer["sources"] = link_sources(answer["sources"], deps.index, request)
    metrics.observe_answer(answer)
    return ChatResponse.model_validate(answer)


def _turn(body: ChatRequest, request: Request) -> pipeline.Turn:
    """The domain's turn, its history bounded and cleaned first: a pasted novel never reaches the embedder."""
    settings: Settings = request.app.state.settings
    history = pipeline.validate_history([turn.model_dump() for turn in body.history], settings)
    if settings.log_questions:
        request.state.question = body.question
    return pipeline.Turn(body.question, history, body.filters.to_domain() if body.filters else None, body.k)


def public_answer(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer as anonymous clients see it: warnings without the model's or embedder's address."""
    return {**answer, "warnings": redact_all([str(w) for w in answer.get("warnings") or []])}


@router.post(
    "/api/chat/stream",
    response_class=EventStreamResponse,
    responses={200: STREAM_DOC, **STREAM_ERRORS},
    tags=["assistant"],
)
async def chat_stream(body: ChatRequest, request: Request, deps: DepsDep, metrics: MetricsDep) -> EventStreamResponse:
    """The answer of /api/chat as server-sent events; bad input and a missing index fail before streaming."""
    events = streaming.chat_events(deps, _turn(body, request))
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    link = partial(link_sources, index=deps.index, request=request)
    return EventStreamResponse(_server_sent(events, metrics, link), headers=headers)


Linker = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]  # sources -> sources with their handbook links


async def _server_sent(events: Iterator[streaming.StreamEvent], metrics: Metrics, link: Linker) -> AsyncIterator[bytes]:
    """Each event as SSE, produced in a worker thread; a failure after the start becomes an `error` event."""
    try:
        async for event in iterate_in_threadpool(events):
            data = event.data
            if event.event == "final":  # exactly the /api/chat shape
                final = public_answer(data)
                final["sources"] = link(final.get("sources") or [])
                data = ChatStreamFinal.model_validate(final).model_dump(mode="json")
                metrics.observe_answer(data)
            yield _sse(event.event, data)
    except AssistantError as exc:
        logger.warning("stream failed after start: %s", exc.message_en)
        yield _sse("error", public(exc))
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


@router.post(
    "/api/feedback",
    status_code=201,
    response_model=FeedbackCreated,
    responses={**BODY_ERRORS, **RATE_ERRORS},
    tags=["feedback"],
)
async def add_feedback(body: FeedbackRequest, settings: SettingsDep, store: FeedbackDep) -> FeedbackCreated:
    """Record a thumbs up/down (and an optional comment) on an answer."""
    _check_feedback(body, settings)
    entry = FeedbackEntry(
        rating=body.rating,
        question=body.question,
        answer=body.answer,
        comment=body.comment,
        sources=[source.model_dump() for source in body.sources],
        mode=body.mode,
        history=pipeline.validate_history([turn.model_dump() for turn in body.history], settings),
    )
    feedback_id = await run_in_threadpool(store.add, entry)
    return FeedbackCreated(id=feedback_id, created=entry.created)


@router.get("/api/feedback", response_model=FeedbackList, responses=ADMIN_ERRORS, tags=["feedback"])
async def list_feedback(
    _: AdminDep,
    store: FeedbackDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_FEEDBACK_OFFSET)] = 0,
) -> FeedbackList:
    """Feedback, newest first (a bearer admin key; with none set, this machine only). See /api/admin/feedback."""
    items = await run_in_threadpool(store.list, limit, offset)
    total = await run_in_threadpool(store.count)
    return FeedbackList(items=[FeedbackItem.model_validate(item) for item in items], total=total)


def _check_feedback(body: FeedbackRequest, settings: Settings) -> None:
    """The settings' limits, reported like any other validation error (the schema cannot know them)."""
    limits = {
        "question": (len(body.question), settings.max_question_chars, "string_too_long", "characters"),
        "answer": (len(body.answer), settings.feedback_max_answer_chars, "string_too_long", "characters"),
        "comment": (len(body.comment), settings.feedback_max_comment_chars, "string_too_long", "characters"),
        "sources": (len(body.sources), settings.feedback_max_sources, "too_long", "items"),
    }
    errors = [
        {"loc": ("body", name), "type": kind, "msg": f"should have at most {limit} {unit}, not {size}", "input": None}
        for name, (size, limit, kind, unit) in limits.items()
        if size > limit
    ]
    if errors:
        raise RequestValidationError(errors)


@router.get(
    "/api/search",
    response_model=SearchResponse,
    responses={**ERRORS, **RATE_ERRORS, **BUSY_ERRORS},
    tags=["assistant"],
)
async def search(
    request: Request,
    deps: DepsDep,
    q: Annotated[str, Query(description="the question or keywords")] = "",
    k: Annotated[int | None, Query(ge=1, le=50, description="default: settings.top_k")] = None,
) -> SearchResponse:
    """Ranked passages for a query, without an answer."""
    passages = await run_in_threadpool(pipeline.search, deps, q, k)
    results = link_sources([p.to_dict() for p in passages], deps.index, request)
    return SearchResponse(query=q, results=[PassageModel.model_validate(p) for p in results])


# /api/documents and /api/documents/{doc_id}[/related]: assistant/api/handbook.py (the handbook's resource).


@router.get("/healthz", response_model=Health, tags=["ops"])
async def healthz(request: Request, settings: SettingsDep) -> Health:
    """Liveness and the index generation served; `no_index` (HTTP 200) until `assistant ingest` has run."""
    state = request.app.state
    live: LiveDeps = state.live
    index_dir = str(settings.index_dir)
    deps = await current_deps(state)
    if deps is None:
        error = live.error
        missing = error is None or isinstance(error, IndexMissingError)
        message = error.message_vi if error else None
        return Health(
            status="no_index" if missing else "error", index_dir=index_dir, embedder=settings.embedder, message=message
        )
    status, message = _index_status(live, deps)
    local = is_loopback(request.client.host if request.client else "")
    llm = await run_in_threadpool(_llm_health, deps.chat_model, local) if deps.chat_model is not None else None
    index = deps.index
    return Health(
        status=status,
        message=message,
        documents=len(index.documents),
        chunks=len(index.chunks),
        generation=index.manifest.generation,
        committed=index.commit.time if index.commit else None,
        embedder=deps.embedder.name if local else redact(deps.embedder.name),
        index_dir=index_dir,
        mode="llm" if deps.chat_model is not None else "extractive",
        llm=llm,
    )


def _index_status(live: LiveDeps, deps: Deps) -> tuple[Literal["ok", "stale", "rebuilding"], str | None]:
    """Whether the generation served is the one committed, and what to know when it is not."""
    if current_commit(live.settings.index_dir) is None:  # `ingest --rebuild` dropped the old vectors first
        return "rebuilding", (
            "Chỉ mục đang được tạo lại: trong lúc này câu trả lời chỉ dựa trên tìm kiếm từ khoá; chỉ mục mới được "
            "dùng ngay khi tạo xong."
        )
    if live.reload_error is not None and deps.index.is_stale():  # a newer commit that could not be opened
        return (
            "stale",
            "Chỉ mục mới đã được ghi nhưng máy chủ chưa mở được, vẫn đang trả lời theo bản trước — xem "
            "nhật ký máy chủ.",
        )
    return "ok", None


def _llm_health(model: Any, local: bool) -> LLMHealth:
    """Whether the chat model's endpoint answers (the model caches its probe); its address for this machine only."""
    probe = getattr(model, "probe", None)
    error = probe() if probe is not None else None
    name, base_url = getattr(model, "model", model.name), getattr(model, "base_url", "")
    if not local:
        base_url, error = (redact(base_url) if base_url else ""), (redact(error) if error else error)
    return LLMHealth(model=name, base_url=base_url, ok=error is None, error=error)


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {CONTENT_TYPE: {"schema": {"type": "string"}}}}, 404: {"model": ErrorBody}},
    tags=["ops"],
)
async def metrics_text(request: Request, settings: SettingsDep, metrics: MetricsDep) -> PlainTextResponse:
    """Counters and histograms in the Prometheus text format (404 when ASSISTANT_METRICS_ENABLED=false)."""
    if not settings.metrics_enabled:
        raise NotFoundError(
            "Metrics are off: set ASSISTANT_METRICS_ENABLED=true to serve them.",
            "Chức năng số liệu vận hành đang tắt — đặt ASSISTANT_METRICS_ENABLED=true để bật.",
        )
    state = request.app.state
    return PlainTextResponse(metrics.render(_gauges(state)), media_type=CONTENT_TYPE)


def _gauges(state: Any) -> list[Gauge]:
    """What is true now: answering requests running and waiting, the index served."""
    in_flight = state.in_flight
    gauges = [
        Gauge("assistant_requests_in_flight", "Answering requests running now.", in_flight.running),
        Gauge("assistant_requests_queued", "Answering requests waiting for a slot now.", in_flight.waiting),
        Gauge("assistant_requests_in_flight_limit", "ASSISTANT_MAX_IN_FLIGHT in effect.", in_flight.limit),
    ]
    live = state.live
    index = getattr(live.current, "index", None)
    gauges.append(Gauge("assistant_index_loaded", "1 when an index is loaded.", int(index is not None)))
    gauges.append(Gauge("assistant_index_reloads", "Index generations swapped in since start.", live.reloads))
    if index is not None:
        generation = getattr(getattr(index, "manifest", None), "generation", 0) or 0
        gauges += [
            Gauge("assistant_index_generation", "Generation of the index being served.", generation),
            Gauge("assistant_index_documents", "Documents in the index being served.", len(index.documents)),
            Gauge("assistant_index_chunks", "Chunks in the index being served.", len(index.chunks)),
        ]
    job = state.jobs.current
    gauges.append(Gauge("assistant_ingest_job_running", "1 while an admin ingest job runs.", int(job is not None)))
    if job is not None:
        gauges += [
            Gauge("assistant_ingest_job_chunks_done", "Chunks the running ingest job has embedded.", job.done),
            Gauge("assistant_ingest_job_chunks_total", "Chunks the running ingest job embeds.", job.total),
        ]
    return gauges
