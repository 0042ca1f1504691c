from pathlib import Path

import pytest

from ingest.clean import clean_text
from ingest.header import Header, parse_header
from ingest.loaders import load_text
from ingest.tables import flatten_tables

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
OFFICIAL = SHARED / "official_documents"
POLICY = SHARED / "nq57_policy_documents"
needs_shared = pytest.mark.skipif(not OFFICIAL.is_dir() or not POLICY.is_dir(), reason="../shared/data is absent")


def _header(raw: str) -> Header:
    return parse_header(clean_text(raw))


# --- synthetic headers of each layout ----------------------------------------------------------------------

DECREE = """CHÍNH PHỦ
-------
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
Số: 15/2025/NĐ-CP
Hà Nội, ngày 20 tháng 01 năm 2025

NGHỊ ĐỊNH
SỬA ĐỔI, BỔ SUNG MỘT SỐ ĐIỀU CỦA NGHỊ ĐỊNH SỐ 72/2020/NĐ-CP QUY ĐỊNH CHI TIẾT
LUẬT DÂN QUÂN TỰ VỆ

Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;
Căn cứ Nghị quyết số 142/2024/QH15 ngày 29 tháng 6 năm 2024 của Quốc hội; Nghị định số 92/2017/NĐ-CP
ngày 07/8/2017 của Chính phủ hướng dẫn một số nội dung của Nghị định số 63/2010/NĐ-CP;
Căn cứ Hiến pháp đã được sửa đổi, bổ sung theo Nghị quyết số 203/2025/QH15;
Theo đề nghị của Bộ trưởng Bộ Quốc phòng;
Chính phủ ban hành Nghị định sửa đổi, bổ sung một số điều của Nghị định số 72/2020/NĐ-CP.

Điều 1. Sửa đổi, bổ sung một số điều của Nghị định số 72/2020/NĐ-CP
1. Sửa đổi khoản 1 Điều 7 như sau:
“1. Bãi bỏ Quyết định số 9/2019/QĐ-TTg.”
Điều 2. Hiệu lực thi hành
1. Nghị định này có hiệu lực thi hành từ ngày 01 tháng 3 năm 2025.
2. Bãi bỏ Nghị định số 13/2012/NĐ-CP ngày 02 tháng 3 năm 2012 của Chính phủ.
3. Các văn bản dẫn chiếu tại Nghị định số 72/2020/NĐ-CP được thay thế thì áp dụng văn bản mới.

Nơi nhận:
- Các bộ, cơ quan ngang bộ;
- Lưu: VT, NC.
TM. CHÍNH PHỦ
KT. THỦ TƯỚNG
PHÓ THỦ TƯỚNG
(Đã ký)
Hồ Đức Phớc

PHỤ LỤC
Mẫu số 01
GIÁM ĐỐC
Nguyễn Văn A
"""


def test_parse_header_state_decree():
    header = _header(DECREE)
    assert header.is_official
    assert (header.kind, header.number, header.issuer) == ("nghị định", "15/2025/NĐ-CP", "Chính phủ")
    assert (header.place, header.date) == ("Hà Nội", "2025-01-20")
    # In capitals in the header, in normal case as the body writes the words ("Nghị định số 72/2020/NĐ-CP").
    assert (
        header.subject
        == "sửa đổi, bổ sung một số điều của Nghị định số 72/2020/NĐ-CP quy định chi tiết luật dân quân tự vệ"
    )
    assert (header.signer, header.signer_title) == ("Hồ Đức Phớc", "KT. THỦ TƯỚNG PHÓ THỦ TƯỚNG")
    assert header.effective == "2025-03-01"


def test_parse_header_based_on_skips_what_qualifies_a_citation():
    # Laws cited by name have no number; "theo Nghị quyết số 203" amends the Constitution it qualifies and the
    # decree "của" which a circular guides is not cited itself.
    assert _header(DECREE).based_on == ("142/2024/QH15", "92/2017/NĐ-CP")


def test_parse_header_replaces_and_amends_its_own_targets_only():
    header = _header(DECREE)
    assert header.replaces == ("13/2012/NĐ-CP",)  # not the quoted provision, not the references clause
    assert header.amends == ("72/2020/NĐ-CP",)


def test_parse_header_body_starts_after_the_header_block():
    text = clean_text(DECREE)
    assert text[parse_header(text).body_start :].startswith("Căn cứ Luật Tổ chức Chính phủ")


