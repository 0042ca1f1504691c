"""The document card: header questions answered from the header ingestion read, cited to the text that states it.

The index is real (ingested with the bundled embedder from two official texts written in the standard form);
the people and numbers in them are invented, so no answer can come from anywhere but these texts.
"""

from __future__ import annotations

import re

import pytest

from assistant.answer.card import _position, asked_field
from assistant.documents import list_documents
from assistant.pipeline import Turn, run, search
from assistant.types import Filters
from assistant.understand.query import understand
from core.errors import UserInputError
from tests.indexes import deps_over

DECREE = """CHÍNH PHỦ
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 77/2025/NĐ-CP
Hà Nội, ngày 14 tháng 3 năm 2025

NGHỊ ĐỊNH
Quy định về quản lý kho dữ liệu số của cơ quan nhà nước

Căn cứ Luật Tổ chức Chính phủ số 63/2025/QH15;
Căn cứ Luật Dữ liệu số 60/2024/QH15;
Theo đề nghị của Bộ trưởng Bộ Công an;
Chính phủ ban hành Nghị định quy định về quản lý kho dữ liệu số của cơ quan nhà nước.

Điều 1. Phạm vi điều chỉnh
Nghị định này quy định việc lập, lưu giữ, khai thác và hủy kho dữ liệu số của các cơ quan nhà nước ở trung ương \
và địa phương.

Điều 2. Lưu giữ dữ liệu
1. Dữ liệu số được lưu giữ tối thiểu 10 năm kể từ ngày tạo lập.
2. Cơ quan lưu giữ phải sao lưu dữ liệu tại hai địa điểm khác nhau.

Điều 3. Hình thức khai thác
Dữ liệu số được khai thác theo các hình thức sau:
a) Truy cập trực tuyến qua cổng dữ liệu của cơ quan;
b) Sao chép có kiểm soát trên thiết bị được cấp phép;
c) Cung cấp theo văn bản đề nghị của tổ chức, cá nhân.

Điều 4. Hiệu lực thi hành
1. Nghị định này có hiệu lực thi hành từ ngày 01 tháng 5 năm 2025.
2. Nghị định này thay thế Nghị định số 47/2020/NĐ-CP ngày 09 tháng 4 năm 2020 của Chính phủ về quản lý, kết nối \
và chia sẻ dữ liệu số.

Nơi nhận:
- Ban Bí thư Trung ương Đảng;
- Lưu: VT.

TM. CHÍNH PHỦ
KT. THỦ TƯỚNG
PHÓ THỦ TƯỚNG
Nguyễn Văn An

PHỤ LỤC
DANH MỤC NHIỆM VỤ

| TT | Tên nhiệm vụ | Cơ quan chủ trì | Thời gian hoàn thành |
|---|---|---|---|
| 1 | Xây dựng cổng dữ liệu mở của cơ quan nhà nước | Bộ Công an | 6/2026 |
| 2 | Đào tạo kỹ năng quản trị dữ liệu cho cán bộ | Bộ Nội vụ | 12/2026 |
"""

LETTER = """BỘ KHOA HỌC VÀ CÔNG NGHỆ
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 4321/BKHCN-CĐS
V/v hướng dẫn báo cáo chuyển đổi số quý IV năm 2025
Hà Nội, ngày 02 tháng 12 năm 2025

Kính gửi: Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung ương.

Bộ Khoa học và Công nghệ đề nghị các địa phương gửi báo cáo kết quả chuyển đổi số quý IV năm 2025 trước ngày \
20 tháng 12 năm 2025, theo mẫu kèm theo Công văn này.
"""


CUSTOMS = """CỤC HẢI QUAN
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 5555/CHQ-GSQL
V/v nhập khẩu hàng hóa
Hà Nội, ngày 10 tháng 11 năm 2025

Kính gửi: Công ty TNHH Sakuramochi Việt Nam.

Trả lời công văn ngày 20/10/2025 của Công ty về vướng mắc chính sách mặt hàng máy ép nhựa đã qua sử dụng, Cục \
Hải quan có ý kiến như sau: đề nghị Công ty liên hệ Bộ Khoa học và Công nghệ để được hướng dẫn.
"""


