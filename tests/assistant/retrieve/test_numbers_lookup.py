"""The number lookup of hybrid retrieval, against scanning every chunk, over real official texts with a file that
holds three documents (NQ 57, KL 69, NQ 20), read at run time from ../shared/data (never copied here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from assistant.retrieve.retriever import Retriever
from assistant.understand.query import understand
from core.config import Settings
from core.docnumbers import document_keys
from core.index.layout import DocRecord
from core.index.lexical import LexicalIndex
from core.index.types import Chunk
from tests.records import describe

POLICY = Path(__file__).resolve().parents[4] / "shared" / "data" / "nq57_policy_documents"
FILES = [
    "nq57_with_kl69_nq20_and_comparison.md",
    "nq57_ntw_2024_fulltext.md",
    "kh3260_ddqh15_plan_implementing_nq57.md",
    "nq03_ncp_2025_with_appendices.md",
    "cv402_vpdu_draft_report_nq57_implementation.md",
]


@dataclass
class Collection:
    """What the retriever reads of an opened index, made as ingestion makes it (no vectors: none are used here)."""

    documents: dict[str, DocRecord]
    chunks: dict[str, Chunk] = field(default_factory=dict)
    owners: dict[str, list[str]] = field(default_factory=dict)
    lexical: LexicalIndex | None = None

    def __post_init__(self) -> None:
        self.chunks = {c.chunk_id: c for r in self.documents.values() for c in r.chunks}
        for doc_id, r in sorted(self.documents.items()):
            for key in document_keys(r.meta.number, r.meta.kind):
                self.owners.setdefault(key, []).append(doc_id)
        ids = list(self.chunks)
        self.lexical = LexicalIndex.build(ids, [self.chunks[c].text for c in ids])


@pytest.fixture(scope="module")
def retriever() -> Retriever:
    if not all((POLICY / name).is_file() for name in FILES):
        pytest.skip("../shared/data is absent")
    index = Collection({Path(name).stem: describe(POLICY / name) for name in FILES})
    return Retriever(index, None, Settings(_env_file=None, candidates=500))  # type: ignore[arg-type, call-arg]


def _reference(retriever: Retriever, question: str) -> list[str]:
    """The plain way: look at every chunk of the collection."""
    query = understand(question)
    wanted = set(query.number_keys)
    lexical = retriever._lexical(query, None, retriever.settings.candidates)
    rank = {cid: i for i, (cid, _) in enumerate(lexical)}
    owners = {d for key in wanted for d in retriever.index.owners.get(key, [])}

    def own(chunk: Chunk) -> bool:
        part = retriever.part_keys.get(chunk.chunk_id)
        return bool(part & wanted) if part is not None else chunk.doc_id in owners

    def order(cids: list[str]) -> list[str]:
        return sorted(cids, key=lambda cid: (rank.get(cid, len(rank)), cid))

    mine = order([c.chunk_id for c in retriever.index.chunks.values() if own(c)])
    citing = order([cid for cid, keys in retriever.chunk_keys.items() if keys & wanted and cid not in set(mine)])
    return [*mine, *citing][: retriever.settings.candidates]


@pytest.mark.parametrize(
    "question",
    [
        "Nghị quyết 57-NQ/TW được ban hành ngày nào?",
        "Kết luận 69-KL/TW nói gì?",
        "Nghị quyết 20-NQ/TW về kinh tế tư nhân?",
        "NQ 03/NQ-CP giao Bộ nào?",
        "Kế hoạch 3260 có mấy nhiệm vụ?",
        "Nghị quyết 99/NQ-CP có gì?",
    ],
)
def test_numbers_lookup_same_as_scanning_every_chunk(retriever: Retriever, question: str) -> None:
    query = understand(question)
    assert query.number_keys, question
    lexical = retriever._lexical(query, None, retriever.settings.candidates)
    assert [cid for cid, _ in retriever._numbers(query, None, lexical)] == _reference(retriever, question)


def test_numbers_lookup_part_of_a_file_is_its_own_document(retriever: Retriever) -> None:
    query = understand("Kết luận 69-KL/TW nói gì?")
    lexical = retriever._lexical(query, None, retriever.settings.candidates)
    found = [retriever.index.chunks[cid] for cid, _ in retriever._numbers(query, None, lexical)]
    own = [c for c in found if c.part and "69-KL/TW" in c.part]
    assert own, "the KL 69 part of the compilation is found by its number"
    first_other = next((i for i, c in enumerate(found) if not (c.part and "69-KL/TW" in c.part)), len(found))
    assert first_other == len(own)  # its own chunks first, then those that merely cite it
