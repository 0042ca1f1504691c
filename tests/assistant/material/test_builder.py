"""Lesson packs (assistant/material/builder.py, facts.py, quiz.py, faq.py, glossary.py): pure helpers on
hand-made text, whole packs on the real sample index (slow)."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterator

import pytest

from assistant.deps import Deps
from assistant.material.builder import (
    NotEnoughDocumentsError,
    _one_sentence,
    _Sentence,
    build_pack,
    select_key_sentences,
    similar,
    validate_request,
)
from assistant.material.facts import Pool, canon, find_facts, normalise, restyle
from assistant.material.faq import faq_questions
from assistant.material.glossary import glossary
from assistant.material.quiz import BLANK, Candidate, blank, build_quiz, distractors
from assistant.material.types import KeyPoint, LessonPack, QuizItem
from assistant.types import Passage
from core.errors import UpstreamError, UserInputError
from core.vntext import fold

COVERED = ["Phong trào Bình dân học vụ số", "Nghị quyết 57-NQ/TW và chuyển đổi số cấp xã"]
UNCOVERED = ["Kỹ thuật nuôi tôm thẻ chân trắng", "Giải bóng đá vô địch quốc gia năm 2025"]


def passage(text: str, chunk_id: str = "d1:0", title: str = "Tin hội nghị", date: str | None = "2025-10-15") -> Passage:
    return Passage(
        n=1, chunk_id=chunk_id, doc_id=chunk_id.split(":")[0], title=title, source="d1.txt", text=text, score=1.0,
        date=date, kind="tin hội nghị", section="", numbers=[], start=0, end=len(text),
    )  # fmt: skip


def folded(text: str) -> str:
    """A comparison independent of the module's own `canon`: diacritics, case and spacing ignored."""
    return re.sub(r"\s+", " ", fold(text).lower()).strip()


# -- facts, values, distractors -----------------------------------------------------------------------------

SENTENCE = (
    "Ngày 22/12/2024, Bộ Chính trị ban hành Nghị quyết số 57-NQ/TW; tỉnh Gia Lai đã hoàn thành 76 nhiệm vụ, "
    "đồng chí Hồ Quốc Dũng chủ trì."
)


def test_find_facts_finds_each_kind_once() -> None:
    facts = {(f.kind, f.text) for f in find_facts(SENTENCE)}
    assert facts == {
        ("date", "22/12/2024"), ("docnumber", "57-NQ/TW"), ("number", "76"), ("body", "Bộ Chính trị"),
        ("person", "Hồ Quốc Dũng"), ("place", "Gia Lai"),
    }  # fmt: skip


def test_find_facts_skips_ranges_ordinals_and_document_names() -> None:
    text = "Mỗi tổ 10-20 người, địa phương thứ 3, năng suất tăng 5-10%, thực hiện Nghị quyết 04 và Đề án 06."
    assert [f for f in find_facts(text) if f.kind == "number"] == []


def test_find_facts_number_unit_is_the_counted_thing() -> None:
    units = {f.text: f.unit for f in find_facts("Hỗ trợ 250 tỷ đồng cho 135 xã, bố trí 3% chi ngân sách.")}
    assert units == {"250": "ty", "135": "xa", "3%": "%"}


def test_dates_written_differently_normalise_equal() -> None:
    a, b = find_facts("ngày 22/12/2024 họp")[0], find_facts("ngày 22-12-2024 họp")[0]
    assert normalise(a) == normalise(b)
    assert canon("09/01/2025") == canon("9-1-2025")
    assert normalise(find_facts("có 1.133 nhiệm vụ")[0]) == "1133"


def test_restyle_writes_a_date_like_the_correct_one() -> None:
    assert restyle("09/01/2025", like="19-6-2025") == "9-1-2025"
    assert restyle("9-1-2025", like="09/01/2024") == "09/01/2025"
    assert restyle("31/10", like="5-8") == "31-10"


CORPUS = [
    "Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị. Kế hoạch số 02-KH/BCĐTW ngày 19-6-2025.",
    "Quyết định số 204-QĐ/TW ngày 29-11-2024 của Ban Bí thư. Chương trình số 62-CTr/TU ngày 23/01/2025.",
    "Kế hoạch số 25/KH-UBND ngày 24/1/2025 thực hiện Nghị quyết số 03/NQ-CP ngày 09/01/2025.",
]