def test_parse_header_signature_is_the_first_block_not_a_form_in_an_appendix():
    header = _header(DECREE.replace("TM. CHÍNH PHỦ\nKT. THỦ TƯỚNG\nPHÓ THỦ TƯỚNG\n(Đã ký)\nHồ Đức Phớc\n", ""))
    assert (header.signer, header.signer_title) == (None, None)


PIPES = """CHÍNH PHỦ_______ Số: 172/2025/NĐ-CP | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAMĐộc lập – Tự do – Hạnh phúc____ Hà Nội, ngày 30 tháng 6 năm 2025 |

**NGHỊ ĐỊNH**

**Quy định về xử lý kỷ luật cán bộ, công chức**

*Căn cứ Luật Cán bộ, công chức ngày 24 tháng 6 năm 2025;*

*Chính phủ ban hành Nghị định quy định về xử lý kỷ luật cán bộ, công chức.*

**Điều 1. Phạm vi điều chỉnh**

Nghị định này quy định về xử lý kỷ luật cán bộ, công chức.

**Điều 2. Hiệu lực thi hành**

Nghị định này có hiệu lực thi hành từ ngày 01 tháng 7 năm 2025.

- Thủ tướng, các Phó Thủ tướng Chính phủ; - Lưu: VT, TCCV. | TM. CHÍNH PHỦKT. THỦ TƯỚNGPHÓ THỦ TƯỚNG(Đã ký)Nguyễn Hòa Bình |
"""  # noqa: E501


def test_parse_header_flattened_pipe_layout():
    header = _header(PIPES)
    assert (header.kind, header.number, header.issuer) == ("nghị định", "172/2025/NĐ-CP", "Chính phủ")
    assert (header.place, header.date) == ("Hà Nội", "2025-06-30")
    assert header.subject == "quy định về xử lý kỷ luật cán bộ, công chức"
    assert (header.signer, header.signer_title) == ("Nguyễn Hòa Bình", "KT. THỦ TƯỚNG PHÓ THỦ TƯỚNG")
    assert (header.effective, header.based_on) == ("2025-07-01", ())


UBTVQH = """--------- | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAMĐộc lập - Tự do - Hạnh phúc--------- |
Số: 1663/NQ-UBTVQH15 |
|

**NGHỊ QUYẾT**

**Về việc sắp xếp các đơn vị hành chính cấp xã của tỉnh ****Đồng Tháp ****năm 2025**

**ỦY BAN THƯỜNG VỤ QUỐC HỘI**

*Căn cứ Nghị quyết số 76/2025/UBTVQH15 ngày 14 tháng 4 năm 2025 của Ủy ban Thường vụ Quốc hội;*

**QUYẾT NGHỊ:**

**Điều 1.** Sắp xếp các đơn vị hành chính cấp xã của tỉnh Đồng Tháp.

**Điều 2.** Nghị quyết này có hiệu lực thi hành từ ngày được thông qua.

*Nghị quyết này được Ủy ban Thường vụ Quốc hội nước Cộng hòa xã hội chủ nghĩa Việt Nam khóa XV thông qua ngày 16 tháng 6 năm 2025.*

- Chính phủ; - Lưu: HC, PLTP. | TM. ỦY BAN THƯỜNG VỤ QUỐC HỘICHỦ TỊCH
Trần Thanh Mẫn |
"""  # noqa: E501


def test_parse_header_resolution_dated_by_its_adoption_line():
    header = _header(UBTVQH)
    assert (header.kind, header.number) == ("nghị quyết", "1663/NQ-UBTVQH15")
    assert header.issuer == "Ủy ban Thường vụ Quốc hội"  # the authority line: the header lost its issuer cell
    assert (header.place, header.date, header.effective) == (None, "2025-06-16", "2025-06-16")
    assert header.subject == "về việc sắp xếp các đơn vị hành chính cấp xã của tỉnh Đồng Tháp năm 2025"
    assert (header.signer, header.signer_title) == ("Trần Thanh Mẫn", "CHỦ TỊCH")
    assert header.based_on == ("76/2025/UBTVQH15",)


def test_parse_header_issuer_from_the_adoption_line_when_nothing_else_names_it():
    raw = UBTVQH.replace("**ỦY BAN THƯỜNG VỤ QUỐC HỘI**\n", "").replace("TM. ỦY BAN THƯỜNG VỤ QUỐC HỘI", "")
    assert _header(raw).issuer == "Ủy ban Thường vụ Quốc hội"


