"""Thin routes: parse, call the domain (blocking work in a thread), return a response model."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from assistant import service
from assistant.api.deps import DepsDep, SettingsDep, current_deps
from assistant.api.schemas import (
    ChatRequest,
    ChatResponse,
    DocumentDetail,
    DocumentList,
    DocumentSummary,
    ErrorBody,
    Health,
    PassageModel,
    SearchResponse,
)
from assistant.errors import IndexMissingError

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown document"},
    422: {"model": ErrorBody, "description": "Invalid request (message in Vietnamese and English)"},
    503: {"model": ErrorBody, "description": "No index yet: run `assistant ingest`"},
}

router = APIRouter()


@router.post("/api/chat", response_model=ChatResponse, responses=ERRORS, tags=["assistant"])
async def chat(body: ChatRequest, deps: DepsDep) -> ChatResponse:
    """Answer a question with numbered, cited sources (or refuse when the documents do not say)."""
    answer = await run_in_threadpool(
        service.chat,
        deps,
        body.question,
        [turn.model_dump() for turn in body.history],
        body.filters.to_domain() if body.filters else None,
        body.k,
    )
    return ChatResponse.model_validate(answer.to_dict())


@router.get("/api/search", response_model=SearchResponse, responses=ERRORS, tags=["assistant"])
async def search(
    deps: DepsDep,
    q: Annotated[str, Query(description="the question or keywords")] = "",
    k: Annotated[int | None, Query(ge=1, le=50, description="default: settings.top_k")] = None,
) -> SearchResponse:
    """Ranked passages for a query, without an answer."""
    passages = await run_in_threadpool(service.search, deps, q, k)
    return SearchResponse(query=q, results=[PassageModel.model_validate(p.to_dict()) for p in passages])


@router.get("/api/documents", response_model=DocumentList, responses=ERRORS, tags=["documents"])
async def list_documents(deps: DepsDep) -> DocumentList:
    """Every document in the index with its metadata."""
    return DocumentList(documents=[DocumentSummary.model_validate(d) for d in service.list_documents(deps)])


@router.get("/api/documents/{doc_id}", response_model=DocumentDetail, responses=ERRORS, tags=["documents"])
async def get_document(doc_id: str, deps: DepsDep) -> DocumentDetail:
    """Cleaned text and metadata of one document."""
    return DocumentDetail.model_validate(service.get_document(deps, doc_id))


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
    )