def test_distractors_are_other_dates_not_said_in_that_context() -> None:
    pool = Pool(CORPUS)
    sentence = "Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị"
    fact = next(f for f in find_facts(sentence) if f.kind == "date")
    wrong = distractors(fact, sentence, sentence, pool, 3, "seed")
    assert len(wrong) == 3 and len({canon(w) for w in wrong}) == 3
    assert all("/" in w and canon(w) != canon("22/12/2024") for w in wrong)
    for value in wrong:
        assert folded(sentence.replace("22/12/2024", value)) not in folded(" ".join(CORPUS))


def test_distractor_the_corpus_supports_in_context_is_rejected() -> None:
    pool = Pool([*CORPUS, "Nghị quyết số 57-NQ/TW ngày 19-6-2025 của Bộ Chính trị (bản khác)."])
    sentence = "Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị"
    fact = next(f for f in find_facts(sentence) if f.kind == "date")
    wrong = distractors(fact, sentence, sentence, pool, 8, "seed")
    assert canon("19/6/2025") not in {canon(w) for w in wrong}  # written 19-6-2025 there: still the same date


def test_distractors_are_deterministic_for_a_seed() -> None:
    pool = Pool(CORPUS)
    sentence = "Kế hoạch số 02-KH/BCĐTW ngày 19-6-2025 của Ban Chỉ đạo Trung ương"
    fact = next(f for f in find_facts(sentence) if f.kind == "date")
    assert distractors(fact, sentence, sentence, pool, 3, "q") == distractors(fact, sentence, sentence, pool, 3, "q")


def test_blank_replaces_the_fact_in_the_sentence() -> None:
    fact = next(f for f in find_facts(SENTENCE) if f.kind == "number")
    assert blank(SENTENCE, fact) == SENTENCE.replace("76", BLANK).rstrip(".")


def test_blank_asks_a_long_sentence_through_the_clause_of_the_fact() -> None:
    lead = "Tại phiên họp, Sở Khoa học và Công nghệ đã báo cáo nhiều nội dung quan trọng của tỉnh trong năm qua"
    long = f"{lead}; kết quả triển khai Kế hoạch số 02-KH/BCĐTW ngày 19-6-2025 của Ban Chỉ đạo Trung ương; {lead}."
    fact = next(f for f in find_facts(long) if f.kind == "date")
    assert blank(long, fact) == f"… kết quả triển khai Kế hoạch số 02-KH/BCĐTW ngày {BLANK} của Ban Chỉ đạo Trung ương"


# -- quiz on hand-made passages -----------------------------------------------------------------------------

QUIZ_TEXTS = [
    "Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát triển khoa học, công nghệ.",
    "Kế hoạch số 02-KH/BCĐTW ngày 19-6-2025 của Ban Chỉ đạo Trung ương về thúc đẩy chuyển đổi số liên thông.",
    "Quyết định số 204-QĐ/TW ngày 29-11-2024 của Ban Bí thư về Đề án chuyển đổi số trong các cơ quan Đảng.",
    "Kế hoạch số 25/KH-UBND ngày 24/1/2025 của UBND tỉnh về thực hiện Nghị quyết số 03/NQ-CP của Chính phủ.",
    "Gia Lai đã tập trung rà soát, triển khai 147 nhiệm vụ của Nghị quyết, đến nay đã hoàn thành nhiều việc.",
    "Trong tổng số 1.133 nhiệm vụ của cả nước, có 452 nhiệm vụ đã hoàn thành đúng hạn theo báo cáo quý III.",
    "Tăng cường 257 lượt công chức, viên chức cấp tỉnh về các xã, phường để nắm bắt tình hình thực tế.",
    "Tổ chức tập huấn về kiến thức số, kỹ năng số cho hơn 7.400 cán bộ, công chức, viên chức của tỉnh.",
]


def quiz_for(count: int) -> tuple[list[QuizItem], list[str], list[Passage]]:
    passages = [passage(t, f"d{i}:0") for i, t in enumerate(QUIZ_TEXTS)]
    cited: list[Passage] = []

    def cite(p: Passage) -> int:
        cited.append(p) if p not in cited else None
        return cited.index(p) + 1

    items, warnings = build_quiz([Candidate(p.text.rstrip("."), p) for p in passages], Pool(QUIZ_TEXTS), count, cite)
    return items, warnings, cited


def test_build_quiz_items_are_verified_cited_and_distinct() -> None:
    items, warnings, cited = quiz_for(6)
    assert len(items) == 6 and not warnings
    assert len({canon(i.question) for i in items}) == len(items)
    for item in items:
        assert item.verified and len(item.citations) == 1
        source = cited[item.citations[0] - 1].text
        assert item.explanation.endswith(f"[{item.citations[0]}].")
        if item.kind == "mcq":
            assert len(item.options) == 4 and len(set(item.options)) == 4
            assert item.options[item.correct] in source
        else:
            assert item.options == ["Đúng", "Sai"]