PARTY = """**BAN CHẤP HÀNH TRUNG ƯƠNG**
**ĐẢNG CỘNG SẢN VIỆT NAM**
*
Số 57\\-NQ/TW
*Hà Nội*, *ngày 22 tháng 12 năm 2024*

**NGHỊ QUYẾT**

CỦA BỘ CHÍNH TRỊ
**về đột phá phát triển khoa học, công nghệ**, **đổi mới sáng tạo và chuyển** đổi **số quốc gia**

Phát triển khoa học, công nghệ là yếu tố quyết định. Bộ Chính trị yêu cầu thực hiện tốt các nhiệm vụ sau.

**I\\- QUAN ĐIỂM CHỈ ĐẠO**

Nghị quyết này phổ biến đến chi bộ.

Nơi nhận:
- Các tỉnh ủy, thành ủy,
- Lưu Văn phòng Trung ương Đảng.
T/M BỘ CHÍNH TRỊ
TỔNG BÍ THƯ
Tô Lâm
"""


def test_parse_header_party_resolution():
    header = _header(PARTY)
    assert (header.kind, header.number, header.issuer) == ("nghị quyết", "57-NQ/TW", "Bộ Chính trị")
    assert (header.place, header.date) == ("Hà Nội", "2024-12-22")
    assert header.subject == "về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia"
    assert (header.signer, header.signer_title) == ("Tô Lâm", "TỔNG BÍ THƯ")
    assert header.effective is None


def test_parse_header_party_organ_under_the_central_committee():
    raw = (
        "BAN CHẤP HÀNH\nTRUNG ƯƠNG\n**BAN TỔ CHỨC**\n*\n**ĐẢNG CỘNG SẢN\nVIỆT NAM**\nSố 45-HD/BTCTW\n"
        "*Hà Nội, ngày 21 tháng 11 năm 2025*\n\n**HƯỚNG DẪN**\n\nMỘT SỐ NỘI DUNG VỀ CÔNG TÁC CÁN BỘ\n\n"
        "Ban Tổ chức Trung ương hướng dẫn một số nội dung như sau:\n\nHướng dẫn này có hiệu lực từ ngày ký và thay "
        "thế các Hướng dẫn số 16-HD/BTCTW ngày 15/02/2022, số 21-HD/BTCTW ngày 01/3/2023 của Ban Tổ chức Trung ương."
        "\n\nNơi nhận:\n- Lưu VP.\n**K/T TRƯỞNG\nBAN**\nPHÓ TRƯỞNG BAN THƯỜNG TRỰC\n**Hoàng Đăng Quang**"
    )
    header = _header(raw)
    assert (header.kind, header.issuer, header.date) == ("hướng dẫn", "Ban Tổ chức Trung ương", "2025-11-21")
    assert header.subject == "một số nội dung về công tác cán bộ"
    assert (header.signer, header.signer_title) == ("Hoàng Đăng Quang", "K/T TRƯỞNG BAN PHÓ TRƯỞNG BAN THƯỜNG TRỰC")
    assert (header.effective, header.replaces) == ("2025-11-21", ("16-HD/BTCTW", "21-HD/BTCTW"))


def test_parse_header_plenum_resolution_under_a_compilers_label():
    # A compiled file labels each text ("# Nghị quyết 20 - 2012") above its own header; a plenum's resolution
    # names the conference that adopted it between the kind and the subject.
    raw = (
        "# Nghị quyết 08 - 2011\n\nBAN CHẤP HÀNH TRUNG ƯƠNG\nĐẢNG CỘNG SẢN VIỆT NAM\nSố: 08-NQ/TW\n"
        "Hà Nội, ngày 16 tháng 01 năm 2011\n\nNGHỊ QUYẾT\nHỘI NGHỊ LẦN THỨ TƯ BAN CHẤP HÀNH TRUNG ƯƠNG ĐẢNG KHOÁ XI\n\n"
        "VỀ PHÁT TRIỂN THƯ VIỆN SỐ\n\nThư viện số là thiết chế văn hoá quan trọng của Ban Chấp hành Trung ương Đảng, "
        "góp phần nâng cao dân trí, đào tạo nhân lực, bồi dưỡng nhân tài cho đất nước trong giai đoạn mới."
    )
    header = _header(raw)
    assert (header.kind, header.number, header.date) == ("nghị quyết", "08-NQ/TW", "2011-01-16")
    assert header.issuer == "Hội nghị lần thứ tư Ban Chấp hành Trung ương Đảng khoá XI"
    assert header.subject == "về phát triển thư viện số"


