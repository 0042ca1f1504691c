"""Relations between documents read at ingest time (ingest.relations), checked on real texts read at run time.

Every pair below was verified by reading the text: the sentence that states it is quoted beside it. The shared
corpora (../shared/data/official_documents, nq57_policy_documents) are never copied into the repository.
Known misses, left as citations (ingest.header reads a number after "tại" as qualifying the sentence): Nghị định
171/2025/NĐ-CP "bãi bỏ các quy định … quy định tại Nghị định số 101/2017/NĐ-CP … và Nghị định số 89/2021/NĐ-CP",
and Quyết định 2637/QĐ-UBND "bãi bỏ danh mục số thứ tự 1646 tại Phụ lục kèm theo Quyết định số 2411/QĐ-UBND".
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from core.docnumbers import number_key
from core.index.graph import RELATIONS
from core.index.types import DocumentMeta
from ingest.clean import clean_text
from ingest.loaders import load_text
from ingest.metadata import extract_metadata
from ingest.relations import extract_references
from ingest.tables import flatten_tables

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"
OFFICIAL = SHARED / "official_documents"
POLICY = SHARED / "nq57_policy_documents"
DOCUMENTS = REPO / "documents"

needs_shared = pytest.mark.skipif(not OFFICIAL.is_dir() or not POLICY.is_dir(), reason="../shared/data is absent")

# (file, relation, number): the strong relations (not "based_on", not "cites") the texts state, all of them.
VERIFIED = {
    # "1. Sửa đổi, bổ sung Phụ lục số 01 … kèm theo Luật Phí và lệ phí số 97/2015/QH13 …"
    ("official_documents/012b8a728c178e7a.md", "amends", "97/2015/QH13"),
    # "2. Sửa đổi, bổ sung, bãi bỏ một số điểm, khoản, điều của Luật Giao dịch điện tử số 20/2023/QH15 …"
    ("official_documents/012b8a728c178e7a.md", "amends", "20/2023/QH15"),
    # "Điều 20. Quy định này thay thế Quy định số 270-QĐ/TW, ngày 06/12/2014 của Ban Bí thư …"
    ("official_documents/056a116c77fe4047.md", "replaces", "270-QĐ/TW"),
    # "NGHỊ ĐỊNH SỬA ĐỔI, BỔ SUNG MỘT SỐ ĐIỀU CỦA NGHỊ ĐỊNH SỐ 72/2020/NĐ-CP …"
    ("official_documents/4ea650b6faa46d71.md", "amends", "72/2020/NĐ-CP"),
    # "3. Bãi bỏ Thông tư liên tịch số 07/2013/TTLT-BGDĐT-BNV-BTC …"
    ("official_documents/4eb6d4a67b3ff8d9.md", "replaces", "07/2013/TTLT-BGDĐT-BNV-BTC"),
    # "- Bãi bỏ Quyết định số 1374/QĐ-UBND ngày 30 tháng 6 năm 2025 …"
    ("official_documents/741f24db1e774799.md", "replaces", "1374/QĐ-UBND"),
    # "1. Sửa đổi, bổ sung một số điều của Nghị định số 88/2020/NĐ-CP …", "2. … Nghị định số 58/2020/NĐ-CP …"
    ("official_documents/750314c2c5666d56.md", "amends", "88/2020/NĐ-CP"),
    ("official_documents/750314c2c5666d56.md", "amends", "58/2020/NĐ-CP"),
    # "Thực hiện Chỉ thị số 50-CT/TW …; Quy định số 339-QĐ/TW …; Hướng dẫn số 42-HD/BTCTW …, Ban Tuyên giáo và
    # Dân vận Trung ương hướng dẫn …"
    ("official_documents/8bfc5490255c4de0.md", "implements", "50-CT/TW"),
    ("official_documents/8bfc5490255c4de0.md", "implements", "339-QĐ/TW"),
    ("official_documents/8bfc5490255c4de0.md", "implements", "42-HD/BTCTW"),
    # "QUYẾT ĐỊNH Bãi bỏ Quyết định số 15/2025/QĐ-UBND ngày 01/3/2025 của Ủy ban nhân dân tỉnh …"
    ("official_documents/a53257314ff9bbd2.md", "replaces", "15/2025/QĐ-UBND"),
    # "THÔNG TƯ Sửa đổi, bổ sung một số điều của Thông tư số 09/2025/TT-BCT … và Thông tư số 12/2025/TT-BCT …"
    ("official_documents/c6718d0835ffaaad.md", "amends", "09/2025/TT-BCT"),
    ("official_documents/c6718d0835ffaaad.md", "amends", "12/2025/TT-BCT"),
    # "Điều 3. Quyết định này có hiệu lực kể từ ngày ký, thay thế Quyết định số 1234/QĐ-TTPVHCC …"
    ("official_documents/cdf2fbc53d083c98.md", "replaces", "1234/QĐ-TTPVHCC"),
    # "Hướng dẫn này … có hiệu lực từ ngày ký và thay thế các Hướng dẫn số 16-HD/BTCTW …, Hướng dẫn số 21-HD/BTCTW"
    ("official_documents/fe168907f6107711.md", "replaces", "16-HD/BTCTW"),
    ("official_documents/fe168907f6107711.md", "replaces", "21-HD/BTCTW"),
    # "Thực hiện Quy định số 377-QĐ/TW ngày 08/10/2025 của Bộ Chính trị …, Ban Tổ chức Trung ương hướng dẫn …"
    ("official_documents/fe168907f6107711.md", "implements", "377-QĐ/TW"),
    # "V/v xin ý kiến dự thảo báo cáo kết quả thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị …"
    ("nq57_policy_documents/cv402_vpdu_draft_report_nq57_implementation.md", "reports", "57-NQ/TW"),
    # "KẾ HOẠCH (triển) khai thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024 …"
    ("nq57_policy_documents/kh3260_ddqh15_plan_implementing_nq57.md", "implements", "57-NQ/TW"),
    # "NGHỊ QUYẾT Ban hành Chương trình hành động của Chính phủ thực hiện Nghị quyết số 57-NQ/TW …"
    ("nq57_policy_documents/nq03_ncp_2025_with_appendices.md", "implements", "57-NQ/TW"),
}
# documents/003: "Thường trực Ban Chỉ đạo Trung ương tổ chức hội nghị sơ kết tình hình thực hiện Nghị quyết số
# 57-NQ/TW …" (its lead).
VERIFIED_NEWS = {("003_b436451e5e958d0f.txt", "reports", "57-NQ/TW")}
STRONG = ("replaces", "amends", "implements", "reports")


@cache
def describe(path: Path) -> DocumentMeta:
    """The metadata ingestion stores for a file (its references included), as ingest.pipeline makes it."""
    raw = load_text(path)
    return extract_metadata(path.stem, path.name, raw, flatten_tables(clean_text(raw)))


def references(path: Path) -> dict[str, str]:
    return {ref["number"]: ref["relation"] for ref in describe(path).references}


def shared_files() -> list[Path]:
    return sorted(p for folder in (OFFICIAL, POLICY) for p in folder.glob("*.md") if p.name != "PROVENANCE.md")


@needs_shared
def test_relations_shared_corpora_strong_pairs_exactly_the_verified_ones() -> None:
    found = {
        (f"{path.parent.name}/{path.name}", relation, number)
        for path in shared_files()
        for number, relation in references(path).items()
        if relation in STRONG
    }
    assert found == VERIFIED, (sorted(found - VERIFIED), sorted(VERIFIED - found))


def test_relations_news_report_on_a_resolution_from_its_lead() -> None:
    found = {
        (path.name, relation, number)
        for path in sorted(DOCUMENTS.glob("*.txt"))
        for number, relation in references(path).items()
        if relation in STRONG
    }
    assert found == VERIFIED_NEWS


@pytest.mark.parametrize("name", ["000_8e8149a4b1cb9313.txt", "001_fbc9771f2d710e29.txt", "004_538540773102b57e.txt"])
def test_relations_news_mentioning_a_resolution_in_its_body_cites_it(name: str) -> None:
    # 000: "báo cáo sơ kết 6 tháng … về triển khai thực hiện Nghị quyết số 57-NQ/TW" in the body, not the lead.
    assert references(DOCUMENTS / name)["57-NQ/TW"] == "cites"


@needs_shared
def test_relations_no_document_refers_to_its_own_number() -> None:
    checked = 0
    for path in [*shared_files(), *sorted(DOCUMENTS.glob("*.txt"))]:
        meta = describe(path)
        if meta.number:
            assert number_key(meta.number) not in {ref["key"] for ref in meta.references}, path.name
            checked += 1
    assert checked >= 40


@needs_shared
def test_relations_resolution_text_names_only_itself_no_references() -> None:
    assert describe(POLICY / "nq57_ntw_2024_fulltext.md").references == []


@needs_shared
def test_relations_based_on_from_the_preamble_cites_from_the_rest() -> None:
    # "- Căn cứ Quyết định số 246-QĐ/TW, ngày 24/01/2025 của Bộ Chính trị …"; Điều 3 names Thông tư 21/2025.
    found = references(OFFICIAL / "c49a5afadf61b342.md")
    assert found["246-QĐ/TW"] == "based_on" and found["360-QĐ/TW"] == "based_on"
    assert found["21/2025/TT-BGDĐT"] == "cites"


@needs_shared
def test_relations_plan_implements_even_when_its_preamble_rests_on_it() -> None:
    # Nghị quyết 03/NQ-CP: "Căn cứ Nghị quyết số 57-NQ/TW …" and its subject "… thực hiện Nghị quyết số 57-NQ/TW".
    meta = describe(POLICY / "nq03_ncp_2025_with_appendices.md")
    assert "57-NQ/TW" in meta.based_on
    assert meta.references[0] == {"key": "nq:57", "number": "57-NQ/TW", "relation": "implements"}


@needs_shared
def test_relations_letter_about_carrying_out_a_decree_does_not_implement_it() -> None:
    # Công văn 11306/VPCP-NN "V/v đề xuất giải pháp tháo gỡ khó khăn trong việc triển khai Nghị định 136/2025/NĐ-CP".
    assert references(OFFICIAL / "1a814c71716d3047.md")["136/2025/NĐ-CP"] == "cites"


@needs_shared
def test_relations_strongest_first_then_in_text_order() -> None:
    refs = describe(OFFICIAL / "fe168907f6107711.md").references
    relations = [ref["relation"] for ref in refs]
    assert relations == sorted(relations, key=RELATIONS.index)
    assert [r["number"] for r in refs[:3]] == ["16-HD/BTCTW", "21-HD/BTCTW", "377-QĐ/TW"]


def test_relations_plan_without_header_implements_from_its_title() -> None:
    text = "# Kế hoạch thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị\n\nCác xã triển khai 10 nhiệm vụ.\n"
    meta = extract_metadata("kh", "kh.md", text, clean_text(text))
    assert meta.kind == "kế hoạch"
    assert meta.references == [{"key": "nq:57", "number": "57-NQ/TW", "relation": "implements"}]


def test_relations_number_qualifying_the_opening_is_not_implemented() -> None:
    text = (
        "ĐẢNG CỘNG SẢN VIỆT NAM\nBAN TỔ CHỨC TRUNG ƯƠNG\nSố 9-HD/BTCTW\nHà Nội, ngày 2 tháng 3 năm 2025\n\n"
        "HƯỚNG DẪN\nvề công tác cán bộ\n\n"
        "Thực hiện Quy định số 377-QĐ/TW của Bộ Chính trị, đã được sửa đổi theo Quy định số 400-QĐ/TW, Ban Tổ chức "
        "Trung ương hướng dẫn như sau:\n\n1. Phạm vi\n\nHướng dẫn này áp dụng cho các cấp ủy.\n"
    )
    meta = extract_metadata("hd", "hd.txt", text, clean_text(text))
    found = {ref["number"]: ref["relation"] for ref in meta.references}
    assert found == {"377-QĐ/TW": "implements", "400-QĐ/TW": "cites"}


def test_relations_old_record_without_references_loads_with_none() -> None:
    meta = DocumentMeta(**{"doc_id": "d", "source": "d.txt", "title": "T"})
    assert meta.references == []
    assert extract_references(meta, "Không nhắc văn bản nào.") == []
