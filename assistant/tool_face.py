"""The assistant as tools an agent calls (MCP), FastAPI- and MCP-free: what each tool does with the served Deps.

`ask` is /api/chat's turn (validated, screened, cited or refused by `pipeline.run`); `search_documents` is
`pipeline.search`; `get_document` and `list_documents` read the documents room, filtered by the one matching rule
of `retrieve.filters`. None rebuilds understand → retrieve → answer. The shell (assistant/api/mcp_server.py) adds
the schemas, the transports and the limits. What the model reads of an answer is the OpenAI face's text: the
answer with its [n] markers and the "Nguồn" list of the sources it cites.
"""

from __future__ import annotations

from typing import Any

from assistant import documents, openai_face, pipeline
from assistant.deps import Deps
from assistant.retrieve.filters import matches, validate_filters
from assistant.types import Filters
from core.errors import DocumentNotFoundError


def ask(
    deps: Deps, question: str, history: list[dict[str, str]] | None = None, filters: Filters | None = None
) -> dict[str, Any]:
    """The answer /api/chat gives to this turn: its [n] markers refer to `sources`; `refused` when nothing says."""
    return pipeline.run(deps, pipeline.Turn(question, history or None, filters)).answer.to_dict()


def search_documents(deps: Deps, query: str, k: int | None = None, filters: Filters | None = None) -> list[dict]:
    """Ranked passages for a query (understand → retrieve, no answer), numbered as an answer would cite them."""
    return [passage.to_dict() for passage in pipeline.search(deps, query, k, filters)]


def get_document(deps: Deps, doc_id: str) -> dict[str, object]:
    """A document's metadata and cleaned text; an unknown id names the tool that lists the ids."""
    try:
        return documents.get_document(deps, doc_id)
    except DocumentNotFoundError:
        shown = openai_face.shown(doc_id)
        raise DocumentNotFoundError(
            f"No document with id {shown!r} in the index: call `list_documents` and pass the `id` of one of the "
            "documents it lists.",
            f"Không có tài liệu mã {shown!r} trong chỉ mục — hãy gọi công cụ `list_documents` để xem mã (`id`) "
            "của các tài liệu rồi dùng một mã trong danh sách đó.",
        ) from None


def list_documents(deps: Deps, filters: Filters | None = None) -> list[dict[str, object]]:
    """The documents of the index (sorted by id) that pass the filters, as GET /api/documents describes them."""
    records = deps.index.documents
    checked = validate_filters(filters, records)  # unknown values are refused, naming the allowed ones
    return [
        documents.document_summary(deps, doc_id)
        for doc_id in sorted(records)
        if checked is None or matches(records[doc_id].meta, checked)
    ]


def answer_text(answer: dict[str, Any]) -> str:
    """What the model reads of an answer: the text with its [n] markers, the "Nguồn" list, the note if any."""
    note = answer.get("note")
    return openai_face.assistant_content(answer) + (f"\n\n({note})" if note else "")


def error_text(message_vi: str, message_en: str) -> str:
    """A failure as the model reads it and relays it: Vietnamese for the civil servant, English beside it."""
    return f"Lỗi: {message_vi}\nError: {message_en}" if message_vi != message_en else f"Error: {message_en}"