def test_parse_header_a_label_is_skipped_only_above_the_header():
    # A Markdown heading that opens a news text is its title, not a label: the text stays unofficial.
    assert not _header("# Nghị quyết 57 vào cuộc sống\n\nSáng 20/1, Ban Chỉ đạo họp phiên thứ nhất.").is_official


def test_parse_header_party_text_enacted_by_the_secretariat():
    raw = (
        "BAN CHẤP HÀNH TRUNG ƯƠNG\nĐẢNG CỘNG SẢN VIỆT NAM\nSố 383-QĐ/TW\nHà Nội, ngày 19 tháng 11 năm 2025\n\n"
        "QUY ĐỊNH\n\nVỀ\nPHÔNG LƯU TRỮ ĐẢNG CỘNG SẢN VIỆT NAM\n\n- Căn cứ Điều lệ Đảng;\n\n"
        "- Căn cứ Luật Lưu trữ số 33/2024/QH15, ngày 21/6/2024 của Quốc hội khoá XV;\n\n"
        "Ban Bí thư quy định về Phông lưu trữ Đảng Cộng sản Việt Nam như sau:\n\nĐiều 1. Phông lưu trữ Đảng Cộng "
        "sản Việt Nam thuộc sở hữu của Đảng."
    )
    header = _header(raw)
    assert (header.kind, header.issuer) == ("quy định", "Ban Bí thư")  # the enacting line: the header names only BCH TW
    assert header.subject == "về Phông lưu trữ Đảng Cộng sản Việt Nam"
    assert header.based_on == ("33/2024/QH15",)


LETTER = """BỘ TÀI CHÍNH
**CỤC HẢI QUAN**
**CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**
Độc lập - Tự do - Hạnh phúc
Số:
3799/CHQ-GSQL
*V/v khai bổ sung*
*Hà
Nội, ngày 25 tháng 11 năm 2025*
**Kính gửi: **Tổng Công ty Phân bón.
Căn cứ quy định tại khoản 4 Điều 29 Luật Hải quan số 54/2014/QH13 thì Cục Hải quan có ý kiến như sau.
Cục Hải quan trả lời để Công ty biết./.
*Nơi nhận:*
- Như trên;
- Lưu: VT, GSQL.
**TL. CỤC TRƯỞNG**
**KT. TRƯỞNG BAN GIÁM SÁT QUẢN LÝ VỀ HQ **
PHÓ TRƯỞNG BAN
**Nguyễn Bắc Hải**
"""


def test_parse_header_official_letter():
    header = _header(LETTER)
    assert (header.kind, header.number, header.issuer) == ("công văn", "3799/CHQ-GSQL", "Cục Hải quan")
    assert (header.place, header.date, header.subject) == ("Hà Nội", "2025-11-25", "về việc khai bổ sung")
    assert header.signer == "Nguyễn Bắc Hải"
    assert header.signer_title == "TL. CỤC TRƯỞNG KT. TRƯỞNG BAN GIÁM SÁT QUẢN LÝ VỀ HQ PHÓ TRƯỞNG BAN"
    assert header.based_on == ()  # a letter has no preamble: its "Căn cứ" lines argue, they are not a basis
    assert header.effective is None


def test_parse_header_kind_from_the_number_when_the_heading_is_lost():
    raw = (
        "| CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAMĐộc lập - Tự do - Hạnh phúc |\nSố: 21/2025/TT-BGDĐT |\n\n"
        "**Quy định chế độ trả tiền lương dạy thêm giờ đối với nhà giáo**\n\n*Căn cứ Luật Giáo dục số 43/2019/QH14;*"
        "\n\n*Bộ trưởng Bộ Giáo dục và Đào tạo ban hành** **Thông tư quy định chế độ trả tiền lương dạy thêm giờ.*"
        "\n\n**Điều 1. Hiệu lực**\n\n1. Thông tư này có hiệu lực thi hành kể từ ngày ký.\n\n"
        "2. Bãi bỏ Thông tư liên tịch số 07/2013/TTLT-BGDĐT-BNV-BTC ngày 08 tháng 03 năm 2013."
    )
    header = _header(raw)
    assert (header.kind, header.issuer) == ("thông tư", "Bộ Giáo dục và Đào tạo")
    assert header.subject == "quy định chế độ trả tiền lương dạy thêm giờ đối với nhà giáo"
    assert (header.date, header.effective) == (None, None)  # no date stated: nothing to take effect from
    assert header.replaces == ("07/2013/TTLT-BGDĐT-BNV-BTC",)