def test_build_quiz_mixes_multiple_choice_and_true_false() -> None:
    items, _warnings, _cited = quiz_for(6)
    kinds = [i.kind for i in items]
    assert kinds.count("mcq") >= 3 and kinds.count("true_false") >= 1


def test_build_quiz_warns_when_the_passages_hold_too_few_facts() -> None:
    items, warnings, _cited = quiz_for(30)
    assert len(items) < 30 and warnings and "câu hỏi" in warnings[0]


def test_build_quiz_is_deterministic() -> None:
    assert quiz_for(6)[0] == quiz_for(6)[0]


# -- key points, FAQ questions, glossary, validation --------------------------------------------------------


def sentence(text: str, chunk_id: str, score: float) -> _Sentence:
    return _Sentence(text, passage(text, chunk_id), rank=0, start=0, score=score)


LONG = "Ban Chỉ đạo tỉnh đã ban hành kế hoạch triển khai phong trào Bình dân học vụ số trên địa bàn toàn tỉnh năm 2025"


def test_select_key_sentences_drops_near_duplicates_and_caps_each_passage() -> None:
    distinct = [  # three good sentences of one passage, on different things
        "Sở Tài chính bố trí đủ ba phần trăm chi ngân sách cho khoa học và công nghệ từ năm sau trở đi theo chỉ đạo",
        "Ủy ban nhân dân xã tổ chức tập huấn kỹ năng số cho cán bộ, công chức và người dân ở các thôn làng",
        "Bệnh viện tỉnh triển khai bệnh án điện tử toàn diện tại tất cả các khoa khám chữa bệnh trong quý tư",
    ]
    ranked = [
        sentence(LONG, "a:0", 0.9),
        sentence(LONG + " này", "b:0", 0.8),  # a near-duplicate
        sentence("Một câu quá ngắn để làm ý chính.", "c:0", 0.7),
        *(sentence(text, "d:0", 0.6) for text in distinct),
    ]
    chosen = select_key_sentences(ranked, 6)
    assert [s.passage.chunk_id for s in chosen] == ["a:0", "d:0", "d:0"]
    assert not any(similar(a.text, b.text) for i, a in enumerate(chosen) for b in chosen[i + 1 :])
    assert all(15 <= len(s.text.split()) <= 60 for s in chosen)


RUN_ON = (  # the source has no capital after the full stop
    "Tiếp tục nhân rộng Phong trào “Bình dân học vụ số” thực chất, hiệu quả; đưa tiêu chí đánh giá đảng viên "
    "trong thực hiện Phong trào “Bình dân học vụ số”. yêu cầu các cơ quan, đơn vị liên quan khẩn trương rà soát"
)
TOPIC_TERMS = {"phong", "trao", "binh", "dan", "hoc", "vu", "so"}


def test_one_sentence_cuts_two_sentences_run_together() -> None:
    cut = _one_sentence(sentence(RUN_ON, "a:0", 0.9), TOPIC_TERMS)
    assert cut.text == RUN_ON.split(". ")[0] + "."


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        (RUN_ON, TOPIC_TERMS | {"khan", "truong"}),  # the second sentence holds topic terms the first lacks
        ("Phong trào “Bình dân học vụ số”. yêu cầu các cơ quan, đơn vị liên quan rà soát", TOPIC_TERMS),  # too short
        (RUN_ON.replace("”. yêu", "”, v.v. yêu"), TOPIC_TERMS),  # an abbreviation's dot, not a full stop
    ],
)
def test_one_sentence_keeps_the_span_when_the_first_part_is_not_a_key_point(text: str, terms: set[str]) -> None:
    assert _one_sentence(sentence(text, "a:0", 0.9), terms).text == text


def test_faq_questions_ask_the_topic_the_audience_and_the_facts() -> None:
    text = "Nghị quyết số 57-NQ/TW, ngày 22/12/2024 của Bộ Chính trị; Ban Thường vụ hỗ trợ 250 tỷ đồng cho 135 xã."
    questions = dict(faq_questions("Bình dân học vụ số", "nguoi-dan", [text]))
    assert "Bình dân học vụ số là gì?" in questions
    assert questions["Nghị quyết số 57-NQ/TW được ban hành ngày nào?"] == "22/12/2024"
    assert questions["Ban Thường vụ hỗ trợ bao nhiêu tỷ đồng cho 135 xã?"] == "250"


