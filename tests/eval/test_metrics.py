"""The pure evaluation metrics of eval/metrics.py, against hand-computed values."""

from __future__ import annotations

import math
import random
import statistics
import unicodedata

import pytest

from eval.metrics import (
    answer_sentences,
    citation_coverage,
    citation_precision,
    exact_match,
    facts_found,
    hit_at,
    markers,
    mean,
    ndcg_at,
    numbers_in,
    numeric_fidelity,
    percentile,
    reciprocal_rank,
    refusal_scores,
    squash,
    strip_markers,
    token_f1,
)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# -- squash ---------------------------------------------------------------------------------------------------


def test_squash_drops_markup_and_collapses_whitespace() -> None:
    text = "**Điều 3.**  Nhiệm vụ \\- giải pháp\n| Cột một | Cột hai |"
    assert squash(text) == "điều 3. nhiệm vụ - giải pháp cột một cột hai"


def test_squash_normalises_nfd_and_case() -> None:
    assert squash(nfd("NGHỊ QUYẾT Số 57-NQ/TW")) == "nghị quyết số 57-nq/tw"
    assert squash(nfd("Đột phá")) == squash("đột phá")


def test_squash_unescapes_markdown_escapes() -> None:
    assert squash(r"Mục 1\. \*Ghi chú\* \[Phụ lục\]") == "mục 1. *ghi chú* [phụ lục]"


# -- retrieval ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ranks", "k", "expected"),
    [
        ([], 1, 0.0),
        ([], 10, 0.0),
        ([1], 1, 1.0),
        ([5], 5, 1.0),  # k is inclusive
        ([6], 5, 0.0),
        ([6, 2], 1, 0.0),
        ([6, 1], 1, 1.0),  # any gold item counts, not only the first listed
    ],
)
def test_hit_at(ranks: list[int], k: int, expected: float) -> None:
    assert hit_at(ranks, k) == expected


@pytest.mark.parametrize(
    ("ranks", "k", "expected"),
    [
        ([], 10, 0.0),
        ([1], 10, 1.0),
        ([3, 7], 10, 1 / 3),
        ([5, 2], 10, 0.5),  # the best rank, whatever the order
        ([10], 10, 0.1),  # k is inclusive
        ([11], 10, 0.0),  # beyond k scores nothing, not 1/11
        ([4], 3, 0.0),
    ],
)
def test_reciprocal_rank(ranks: list[int], k: int, expected: float) -> None:
    assert reciprocal_rank(ranks, k) == pytest.approx(expected)


def test_reciprocal_rank_default_k_is_10() -> None:
    assert reciprocal_rank([10]) == pytest.approx(0.1)
    assert reciprocal_rank([11]) == 0.0


@pytest.mark.parametrize(
    ("ranks", "k", "expected"),
    [
        ([], 10, 0.0),
        ([None], 10, 0.0),
        ([None, None], 10, 0.0),
        ([1], 10, 1.0),
        ([3], 10, 0.5),  # 1/log2(4)
        ([11], 10, 0.0),
        ([1, 2], 10, 1.0),
        ([2, 1], 10, 1.0),  # the same set of ranks, whichever gold item holds which
        # Two gold items, one found at rank 1: DCG 1, ideal 1 + 1/log2(3).
        ([1, None], 10, 1 / (1 + 1 / math.log2(3))),
        ([None, 1], 10, 1 / (1 + 1 / math.log2(3))),
        # Both found but lower: (1/log2(3) + 1/log2(5)) / (1 + 1/log2(3)).
        ([2, 4], 10, (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))),
        # Three gold items, one missed: (1 + 1/2) / (1 + 1/log2(3) + 1/2).
        ([1, 3, None], 10, 1.5 / (1.5 + 1 / math.log2(3))),
        # The ideal holds at most k items: with k=2 the third gold item neither counts nor is expected.
        ([1, 2, 3], 2, 1.0),
        ([2, None], 1, 0.0),
    ],
)
def test_ndcg_at(ranks: list[int | None], k: int, expected: float) -> None:
    assert ndcg_at(ranks, k) == pytest.approx(expected)


