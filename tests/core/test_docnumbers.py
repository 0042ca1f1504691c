from pathlib import Path

import pytest

from core.docnumbers import document_keys, find_numbers, number_key, number_spans, query_numbers

DOCUMENTS = Path(__file__).resolve().parents[2] / "documents"


def _sample(prefix: str) -> str:
    (path,) = DOCUMENTS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "number",
    ["57-NQ/TW", "02-KH/BCĐTW", "204-QĐ/TW", "04-NQ/TU", "3260-KH/ĐĐQH15", "69-KL/TW", "402-CV/VPĐU"],
)
def test_find_numbers_party_form(number):
    assert find_numbers(f"Thực hiện văn bản số {number} ngày 22-12-2024 của cấp trên.") == [number]


@pytest.mark.parametrize("number", ["03/NQ-CP", "25/KH-UBND", "71/NQ-CP", "01/VBHN-VPQH", "15/2020/NĐ-CP", "05/CT-TTg"])
def test_find_numbers_state_form(number):
    assert find_numbers(f"Theo số {number}, ngày 09/01/2025.") == [number]


@pytest.mark.parametrize("number", ["91/2015/QH13", "24/2018/QH14", "1111/2011/UBTVQH12"])
def test_find_numbers_law_form(number):
    assert find_numbers(f"Luật số {number} đã quy định.") == [number]


def test_find_numbers_order_of_first_appearance_without_duplicates():
    text = "Kế hoạch 02-KH/BCĐTW, Nghị quyết 57-NQ/TW, lại 02-KH/BCĐTW và 03/NQ-CP, rồi 57-NQ/TW."
    assert find_numbers(text) == ["02-KH/BCĐTW", "57-NQ/TW", "03/NQ-CP"]


def test_find_numbers_typo_kept_as_written():
    text = "Nghị quyết số 04-NĐ/TU của Ban Chấp hành và Nghị quyết số 04-NQ/TU"
    assert find_numbers(text) == ["04-NĐ/TU", "04-NQ/TU"]


def test_find_numbers_normalises_spacing_and_dashes():
    text = "Chương trình 62-CTr/TU, số 57 - NQ / TW, Quyết định 204–QĐ/TW và Chỉ thị 05/CT-TTg"
    assert find_numbers(text) == ["62-CTr/TU", "57-NQ/TW", "204-QĐ/TW", "05/CT-TTg"]


def test_find_numbers_official_mixed_case_abbreviations():
    assert find_numbers("62-CTR/TU, 05/CT-TTG, 12-TTr/TU") == ["62-CTr/TU", "05/CT-TTg", "12-TTr/TU"]


def test_find_numbers_lowercase_kind_in_prose_is_not_a_number():
    assert find_numbers("mục 62-ctr/tu và 05/ct-ttg, 3-ab/cd") == []


def test_find_numbers_nfd_input_gives_nfc_numbers():
    import unicodedata

    text = unicodedata.normalize("NFD", "Kế hoạch số 02-KH/BCĐTW")
    assert find_numbers(text) == ["02-KH/BCĐTW"]


@pytest.mark.parametrize(
    "text",
    [
        "ngày 19-6-2025",
        "ngày 22/12/2024",
        "ngày 24/1/2025 lúc 20:10",
        "tăng từ 5-10% mỗi năm",
        "nhiệm kỳ 2026 - 2031",
        "nhiệm kỳ 2025-2030",
        "mỗi tổ 10-20 người",
        "dịch COVID-19/2020",
        "khoa học - công nghệ",
        "an toàn-an ninh mạng",
        "TP. Đà Nẵng",
    ],
)
def test_find_numbers_no_false_positive(text):
    assert find_numbers(text) == []


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("000", ["02-KH/BCĐTW", "57-NQ/TW", "204-QĐ/TW"]),
        ("001", ["57-NQ/TW", "01-NQ/TU", "25/KH-UBND", "03/NQ-CP", "62-CTr/TU"]),
        ("002", ["04-NQ/TU", "04-NĐ/TU"]),
        ("003", ["57-NQ/TW", "71-NQ/CP"]),
        ("004", ["57-NQ/TW"]),
    ],
)
def test_find_numbers_sample_documents(prefix, expected):
    assert find_numbers(_sample(prefix)) == expected


def test_number_spans_point_at_the_number():
    text = "Theo Nghị quyết số 57-NQ/TW, ngày 22/12/2024"
    ((start, end, number),) = number_spans(text)
    assert (text[start:end], number) == ("57-NQ/TW", "57-NQ/TW")