def test_parse_header_provincial_decision_in_capitals():
    raw = (
        "**ỦY BAN NHÂN DÂN**\n**TỈNH NGHỆ AN**\n**CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**\nĐộc lập - Tự do - Hạnh phúc\n"
        "Số: 80/2025/QĐ-UBND\n*Nghệ An, ngày 24 tháng11 năm 2025*\n**QUYẾT\nĐỊNH**\nBÃI BỎ QUYẾT ĐỊNH\n"
        "SỐ 15/2025/QĐ-UBND CỦA ỦY BAN NHÂN DÂN TỈNH NGHỆ AN\n**CHỦ TỊCH ỦY BAN NHÂN\nDÂN TỈNH NGHỆ AN**\n"
        "*Căn cứ Luật Tổ chức chính quyền địa phương số 72/2025/QH15;*\n**QUYẾT ĐỊNH:**\n**Điều 1.** Bãi bỏ Quyết "
        "định số 15/2025/QĐ-UBND của Ủy ban nhân dân tỉnh Nghệ An.\n**Điều 2.** Quyết định này có hiệu lực thi hành "
        "kể từ ngày ký.\nNơi nhận:\n- Lưu: VT.\n**TM. ỦY BAN\nNHÂN DÂN **\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n**Trần Báu Hà**"
    )
    header = _header(raw)
    assert (header.kind, header.issuer, header.place) == ("quyết định", "Ủy ban nhân dân tỉnh Nghệ An", "Nghệ An")
    assert (header.date, header.effective) == ("2025-11-24", "2025-11-24")
    assert header.subject == "bãi bỏ Quyết định số 15/2025/QĐ-UBND của Ủy ban nhân dân tỉnh Nghệ An"
    assert (header.signer, header.signer_title) == ("Trần Báu Hà", "KT. CHỦ TỊCH PHÓ CHỦ TỊCH")
    assert (header.based_on, header.replaces) == (("72/2025/QH15",), ("15/2025/QĐ-UBND",))


def test_parse_header_press_version_cites_itself_in_the_lead():
    raw = (
        "# Nghị quyết số 57-NQ/TW\n\nThay mặt Bộ Chính trị, Tổng Bí thư Tô Lâm đã ký ban hành Nghị quyết số "
        "57-NQ/TW (ngày 22/12/2024) của Bộ Chính trị về đột phá phát triển khoa học, công nghệ.\n\nNội dung."
    )
    header = _header(raw)
    assert (header.kind, header.number, header.date, header.issuer) == (
        "nghị quyết",
        "57-NQ/TW",
        "2024-12-22",
        "Bộ Chính trị",
    )
    assert header.subject == "về đột phá phát triển khoa học, công nghệ"
    assert header.signer is None  # a sentence of the lead is not a signature block


def test_parse_header_own_number_line_carries_the_date():
    header = _header("TỈNH ỦY GIA LAI\nSố 10-KH/TU, ngày 03/03/2025\n\nKẾ HOẠCH\nthực hiện Nghị quyết số 57-NQ/TW\n")
    assert (header.kind, header.number, header.date) == ("kế hoạch", "10-KH/TU", "2025-03-03")
    assert (header.issuer, header.place) == ("Tỉnh ủy Gia Lai", None)


@pytest.mark.parametrize(
    "raw",
    [
        "Bí thư Tỉnh ủy: Gia Lai phải lọt vào tốp đầu về chuyển đổi số\n\nSáng 5-8, Ban Chỉ đạo họp.",
        "Nghị quyết số 04-NQ/TU đi vào cuộc sống\n\nSáng 2-3, người dân xã Ia Ko tìm hiểu về chuyển đổi số.",
        "QUYẾT ĐỊNH\n\nNội dung văn bản.",  # a kind heading without a number
        "",
    ],
)
def test_parse_header_not_official_is_empty(raw):
    assert _header(raw) == Header()