def test_glossary_lists_abbreviations_written_in_the_pack() -> None:
    pack = LessonPack(topic="t", audience="can-bo-xa", created="", mode="extractive")
    pack.key_points = [KeyPoint("UBND tỉnh triển khai CĐS theo Nghị quyết số 57-NQ/TW [1].", [1])]
    terms = {g.term: g.meaning for g in glossary(pack)}
    assert terms == {"UBND": "ủy ban nhân dân", "CĐS": "chuyển đổi số", "NQ": "nghị quyết", "TW": "trung ương"}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("", "can-bo-xa", 6, 10), "Chủ đề"),
        (("x" * 301, "can-bo-xa", 6, 10), "300"),
        (("Bình dân học vụ số", "sinh-vien", 6, 10), "can-bo-xa, dang-vien, nguoi-dan"),
        (("Bình dân học vụ số", "can-bo-xa", 2, 10), "ý chính"),
        (("Bình dân học vụ số", "can-bo-xa", 13, 10), "ý chính"),
        (("Bình dân học vụ số", "can-bo-xa", 6, 3), "câu hỏi"),
        (("Bình dân học vụ số", "can-bo-xa", 6, 31), "câu hỏi"),
    ],
)
def test_build_pack_rejects_bad_requests_with_422(args: tuple, words: str) -> None:
    with pytest.raises(UserInputError) as err:
        build_pack(object(), *args)  # type: ignore[arg-type]  # validation comes before any use of deps
    assert err.value.status == 422 and words in err.value.message_vi


def test_validate_request_strips_and_normalises_the_topic() -> None:
    nfd = unicodedata.normalize("NFD", "  Bình dân học vụ số ")
    assert validate_request(nfd, "nguoi-dan", 3, 4) == "Bình dân học vụ số"


def test_not_enough_documents_error_says_so_in_vietnamese() -> None:
    err = NotEnoughDocumentsError("Nuôi tôm")
    assert (err.status, err.code) == (422, "not_enough_documents")
    assert err.message_vi.startswith("Không đủ tài liệu để soạn bài về chủ đề: “Nuôi tôm”.")
    assert err.to_dict()["error"] == "not_enough_documents"


# -- whole packs on the sample documents --------------------------------------------------------------------


@pytest.fixture(scope="module")
def packs(sample_deps: Deps) -> dict[str, LessonPack]:
    return {topic: build_pack(sample_deps, topic, "can-bo-xa", points=6, questions=12) for topic in COVERED}


def cited_text(pack: LessonPack, n: int) -> str:
    assert 1 <= n <= len(pack.sources), (n, len(pack.sources))
    return pack.sources[n - 1].text


def strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


@pytest.mark.slow
@pytest.mark.parametrize("topic", COVERED)
def test_pack_key_points_are_cited_quotes(packs: dict[str, LessonPack], topic: str) -> None:
    pack = packs[topic]
    assert pack.mode == "extractive" and len(pack.key_points) >= 5
    for point in pack.key_points:
        match = re.fullmatch(r"(.+) \[(\d+)\]\.", point.text)
        assert match, point.text
        assert point.citations == [int(match.group(2))]
        assert match.group(1) in cited_text(pack, point.citations[0])


@pytest.mark.slow
@pytest.mark.parametrize("topic", COVERED)
def test_pack_quiz_items_are_verified_with_unsupported_distractors(
    packs: dict[str, LessonPack], topic: str, sample_deps: Deps
) -> None:
    pack = packs[topic]
    corpus = [folded(chunk.text) for chunk in sample_deps.index.chunks.values()]
    assert len(pack.quiz) >= 10
    assert len({folded(q.question) for q in pack.quiz}) == len(pack.quiz)
    for item in pack.quiz:
        assert item.verified and item.citations, item
        source = cited_text(pack, item.citations[0])
        fact_sentence = re.sub(r" \[\d+\]\.$", "", item.explanation)
        assert fact_sentence in source
        if item.kind == "true_false":
            assert item.options == ["Đúng", "Sai"]
            continue
        assert len(item.options) == 4 and len({folded(o) for o in item.options}) == 4
        right = item.options[item.correct]
        assert right in source and right in fact_sentence
        for option in item.options:
            if option != right:
                swapped = folded(fact_sentence.replace(right, option, 1))
                assert not any(swapped in chunk for chunk in corpus), (option, fact_sentence)


