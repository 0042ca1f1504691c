"""The documents of the opened index: their metadata and cleaned text, for the API and the handbook."""

from __future__ import annotations

from assistant.deps import Deps
from core.errors import DocumentNotFoundError
from core.index.layout import DocRecord


def get_document(deps: Deps, doc_id: str) -> dict[str, object]:
    """Cleaned text and metadata of one document."""
    record = deps.index.documents.get(doc_id)
    if record is None:
        raise DocumentNotFoundError(
            f"No document {doc_id!r} in the index; GET /api/documents lists them.",
            f"Không có tài liệu {doc_id!r} trong chỉ mục.",
        )
    return {**document_summary(deps, doc_id), "text": record.text}


def document_summary(deps: Deps, doc_id: str) -> dict[str, object]:
    return summarise(doc_id, deps.index.documents[doc_id])


def summarise(doc_id: str, record: DocRecord) -> dict[str, object]:
    """The metadata of one document as the API lists it."""
    meta = record.meta
    return {
        "id": doc_id,
        "title": meta.title,
        "source": meta.source,
        "date": meta.date,
        "kind": meta.kind,
        "numbers": meta.numbers,
        "places": meta.places,
        "chunks": len(record.chunks),
        # The standard header, where the text states it (null or [] where it does not).
        "number": meta.number,
        "issuer": meta.issuer,
        "place": meta.place,
        "subject": meta.subject,
        "signer": meta.signer,
        "signer_title": meta.signer_title,
        "effective": meta.effective,
        "based_on": meta.based_on,
        "replaces": meta.replaces,
        "amends": meta.amends,
        "recipients": meta.recipients,
        "parts": meta.parts,
        "part_headers": [
            {
                "title": part.title,
                "number": part.number,
                "kind": part.kind,
                "date": part.date,
                "issuer": part.issuer,
                "subject": part.subject,
                "signer": part.signer,
                "signer_title": part.signer_title,
            }
            for part in meta.part_headers
        ],
    }


def list_documents(deps: Deps) -> list[dict[str, object]]:
    return [document_summary(deps, doc_id) for doc_id in sorted(deps.index.documents)]