# --- the real texts: values read by hand ---------------------------------------------------------------------

HAND_READ = {
    # decree, pipe header with no date cell; the date is not stated anywhere in the page
    "official_documents/4ea650b6faa46d71.md": dict(
        kind="nghị định", number="16/2025/NĐ-CP", issuer="Chính phủ", date=None, signer="Lê Thành Long",
        subject="sửa đổi, bổ sung một số điều của Nghị định số 72/2020/NĐ-CP", effective="2025-03-23",
        amends=("72/2020/NĐ-CP",),
    ),
    # decree, pipe header with its date; signature in the last row
    "official_documents/e4ddc120fc14463c.md": dict(
        kind="nghị định", number="171/2025/NĐ-CP", issuer="Chính phủ", date="2025-06-30", signer="Nguyễn Hòa Bình",
        signer_title="KT. THỦ TƯỚNG PHÓ THỦ TƯỚNG", subject="quy định về đào tạo, bồi dưỡng công chức",
        effective="2025-07-01", recipients=(),  # a decree is addressed to no one
    ),
    # UBTVQH resolution: no date in the header, adopted 16/6/2025, in force from adoption
    "official_documents/9e001697662f9728.md": dict(
        kind="nghị quyết", number="1668/NQ-UBTVQH15", issuer="Ủy ban Thường vụ Quốc hội", date="2025-06-16",
        signer="Trần Thanh Mẫn", signer_title="CHỦ TỊCH", effective="2025-06-16",
        subject="về việc sắp xếp các đơn vị hành chính cấp xã của thành phố Cần Thơ năm 2025",
        based_on=("72/2025/QH15", "202/2025/QH15", "76/2025/UBTVQH15"),
    ),
    # the same kind of resolution with the chairman's name missing from the page
    "official_documents/284dd97bc14e3aeb.md": dict(
        number="1663/NQ-UBTVQH15", date="2025-06-16", signer=None, signer_title="CHỦ TỊCH",
    ),
    # provincial decision
    "official_documents/65fe198460ffa9d9.md": dict(
        kind="quyết định", number="3769/QĐ-UBND", issuer="Ủy ban nhân dân tỉnh Nghệ An", place="Nghệ An",
        date="2025-11-19", signer="Phùng Thành Vinh", signer_title="KT. CHỦ TỊCH PHÓ CHỦ TỊCH",
        subject="ban hành danh mục thủ tục hành chính lĩnh vực Nông nghiệp và Môi trường", effective="2025-11-19",
    ),
    # provincial decision repealing an earlier one
    "official_documents/a53257314ff9bbd2.md": dict(
        number="80/2025/QĐ-UBND", issuer="Ủy ban nhân dân tỉnh Hà Tĩnh", date="2025-11-24", signer="Trần Báu Hà",
        subject="bãi bỏ Quyết định số 15/2025/QĐ-UBND", replaces=("15/2025/QĐ-UBND",),
    ),
    # Party regulation of the Secretariat
    "official_documents/056a116c77fe4047.md": dict(
        kind="quy định", number="383-QĐ/TW", issuer="Ban Bí thư", place="Hà Nội", date="2025-11-19",
        signer="Trần Cẩm Tú", signer_title=None, subject="về Phông lưu trữ Đảng Cộng sản Việt Nam",
        effective="2025-11-19", replaces=("270-QĐ/TW",), based_on=("33/2024/QH15", "29/2018/QH14"),
    ),
    # Party guidance of a Central Committee organ
    "official_documents/8bfc5490255c4de0.md": dict(
        kind="hướng dẫn", number="37-HD/BTGDVTW", issuer="Ban Tuyên giáo và Dân vận Trung ương",
        date="2025-11-19", signer="Phạm Tất Thắng", signer_title="K/T TRƯỞNG BAN PHÓ TRƯỞNG BAN",
        subject="về việc đổi mới, nâng cao chất lượng, hiệu quả Bản tin sinh hoạt chi bộ",
    ),
    # circular without its kind heading and date cell
    "official_documents/4eb6d4a67b3ff8d9.md": dict(
        kind="thông tư", number="21/2025/TT-BGDĐT", issuer="Bộ Giáo dục và Đào tạo", date=None,
        signer="Phạm Ngọc Thưởng", signer_title="THỨ TRƯỞNG THƯỜNG TRỰC",
        subject="quy định chế độ trả tiền lương dạy thêm giờ", replaces=("07/2013/TTLT-BGDĐT-BNV-BTC",),
    ),
    # circular amending two others
    "official_documents/c6718d0835ffaaad.md": dict(
        kind="thông tư", number="54/2025/TT-BCT", issuer="Bộ Công Thương", date="2025-11-21",
        signer="Nguyễn Hoàng Long", signer_title="KT. BỘ TRƯỞNG THỨ TRƯỞNG", effective="2025-11-21",
        amends=("09/2025/TT-BCT", "12/2025/TT-BCT"),
    ),
    # notice of the customs department
    "official_documents/6f4ccdb7459d17a5.md": dict(
        kind="thông báo", number="39305/TB-CHQ", issuer="Cục Hải quan", date="2025-12-01", signer="Đào Thu Hương",
        subject="về kết quả xác định trước mã số", effective="2025-12-01",
    ),
    # công văn
    "official_documents/1a814c71716d3047.md": dict(
        kind="công văn", number="11306/VPCP-NN", issuer="Văn phòng Chính phủ", place="Hà Nội", date="2025-11-18",
        signer="Phạm Mạnh Cường", signer_title="KT. BỘ TRƯỞNG, CHỦ NHIỆM PHÓ CHỦ NHIỆM",
        subject="về việc đề xuất giải pháp tháo gỡ khó khăn", effective=None,
        recipients=("Bộ Nông nghiệp và Môi trường",),
    ),
    # công văn whose number stands on the line under "Số:"
    "official_documents/3eb6b0065020aac4.md": dict(
        kind="công văn", number="5664/CT-CS", issuer="Cục Thuế", date="2025-12-01", signer="Phạm Thị Minh Hiền",
        subject="về việc chính sách thuế", recipients=("Ông Thái Mạnh Cường",),  # the name wrapped onto two lines
    ),
    # customs letters: the addressee wrapped, its address in brackets on the next line is not part of it
    "official_documents/e7f6002678c9c0a1.md": dict(
        kind="công văn", number="39209/CHQ-GSQL", recipients=("Công ty TNHH Bao bì Kỹ thuật cao Riches",),
    ),
    "official_documents/9a53c71ee9f5781f.md": dict(
        number="3799/CHQ-GSQL", recipients=("Tổng Công ty Phân bón và Hóa chất Dầu khí - CTCP",),
    ),
    # the law: adopted 30/11/2024, no signature on the page
    "official_documents/012b8a728c178e7a.md": dict(
        kind="luật", number="60/2024/QH15", issuer="Quốc hội", date="2024-11-30", signer=None, subject="Dữ liệu",
        effective="2025-07-01", amends=("97/2015/QH13", "20/2023/QH15"),
    ),
    # NQ 57 full text: the page stops at "Nơi nhận:"
    "nq57_policy_documents/nq57_ntw_2024_fulltext.md": dict(
        kind="nghị quyết", number="57-NQ/TW", issuer="Bộ Chính trị", place="Hà Nội", date="2024-12-22", signer=None,
        subject="về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia",
    ),
    # KH 3260 of the National Assembly Party Delegation
    "nq57_policy_documents/kh3260_ddqh15_plan_implementing_nq57.md": dict(
        kind="kế hoạch", number="3260-KH/ĐĐQH15", issuer="Đảng đoàn Quốc hội", place="Hà Nội", date="2025-01-10",
        signer="Trần Thanh Mẫn", signer_title="BÍ THƯ", subject="khai thực hiện Nghị quyết số 57-NQ/TW",
    ),
    # NQ 03 of the Government
    "nq57_policy_documents/nq03_ncp_2025_with_appendices.md": dict(
        kind="nghị quyết", number="03/NQ-CP", issuer="Chính phủ", date="2025-01-09", signer="Nguyễn Hòa Bình",
        signer_title="KT. THỦ TƯỚNG PHÓ THỦ TƯỚNG", effective="2025-01-09", based_on=("57-NQ/TW",),
        subject="ban hành Chương trình hành động của Chính phủ thực hiện Nghị quyết số 57-NQ/TW",
    ),
    # công văn of the Government Party Committee's office
    "nq57_policy_documents/cv402_vpdu_draft_report_nq57_implementation.md": dict(
        kind="công văn", number="402-CV/VPĐU", issuer="Văn phòng Đảng ủy Chính phủ", date="2025-05-25",
        signer="Trần Văn Sơn", signer_title="CHÁNH VĂN PHÒNG",
        recipients=(  # "Kính gửi:" over one "- …" line per addressee
            "Đồng chí Phạm Minh Chính, Bí thư Đảng ủy Chính phủ, Thủ tướng Chính phủ",
            "Đồng chí Nguyễn Hòa Bình, Phó Bí thư Thường trực Đảng ủy, Phó Thủ tướng Thường trực Chính phủ",
            "Các đồng chí Phó Bí thư Đảng ủy Chính phủ",
            "Các đồng chí Ủy viên Ban Thường vụ Đảng ủy Chính phủ",
        ),
    ),
}  # fmt: skip