@pytest.mark.slow
@pytest.mark.parametrize("topic", COVERED)
def test_pack_sources_numbered_and_all_cited(packs: dict[str, LessonPack], topic: str) -> None:
    pack = packs[topic]
    assert [s.n for s in pack.sources] == list(range(1, len(pack.sources) + 1))
    cited = [n for item in [*pack.key_points, *pack.faq, *pack.quiz] for n in item.citations]
    assert set(cited) == set(range(1, len(pack.sources) + 1))
    for faq in pack.faq:
        assert faq.citations == list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", faq.answer)))
    assert 3 <= len(pack.faq) <= 5


@pytest.mark.slow
@pytest.mark.parametrize("topic", COVERED)
def test_pack_glossary_terms_occur_and_text_is_nfc(packs: dict[str, LessonPack], topic: str) -> None:
    pack = packs[topic]
    everything = "\n".join(strings(pack.to_dict()))
    assert pack.glossary and all(g.term in everything for g in pack.glossary)
    assert all(unicodedata.is_normalized("NFC", s) for s in strings(pack.to_dict()))


@pytest.mark.slow
def test_pack_on_resolution_57_targets_builds(sample_deps: Deps) -> None:
    pack = build_pack(sample_deps, "Nghị quyết 57-NQ/TW: mục tiêu đến năm 2030", "dang-vien", points=3, questions=4)
    assert len(pack.key_points) == 3 and len(pack.quiz) == 4


@pytest.mark.slow
@pytest.mark.parametrize("topic", UNCOVERED)
def test_pack_on_uncovered_topic_raises_not_enough_documents(sample_deps: Deps, topic: str) -> None:
    with pytest.raises(NotEnoughDocumentsError) as err:
        build_pack(sample_deps, topic, "nguoi-dan")
    assert err.value.status == 422
    assert err.value.message_vi.startswith(f"Không đủ tài liệu để soạn bài về chủ đề: “{topic}”.")


@pytest.mark.slow
def test_pack_naming_a_document_the_index_lacks_raises(sample_deps: Deps) -> None:
    with pytest.raises(NotEnoughDocumentsError):
        build_pack(sample_deps, "Nghị quyết 68-NQ/TW về kinh tế tư nhân")


@pytest.mark.slow
def test_pack_is_deterministic_except_created(sample_deps: Deps) -> None:
    first, second = (build_pack(sample_deps, COVERED[0], "nguoi-dan") for _ in range(2))
    assert {**first.to_dict(), "created": ""} == {**second.to_dict(), "created": ""}


# -- with a chat model --------------------------------------------------------------------------------------


class ScriptedModel:
    """Rephrases key points with `reply(sentence)`; refuses every other prompt (the FAQ's questions)."""

    name = "scripted"

    def __init__(self, reply) -> None:
        self.reply = reply

    def complete(self, messages: list[dict[str, str]], *, deadline: float | None = None) -> str:
        asked = messages[-1]["content"].split("<cau_hoi>")[1]
        if "Diễn đạt lại" not in asked:
            return "Tài liệu hiện có không đề cập đến nội dung này."
        return self.reply(re.search(r"“(.*)”", asked, re.S).group(1))  # type: ignore[union-attr]

    def stream(self, messages: list[dict[str, str]], *, deadline: float | None = None) -> Iterator[str]:
        yield self.complete(messages, deadline=deadline)


def failing(_sentence: str) -> str:
    raise UpstreamError("model down")


@pytest.mark.slow
def test_pack_with_model_keeps_faithful_rephrasings(sample_deps: Deps) -> None:
    deps = dataclasses.replace(sample_deps, chat_model=ScriptedModel(lambda s: f"Nói gọn: {s.rstrip('. ')} [1]."))
    pack = build_pack(deps, COVERED[0], "nguoi-dan")
    assert pack.mode == "llm"
    assert all(p.text.startswith("Nói gọn: ") and p.text.endswith(f"[{p.citations[0]}].") for p in pack.key_points)


@pytest.mark.parametrize("reply", [lambda s: "Có 999 nhiệm vụ được giao [1].", failing])
@pytest.mark.slow
def test_pack_with_model_keeps_the_quote_when_a_rephrasing_fails(sample_deps: Deps, reply) -> None:
    extractive = build_pack(sample_deps, COVERED[0], "nguoi-dan")
    deps = dataclasses.replace(sample_deps, chat_model=ScriptedModel(reply))
    pack = build_pack(deps, COVERED[0], "nguoi-dan")
    assert [p.text for p in pack.key_points] == [p.text for p in extractive.key_points]
    assert (reply is failing) == any(w.startswith("Mô hình ngôn ngữ không phản hồi") for w in pack.warnings)
