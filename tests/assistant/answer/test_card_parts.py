"""The card for documents held as one part of a compiled file, and for letters that carry a signed draft.

A file holding a resolution, a conclusion and an older resolution (each with its own header) answers "who signed
the conclusion" from the conclusion's own signature block, not from the file's first document; a letter whose
attached draft is signed by the same person under another post is cited to the letter's own block. The index is
real (ingested with the bundled embedder); the people and numbers are invented.
"""

from __future__ import annotations

import pytest

from assistant.documents import list_documents
from assistant.pipeline import Turn, run, search
from tests.indexes import deps_over

_BODY = (
    "Sau nhiều năm triển khai, dữ liệu của các cơ quan nhà nước đã từng bước được số hoá, kết nối và chia sẻ, song "
    "còn phân tán, chưa đồng bộ, chất lượng chưa cao, chưa trở thành tài nguyên để phát triển kinh tế số."
)

COMPILED = f"""# Nghị quyết số 40-NQ/TW

**Thay mặt Bộ Chính trị, Tổng Bí thư Lê Văn Ba đã ký ban hành Nghị quyết số 40-NQ/TW (ngày 05/3/2025) của Bộ \
Chính trị về phát triển dữ liệu mở quốc gia.**

BAN CHẤP HÀNH TRUNG ƯƠNG
ĐẢNG CỘNG SẢN VIỆT NAM
Số: 40-NQ/TW
Hà Nội, ngày 05 tháng 3 năm 2025

NGHỊ QUYẾT
CỦA BỘ CHÍNH TRỊ
về phát triển dữ liệu mở quốc gia

I- TÌNH HÌNH
{_BODY}

II- MỤC TIÊU
Đến năm 2030, toàn bộ cơ sở dữ liệu quốc gia được mở cho người dân và doanh nghiệp khai thác theo quy định của \
pháp luật, bảo đảm an toàn, an ninh thông tin và quyền riêng tư của công dân.

# Kết luận số 12-KL/TW

BAN CHẤP HÀNH TRUNG ƯƠNG
ĐẢNG CỘNG SẢN VIỆT NAM
Số: 12-KL/TW
Hà Nội, ngày 10 tháng 01 năm 2024

KẾT LUẬN
CỦA BỘ CHÍNH TRỊ
về tiếp tục thực hiện Nghị quyết số 08-NQ/TW của Ban Chấp hành Trung ương Đảng khoá XI về phát triển thư viện số

Bộ Chính trị yêu cầu các cấp uỷ, tổ chức đảng tiếp tục quán triệt, thực hiện nghiêm Nghị quyết số 08-NQ/TW, tập \
trung xây dựng hệ thống thư viện số thống nhất từ trung ương đến cơ sở, kết nối với cơ sở dữ liệu quốc gia.

T/M BỘ CHÍNH TRỊ
(Đã ký)
Trần Thị Hoa

# Nghị quyết 08 - 2011

BAN CHẤP HÀNH TRUNG ƯƠNG
ĐẢNG CỘNG SẢN VIỆT NAM
Số: 08-NQ/TW
Hà Nội, ngày 16 tháng 01 năm 2011

NGHỊ QUYẾT
HỘI NGHỊ LẦN THỨ TƯ BAN CHẤP HÀNH TRUNG ƯƠNG ĐẢNG KHOÁ XI

VỀ PHÁT TRIỂN THƯ VIỆN SỐ

Hội nghị lần thứ tư Ban Chấp hành Trung ương Đảng khoá XI nhận định thư viện số là thiết chế văn hoá quan trọng, \
góp phần nâng cao dân trí, đào tạo nhân lực, bồi dưỡng nhân tài cho đất nước trong giai đoạn mới.
"""

_DRAFT = (
    "Trong năm 2025, các bộ, ngành và địa phương đã hoàn thành việc kết nối {n} cơ sở dữ liệu chuyên ngành với "
    "cơ sở dữ liệu quốc gia, bảo đảm dữ liệu đúng, đủ, sạch, sống, thống nhất, dùng chung; nhiều thủ tục hành chính "
    "đã được cắt giảm giấy tờ nhờ khai thác dữ liệu đã số hoá, tiết kiệm chi phí cho người dân và doanh nghiệp."
)

LETTER = (
    """ĐẢNG BỘ CHÍNH PHỦ
VĂN PHÒNG
ĐẢNG CỘNG SẢN VIỆT NAM
Số: 77-CV/VPĐU
V/v xin ý kiến dự thảo báo cáo về dữ liệu mở
Hà Nội, ngày 20 tháng 5 năm 2025

Kính gửi: Các đồng chí Ủy viên Ban Thường vụ Đảng ủy Chính phủ.

Văn phòng Đảng ủy Chính phủ trân trọng đề nghị các đồng chí cho ý kiến đối với dự thảo báo cáo kèm theo và gửi \
về Văn phòng trước ngày 30 tháng 5 năm 2025 để tổng hợp.

CHÁNH VĂN PHÒNG
Phạm Văn Tâm

DỰ THẢO BÁO CÁO
Kết quả phát triển dữ liệu mở năm 2025

"""
    + "\n\n".join(_DRAFT.format(n=n) for n in (12, 24, 36, 48))
    + """

T/M BAN THƯỜNG VỤ
PHÓ BÍ THƯ
(Đã ký)
Phạm Văn Tâm
"""
)


