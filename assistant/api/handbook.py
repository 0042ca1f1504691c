"""The documents resource behind the handbook (/so-tay): list with search, facets and paging, one document with
its sections and relations, its related documents and timeline; and the handbook links of cited passages."""

from __future__ import annotations

import weakref
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from assistant.api.deps import DepsDep
from assistant.api.pages import api_base
from assistant.api.responses import ERRORS
from assistant.api.schemas import DocumentDetail, DocumentList, DocumentRelations
from assistant.handbook.catalog import Catalog, DocumentIndex
from assistant.handbook.document import chunk_anchor, chunk_anchors, document_view, related_view
from assistant.handbook.search import MAX_LIMIT, DocumentQuery, browse
from assistant.retrieve.filters import MAX_FILTER_VALUES

HANDBOOK_PATH = "/so-tay"
MAX_OFFSET = 1_000_000_000

router = APIRouter(tags=["documents"])


def get_catalog(request: Request, deps: DepsDep) -> Catalog:
    """The catalog of the generation served, built on its first use and kept beside it (sync: in a worker thread).

    Kept with a weak reference to its index: once the server swaps in a new generation the next request builds
    the next catalog, and the old generation is not held alive by this cache.
    """
    state = request.app.state
    cached = getattr(state, "handbook_catalog", None)
    if cached is not None and cached[0]() is deps.index:
        catalog: Catalog = cached[1]
        return catalog
    catalog = Catalog(deps.index)
    state.handbook_catalog = (weakref.ref(deps.index), catalog)
    return catalog


CatalogDep = Annotated[Catalog, Depends(get_catalog)]
FacetValues = Annotated[list[str] | None, Query(max_length=MAX_FILTER_VALUES)]


@router.get("/api/documents", response_model=DocumentList, responses=ERRORS)
async def list_documents(
    request: Request,
    deps: DepsDep,
    catalog: CatalogDep,
    q: Annotated[str, Query(description='a number in any typed form ("NQ57", "nghi quyet 57") or words')] = "",
    kind: FacetValues = None,
    issuer: FacetValues = None,
    year: FacetValues = None,
    place: FacetValues = None,
    sort: Annotated[
        Literal["relevance", "newest", "oldest", "id"] | None,
        Query(description="default: relevance when searching, else id; newest/oldest: by date of issue"),
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=MAX_LIMIT, description="default: every document")] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> DocumentList:
    """The documents with their metadata: searched, filtered by facets (a value repeated is an alternative),
    sorted and paged, with each facet's counts. Unknown facet values are refused (422) naming the allowed ones."""
    query = DocumentQuery(q, kind or [], issuer or [], year or [], place or [], sort, limit, offset)
    page = await run_in_threadpool(browse, deps.index, catalog, query)
    base = api_base(request)
    for summary in page["documents"]:
        summary["handbook_url"] = document_url(base, summary["id"])
    return DocumentList.model_validate(page)


@router.get("/api/documents/{doc_id}", response_model=DocumentDetail, responses=ERRORS)
async def get_document(doc_id: str, request: Request, deps: DepsDep, catalog: CatalogDep) -> DocumentDetail:
    """Cleaned text and metadata of one document, with its table of contents, passages and related documents."""
    view = await run_in_threadpool(document_view, deps.index, catalog, doc_id)
    base = api_base(request)
    view["handbook_url"] = document_url(base, doc_id)
    _link_related(view["related"], base)
    return DocumentDetail.model_validate(view)


@router.get("/api/documents/{doc_id}/related", response_model=DocumentRelations, responses=ERRORS)
async def related_documents(doc_id: str, request: Request, deps: DepsDep, catalog: CatalogDep) -> DocumentRelations:
    """What the document replaces, amends, implements, reports on, rests on and cites, what does so to it (cited
    documents the collection lacks marked "chưa có trong kho"), and its family's timeline."""
    view = await run_in_threadpool(related_view, deps.index, catalog, doc_id)
    base = api_base(request)
    _link_related(view["related"], base)
    for entry in view["timeline"]:
        entry["handbook_url"] = document_url(base, entry["doc_id"])
    return DocumentRelations.model_validate(view)


def _link_related(groups: Any, base: str) -> None:
    for group in groups:
        for item in group["items"]:
            item["handbook_url"] = document_url(base, item["doc_id"]) if item["doc_id"] else None


def document_url(base: str, doc_id: str) -> str:
    """The handbook page of a document, under the API's base (absolute when a public base URL is configured)."""
    return f"{base}{HANDBOOK_PATH}/{quote(doc_id, safe='')}"


def passage_url(base: str, anchors: dict[str, str], source: dict[str, Any]) -> str:
    """A cited passage in the handbook: its document's page, the span highlighted, at the anchor of its section."""
    anchor = chunk_anchor(anchors, str(source.get("chunk_id", "")), str(source.get("section") or ""))
    span = f"?doan={int(source['start'])}-{int(source['end'])}"
    return document_url(base, str(source["doc_id"])) + span + (f"#{anchor}" if anchor else "")


def link_sources(sources: list[dict[str, Any]], index: DocumentIndex, request: Request) -> list[dict[str, Any]]:
    """The sources of an answer or a search, each with its `handbook_url` (each document's sections read once)."""
    base = api_base(request)
    anchors: dict[str, dict[str, str]] = {}
    linked = []
    for source in sources:
        doc_id = str(source["doc_id"])
        if doc_id not in anchors:
            anchors[doc_id] = chunk_anchors(index, doc_id)
        linked.append({**source, "handbook_url": passage_url(base, anchors[doc_id], source)})
    return linked