def test_ndcg_rewards_retrieving_both_gold_documents() -> None:
    assert ndcg_at([1, 2]) > ndcg_at([1, None]) > ndcg_at([2, None]) > ndcg_at([None, None])


# -- markers --------------------------------------------------------------------------------------------------


def test_strip_markers() -> None:
    assert strip_markers("Câu một [1][2]. Câu hai [3]") == "Câu một. Câu hai"
    assert strip_markers("[1] Mở đầu") == "Mở đầu"
    assert strip_markers("Không có dẫn nguồn.") == "Không có dẫn nguồn."
    assert strip_markers("Danh sách [a] và [ 1] giữ nguyên") == "Danh sách [a] và [ 1] giữ nguyên"


def test_markers_in_order_with_repeats() -> None:
    assert markers("Câu một [2]. Câu hai [1]. Câu ba [2] [10].") == [2, 1, 2, 10]
    assert markers("Không có dẫn nguồn, chỉ [a] và [ 3].") == []


# -- facts ----------------------------------------------------------------------------------------------------


def test_facts_found_any_spelling_case_and_markup_insensitive() -> None:
    answer = "Chi cho nghiên cứu phát triển đạt **2% GDP** [1]."
    facts = [["2 % GDP", "2% gdp"], ["năm 2030"], [nfd("Nghiên cứu phát triển")]]
    assert facts_found(answer, facts) == [True, False, True]


def test_facts_found_nfd_answer() -> None:
    assert facts_found(nfd("Nghị quyết 57-NQ/TW về khoa học"), [["nghị quyết 57-nq/tw"], ["chuyển đổi số"]]) == [
        True,
        False,
    ]


def test_facts_found_no_facts() -> None:
    assert facts_found("Câu trả lời.", []) == []


# -- numbers --------------------------------------------------------------------------------------------------


def test_numbers_in_vietnamese_formats_without_markers() -> None:
    text = "Ngày 22/12/2024 [1], chi 1.250 tỷ đồng, đạt 3,5% GDP theo Nghị quyết 57-NQ/TW [12] đến năm 2030."
    assert numbers_in(text) == ["22/12/2024", "1.250", "3,5", "57", "2030"]


def test_numbers_in_marker_glued_to_number() -> None:
    assert numbers_in("đến năm 2030[2].") == ["2030"]
    assert numbers_in("[1][2] [3]") == []


def test_numeric_fidelity_same_date_other_separator() -> None:
    assert numeric_fidelity("Nghị quyết ban hành ngày 22/12/2024 [1].", ["Hà Nội, ngày 22-12-2024"]) == 1.0


def test_numeric_fidelity_same_number_other_separator() -> None:
    assert numeric_fidelity("Tổng vốn 1.250 tỷ đồng [1].", ["tổng vốn 1,250 tỷ đồng"]) == 1.0


def test_numeric_fidelity_wrong_number() -> None:
    assert numeric_fidelity("Kế hoạch đề ra 150 nhiệm vụ [1].", ["Kế hoạch đề ra 147 nhiệm vụ cụ thể."]) == 0.0


def test_numeric_fidelity_no_substring_match() -> None:
    # 150 is not 1.150 (one thousand one hundred and fifty), nor part of 2150.
    assert numeric_fidelity("Có 150 nhiệm vụ [1].", ["Có 1.150 nhiệm vụ, mã 2150."]) == 0.0


def test_numeric_fidelity_markers_are_not_numbers() -> None:
    # Were [3] read as a number, 3 would be missing from the passage and the score 0.5.
    assert numeric_fidelity("Kế hoạch có 147 nhiệm vụ [3].", ["Kế hoạch có 147 nhiệm vụ."]) == 1.0
    # Were [1] and [2] numbers, the score would be 1/4 rather than 1/2.
    assert numeric_fidelity("Theo Điều 3 [1], có 150 nhiệm vụ [2].", ["Điều 3. Có 147 nhiệm vụ."]) == 0.5