@pytest.fixture(scope="module")
def card_deps(tmp_path_factory: pytest.TempPathFactory):
    files = {"nghi-dinh-77.txt": DECREE, "cong-van-4321.txt": LETTER, "cong-van-5555.txt": CUSTOMS}
    return deps_over(tmp_path_factory, "card", files)


def _ask(deps, question: str):
    return run(deps, Turn(question, answerer="extractive")).answer


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("Ai ký Nghị định 77/2025/NĐ-CP?", "signer"),
        ("Nghi dinh 77 do ai ky?", "signer"),
        ("Ai thay mặt Chính phủ ký Nghị định 77/2025/NĐ-CP?", "signer"),
        ("Nghị định 77 được ban hành theo đề nghị của bộ trưởng nào?", "proposer"),
        ("Những văn bản nào triển khai thực hiện Nghị quyết 57-NQ/TW?", "implemented_by"),
        ("Theo Nghị quyết 57, cơ quan nào theo dõi kết quả thực hiện Nghị quyết?", None),  # who, not which text
        ("Theo đề nghị của Bộ Công an, dữ liệu được lưu giữ bao lâu?", None),  # the proposal is background here
        ("Ai thay mặt Bộ Chính trị chủ trì hội nghị?", None),  # who led a meeting, not who signed
        ("Nghị quyết 20-NQ/TW do hội nghị Trung ương nào ban hành?", "issuer"),
        ("Nghị quyết 20-NQ/TW được ban hành ở khóa mấy?", "issuer"),
        ("Cơ quan nào ban hành Công văn 4321?", "issuer"),
        ("Nghị định 77/2025/NĐ-CP được ban hành ngày nào?", "date"),
        ("NĐ 77 có hiệu lực từ ngày nào?", "effective"),
        ("Nghị định 77/2025/NĐ-CP thay thế văn bản nào?", "replaces"),
        ("Luật số 60/2024/QH15 là luật gì?", "subject"),
        ("Quyết định 1147-QĐ/BTGDVTW ban hành quy chế gì?", "subject"),
        ("Nghị quyết 20-NQ/TW về vấn đề gì?", "subject"),
        ("Công văn 4321 gửi cơ quan nào?", "recipients"),
        ("Công văn 4321 trả lời doanh nghiệp nào?", "recipients"),
        ("Công văn 4321 đề nghị các địa phương gửi báo cáo trước ngày nào?", None),  # what is sent, not to whom
        ("Nghị định 77 quy định lưu giữ dữ liệu bao lâu?", None),  # a question about the body
        ("Dữ liệu số được lưu giữ tối thiểu bao nhiêu năm?", None),
    ],
)
def test_asked_field(question: str, field: str | None) -> None:
    assert asked_field(understand(question)) == field


@pytest.mark.parametrize(
    ("printed", "readable"),
    [
        ("KT. THỦ TƯỚNG PHÓ THỦ TƯỚNG", "Phó Thủ tướng (ký thay Thủ tướng)"),
        ("TỔNG BÍ THƯ", "Tổng Bí thư"),
        ("GIÁM ĐỐC", "Giám đốc"),
        ("KT. BỘ TRƯỞNG, CHỦ NHIỆM PHÓ CHỦ NHIỆM", "Phó Chủ nhiệm (ký thay Bộ trưởng, chủ nhiệm)"),
    ],
)
def test_position_reads_as_a_sentence(printed: str, readable: str) -> None:
    assert _position(printed) == readable


def _cited_texts(answer) -> list[str]:
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    return [p.text for p in answer.sources if p.n in cited]


