"""The extractive answerer through `service.chat` on the real sample index, and its question-reading helpers."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from assistant.answer.extractive import _sentences, evidence_order
from assistant.deps import Deps
from assistant.pipeline import chat
from assistant.types import Answer
from assistant.understand.features import asked_unit, question_names
from assistant.understand.query import detect_language, question_type, understand
from core.vntext import has_diacritics

HEADLINE = "Nghị quyết 57-NQ/TW được ban hành ngày nào?"
REFUSAL_VI = "Tài liệu hiện có không đề cập"
GIA_LAI_CHAIR = "Ai chủ trì phiên họp thứ nhất Ban Chỉ đạo tỉnh Gia Lai?"
NEAR_MISS = (
    "Ban Chỉ đạo về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số xã Ia Ko có bao nhiêu thành viên?"
)

ANSWERABLE = [
    HEADLINE,
    GIA_LAI_CHAIR,
    "nghi quyet 57 ban hanh ngay nao",
    "When was Resolution 57-NQ/TW issued?",
    "Sở Khoa học và Công nghệ đề xuất đầu tư hạ tầng công nghệ thông tin cho bao nhiêu xã, phường?",
    "Kinh tế số chiếm tối thiểu bao nhiêu phần trăm GRDP của tỉnh Gia Lai?",
    "Tổng Bí thư Tô Lâm chủ trì hội nghị nào?",
]


def cited_sentences(answer: Answer) -> list[tuple[str, int]]:
    """(sentence, n) for each "sentence [n]." of the answer; the pieces must make up the whole answer."""
    pieces = [(m.group(1), int(m.group(2))) for m in re.finditer(r"(.+?) \[(\d+)\]\.(?: |$)", answer.answer)]
    assert " ".join(f"{text} [{n}]." for text, n in pieces) == answer.answer, answer.answer
    return pieces


def ask(deps: Deps, question: str, history: list[dict[str, str]] | None = None) -> Answer:
    return chat(deps, question, history=history)


# -- answers are quotes with citations --------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("question", ANSWERABLE)
def test_chat_answer_sentences_cited_and_verbatim(sample_deps: Deps, question: str) -> None:
    answer = ask(sample_deps, question)
    assert not answer.refused, answer.answer
    pieces = cited_sentences(answer)
    assert 1 <= len(pieces) <= 4
    for text, n in pieces:
        assert 1 <= n <= len(answer.sources)
        assert text in answer.sources[n - 1].text, (text, n)
    assert [s.n for s in answer.sources] == list(range(1, len(answer.sources) + 1))


@pytest.mark.slow
@pytest.mark.parametrize("question", [HEADLINE, "nghi quyet 57 ban hanh ngay nao"])
def test_chat_headline_question_answers_date(sample_deps: Deps, question: str) -> None:
    answer = ask(sample_deps, question)
    assert not answer.refused and "22/12/2024" in answer.answer
    assert answer.standalone_question is None


@pytest.mark.slow
def test_chat_english_question_quotes_vietnamese(sample_deps: Deps) -> None:
    answer = ask(sample_deps, "When was Resolution 57-NQ/TW issued?")
    assert not answer.refused
    assert has_diacritics(answer.answer) and "22/12/2024" in answer.answer


@pytest.mark.slow
def test_chat_person_question_names_person(sample_deps: Deps) -> None:
    assert "Hồ Quốc Dũng" in ask(sample_deps, GIA_LAI_CHAIR).answer


@pytest.mark.slow
def test_chat_timings_reported(sample_deps: Deps) -> None:
    timings = ask(sample_deps, HEADLINE).timings_ms
    assert set(timings) == {"understand", "retrieve", "answer", "total"}
    assert all(value >= 0 for value in timings.values())


# -- refusals -------------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "Giá vàng hôm nay bao nhiêu?",
        NEAR_MISS,
        "Ngân sách chuyển đổi số năm 2026 của Thái Nguyên là bao nhiêu?",
    ],
)
def test_chat_unanswerable_refused_with_sources(sample_deps: Deps, question: str) -> None:
    answer = ask(sample_deps, question)
    assert answer.refused
    assert answer.answer.startswith(REFUSAL_VI)
    assert question.rstrip("?") in answer.answer
    assert answer.sources  # the nearest passages are still offered
    assert not re.search(r"\[\d+\]", answer.answer)


@pytest.mark.slow
def test_chat_english_unanswerable_refused_in_both_languages(sample_deps: Deps) -> None:
    answer = ask(sample_deps, "What is the price of gold today?")
    assert answer.refused
    assert answer.answer.startswith("The available documents do not cover this")
    assert REFUSAL_VI in answer.answer


# -- follow-ups -----------------------------------------------------------------------------------------------

HISTORY = [
    {"role": "user", "content": GIA_LAI_CHAIR},
    {"role": "assistant", "content": "Đồng chí Hồ Quốc Dũng chủ trì phiên họp thứ nhất [1]."},
]


def test_understand_follow_up_swaps_place() -> None:
    query = understand("Còn Thái Nguyên thì sao?", HISTORY)
    assert query.text == "Ai chủ trì phiên họp thứ nhất Ban Chỉ đạo tỉnh Thái Nguyên?"
    assert query.qtype == "person"


def test_understand_follow_up_without_history_unchanged() -> None:
    assert understand("Còn Thái Nguyên thì sao?").text == "Còn Thái Nguyên thì sao?"
    assert understand("Còn Thái Nguyên thì sao?", [{"role": "assistant", "content": "x"}]).text == (
        "Còn Thái Nguyên thì sao?"
    )


@pytest.mark.slow
def test_chat_follow_up_uses_history(sample_deps: Deps) -> None:
    answer = ask(sample_deps, "Còn Thái Nguyên thì sao?", HISTORY)
    assert answer.standalone_question is not None
    assert "Thái Nguyên" in answer.standalone_question and "Gia Lai" not in answer.standalone_question
    assert not answer.refused and "Trịnh Việt Hùng" in answer.answer


# -- question_type and detect_language ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "qtype"),
    [
        ("Nghị quyết 57 ban hành ngày nào?", "date"),
        ("nghi quyet 57 ban hanh ngay nao", "date"),
        ("Khi nào tổ chức hội nghị sơ kết?", "date"),
        ("When was Resolution 57-NQ/TW issued?", "date"),
        ("Có bao nhiêu xã, phường?", "number"),
        ("Thái Nguyên có mấy xã?", "number"),
        ("Tỷ lệ kinh tế số là bao nhiêu?", "number"),
        ("Ai chủ trì phiên họp?", "person"),
        ("Cơ quan nào chịu trách nhiệm?", "person"),
        ("Who chaired the meeting?", "person"),
        ("Những nhiệm vụ trọng tâm gồm những gì?", "list"),
        ("What are the main tasks?", "list"),
        ("Có phải Gia Lai đứng đầu không?", "yesno"),
        ("Hội nghị có kết nối trực tuyến hay không?", "yesno"),
        ("Gia Lai có tổ chức hội nghị không?", "yesno"),
        ("Xã Ia Ko đã có kế hoạch chưa?", "yesno"),
        ("Mục tiêu chuyển đổi số của tỉnh", "other"),
    ],
)
def test_question_type_question_words(question: str, qtype: str) -> None:
    assert question_type(question) == qtype


def test_question_type_ai_acronym_not_person() -> None:
    assert question_type("Tài liệu nói gì về AI?") != "person"


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("When was Resolution 57-NQ/TW issued?", "en"),
        ("Who chaired the first session of the Gia Lai steering committee?", "en"),
        ("Nghị quyết 57-NQ/TW được ban hành ngày nào?", "vi"),
        ("nghi quyet 57 ban hanh ngay nao", "vi"),
        ("NQ57", "vi"),
        ("", "vi"),
    ],
)
def test_detect_language_question(question: str, language: str) -> None:
    assert detect_language(question) == language


@pytest.mark.parametrize("question", ["How many communes?", "Who chaired it?"])
def test_detect_language_short_english_en(question: str) -> None:
    assert detect_language(question) == "en"


# -- question_names --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Còn Thái Nguyên thì sao?", ["Thái Nguyên"]),
        (GIA_LAI_CHAIR, ["Gia Lai"]),
        ("Gia Lai và Thái Nguyên có gì giống nhau?", ["Gia Lai", "Thái Nguyên"]),
        ("Bí thư Tỉnh ủy Hồ Quốc Dũng nói gì?", ["Hồ Quốc Dũng"]),
        ("Khi Gia Lai tổ chức hội nghị", ["Gia Lai"]),
        ("Ban Chỉ đạo xã Ia Ko họp khi nào?", ["Ia Ko"]),
        ("Nghị quyết 57-NQ/TW ban hành ngày nào?", []),
        ("Ban Chỉ đạo Trung ương họp khi nào?", []),
        ("ĐÀ NẴNG", []),
    ],
)
def test_question_names_proper_names_only(question: str, names: list[str]) -> None:
    assert question_names(question) == names


def test_question_names_to_lam() -> None:
    assert question_names("Tổng Bí thư Tô Lâm chủ trì hội nghị nào?") == ["Tô Lâm"]


# -- asked_unit ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("Ban Chỉ đạo có bao nhiêu thành viên?", "thanh vien"),
        ("Có bao nhiêu nhiệm vụ đã hoàn thành?", "nhiem vu"),
        ("Kinh tế số chiếm bao nhiêu phần trăm GRDP?", "phan tram"),
        ("Kinh phí là bao nhiêu tiền?", "tien"),
        ("Hỗ trợ bao nhiêu tỷ đồng?", "ty dong"),
        ("Có mấy xã?", "xa"),
        ("bao nhieu xa", "xa"),
        ("BAO NHIÊU XÃ", "xa"),
        ("Mất bao nhiêu lâu?", "thoi gian"),  # a length of time
        ("Tỷ lệ là bao nhiêu?", None),
        ("Bao nhiêu năm?", "nam"),  # a length of time in years
        ("Ai chủ trì?", None),
    ],
)
def test_asked_unit_counted_thing(question: str, unit: str | None) -> None:
    assert asked_unit(question) == unit


def test_evidence_order_puts_the_passage_that_states_the_fact_first(sample_deps: Deps) -> None:
    question = "Phiên họp thứ nhất của Ban Chỉ đạo tỉnh Thái Nguyên diễn ra vào ngày nào?"
    query = understand(question)
    ranked = sample_deps.retriever.search(query, 5, None)
    answering = next(p for p in ranked if "21/02" in p.text)
    shuffled = [p for p in ranked if p is not answering][::-1] + [answering]  # the answer last
    ordered = evidence_order(query, shuffled, sample_deps.index)
    assert ordered[0].chunk_id == answering.chunk_id
    assert [p.n for p in ordered] == [1, 2, 3, 4, 5]
    assert sorted(p.chunk_id for p in ordered) == sorted(p.chunk_id for p in ranked)  # the same passages


def test_the_distribution_list_is_never_an_answer_sentence() -> None:
    text = (
        "Giao Sở Y tế chủ trì tổ chức thực hiện Quyết định này kể từ ngày ký ban hành.\n"
        "Nơi nhận:\n- Cục Kiểm soát thủ tục hành chính, Văn phòng Chính phủ;\n- Chủ tịch, các Phó Chủ tịch UBND tỉnh;\n"
        "- Lưu: VT.\nKT. CHỦ TỊCH\n"
    )
    sentences = [s.text for s in _sentences(SimpleNamespace(text=text), 0)]  # type: ignore[arg-type]
    assert sentences == ["Giao Sở Y tế chủ trì tổ chức thực hiện Quyết định này kể từ ngày ký ban hành."]