def _real(name: str) -> Header:
    """The header as ingestion reads it: the loader, the cleaner and the table flattening in front."""
    return parse_header(flatten_tables(clean_text(load_text(SHARED / name))))


@needs_shared
@pytest.mark.parametrize(("name", "expected"), HAND_READ.items(), ids=[n.split("/")[1][:16] for n in HAND_READ])
def test_parse_header_real_text_values_read_by_hand(name, expected):
    header = _real(name)
    for field, value in expected.items():
        got = getattr(header, field)
        if field == "subject":
            assert got.startswith(value), field
        else:
            assert got == value, field


ALL_TEXTS = sorted(p.relative_to(SHARED).as_posix() for p in OFFICIAL.glob("*.md")) + sorted(
    p.relative_to(SHARED).as_posix() for p in POLICY.glob("*.md")
)
ALL_TEXTS = [name for name in ALL_TEXTS if not name.endswith("PROVENANCE.md")]
NEWS = {"nq57_policy_documents/bcdtw_session1_news_20250120.md"}  # an article about a meeting, not a document
NO_NUMBER = {"official_documents/b5766b5f7caa1268.md"}  # the Party Statute of 2011 carries no number
# The pages lost the "Hà Nội, ngày …" cell and state the date nowhere else legibly (158/2025's appendix caption is
# broken into letters across paragraphs by the crawl).
NO_DATE = {
    "official_documents/4ea650b6faa46d71.md",
    "official_documents/750314c2c5666d56.md",
    "official_documents/4eb6d4a67b3ff8d9.md",
}