@pytest.mark.parametrize(
    ("question", "facts", "cited_holds"),
    [
        ("Ai ký Nghị định 77/2025/NĐ-CP?", ["Nguyễn Văn An", "Phó Thủ tướng"], "Nguyễn Văn An"),
        ("nghi dinh 77 do ai ky", ["Nguyễn Văn An"], "Nguyễn Văn An"),
        ("Nghị định 77/2025/NĐ-CP được ban hành ngày nào?", ["14 tháng 3 năm 2025"], "14 tháng 3 năm 2025"),
        ("NĐ 77 có hiệu lực thi hành từ ngày nào?", ["01 tháng 5 năm 2025"], "có hiệu lực thi hành"),
        ("Nghị định 77/2025/NĐ-CP thay thế văn bản nào?", ["47/2020/NĐ-CP"], "thay thế"),
        ("Cơ quan nào ban hành Nghị định 77/2025/NĐ-CP?", ["Chính phủ"], "CHÍNH PHỦ"),
        ("Nghị định 77 được ban hành theo đề nghị của ai?", ["Bộ trưởng Bộ Công an"], "Theo đề nghị của"),
        ("Công văn 4321 do cơ quan nào ban hành?", ["Bộ Khoa học và Công nghệ"], "BỘ KHOA HỌC VÀ CÔNG NGHỆ"),
        ("Công văn 4321/BKHCN ban hành ngày nào?", ["02 tháng 12 năm 2025"], "02 tháng 12 năm 2025"),
        ("Công văn 4321 gửi cơ quan nào?", ["Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung ương"], "Kính gửi"),
        # named by kind and subject, not by number
        ("Nghị định nào quy định về quản lý kho dữ liệu số của cơ quan nhà nước?", ["77/2025/NĐ-CP"], "77/2025/NĐ-CP"),
        # named by what its header says of it: the issuer, the year and the subject, or its rare addressee
        (
            "Văn bản nào của Bộ Khoa học và Công nghệ hướng dẫn báo cáo chuyển đổi số năm 2025?",
            ["4321/BKHCN-CĐS"],
            "4321/BKHCN-CĐS",
        ),
        (
            "Cục Hải quan trả lời vướng mắc của Công ty Sakuramochi bằng văn bản số mấy?",
            ["5555/CHQ-GSQL"],
            "5555/CHQ-GSQL",
        ),
    ],
)
def test_header_questions_answered_and_cited(card_deps, question: str, facts: list[str], cited_holds: str) -> None:
    answer = _ask(card_deps, question)
    assert not answer.refused, answer.answer
    for fact in facts:
        assert fact in answer.answer, answer.answer
    assert any(cited_holds.casefold() in text.casefold() for text in _cited_texts(answer)), answer.answer


def test_a_document_described_with_another_issuer_is_not_named(card_deps) -> None:
    answer = _ask(card_deps, "Văn bản nào của Bộ Tài chính hướng dẫn báo cáo chuyển đổi số năm 2025?")
    assert "Số hiệu của văn bản" not in answer.answer and "4321/BKHCN" not in answer.answer, answer.answer


def test_a_signer_the_text_does_not_state_is_not_invented(card_deps) -> None:
    # The letter has no signature block: no name may appear, whatever the body answerer makes of it.
    answer = _ask(card_deps, "Ai ký Công văn 4321/BKHCN-CĐS?")
    assert "Nguyễn Văn An" not in answer.answer


def test_body_questions_still_go_to_the_text(card_deps) -> None:
    answer = _ask(card_deps, "Theo Nghị định 77/2025/NĐ-CP, dữ liệu số được lưu giữ tối thiểu bao nhiêu năm?")
    assert not answer.refused
    assert "10 năm" in answer.answer


