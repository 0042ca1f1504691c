"""Markdown pipe tables flattened to one line per row, each cell with its column header."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.clean import clean_text
from ingest.loaders import load_text
from ingest.tables import flatten_tables, is_table_row

TASKS = """PHỤ LỤC II

| TT | Nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Sản phẩm | Thời hạn |
|---|---|---|---|---|---|
| **I** | **Thể chế** | | | | |
| 3 | Xây dựng Luật Dữ liệu. | Bộ Công an | Bộ Tư pháp | Luật | 7/2025 |
| 4. | Sửa đổi Nghị định 13 | Bộ Công an | | Nghị định | 9/2025 |

Đoạn văn sau bảng."""


def test_flatten_tables_row_carries_headers_and_number() -> None:
    lines = flatten_tables(TASKS).split("\n")
    assert (
        "3. Nhiệm vụ: Xây dựng Luật Dữ liệu; Cơ quan chủ trì: Bộ Công an; Cơ quan phối hợp: Bộ Tư pháp; "
        "Sản phẩm: Luật; Thời hạn: 7/2025"
    ) in lines


def test_flatten_tables_empty_cell_left_out() -> None:
    lines = flatten_tables(TASKS).split("\n")
    assert (
        "4. Nhiệm vụ: Sửa đổi Nghị định 13; Cơ quan chủ trì: Bộ Công an; Sản phẩm: Nghị định; Thời hạn: 9/2025" in lines
    )


def test_flatten_tables_section_row_becomes_heading_line() -> None:
    assert "I. Thể chế" in flatten_tables(TASKS).split("\n")


def test_flatten_tables_text_around_table_untouched() -> None:
    flat = flatten_tables(TASKS)
    assert flat.startswith("PHỤ LỤC II\n\nI. Thể chế\n3. ") and flat.endswith("9/2025\n\nĐoạn văn sau bảng.")
    assert "|" not in flat


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Không có bảng.\n\nChỉ có đoạn văn; và dấu chấm phẩy: ở giữa.",
        "1 | Mẫu số 01 | Đơn đề nghị xác nhận |\n2 | Mẫu số 02 | Giấy xác nhận |",  # no header: nothing to carry
        "Tiền lương 01 tiết dạy | = | Tổng tiền lương | x | Số tuần giảng dạy |",  # a formula laid out in cells
        "| Số: 20-NQ/TW | *Hà Nội, ngày 01 tháng 11 năm 2012* |\n| :---- | :---- |\n| x | y |",  # document header
        "| | T/M BỘ CHÍNH TRỊ *(Đã ký)* Trương Thị Mai |\n| :---- | :---- |",  # signature block
        "| BAN CHẤP HÀNH TRUNG ƯƠNG\n\\-------- | ĐẢNG CỘNG SẢN VIỆT NAM\n\\--------------- |\n| :---- | :---- |\n"
        "| Số: 20-NQ/TW | *Hà Nội, ngày 01 tháng 11 năm 2012* |",
        "| TT | Nhiệm vụ |\n|---|---|",  # a header without rows
    ],
)
def test_flatten_tables_no_data_table_text_identical(text: str) -> None:
    assert flatten_tables(text) == text


def test_flatten_tables_two_header_rows_joined_per_column() -> None:
    text = (
        "| TT | Nhiệm vụ | Cơ quan thực hiện | | Thời hạn |\n| | | Chủ trì | Phối hợp | |\n|---|---|---|---|---|\n"
        "| 1 | Xây dựng Luật | Bộ Công an | Bộ Tư pháp | 7/2025 |"
    )
    assert flatten_tables(text) == (
        "1. Nhiệm vụ: Xây dựng Luật; Cơ quan thực hiện Chủ trì: Bộ Công an; "
        "Cơ quan thực hiện Phối hợp: Bộ Tư pháp; Thời hạn: 7/2025"
    )


def test_flatten_tables_header_cell_broken_over_lines() -> None:
    text = "| STT | Nhiệm vụ | Cơ quan\nchủ trì | Thời hạn |\n|---|---|---|---|\n"
    text += "| 1 | Xây dựng Luật | Bộ Công an | 7/2025 |"
    assert flatten_tables(text) == "1. Nhiệm vụ: Xây dựng Luật; Cơ quan chủ trì: Bộ Công an; Thời hạn: 7/2025"


def test_flatten_tables_without_separator_row_read_by_its_header() -> None:
    text = "| TT | Nhiệm vụ | Thời hạn |\n| 1 | Xây dựng Luật | 7/2025 |\n| 2 | Sửa Nghị định | 9/2025 |"
    assert (
        flatten_tables(text)
        == "1. Nhiệm vụ: Xây dựng Luật; Thời hạn: 7/2025\n2. Nhiệm vụ: Sửa Nghị định; Thời hạn: 9/2025"
    )


def test_flatten_tables_without_separator_first_row_data_untouched() -> None:
    text = "| 1 | Xây dựng Luật. | 7/2025 |\n| 2 | Sửa Nghị định. | 9/2025 |"
    assert flatten_tables(text) == text


def test_flatten_tables_caps_headers_in_sentence_case() -> None:
    text = "| TT | NHIỆM VỤ | CƠ QUAN THỰC HIỆN |\n|----|----|----|\n| 1. | Xây dựng Luật | Bộ Công an |"
    assert flatten_tables(text) == "1. Nhiệm vụ: Xây dựng Luật; Cơ quan thực hiện: Bộ Công an"


def test_flatten_tables_one_column_table_header_then_items() -> None:
    text = "| Danh sách Luật trình Quốc hội |\n| :--- |\n| Luật Nhà giáo |\n| Luật Dữ liệu |"
    assert flatten_tables(text) == "Danh sách Luật trình Quốc hội\n- Luật Nhà giáo\n- Luật Dữ liệu"


def test_flatten_tables_unclosed_row_does_not_swallow_text() -> None:
    text = "| TT | Nhiệm vụ |\n|---|---|\n| 1 | Xây dựng\nĐoạn văn tiếp theo không thuộc bảng."
    assert flatten_tables(text) == "1. Nhiệm vụ: Xây dựng\nĐoạn văn tiếp theo không thuộc bảng."


def test_is_table_row_flattened_row_true_prose_false() -> None:
    assert is_table_row("3. Nhiệm vụ: Xây dựng Luật; Cơ quan chủ trì: Bộ Công an; Thời hạn: 7/2025")
    assert is_table_row("Chỉ tiêu: Quy mô kinh tế số; Đơn vị: % GDP; Kết quả: ≥ 30")
    assert not is_table_row("1. Sắp xếp toàn bộ diện tích tự nhiên của xã A và xã B thành xã C.")
    assert not is_table_row("I. Đến năm 2030")


# -- real files (../shared/data) --------------------------------------------------------------------

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
NQ03 = SHARED / "nq57_policy_documents" / "nq03_ncp_2025_with_appendices.md"
OFFICIAL = SHARED / "official_documents"
needs_shared = pytest.mark.skipif(not NQ03.is_file() or not OFFICIAL.is_dir(), reason="../shared/data is absent")


@needs_shared
def test_flatten_tables_nq03_task_rows_with_headers() -> None:
    flat = flatten_tables(clean_text(load_text(NQ03)))
    lines = flat.split("\n")
    tasks = [line for line in lines if line.split(". ", 1)[-1].startswith("Tên nhiệm vụ: ")]
    assert len(tasks) > 100
    assert any("; Cơ quan chủ trì: Bộ Công an" in line and "; Thời gian hoàn thành: " in line for line in tasks)
    assert sum(line.split(". ", 1)[0].isdigit() for line in tasks) > 100
    targets = [
        line for line in lines if "; Đơn vị: " in line and line.startswith(("1. Chỉ tiêu: ", "11.1. Chỉ tiêu: "))
    ]
    assert len(targets) == 2
    assert "I. Đến năm 2030" in lines
    assert not any(line.startswith("|") for line in lines)


@needs_shared
@pytest.mark.parametrize(
    "path", sorted(p for p in OFFICIAL.glob("*.md") if p.name != "PROVENANCE.md") if OFFICIAL.is_dir() else []
)
def test_flatten_tables_official_files_keep_every_line_outside_tables(path: Path) -> None:
    cleaned = clean_text(load_text(path))
    flat = flatten_tables(cleaned)
    remaining = iter(flat.split("\n"))
    for line in cleaned.split("\n"):
        if not line.lstrip().startswith("|"):
            assert any(line == kept for kept in remaining), f"{line[:60]!r} lost"