def test_numeric_fidelity_pools_all_cited_passages() -> None:
    cited = ["Ngày 19-6-2025, Chính phủ ban hành kế hoạch.", "Đến năm 2030, đạt 3,5% GDP."]
    assert numeric_fidelity("Ngày 19/6/2025 [1], mục tiêu 3,5% vào 2030 [2].", cited) == 1.0
    assert numeric_fidelity("Ngày 19/6/2025 [1], mục tiêu 3,5% vào 2030 [2].", cited[:1]) == pytest.approx(1 / 3)


def test_numeric_fidelity_document_number() -> None:
    assert numeric_fidelity("Nghị quyết số 57 [1]", ["Nghị quyết số 57-NQ/TW của Bộ Chính trị"]) == 1.0


def test_numeric_fidelity_none_without_numbers() -> None:
    assert numeric_fidelity("Nghị quyết nhấn mạnh vai trò của khoa học [1].", ["Có 147 nhiệm vụ."]) is None
    assert numeric_fidelity("Không có số [1] [2].", []) is None
    assert numeric_fidelity("", ["22/12/2024"]) is None


def test_numeric_fidelity_nothing_cited() -> None:
    assert numeric_fidelity("Có 147 nhiệm vụ.", []) == 0.0


# -- sentences and citation coverage --------------------------------------------------------------------------


def test_answer_sentences_split_on_stops_and_newlines() -> None:
    answer = "Vì sao? Vì lý do A [1]… Và B [2]! Điều 1: nội dung; điều 2\nDòng mới"
    assert answer_sentences(answer) == [
        "Vì sao?",
        "Vì lý do A [1]…",
        "Và B [2]!",
        "Điều 1: nội dung; điều 2",  # a list after ":" or ";" stays in its sentence
        "Dòng mới",
    ]


def test_answer_sentences_stop_before_lowercase_or_abbreviation_does_not_split() -> None:
    answer = "Tại TP. Hồ Chí Minh có 3 đơn vị [1]. Tổng cộng khoảng 5 tr. đồng [2]. 2025 là năm bản lề [3]."
    assert answer_sentences(answer) == [
        "Tại TP.",  # a capitalised word after an abbreviation still splits: a known limit
        "Hồ Chí Minh có 3 đơn vị [1].",
        "Tổng cộng khoảng 5 tr. đồng [2].",
        "2025 là năm bản lề [3].",
    ]


def test_answer_sentences_decimal_and_date_points_do_not_split() -> None:
    assert answer_sentences("Đạt 3.5% vào ngày 22.12.2024 [1].") == ["Đạt 3.5% vào ngày 22.12.2024 [1]."]


def test_answer_sentences_drop_empty_and_marker_only_parts() -> None:
    assert answer_sentences("") == []
    assert answer_sentences("  \n\n ") == []
    assert answer_sentences("[1]") == []
    assert answer_sentences("... [1]") == []


def test_answer_sentences_markers_after_the_stop_join_the_sentence_before() -> None:
    assert answer_sentences("Câu một. [1] Câu hai. [2]") == ["Câu một [1].", "Câu hai [2]."]
    assert answer_sentences("Câu một.[1][2] Câu hai.") == ["Câu một [1][2].", "Câu hai."]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Câu một [1]. Câu hai.", 0.5),
        ("Câu một [1]. Câu hai [2].", 1.0),  # extractive style: marker before the stop
        ("Câu một. [1] Câu hai. [2]", 1.0),  # LLM style: marker after the stop
        ("Câu một. [1]", 1.0),
        ("Câu một.[1] Câu hai.", 0.5),  # no space before the marker: still the first sentence's
        ("Câu một. [1] [2] Câu hai.", 0.5),
        ("Câu một. Câu hai. [2]", 0.5),
        ("Câu một [1]. Câu hai. [2] Câu ba.", 2 / 3),
        ("[1] Câu một. Câu hai [2]!", 1.0),
        ("Câu một. [1]\nCâu hai. [2]\n", 1.0),
        ("Câu một [1]\nCâu hai", 0.5),
        ("Đạt 3.5% GDP [1].", 1.0),
        ("Không có dẫn nguồn.", 0.0),
        (nfd("Câu một [1]. Câu hai."), 0.5),
    ],
)
def test_citation_coverage(answer: str, expected: float) -> None:
    assert citation_coverage(answer) == pytest.approx(expected)