@needs_shared
@pytest.mark.parametrize("name", ALL_TEXTS, ids=lambda n: n.split("/")[1][:16])
def test_parse_header_every_real_text_states_kind_number_date_and_subject(name):
    header = _real(name)
    if name in NEWS:
        assert header == Header()
        return
    assert header.is_official
    assert header.kind
    assert header.subject
    assert header.issuer
    assert (header.number is None) == (name in NO_NUMBER)
    assert (header.date is None) == (name in NO_DATE)


@pytest.mark.parametrize(
    ("lines", "recipients"),
    [
        (["Kính gửi: Sở Tư pháp tỉnh Nghệ An."], ("Sở Tư pháp tỉnh Nghệ An",)),
        (["Kính gửi: Công ty TNHH", "Minh Long.", "(Địa chỉ: số 1 Tràng Tiền)"], ("Công ty TNHH Minh Long",)),
        (["Kính gửi:", "- Bộ Tài chính;", "- Bộ Tư pháp.", "Thực hiện chỉ đạo …"], ("Bộ Tài chính", "Bộ Tư pháp")),
        # the body's first sentence is long: not part of a wrapped name
        (["Kính gửi: Ông Nguyễn Văn", "Bình", "Cục Thuế nhận được đơn của ông Nguyễn Văn Bình về chính sách thuế"],
         ("Ông Nguyễn Văn Bình",)),
        (["Kính gửi: ………………………."], ()),  # a form's blank
    ],
)  # fmt: skip
def test_recipients_of_a_letter(lines: list[str], recipients: tuple[str, ...]) -> None:
    head = [
        "BỘ KHOA HỌC VÀ CÔNG NGHỆ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "Số: 12/BKHCN-VP", "V/v trả lời kiến nghị", "Hà Nội, ngày 02 tháng 12 năm 2025", "",
    ]  # fmt: skip
    body = ["Bộ Khoa học và Công nghệ có ý kiến như sau: đề nghị thực hiện theo quy định hiện hành."]
    assert parse_header("\n".join(head + lines + body)).recipients == recipients
