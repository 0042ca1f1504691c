"""The relations graph: stored references resolved to the documents that own their numbers, and turned around."""

from __future__ import annotations

import pytest

from core.docnumbers import document_keys, number_key
from core.index.graph import Graph, numbers_agree
from core.index.layout import DocRecord
from core.index.types import DocumentMeta


def record(doc_id: str, number: str | None, kind: str, refs: list[tuple[str, str]], parts: list[str] | None = None):
    references = [{"key": number_key(n), "number": n, "relation": r} for n, r in refs]
    meta = DocumentMeta(doc_id, f"{doc_id}.md", doc_id, kind=kind, number=number, references=references)
    meta.parts = parts or []
    return DocRecord(meta, "", [])


def graph_of(*records: DocRecord) -> Graph:
    documents = {r.meta.doc_id: r for r in records}
    owners: dict[str, list[str]] = {}
    for doc_id, r in sorted(documents.items()):
        for key in document_keys(r.meta.number, r.meta.kind):
            owners.setdefault(key, []).append(doc_id)
    return Graph(documents, owners)


@pytest.mark.parametrize(
    ("cited", "own", "agree"),
    [
        ("57-NQ/TW", "57-NQ/TW", True),
        ("71-NQ/CP", "71/NQ-CP", True),  # a newspaper's spelling of the Government's number
        ("57/NQ-CP", "57-NQ/TW", False),  # same key nq:57, another issuer
        ("15/2024/QĐ-UBND", "15/2025/QĐ-UBND", False),  # another year
        ("15/QĐ-UBND", "15/2025/QĐ-UBND", True),  # the year left out
        ("3260-KH/ĐĐQH15", "3260-KH/DDQH15", True),  # diacritics lost
        ("91/2015/QH13", "91/2015/QH13", True),
        ("57-NQ/TW", None, False),
    ],
)
def test_numbers_agree_issuer_and_year_must_match_when_both_print_them(cited: str, own: str | None, agree: bool):
    assert numbers_agree(cited, own) is agree


def test_graph_edges_resolved_both_ways_missing_kept_as_none() -> None:
    graph = graph_of(
        record("nq57", "57-NQ/TW", "nghị quyết", []),
        record("kh3260", "3260-KH/ĐĐQH15", "kế hoạch", [("57-NQ/TW", "implements"), ("45-NQ/TW", "cites")]),
        record("cv402", "402-CV/VPĐU", "công văn", [("57-NQ/TW", "reports")]),
    )
    assert [(e.relation, e.target) for e in graph.out_of("kh3260")] == [("implements", "nq57"), ("cites", None)]
    assert sorted((e.source, e.relation) for e in graph.into("nq57")) == [
        ("cv402", "reports"),
        ("kh3260", "implements"),
    ]
    assert graph.into("kh3260") == [] and graph.out_of("nq57") == []


def test_graph_other_issuer_with_same_key_is_not_the_document() -> None:
    graph = graph_of(
        record("nq57cp", "57/NQ-CP", "nghị quyết", []),
        record("plan", "1-KH/TU", "kế hoạch", [("57-NQ/TW", "implements")]),
    )
    assert [(e.number, e.target) for e in graph.out_of("plan")] == [("57-NQ/TW", None)]


def test_graph_own_number_and_own_parts_are_no_edges() -> None:
    # A file holding Nghị quyết 57 and Kết luận 69: its mention of 69-KL/TW is not a reference to another document.
    bundle = record("bundle", "57-NQ/TW", "nghị quyết", [("57-NQ/TW", "cites"), ("69-KL/TW", "cites")],
                    parts=["Nghị quyết số 57-NQ/TW", "Kết luận số 69-KL/TW"])  # fmt: skip
    graph = graph_of(bundle, record("news", None, "tin tức", [("69-KL/TW", "cites")]))
    assert graph.out_of("bundle") == []
    # … but another document citing Kết luận 69 is led to the file that holds it.
    assert [(e.relation, e.target) for e in graph.out_of("news")] == [("cites", "bundle")]


def test_graph_copies_share_every_edge() -> None:
    graph = graph_of(
        record("a", "57-NQ/TW", "nghị quyết", []),
        record("b", "57-NQ/TW", "nghị quyết", []),
        record("plan", "3-KH/TU", "kế hoạch", [("57-NQ/TW", "implements")]),
    )
    assert graph.copies_of("a") == ["b"] and graph.copies_of("b") == ["a"]
    assert sorted(e.target for e in graph.out_of("plan")) == ["a", "b"]


def test_graph_replaced_document_knows_what_replaced_it() -> None:
    graph = graph_of(
        record("old", "15/2025/QĐ-UBND", "quyết định", []),
        record("new", "80/2025/QĐ-UBND", "quyết định", [("15/2025/QĐ-UBND", "replaces")]),
    )
    assert [(e.source, e.relation) for e in graph.into("old")] == [("new", "replaces")]


def test_graph_old_records_without_references_give_no_edges() -> None:
    graph = graph_of(record("a", "1-NQ/TW", "nghị quyết", []), record("b", None, "tin tức", []))
    assert graph.outgoing == {} and graph.incoming == {}