@pytest.mark.parametrize("answer", ["", "   ", "[1]", "[1] [2]"])
def test_citation_coverage_none_without_sentences(answer: str) -> None:
    assert citation_coverage(answer) is None


# -- citation precision ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cited", "supporting", "expected"),
    [
        ([1, 1, 2], {1}, 2 / 3),  # each marker counts, repeats included
        ([2, 2, 1], {1}, 1 / 3),
        ([1, 2], {1, 2, 3}, 1.0),
        ([3], set(), 0.0),
        ([4, 5], {1, 2}, 0.0),
    ],
)
def test_citation_precision(cited: list[int], supporting: set[int], expected: float) -> None:
    assert citation_precision(cited, supporting) == pytest.approx(expected)


def test_citation_precision_none_without_markers() -> None:
    assert citation_precision([], {1, 2}) is None


# -- short answers --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prediction", "references", "expected"),
    [
        ("Ba mươi năm", ["ba mươi năm."], 1.0),  # case and punctuation
        ("“Đột phá” chiến lược!", ["đột phá chiến lược"], 1.0),  # typographic quotes
        ("Hà   Nội", ["Hà Nội"], 1.0),  # whitespace
        (nfd("Nghị quyết 57"), ["nghị quyết 57"], 1.0),  # NFD prediction
        ("nghị quyết 57", [nfd("Nghị Quyết 57")], 1.0),  # NFD reference
        ("năm 2030 [1]", ["Năm 2030"], 1.0),  # markers ignored
        ("Hà Nội", ["TP. Hồ Chí Minh", "Hà Nội"], 1.0),  # best over references
        ("Nghị quyết", ["Nghị quyết 57"], 0.0),
        ("Nghi quyet 57", ["Nghị quyết 57"], 0.0),  # diacritics are part of the syllable
        ("Hà Nội", [], 0.0),
    ],
)
def test_exact_match(prediction: str, references: list[str], expected: float) -> None:
    assert exact_match(prediction, references) == expected


@pytest.mark.parametrize(
    ("prediction", "references", "expected"),
    [
        ("Hà Nội.", ["hà nội"], 1.0),
        (nfd("Bộ Chính trị"), ["bộ chính trị"], 1.0),
        # [nghị, quyết, số, 57] vs [nghị, quyết, 57, nq, tw]: 3 shared, P 3/4, R 3/5, F1 2/3.
        ("nghị quyết số 57", ["Nghị quyết 57-NQ/TW"], 2 / 3),
        # Against "khoa học": P 2/4, R 1, F1 2/3; against the longer one: P 1, R 4/7, F1 8/11; the best wins.
        ("khoa học công nghệ", ["khoa học", "khoa học công nghệ và đổi mới"], 8 / 11),
        # Repeated tokens are matched at most as often as the reference holds them: P 1/3, R 1, F1 1/2.
        ("năm năm năm", ["năm"], 0.5),
        ("năm", ["năm năm"], 2 / 3),  # P 1, R 1/2
        ("chuyển đổi số", ["khoa học"], 0.0),
        ("Hà Nội", [], 0.0),
        ("", ["Hà Nội"], 0.0),
        ("...", ["Hà Nội"], 0.0),
        ("Hà Nội", ["..."], 0.0),
        ("[1]", [""], 1.0),  # both empty after normalising
    ],
)
def test_token_f1(prediction: str, references: list[str], expected: float) -> None:
    assert token_f1(prediction, references) == pytest.approx(expected)


# -- aggregation ----------------------------------------------------------------------------------------------


def test_mean_ignores_none() -> None:
    assert mean([1.0, None, 0.5]) == 0.75
    assert mean([0.0, None]) == 0.0


def test_mean_rounds_to_four_places() -> None:
    assert mean([1.0, 0.0, 0.0]) == 0.3333
    assert mean(v for v in [2 / 3, None]) == 0.6667