_ARTICLE = (
    "Điều {n}. Trách nhiệm của cơ quan lưu trữ\nCơ quan lưu trữ có trách nhiệm tiếp nhận, bảo quản và phục vụ khai "
    "thác hồ sơ điện tử theo đúng quy trình, bảo đảm tính toàn vẹn, xác thực và an toàn của hồ sơ trong suốt thời hạn "
    "bảo quản, đồng thời báo cáo định kỳ hằng năm về tình hình lưu trữ hồ sơ điện tử cho cơ quan quản lý cấp trên."
)

# A decree whose crawled header lost its dateline: its date of issue stands after its number in the appendix; the
# same date in a transitional clause is a cut-off, not the day it was issued.
DECREE = (
    """CHÍNH PHỦ
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 88/2025/NĐ-CP

NGHỊ ĐỊNH
Quy định về lưu trữ hồ sơ điện tử

"""
    + "\n\n".join(_ARTICLE.format(n=n) for n in (1, 2, 3))
    + """

Điều 4. Điều khoản chuyển tiếp
Hồ sơ tiếp nhận trước ngày 30 tháng 6 năm 2025 được tiếp tục xử lý theo quy định của pháp luật tại thời điểm tiếp \
nhận cho đến khi hoàn thành.

"""
    + "\n\n".join(_ARTICLE.format(n=n) for n in (5, 6, 7))
    + """

TM. CHÍNH PHỦ
KT. THỦ TƯỚNG
PHÓ THỦ TƯỚNG
Đỗ Minh Khang

Phụ lục
(Kèm theo Nghị định số 88/2025/NĐ-CP ngày 30 tháng 6 năm 2025 của Chính phủ)
Mẫu số 01. Phiếu tiếp nhận hồ sơ điện tử
"""
)


PLAN = """TỈNH ỦY LÂM ĐỒNG
ĐẢNG CỘNG SẢN VIỆT NAM
Số: 15-KH/TU
Lâm Đồng, ngày 20 tháng 3 năm 2025

KẾ HOẠCH
triển khai thực hiện Nghị quyết số 40-NQ/TW ngày 05/3/2025 của Bộ Chính trị về phát triển dữ liệu mở quốc gia

Thực hiện Nghị quyết số 40-NQ/TW của Bộ Chính trị, Ban Thường vụ Tỉnh ủy ban hành Kế hoạch triển khai thực hiện \
như sau: các cơ quan của tỉnh hoàn thành việc mở dữ liệu về đất đai, giáo dục và y tế trong năm 2026.
"""

PROGRAMME = """CHÍNH PHỦ
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 21/NQ-CP
Hà Nội, ngày 02 tháng 4 năm 2025

NGHỊ QUYẾT
Ban hành Chương trình hành động của Chính phủ thực hiện Nghị quyết số 40-NQ/TW ngày 05 tháng 3 năm 2025 của \
Bộ Chính trị về phát triển dữ liệu mở quốc gia

Điều 1. Ban hành kèm theo Nghị quyết này Chương trình hành động của Chính phủ thực hiện Nghị quyết số 40-NQ/TW \
ngày 05 tháng 3 năm 2025 của Bộ Chính trị về phát triển dữ liệu mở quốc gia.
Điều 2. Nghị quyết này có hiệu lực thi hành kể từ ngày ký ban hành.
"""


@pytest.fixture(scope="module")
def deps(tmp_path_factory: pytest.TempPathFactory):
    files = {
        "tuyen-tap-nghi-quyet.md": COMPILED, "cong-van-77.txt": LETTER, "nghi-dinh-88.txt": DECREE,
        "ke-hoach-15.txt": PLAN, "nghi-quyet-21.txt": PROGRAMME,
    }  # fmt: skip
    return deps_over(tmp_path_factory, "parts", files)


def _ask(deps, question: str):
    return run(deps, Turn(question, answerer="extractive")).answer


def _cited(answer) -> list[str]:
    return [p.text for p in answer.sources[:1]]