def test_a_list_question_is_answered_with_the_items_each_cited(card_deps) -> None:
    answer = _ask(card_deps, "Theo Nghị định 77/2025/NĐ-CP, dữ liệu số được khai thác theo những hình thức nào?")
    assert not answer.refused, answer.answer
    for item in ("Truy cập trực tuyến", "Sao chép có kiểm soát", "Cung cấp theo văn bản đề nghị"):
        assert item in answer.answer, answer.answer
    assert answer.answer.count("[") >= 4  # the lead-in and each item cited


def test_a_task_table_row_answers_lead_agency_and_deadline(card_deps) -> None:
    # "Theo Nghị định 77…" names the source, not the subject of the date: the row's deadline answers.
    question = "Theo Nghị định 77/2025/NĐ-CP, nhiệm vụ xây dựng cổng dữ liệu mở do cơ quan nào chủ trì, hạn khi nào?"
    answer = _ask(card_deps, question)
    assert not answer.refused, answer.answer
    assert "Bộ Công an" in answer.answer and "6/2026" in answer.answer, answer.answer
    assert "Bộ Nội vụ" not in answer.answer


def test_header_fields_listed_by_the_documents_api(card_deps) -> None:
    decree = next(d for d in list_documents(card_deps) if d["source"] == "nghi-dinh-77.txt")
    assert decree["number"] == "77/2025/NĐ-CP"
    assert decree["kind"] == "nghị định"
    assert decree["issuer"] == "Chính phủ"
    assert decree["date"] == "2025-03-14"
    assert decree["effective"] == "2025-05-01"
    assert decree["signer"] == "Nguyễn Văn An"
    assert "47/2020/NĐ-CP" in decree["replaces"]
    assert "60/2024/QH15" in decree["based_on"]


def test_filters_by_issuer_and_number(card_deps) -> None:
    by_issuer = search(card_deps, "dữ liệu", filters=Filters(issuers=["chính phủ"]))
    assert by_issuer and {p.source for p in by_issuer} == {"nghi-dinh-77.txt"}
    by_number = search(card_deps, "báo cáo", filters=Filters(numbers=["CV 4321"]))
    assert by_number and {p.source for p in by_number} == {"cong-van-4321.txt"}


def test_unknown_issuer_filter_names_the_known_ones(card_deps) -> None:
    with pytest.raises(UserInputError, match="Chính phủ"):
        search(card_deps, "dữ liệu", filters=Filters(issuers=["Bộ Không Có"]))


def test_a_header_line_is_no_answer(card_deps) -> None:
    # "Số: 77/2025/NĐ-CP" repeats the question's number and nothing else: it must never be the answer.
    answer = _ask(card_deps, "Nghị định 77/2025/NĐ-CP quy định điều gì về sao lưu dữ liệu?")
    assert "Số: 77/2025/NĐ-CP [" not in answer.answer
    assert not answer.refused and "hai địa điểm" in answer.answer, answer.answer


def test_the_signer_of_a_document_only_cited_is_not_guessed(card_deps) -> None:
    # The decree cites Luật Dữ liệu 60/2024/QH15 but the collection does not hold it: nobody's name may answer.
    answer = _ask(card_deps, "Ai ký Luật số 60/2024/QH15?")
    assert answer.refused and "không rõ người ký" in answer.answer, answer.answer
    assert "Nguyễn Văn An" not in answer.answer


def test_a_month_the_question_names_must_be_the_evidence_month(card_deps) -> None:
    # The letter asks for reports of quarter IV 2025 by 20/12/2025; nothing in it speaks of March 2026.
    answer = _ask(card_deps, "Đến tháng 3/2026 các địa phương phải gửi báo cáo chuyển đổi số trước ngày nào?")
    assert answer.refused, answer.answer


def test_a_document_addressed_to_no_one_gets_no_recipient_answer(card_deps) -> None:
    answer = _ask(card_deps, "Nghị định 77/2025/NĐ-CP gửi cơ quan nào?")
    assert "Kính gửi" not in " ".join(_cited_texts(answer)) or answer.refused
    assert "gửi: " not in answer.answer