@pytest.mark.parametrize(
    ("canonical", "key"),
    [
        ("57-NQ/TW", "nq:57"),
        ("57/NQ-TW", "nq:57"),
        ("57-nq/tw", "nq:57"),
        ("02-KH/BCĐTW", "kh:2"),
        ("204-QĐ/TW", "qd:204"),
        ("04-NĐ/TU", "nd:4"),
        ("62-CTr/TU", "ctr:62"),
        ("03/NQ-CP", "nq:3"),
        ("15/2020/NĐ-CP", "nd:15"),
        ("01/VBHN-VPQH", "vbhn:1"),
        ("91/2015/QH13", "91/2015/qh13"),
    ],
)
def test_number_key_kind_and_number(canonical, key):
    assert number_key(canonical) == key


def test_number_key_unparseable_returns_folded_text():
    assert number_key(" Đề Án ") == "de an"


@pytest.mark.parametrize(
    "question",
    [
        "NQ57",
        "NQ 57",
        "nq57",
        "NQ-57",
        "nghị quyết số 57",
        "Nghị quyết 57",
        "nghi quyet 57",
        "NGHỊ QUYẾT SỐ 57 nói gì?",
        "57/NQ-TW",
        "57-nq/tw",
        "57 NQ TW",
        "Nghị quyết số 57-NQ/TW ngày 22/12/2024 yêu cầu gì?",
    ],
)
def test_query_numbers_loose_forms_of_nq57(question):
    assert query_numbers(question) == ["nq:57"]


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("kế hoạch 02", "kh:2"),
        ("KH 02", "kh:2"),
        ("ke hoach so 02", "kh:2"),
        ("quyết định 204", "qd:204"),
        ("QĐ 204", "qd:204"),
        ("qd 204", "qd:204"),
        ("NQ 03/CP", "nq:3"),
        ("chỉ thị 05", "ct:5"),
        ("kết luận 69", "kl:69"),
        ("công văn 402", "cv:402"),
        ("thông báo 10", "tb:10"),
        ("báo cáo số 15", "bc:15"),
        ("chương trình hành động số 62", "ctr:62"),
        ("thông tư 02", "tt:2"),
        ("nghị định 13", "nd:13"),
        ("luật 91/2015/QH13", "91/2015/qh13"),
    ],
)
def test_query_numbers_other_kinds(question, key):
    assert query_numbers(question) == [key]


def test_query_numbers_several_in_order():
    assert query_numbers("So sánh NQ 57 với KH 02-KH/BCĐTW và nghị quyết 57") == ["nq:57", "kh:2"]


def test_query_numbers_typo_keeps_both_keys():
    assert query_numbers("Nghị quyết số 04-NĐ/TU") == ["nq:4", "nd:4"]


@pytest.mark.parametrize(
    "question",
    [
        "báo cáo 6 tháng đầu năm",
        "kế hoạch 5 năm",
        "kế hoạch 2025",
        "ngày 22/12/2024 có gì?",
        "nhiệm kỳ 2025-2030",
        "chuyển đổi số là gì?",
    ],
)
def test_query_numbers_no_document_named(question):
    assert query_numbers(question) == []


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_query_numbers_match_keys_of_sample_numbers(prefix):
    for number in find_numbers(_sample(prefix)):
        assert query_numbers(number) == [number_key(number)]


@pytest.mark.parametrize(
    ("question", "keys"),
    [
        ("Công văn 11306/VPCP nói gì?", ["cv:11306"]),  # the kind gives the key
        ("11306/VPCP nói gì?", ["vpcp:11306"]),  # the unit after the symbol left out
        ("Theo 4512/BVHTTDL-VP thì sao?", ["bvhttdl:4512"]),  # a ministry's long symbol
        ("NĐ 170/2025/NĐ ban hành khi nào?", ["nd:170"]),
        ("Ngày 22/12/2024 có gì?", []),  # a date is no number
        ("NQ 03/CP", ["nq:3"]),  # the kind already gives the key; no second "cp:3"
    ],
)
def test_query_numbers_symbol_forms(question: str, keys: list[str]) -> None:
    assert query_numbers(question) == keys


def test_document_keys_answer_to_kind_and_symbol() -> None:
    # A công văn is asked about as "Công văn 11306" and by its symbol; both keys reach it.
    assert document_keys("11306/VPCP-NN", "công văn") == {"vpcp:11306", "cv:11306"}
    assert document_keys("5664/CT-CS", "công văn") == {"ct:5664", "cv:5664"}
    assert document_keys("60/2024/QH15", "luật") == {"60/2024/qh15"}
    assert document_keys("57-NQ/TW", "nghị quyết") == {"nq:57"}
    assert document_keys(None, "nghị quyết") == set()
    assert query_numbers("công văn 11306")[0] in document_keys("11306/VPCP-NN", "công văn")
