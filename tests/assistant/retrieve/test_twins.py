"""A text reprinted inside a compilation: the standalone document is the one cited (real index, bundled embedder)."""

from __future__ import annotations

import pytest

from assistant.pipeline import search
from tests.indexes import deps_over

ARTICLE = (
    "Điều 2. Lưu giữ dữ liệu\n"
    "1. Dữ liệu số của cơ quan nhà nước được lưu giữ tối thiểu 10 năm kể từ ngày tạo lập, tại hai địa điểm "
    "khác nhau, và được kiểm tra khả năng khôi phục mỗi năm một lần.\n"
)
STANDALONE = (
    "# Nghị quyết số 91-NQ/TW\n\nNGHỊ QUYẾT\nvề lưu giữ dữ liệu số\n\n" + ARTICLE + "\nĐiều 3. Hiệu lực\nNghị quyết "
    "này có hiệu lực từ ngày ký.\n"
)
COMPILATION = (
    "# Nghị quyết số 91-NQ/TW\n\nSố: 91-NQ/TW\nHà Nội, ngày 02 tháng 3 năm 2025\n\n" + ARTICLE
    + "\n# Kết luận số 12-KL/TW\n\nSố: 12-KL/TW\nHà Nội, ngày 05 tháng 4 năm 2025\n\nKẾT LUẬN\nvề sao lưu dữ liệu\n\n"
    "1. Bộ Chính trị yêu cầu các cơ quan rà soát việc sao lưu dữ liệu số và báo cáo trước tháng 6 năm 2025.\n"
)  # fmt: skip


@pytest.fixture(scope="module")
def twin_deps(tmp_path_factory: pytest.TempPathFactory):
    return deps_over(tmp_path_factory, "twin", {"nq91.md": STANDALONE, "tuyen-tap.md": COMPILATION})


def test_the_compilation_is_split_into_its_documents(twin_deps) -> None:
    meta = twin_deps.index.meta("tuyen-tap")
    assert len(meta.parts) == 2 and "12-KL/TW" in meta.parts[1]


def test_a_reprinted_article_is_cited_from_the_standalone_document(twin_deps) -> None:
    passages = search(twin_deps, "Dữ liệu số được lưu giữ tối thiểu bao nhiêu năm?", k=3)
    holding = [p for p in passages if "tối thiểu 10 năm" in p.text]
    assert [p.source for p in holding] == ["nq91.md"]  # one citation, from the document itself, not its reprint