def test_each_document_of_a_compiled_file_has_its_own_header(deps) -> None:
    (compiled,) = [d for d in list_documents(deps) if d["id"] == "tuyen-tap-nghi-quyet"]
    headers = {h["number"]: h for h in compiled["part_headers"]}
    assert set(headers) == {"40-NQ/TW", "12-KL/TW", "08-NQ/TW"}
    assert headers["12-KL/TW"]["signer"] == "Trần Thị Hoa"
    assert headers["12-KL/TW"]["date"] == "2024-01-10"
    assert headers["08-NQ/TW"]["date"] == "2011-01-16"
    assert headers["08-NQ/TW"]["issuer"] == "Hội nghị lần thứ tư Ban Chấp hành Trung ương Đảng khoá XI"


def test_the_signer_of_a_later_part_comes_from_its_own_signature_block(deps) -> None:
    answer = _ask(deps, "Ai thay mặt Bộ Chính trị ký Kết luận số 12-KL/TW?")
    assert not answer.refused, answer.answer
    assert "Trần Thị Hoa" in answer.answer and "Lê Văn Ba" not in answer.answer, answer.answer
    assert "Trần Thị Hoa" in _cited(answer)[0]


def test_the_date_of_a_labelled_part_comes_from_its_own_dateline(deps) -> None:
    answer = _ask(deps, "Nghị quyết 08-NQ/TW được ban hành ngày nào?")
    assert "16 tháng 01 năm 2011" in answer.answer, answer.answer
    assert "Số: 08-NQ/TW" in _cited(answer)[0]


def test_a_plenum_resolution_names_the_conference_and_its_term(deps) -> None:
    answer = _ask(deps, "Nghị quyết 08-NQ/TW do hội nghị Trung ương nào, khóa mấy ban hành?")
    assert "Hội nghị lần thứ tư Ban Chấp hành Trung ương Đảng khoá XI" in answer.answer, answer.answer


def test_a_sentence_saying_who_signed_answers_when_no_signature_block_is_held(deps) -> None:
    answer = _ask(deps, "Ai thay mặt Bộ Chính trị ký ban hành Nghị quyết 40-NQ/TW?")
    assert not answer.refused, answer.answer
    assert "Lê Văn Ba" in answer.answer and "Trần Thị Hoa" not in answer.answer, answer.answer


def test_a_letter_is_cited_to_its_own_signature_not_to_its_draft(deps) -> None:
    answer = _ask(deps, "Ai ký Công văn 77-CV/VPĐU?")
    assert "Phạm Văn Tâm" in answer.answer, answer.answer
    cited = _cited(answer)[0]
    assert "CHÁNH VĂN PHÒNG" in cited and "PHÓ BÍ THƯ" not in cited, cited


def test_search_shows_the_chunk_stating_the_header_fact_first(deps) -> None:
    first = search(deps, "Ai ký Kết luận số 12-KL/TW?")[0]
    assert "Trần Thị Hoa" in first.text and first.n == 1
    first = search(deps, "Ai ký Công văn 77-CV/VPĐU?")[0]
    assert "CHÁNH VĂN PHÒNG" in first.text


def test_the_date_of_issue_is_cited_where_it_follows_the_number_not_where_it_is_a_cut_off(deps) -> None:
    answer = _ask(deps, "Nghị định 88/2025/NĐ-CP được ban hành ngày nào?")
    assert "30 tháng 6 năm 2025" in answer.answer, answer.answer
    cited = _cited(answer)[0]
    assert "Kèm theo Nghị định số 88/2025/NĐ-CP" in cited and "Hồ sơ tiếp nhận trước" not in cited, cited


def test_a_part_naming_its_own_document_is_not_answered_from_the_other_parts(deps) -> None:
    # The first part names a document by kind and subject; the number belongs to the second part.
    answer = _ask(deps, "Nghị định về lưu trữ hồ sơ điện tử ban hành ngày nào, và Kết luận 12-KL/TW do ai ký?")
    assert "Trần Thị Hoa" in answer.answer, answer.answer
    assert "10 tháng 01 năm 2024" not in answer.answer, answer.answer


def test_the_documents_carrying_out_a_resolution_are_listed_each_cited(deps) -> None:
    answer = _ask(
        deps, "Văn bản nào của Chính phủ và văn bản nào của Tỉnh ủy Lâm Đồng triển khai thực hiện Nghị quyết 40-NQ/TW?"
    )
    assert not answer.refused, answer.answer
    assert "Nghị quyết số 21/NQ-CP" in answer.answer and "Kế hoạch số 15-KH/TU" in answer.answer, answer.answer
    cited = {p.doc_id for p in answer.sources[:2]}
    assert cited == {"nghi-quyet-21", "ke-hoach-15"}, cited


def test_the_kind_asked_chooses_among_them(deps) -> None:
    answer = _ask(deps, "Kế hoạch nào triển khai thực hiện Nghị quyết 40-NQ/TW?")
    assert "Kế hoạch số 15-KH/TU" in answer.answer and "21/NQ-CP" not in answer.answer, answer.answer
