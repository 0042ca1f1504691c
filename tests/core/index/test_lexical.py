"""BM25 over accented and diacritic-folded syllables, and restoring diacritics on a query typed without them."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pytest

from core.index.lexical import LexicalIndex, accented_tokens, folded_tokens
from core.index.restorer import DiacriticRestorer

TARGET = "Nghị quyết số 57-NQ/TW được Bộ Chính trị ban hành ngày 22-12-2024 về đột phá phát triển khoa học, công nghệ."
DISTRACTORS = [
    "Nghị quyết số 04-NQ/TU của Ban Chấp hành Đảng bộ tỉnh Gia Lai về chuyển đổi số được ban hành năm 2022.",
    "Kế hoạch số 02-KH/BCĐTW ngày 19-6-2025 của Ban Chỉ đạo Trung ương về thúc đẩy chuyển đổi số.",
    "Nghỉ lễ, cán bộ vẫn quyết tâm hoàn thành kế hoạch chuyển đổi số toàn diện.",  # folds to "nghi ... quyet"
    "Đầu tư hạ tầng công nghệ thông tin cho 57 xã, phường trên địa bàn tỉnh ngày càng hoàn thiện.",
]
TEXTS = [*DISTRACTORS[:2], TARGET, *DISTRACTORS[2:]]
IDS = [f"c{i}" for i in range(len(TEXTS))]


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return LexicalIndex.build(IDS, TEXTS)


def test_accented_tokens_syllables_and_bigrams() -> None:
    assert accented_tokens("Nghị quyết 57-NQ/TW") == [
        "nghị", "quyết", "57", "nq", "tw", "nghị_quyết", "quyết_57", "57_nq", "nq_tw",
    ]  # fmt: skip


def test_folded_tokens_diacritics_and_d_removed() -> None:
    assert folded_tokens("Đà Nẵng chuyển đổi") == [
        "da",
        "nang",
        "chuyen",
        "doi",
        "da_nang",
        "nang_chuyen",
        "chuyen_doi",
    ]


def test_accented_tokens_nfd_input_same_as_nfc() -> None:
    text = "Nghị quyết về chuyển đổi số"
    assert accented_tokens(unicodedata.normalize("NFD", text)) == accented_tokens(text)


def test_accented_tokens_no_words_empty() -> None:
    assert accented_tokens("") == [] and accented_tokens(" ?!… ") == []


def test_scores_no_diacritics_query_ranks_target_first(index: LexicalIndex) -> None:
    scores = index.scores("nghi quyet 57 ban hanh ngay nao")
    assert IDS[int(np.argmax(scores))] == "c2"
    assert scores.shape == (len(TEXTS),) and scores.dtype == np.float32


def test_scores_accented_query_ranks_target_first(index: LexicalIndex) -> None:
    assert IDS[int(np.argmax(index.scores("Nghị quyết 57 ban hành ngày nào")))] == "c2"


def test_scores_folded_query_matches_accented_text(index: LexicalIndex) -> None:
    scores = index.scores("chuyen doi")
    matching = {i for i, text in enumerate(TEXTS) if "chuyển đổi" in text}
    assert {i for i, s in enumerate(scores) if s > 0} == matching


def test_scores_accented_query_prefers_exact_accents(index: LexicalIndex) -> None:
    # "nghỉ" (holiday) folds like "nghị": typed with accents, the folded half still counts but the exact half wins
    scores = index.scores("nghỉ lễ")
    assert IDS[int(np.argmax(scores))] == "c3"


def test_scores_unknown_or_empty_query_zero(index: LexicalIndex) -> None:
    assert not index.scores("xyzzy").any()
    assert not index.scores("").any()


def test_build_save_load_round_trip_identical_scores(index: LexicalIndex, tmp_path: Path) -> None:
    index.save(tmp_path / "lexical-1")
    loaded = LexicalIndex.load(tmp_path / "lexical-1")
    assert loaded.chunk_ids == IDS
    for query in ("nghi quyet 57 ban hanh ngay nao", "Nghị quyết 57", "chuyển đổi số Gia Lai", "ban chi dao"):
        np.testing.assert_array_equal(loaded.scores(query), index.scores(query))
    assert loaded.restorer.restore("chuyen doi so") == index.restorer.restore("chuyen doi so")


def test_build_no_chunks_empty_index_saved_and_loaded(tmp_path: Path) -> None:
    empty = LexicalIndex.build([], [])
    empty.save(tmp_path / "lexical-1")
    loaded = LexicalIndex.load(tmp_path / "lexical-1")
    for lexical in (empty, loaded):
        assert lexical.chunk_ids == []
        for query in ("Nghị quyết 57", "nghi quyet 57", ""):
            scores = lexical.scores(query)
            assert scores.shape == (0,) and scores.dtype == np.float32
        assert lexical.restorer.restore("nghi quyet") == "nghi quyet"


def test_build_ids_and_texts_of_different_lengths_error() -> None:
    with pytest.raises(ValueError, match="2 chunk ids for 1 texts"):
        LexicalIndex.build(["a", "b"], ["Nghị quyết"])


# -- DiacriticRestorer -----------------------------------------------------------------------------------

TRAINING = [
    "Nghị quyết số 57-NQ/TW về chuyển đổi số quốc gia.",
    "Triển khai nghị quyết về chuyển đổi số trên địa bàn tỉnh.",
    "Cán bộ nghỉ lễ nhưng vẫn quyết tâm thực hiện chuyển đổi số.",
    "Kế hoạch chuyển đổi số được ban hành.",
]


@pytest.fixture(scope="module")
def restorer() -> DiacriticRestorer:
    return DiacriticRestorer.train(TRAINING)


@pytest.mark.parametrize(
    ("typed", "restored"),
    [
        ("nghi quyet", "nghị quyết"),
        ("chuyen doi so", "chuyển đổi số"),
        ("nghi quyet ve chuyen doi so", "nghị quyết về chuyển đổi số"),
        ("NGHI QUYET", "nghị quyết"),
        ("ke hoach", "kế hoạch"),
    ],
)
def test_restore_known_phrases(restorer: DiacriticRestorer, typed: str, restored: str) -> None:
    assert restorer.restore(typed) == restored


def test_restore_context_picks_form(restorer: DiacriticRestorer) -> None:
    assert restorer.restore("nghi le") == "nghỉ lễ"


def test_restore_unknown_words_kept_as_typed(restorer: DiacriticRestorer) -> None:
    assert restorer.restore("nghi quyet xyzabc chuyen doi so") == "nghị quyết xyzabc chuyển đổi số"
    assert restorer.restore("blockchain") == "blockchain"


def test_restore_no_words_returned_unchanged(restorer: DiacriticRestorer) -> None:
    assert restorer.restore("") == "" and restorer.restore("?!") == "?!"


def test_restorer_save_load_round_trip(restorer: DiacriticRestorer, tmp_path: Path) -> None:
    restorer.save(tmp_path / "restore.json")
    loaded = DiacriticRestorer.load(tmp_path / "restore.json")
    assert loaded.restore("nghi quyet ve chuyen doi so") == "nghị quyết về chuyển đổi số"
