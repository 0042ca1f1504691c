"""The extractive answerer refuses when its best sentence answers something near the question but not it: a figure
for another kind of thing counted, a row without the document number asked for, a text that never speaks of the
document the question names, the date of something other than the digital thing asked about."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assistant.answer.compose import compose
from assistant.answer.extractive import extractive_answer
from assistant.answer.refusal import refusal
from assistant.types import Answer, Passage
from assistant.understand.parts import question_parts
from assistant.understand.query import understand
from core.index.types import DocumentMeta

THRESHOLD = 0.35


def _passage(n: int, text: str, doc_id: str = "d", title: str = "Báo cáo") -> Passage:
    return Passage(
        n=n, chunk_id=f"{doc_id}:{n}", doc_id=doc_id, title=title, source=f"{doc_id}.md", text=text, score=1.0 / n,
        date=None, kind="báo cáo", section="", numbers=[], start=0, end=len(text),
    )  # fmt: skip


def _index(owners: dict[str, list[str]] | None = None) -> SimpleNamespace:
    """What the answerer reads of an index: term weights (all alike here), document owners, metadata."""
    return SimpleNamespace(
        idf={}, default_idf=lambda: 5.0, owners=owners or {}, documents={},
        meta=lambda doc_id: DocumentMeta(doc_id=doc_id, source=f"{doc_id}.md", title="Báo cáo"),
    )  # fmt: skip


def answer(question: str, texts: list[str], owners: dict[str, list[str]] | None = None) -> Answer:
    passages = [_passage(n, text, doc_id=f"d{n}") for n, text in enumerate(texts, start=1)]
    return extractive_answer(understand(question), passages, _index(owners), THRESHOLD)  # type: ignore[arg-type]


UNICORN = "Nghị quyết đặt mục tiêu đến năm 2030 có bao nhiêu doanh nghiệp kỳ lân (unicorn) công nghệ?"
DIGITAL_FIRMS = "Đến năm 2030 có tối thiểu 5 doanh nghiệp công nghệ số ngang tầm các nước tiên tiến."


def test_a_figure_for_another_kind_of_thing_counted_is_refused() -> None:
    got = answer(UNICORN, [DIGITAL_FIRMS])
    assert got.refused, got.answer


@pytest.mark.parametrize("named", ["doanh nghiệp kỳ lân công nghệ", "doanh nghiệp unicorn công nghệ"])
def test_the_thing_counted_named_as_asked_or_by_its_alias_answers(named: str) -> None:
    got = answer(UNICORN, [DIGITAL_FIRMS, f"Phấn đấu đến năm 2030 có 3 {named} trị giá trên 1 tỷ USD."])
    assert not got.refused and "3" in got.answer and "[1]" in got.answer, got.answer
    assert got.sources[0].text.startswith("Phấn đấu")


LIST_TASK = (
    "Nhiệm vụ: Xây dựng Danh mục công nghệ chiến lược; Kết quả: Quyết định của Thủ tướng Chính phủ; Hạn: 6/2025."
)
ASK_NUMBER = "Danh mục công nghệ chiến lược được ban hành bằng quyết định số mấy?"


def test_a_document_number_asked_is_not_answered_by_a_row_without_one() -> None:
    assert answer(ASK_NUMBER, [LIST_TASK]).refused


def test_a_document_number_asked_is_answered_by_the_sentence_giving_it() -> None:
    issued = (
        "Thủ tướng Chính phủ đã ban hành Quyết định số 1131/QĐ-TTg ngày 12/6/2025 về Danh mục công nghệ chiến lược."
    )
    got = answer(ASK_NUMBER, [LIST_TASK, issued])
    assert not got.refused and "1131/QĐ-TTg" in got.answer, got.answer


def test_a_document_number_asked_about_another_work_is_refused() -> None:
    other = "Bộ đã có văn bản số 1013/BKHCN-CNCNTT xin ý kiến về dự thảo Chương trình quốc gia phát triển công nghệ."
    assert answer(ASK_NUMBER, [LIST_TASK, other]).refused


BUDGET_Q = "Nghị quyết 196/2025/QH15 bố trí bao nhiêu phần trăm ngân sách cho khoa học, công nghệ?"
BUDGET = "Điều chỉnh dự toán ngân sách năm 2025 để bố trí ít nhất 3% ngân sách cho khoa học, công nghệ."


def test_a_document_cited_but_not_held_is_answered_only_by_text_about_it() -> None:
    assert answer(BUDGET_Q, [BUDGET]).refused
    about = "Quốc hội ban hành Nghị quyết số 196/2025/QH15, bố trí 3,5% ngân sách cho khoa học, công nghệ năm 2025."
    got = answer(BUDGET_Q, [BUDGET, about])
    assert not got.refused and "3,5%" in got.answer, got.answer


def test_a_document_held_may_answer_in_its_own_words() -> None:
    owners = {key: ["d1"] for key in understand(BUDGET_Q).number_keys}
    got = answer(BUDGET_Q, [BUDGET], owners)
    assert not got.refused and "3%" in got.answer, got.answer


DIGITAL_Q = "Kế hoạch yêu cầu hoàn thành xây dựng Quốc hội số vào năm nào?"


def test_the_digital_thing_asked_about_must_be_the_one_dated() -> None:
    laws = "Kế hoạch yêu cầu hoàn thành xây dựng Chương trình luật, pháp lệnh của Quốc hội vào năm 2025."
    assert answer(DIGITAL_Q, [laws]).refused
    got = answer(DIGITAL_Q, [laws, "Phấn đấu hoàn thành xây dựng Quốc hội số vào năm 2027."])
    assert not got.refused and "2027" in got.answer, got.answer


def _stated(text: str) -> Answer:
    return Answer(answer=text, sources=[_passage(1, text)], refused=False)


def test_a_short_part_hanging_on_an_unfound_document_is_not_answered() -> None:
    query = understand("Danh mục công nghệ chiến lược được ban hành bằng quyết định số mấy, ngày nào?")
    first, second = question_parts(query)
    assert first.wants_number
    got = compose(query, [(first, refusal(first, [])), (second, _stated("Hạn hoàn thành tháng 6/2025 [1]."))], [])
    assert got.refused, got.answer


def test_a_short_part_after_another_kind_of_unanswered_part_is_kept() -> None:
    query = understand("Điều lệ Đảng được Đại hội lần thứ mấy thông qua, vào ngày nào?")
    first, second = question_parts(query)
    assert not first.wants_number
    got = compose(query, [(first, refusal(first, [])), (second, _stated("Thông qua ngày 19/01/2011 [1]."))], [])
    assert not got.refused and "19/01/2011" in got.answer


# -- how long: a length of time answers, said with the line that opens its list ----------------------------------

CONDITIONS = """2. Người giới thiệu phải :
- Là đảng viên chính thức và cùng công tác với người vào Đảng ít nhất một năm;
- Báo cáo với chi bộ về lý lịch, phẩm chất, năng lực của người vào Đảng.
3. Lễ kết nạp đảng viên được tổ chức trang nghiêm ngày 15 tháng 7 năm 2025."""


def test_how_long_is_answered_by_a_length_of_time_with_its_list_lead_in() -> None:
    got = answer("Người giới thiệu vào Đảng phải cùng công tác với người vào Đảng ít nhất bao lâu?", [CONDITIONS])
    assert not got.refused, got.answer
    assert got.answer.startswith("2. Người giới thiệu phải [1]. - Là đảng viên chính thức"), got.answer
    assert "ít nhất một năm [1]." in got.answer


@pytest.mark.parametrize(
    "text",
    [
        "Lễ kết nạp người vào Đảng được tổ chức trang nghiêm ngày 15 tháng 7 năm 2025.",
        "Lễ kết nạp người vào Đảng được tổ chức trang nghiêm với 25 đảng viên tham dự.",  # a number, not a time
    ],
)
def test_how_long_is_not_answered_by_a_date_or_another_number(text: str) -> None:
    assert answer("Lễ kết nạp người vào Đảng được tổ chức trong bao lâu?", [text]).refused


@pytest.mark.parametrize(
    ("question", "text"),
    [
        ("Thời kỳ dự bị của đảng viên là bao lâu?", "Đảng viên phải trải qua thời kỳ dự bị mười hai tháng."),
        ("thoi ky du bi cua dang vien la bao lau", "Đảng viên phải trải qua thời kỳ dự bị mười hai tháng."),
        ("Hồ sơ được khai bổ sung trong thời hạn bao nhiêu ngày?", "Hồ sơ được khai bổ sung trong thời hạn 60 ngày."),
    ],
)
def test_lengths_of_time_in_words_or_digits(question: str, text: str) -> None:
    got = answer(question, [text])
    assert not got.refused and text.rstrip(".") in got.answer, got.answer


# -- an article that states what it does is a sentence, its bare title is not ------------------------------------

ARTICLES = """Điều 1. Ban hành kèm theo Quyết định này Danh mục 229 thủ tục hành chính trên địa bàn tỉnh Nghệ An \
(cấp tỉnh: 197 thủ tục, cấp xã: 32 thủ tục).
Điều 4. Hiệu lực và trách nhiệm thi hành"""


def test_an_article_stating_what_it_does_answers() -> None:
    got = answer("Quyết định ban hành danh mục bao nhiêu thủ tục hành chính trên địa bàn tỉnh Nghệ An?", [ARTICLES])
    assert not got.refused and "229 thủ tục hành chính" in got.answer, got.answer


def test_an_article_title_alone_never_answers() -> None:
    got = answer("Điều nào quy định hiệu lực và trách nhiệm thi hành?", ["Điều 4. Hiệu lực và trách nhiệm thi hành"])
    assert got.refused, got.answer


def test_a_range_asked_counts_the_unit_after_it() -> None:
    question = "Thời hạn cấm cư trú là từ bao nhiêu đến bao nhiêu năm?"
    assert understand(question).unit == "nam"
    got = answer(question, ["Thời hạn cấm cư trú là từ 01 năm đến 05 năm, kể từ ngày chấp hành xong hình phạt tù."])
    assert not got.refused and "từ 01 năm đến 05 năm" in got.answer, got.answer


def test_a_list_of_posts_does_not_answer_who_holds_one() -> None:
    posts = "Điều 4. Chánh Văn phòng UBND tỉnh; Giám đốc Sở Y tế, Giám đốc các sở chịu trách nhiệm thi hành Quyết định."
    assert answer("Giám đốc Sở Y tế là ai?", [posts]).refused


def test_a_worked_example_never_answers_a_figure() -> None:
    rule = "Người được cử đi đào tạo phải đền bù chi phí theo thời gian chưa phục vụ."
    example = "Ví dụ: Anh A được cơ quan cử đi đào tạo thạc sỹ 02 năm, chi phí hết 60 triệu đồng mỗi tháng."
    asked = "Công chức được cơ quan cử đi đào tạo thạc sỹ thì chi phí hết bao nhiêu tiền?"
    assert answer(asked, [f"{rule}\n{example}"]).refused
    stated = f"{rule}\nChi phí đào tạo thạc sỹ là 3 triệu đồng mỗi tháng."
    got = answer("Chi phí đào tạo thạc sỹ là bao nhiêu tiền mỗi tháng?", [stated])
    assert not got.refused and "3 triệu đồng" in got.answer, got.answer


def test_a_rule_for_civil_servants_does_not_answer_for_public_employees() -> None:
    rule = "Hình thức kỷ luật khiển trách áp dụng đối với cán bộ, công chức có hành vi vi phạm lần đầu."
    assert answer("Viên chức vi phạm lần đầu bị áp dụng hình thức kỷ luật nào?", [rule]).refused
    got = answer("Công chức vi phạm lần đầu bị áp dụng hình thức kỷ luật nào?", [rule])
    assert not got.refused and "khiển trách" in got.answer, got.answer


def test_a_person_asked_by_title_is_answered_by_a_name_not_by_a_body() -> None:
    acts = "Bộ Nông nghiệp và Môi trường chủ trì nghiên cứu kiến nghị của Hiệp hội Thức ăn Chăn nuôi."
    named = "Về việc này, Phó Thủ tướng Chính phủ Trần Văn Bình có ý kiến chỉ đạo như sau:"
    got = answer("Phó Thủ tướng nào chỉ đạo nghiên cứu kiến nghị của Hiệp hội Thức ăn Chăn nuôi?", [acts, named])
    assert not got.refused and "Trần Văn Bình" in got.answer, got.answer


def test_a_deadline_asked_is_not_answered_by_the_date_of_a_cited_letter() -> None:
    cited = "Các đồng chí gửi ý kiến góp ý dự thảo theo văn bản số 15000-CV/VPTW ngày 23 tháng 5 năm 2025."
    due = "Đề nghị các đồng chí cho ý kiến góp ý dự thảo, gửi về Văn phòng trước 20h00 ngày 25 tháng 5 năm 2025."
    asked = "Các đồng chí phải gửi ý kiến góp ý dự thảo trước thời điểm nào?"
    got = answer(asked, [cited, due])
    assert not got.refused and "25 tháng 5 năm 2025" in got.answer and "15000" not in got.answer, got.answer
    assert answer(asked, [cited]).refused


@pytest.mark.parametrize(
    "text",
    [
        "Nghị định này có hiệu lực thi hành từ ngày 01 tháng 7 năm 2025.",
        "Chậm nhất đến ngày 01 tháng 7 năm 2027 phải hoàn thành việc bố trí công chức.",
    ],
)
def test_the_date_a_text_takes_effect_is_said_with_hieu_luc(text: str) -> None:
    got = answer("Nghị định về tuyển dụng công chức có hiệu lực từ ngày nào?", [text])
    assert got.refused is ("hiệu lực" not in text), got.answer


def test_a_percentage_asked_is_counted_by_the_unit_column_of_a_target_row() -> None:
    row = "23.4. Chỉ tiêu: Phủ sóng 5G cho người dân; Đơn vị: % dân số; Kết quả: 99; Cơ quan chủ trì: Bộ Thông tin"
    other = "23.2. Chỉ tiêu: Số tuyến cáp quang biển mới; Đơn vị: Tuyến cáp quang biển; Kết quả: 09"
    got = answer("Chỉ tiêu phủ sóng 5G cho người dân đến năm 2030 là bao nhiêu phần trăm dân số?", [other, row])
    assert not got.refused and "Kết quả: 99" in got.answer, got.answer


def test_besides_a_named_leader_the_answer_names_the_others() -> None:
    named = "Tổng Bí thư Tô Lâm tham dự và phát biểu kết luận hội nghị, yêu cầu lãnh đạo các cơ quan làm tốt."
    others = "Chủ tịch Quốc hội Trần Thanh Mẫn, Thường trực Ban Bí thư Trần Cẩm Tú; lãnh đạo các ban cùng tham dự."
    title = "Tổng Bí thư Tô Lâm chủ trì hội nghị sơ kết quý III"  # the report is about the meeting he chaired
    passages = [_passage(n, text, doc_id="tin", title=title) for n, text in enumerate([named, others], start=1)]
    asked = understand("Besides General Secretary Tô Lâm, which senior leaders attended the conference?")
    got = extractive_answer(asked, passages, _index(), THRESHOLD)  # type: ignore[arg-type]
    assert not got.refused and "Trần Thanh Mẫn" in got.answer, got.answer


def test_a_party_organ_answers_which_body_goes_on() -> None:
    issued = "Thực hiện chỉ đạo của Bộ Chính trị, Đảng đoàn Quốc hội ban hành Kế hoạch triển khai thực hiện Nghị quyết."
    goes_on = (
        "Khi Đảng đoàn Quốc hội kết thúc hoạt động, Đảng ủy Quốc hội được thành lập thì Đảng ủy Quốc hội tiếp tục "
        "chỉ đạo thực hiện Kế hoạch này."
    )
    history = [
        {"role": "user", "content": "Kế hoạch 3260-KH/ĐĐQH15 do cơ quan nào ban hành?"},
        {"role": "assistant", "content": "Kế hoạch do Đảng đoàn Quốc hội ban hành."},
    ]
    follow_up = "Nếu Đảng đoàn Quốc hội kết thúc hoạt động thì cơ quan nào tiếp tục chỉ đạo kế hoạch đó?"
    asked = understand(follow_up, history)
    passages = [_passage(n, text, doc_id="kh") for n, text in enumerate([issued, goes_on], start=1)]
    got = extractive_answer(asked, passages, _index({"kh:3260": ["kh"]}), THRESHOLD)  # type: ignore[arg-type]
    assert not got.refused and "Đảng ủy Quốc hội tiếp tục" in got.answer, got.answer