def test_mean_none_when_nothing_defined() -> None:
    assert mean([]) is None
    assert mean([None, None]) is None


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        # Inclusive method: position (n-1)·q/100 in the sorted values, linear between neighbours.
        (50, 25.0),  # position 1.5: 20 + 0.5·10
        (95, 38.5),  # position 2.85: 30 + 0.85·10
        (0, 10.0),
        (100, 40.0),
        (25, 17.5),  # position 0.75
        (99.5, 39.85),  # position 2.985
    ],
)
def test_percentile_inclusive(q: float, expected: float) -> None:
    assert percentile([10, 20, 30, 40], q) == expected
    assert percentile([40, 10, 30, 20], q) == expected  # order does not matter


def test_percentile_single_value_and_empty() -> None:
    assert percentile([7.5], 50) == 7.5
    assert percentile([7.5], 95) == 7.5
    assert percentile([], 50) is None


def test_percentile_rounds_to_hundredths() -> None:
    assert percentile([0.123, 0.456], 50) == 0.29  # 0.2895


def test_percentile_agrees_with_statistics_inclusive() -> None:
    rng = random.Random(57)
    for _ in range(50):
        values = [round(rng.uniform(0, 500), 3) for _ in range(rng.randint(2, 30))]
        cuts = statistics.quantiles(values, n=100, method="inclusive")
        for q in (1, 10, 50, 90, 95, 99):
            assert percentile(values, q) == round(cuts[q - 1], 2)


def test_percentile_interpolates_not_nearest_rank() -> None:
    timings = [float(ms) for ms in range(1, 21)]  # 1..20 ms
    assert percentile(timings, 95) == 19.05  # position 18.05: 19 + 0.05·1 (nearest rank would say 19)
    assert percentile(timings, 50) == statistics.median(timings) == 10.5


def test_percentile_one_home_bench_uses_it() -> None:
    import bench._common  # the bench scripts' helpers (run as `python bench/<script>.py`, see bench/README.md)

    assert bench._common.percentile is percentile


def test_refusal_scores() -> None:
    # q1 answered; q2 answerable but refused (wrong); q3 unanswerable, refused (right); q4 unanswerable, answered.
    scores = refusal_scores([True, True, False, False], [False, True, True, False])
    assert scores == {"refusal_precision": 0.5, "refusal_recall": 0.5}


def test_refusal_scores_rounding() -> None:
    scores = refusal_scores([True, True, False, False, False], [True, True, True, False, False])
    assert scores == {"refusal_precision": 0.3333, "refusal_recall": 0.3333}


def test_refusal_scores_no_refusals() -> None:
    assert refusal_scores([True, False], [False, False]) == {"refusal_precision": None, "refusal_recall": 0.0}


def test_refusal_scores_all_answerable() -> None:
    assert refusal_scores([True, True], [False, True]) == {"refusal_precision": 0.0, "refusal_recall": None}
    assert refusal_scores([], []) == {"refusal_precision": None, "refusal_recall": None}


def test_refusal_scores_lengths_must_match() -> None:
    with pytest.raises(ValueError):
        refusal_scores([True, False], [True])


def test_numeric_fidelity_year_or_range_end_taken_from_a_date_or_range() -> None:
    assert numeric_fidelity("Ban hành năm 2024 [1].", ["ngày 22/12/2024"]) == 1.0
    assert numeric_fidelity("Giai đoạn đến 2030 [1].", ["giai đoạn 2025-2030"]) == 1.0
    assert numeric_fidelity("Có 150 nhiệm vụ [1].", ["1.150 nhiệm vụ"]) == 0.0


def test_answer_sentences_list_label_opens_a_sentence() -> None:
    answer = "1. Người nào chiếm đoạt di vật của tử sỹ thì bị phạt tù [1]. IV. Nhiệm vụ trọng tâm [2]."
    assert answer_sentences(answer) == [
        "1. Người nào chiếm đoạt di vật của tử sỹ thì bị phạt tù [1].",
        "IV. Nhiệm vụ trọng tâm [2].",
    ]
    assert citation_coverage(answer) == 1.0
