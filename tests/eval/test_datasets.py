"""Adapters from ../shared/data benchmarks to the common question format.

Unit tests run on tiny synthetic JSON; the checks on the real data are skipped when ../shared/data is absent.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import unicodedata
from pathlib import Path

import pytest

from eval.datasets import (
    ALQAC_DIR,
    UIT_DIR,
    DataMissing,
    alqac_answer_alternatives,
    alqac_corpus,
    alqac_questions,
    doc_name,
    find_verbatim,
    to_ascii,
    uit_corpus,
    uit_questions,
)

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
needs_shared_data = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"../shared/data not found at {SHARED_DATA}: real-benchmark checks skipped"
)
OLD = 1_000_000_000  # an mtime far in the past, so a rewrite within the same clock tick is still seen


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


def all_strings(item: object) -> list[str]:
    if isinstance(item, str):
        return [item]
    if isinstance(item, dict):
        return [s for v in item.values() for s in all_strings(v)]
    if isinstance(item, list):
        return [s for v in item for s in all_strings(v)]
    return []


def age(directory: Path) -> dict[str, int]:
    """Set every file's mtime to OLD and return name -> mtime_ns."""
    for path in directory.iterdir():
        os.utime(path, (OLD, OLD))
    return mtimes(directory)


def mtimes(directory: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in directory.iterdir()}


def check_common_format(questions: list[dict], corpus: Path) -> None:
    ids = [q["id"] for q in questions]
    assert len(ids) == len(set(ids))
    names = {p.name for p in corpus.iterdir()}
    for q in questions:
        assert q["question"] and q["gold"] and q["answer"], q["id"]
        assert all(is_nfc(s) for s in all_strings(q)), q["id"]
        assert {g["doc"] for g in q["gold"]} <= names, q["id"]
        assert all(alternatives for alternatives in q["answer"]), q["id"]


# Synthetic data


def write_alqac(root: Path) -> None:
    folder = root / ALQAC_DIR
    folder.mkdir(parents=True)
    nfd = unicodedata.normalize("NFD", "Điều 1. Thời hiệu là 07 năm.")
    laws = [
        {"id": "91/2015/QH13", "articles": [{"id": "1", "text": nfd}, {"id": "2", "text": "Điều 2. Không."}]},
        {"id": "01/VBHN-VPQH", "articles": [{"id": "42", "text": "Cấm cư trú từ 01 năm đến 05 năm."}]},
    ]
    questions = [
        {
            "id": "q-1",
            "text": unicodedata.normalize("NFD", "Thời hiệu “khởi kiện” là bao lâu?"),
            "answer": "07 năm",
            "relevant_articles": [{"law_id": "91/2015/QH13", "article_id": "1"}],
        },
        {
            "id": "q-2",
            "text": "Cấm cư trú bao lâu?",
            "answer": "từ 01 năm đến 05 năm.",
            "relevant_articles": [{"law_id": "01/VBHN-VPQH", "article_id": "42"}],
        },
    ]
    (folder / "law.json").write_text(json.dumps(laws, ensure_ascii=False), encoding="utf-8")
    (folder / "question.json").write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")


def squad(title: str, context: str, qas: list[tuple[str, str, list[str]]]) -> dict:
    return {
        "title": title,
        "paragraphs": [
            {
                "context": context,
                "qas": [
                    {"id": qid, "question": q, "answers": [{"answer_start": 0, "text": a} for a in answers]}
                    for qid, q, answers in qas
                ],
            }
        ],
    }


def write_uit(root: Path) -> None:
    folder = root / UIT_DIR
    folder.mkdir(parents=True)
    shared = "Học phần là khối lượng kiến thức  được bố trí giảng dạy trong một học kỳ."
    train = [squad("Học phần", shared, [("", "Học phần dạy bao lâu?", ["trong một học kỳ"])])]
    test = [
        squad("", shared, [("x", "Một học phần dạy trong bao lâu?", [" một học kỳ ", "trong một  học kỳ"])]),
        squad(
            "",
            unicodedata.normalize("NFD", "Sinh viên được xét học bổng khi đạt loại Khá."),
            [
                ("x", "Khi nào được học bổng?", ["đạt loại Khá", "đạt loại Khá", "loại Khá trở lên"]),
                ("", "Ai được học bổng?", ["Giảng viên"]),
            ],
        ),
    ]
    for name, data in (("train", train), ("test", test)):
        (folder / f"{name}_reg.json").write_text(json.dumps({"data": data}, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    write_alqac(root)
    write_uit(root)
    return root


def test_doc_name_matches_bench_alqac():
    spec = importlib.util.spec_from_file_location("bench_alqac", REPO / "bench" / "alqac.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    for law_id, article_id in [("91/2015/QH13", "1"), ("01/VBHN-VPQH", "42a"), ("45/2019/QH14", "2.1")]:
        assert doc_name(law_id, article_id) == bench.doc_name(law_id, article_id)


def test_alqac_corpus_writes_nfc_articles(synthetic: Path, tmp_path: Path):
    corpus = tmp_path / "corpus"
    assert alqac_corpus(synthetic, corpus) == 3
    assert sorted(p.name for p in corpus.iterdir()) == [
        "01_VBHN_VPQH_42.txt",
        "91_2015_QH13_1.txt",
        "91_2015_QH13_2.txt",
    ]
    assert (corpus / "91_2015_QH13_1.txt").read_text(encoding="utf-8") == "Điều 1. Thời hiệu là 07 năm."


def test_alqac_corpus_unchanged_files_not_rewritten(synthetic: Path, tmp_path: Path):
    corpus = tmp_path / "corpus"
    alqac_corpus(synthetic, corpus)
    before = age(corpus)
    (corpus / "91_2015_QH13_2.txt").write_text("edited", encoding="utf-8")
    os.utime(corpus / "91_2015_QH13_2.txt", (OLD, OLD))
    alqac_corpus(synthetic, corpus)
    after = mtimes(corpus)
    assert after["91_2015_QH13_1.txt"] == before["91_2015_QH13_1.txt"]
    assert after["91_2015_QH13_2.txt"] != before["91_2015_QH13_2.txt"]
    assert (corpus / "91_2015_QH13_2.txt").read_text(encoding="utf-8") == "Điều 2. Không."


def test_alqac_questions_accented_and_folded(synthetic: Path, tmp_path: Path):
    questions = alqac_questions(synthetic)
    alqac_corpus(synthetic, tmp_path / "corpus")
    check_common_format(questions, tmp_path / "corpus")
    assert [q["id"] for q in questions] == ["alqac-q-1", "alqac-q-2", "alqac-q-1-nd", "alqac-q-2-nd"]
    first, folded = questions[0], questions[2]
    assert first["question"] == "Thời hiệu “khởi kiện” là bao lâu?"
    assert first["type"] == "accented"
    assert first["gold"] == [{"doc": "91_2015_QH13_1.txt", "quote": None}]
    assert first["answer"] == [["07 năm", "7 năm"]]
    assert folded["question"] == 'Thoi hieu "khoi kien" la bao lau?'
    assert folded["type"] == "no-diacritics"
    assert folded["gold"] == first["gold"] and folded["answer"] == first["answer"]


def test_alqac_answer_alternatives_are_safe():
    assert alqac_answer_alternatives("từ 01 năm đến 05 năm.") == [
        "từ 01 năm đến 05 năm.",
        "từ 1 năm đến 5 năm.",
        "từ 01 năm đến 05 năm",
        "từ 1 năm đến 5 năm",
    ]
    assert alqac_answer_alternatives("từ 5.000.000 đồng đến 50.000.000 đồng") == [
        "từ 5.000.000 đồng đến 50.000.000 đồng"
    ]
    assert alqac_answer_alternatives("0,5 lần") == ["0,5 lần"]
    assert alqac_answer_alternatives("1. Pháp nhân\n\n2. Tên gọi") == ["1. Pháp nhân 2. Tên gọi"]


def test_to_ascii_folds_letters_and_typographic_punctuation():
    assert to_ascii("Đề án “Quyết định” – số 1…") == 'De an "Quyet dinh" - so 1...'


def test_find_verbatim_keeps_source_spacing():
    assert find_verbatim("kiến thức được", "khối kiến thức  được bố trí") == "kiến thức  được"
    assert find_verbatim("không có", "khối kiến thức") is None
    assert find_verbatim("  ", "khối") is None


def test_uit_corpus_deduplicates_paragraphs_by_text(synthetic: Path, tmp_path: Path):
    corpus = tmp_path / "corpus"
    assert uit_corpus(synthetic, corpus) == 2
    names = sorted(p.name for p in corpus.iterdir())
    assert re.fullmatch(r"hoc-phan-[0-9a-f]{10}\.txt", names[0]), names  # first title seen names it
    assert re.fullmatch(r"sinh-vien-duoc-xet-hoc-bong-[0-9a-f]{10}\.txt", names[1]), names  # empty title: first 6 words
    assert all(is_nfc(p.read_text(encoding="utf-8")) for p in corpus.iterdir())
    before = age(corpus)
    assert uit_corpus(synthetic, corpus) == 2
    assert mtimes(corpus) == before


def test_uit_questions_unique_ids_quotes_and_answers(synthetic: Path, tmp_path: Path):
    corpus = tmp_path / "corpus"
    uit_corpus(synthetic, corpus)
    questions = uit_questions(synthetic, "test")
    check_common_format(questions, corpus)
    assert [q["id"] for q in questions] == ["uit-test-0001", "uit-test-0002", "uit-test-0003"]
    first, second, third = questions
    assert first["answer"] == [["một học kỳ", "trong một học kỳ"]]
    assert first["gold"][0]["quote"] == "trong một học kỳ"  # the longest reference that stands in the text
    assert first["title"] == "" and first["type"] == "regulation"
    assert second["answer"] == [["đạt loại Khá", "loại Khá trở lên"]]
    assert second["gold"][0]["quote"] == "đạt loại Khá"
    assert third["gold"][0]["quote"] is None  # the reference answer is not in the paragraph
    assert uit_questions(synthetic, "train")[0]["gold"][0]["doc"] == first["gold"][0]["doc"]


def test_benchmark_folder_accepted_as_data_dir(synthetic: Path, tmp_path: Path):
    """Callers may pass the shared data folder or the benchmark's own folder inside it."""
    assert alqac_questions(synthetic / ALQAC_DIR) == alqac_questions(synthetic)
    assert uit_questions(synthetic / UIT_DIR) == uit_questions(synthetic)
    assert uit_corpus(synthetic / UIT_DIR, tmp_path / "corpus") == 2


def test_uit_questions_unknown_split(synthetic: Path):
    with pytest.raises(ValueError, match="train, test"):
        uit_questions(synthetic, "dev")


@pytest.mark.parametrize(
    "load",
    [
        lambda d, t: alqac_corpus(d, t),
        lambda d, t: alqac_questions(d),
        lambda d, t: uit_corpus(d, t),
        lambda d, t: uit_questions(d),
    ],
)
def test_missing_data_raises_data_missing(tmp_path: Path, load):
    with pytest.raises(DataMissing, match="ASSISTANT_DATA_DIR") as raised:
        load(tmp_path / "empty", tmp_path / "corpus")
    assert str(tmp_path / "empty") in str(raised.value)
    assert "../shared/data" in str(raised.value)


# The real benchmarks


@pytest.fixture(scope="module")
def alqac_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = tmp_path_factory.mktemp("alqac-corpus")
    alqac_corpus(SHARED_DATA, corpus)
    return corpus


@pytest.fixture(scope="module")
def uit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = tmp_path_factory.mktemp("uit-corpus")
    uit_corpus(SHARED_DATA, corpus)
    return corpus


@needs_shared_data
def test_alqac_real_counts(alqac_dir: Path):
    laws = json.loads((SHARED_DATA / ALQAC_DIR / "law.json").read_text(encoding="utf-8"))
    articles = sum(len(law["articles"]) for law in laws)
    assert articles == 1377
    assert len(list(alqac_dir.iterdir())) == articles
    questions = alqac_questions(SHARED_DATA)
    assert len(questions) == 1040
    assert sum(q["type"] == "accented" for q in questions) == 520
    check_common_format(questions, alqac_dir)


@needs_shared_data
def test_alqac_real_folded_questions_are_ascii():
    folded = [q["question"] for q in alqac_questions(SHARED_DATA) if q["type"] == "no-diacritics"]
    assert len(folded) == 520
    assert all(q.isascii() for q in folded), [q for q in folded if not q.isascii()][:3]


@needs_shared_data
def test_alqac_real_corpus_same_bytes_as_bench(alqac_dir: Path, tmp_path: Path):
    """An index built by bench/alqac.py is reused: same file names, same bytes."""
    spec = importlib.util.spec_from_file_location("bench_alqac", REPO / "bench" / "alqac.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.write_corpus(tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == {p.name: p.read_bytes() for p in alqac_dir.iterdir()}


@needs_shared_data
def test_alqac_real_corpus_idempotent(alqac_dir: Path):
    before = age(alqac_dir)
    assert alqac_corpus(SHARED_DATA, alqac_dir) == len(before)
    assert mtimes(alqac_dir) == before


@needs_shared_data
def test_uit_real_counts_and_quotes(uit_dir: Path):
    assert len(list(uit_dir.iterdir())) == 88  # 75 train + 13 test paragraphs, no duplicate texts
    test, train = uit_questions(SHARED_DATA, "test"), uit_questions(SHARED_DATA, "train")
    assert (len(test), len(train)) == (95, 626)
    for questions in (test, train):
        check_common_format(questions, uit_dir)
        for q in questions:
            quote, doc = q["gold"][0]["quote"], q["gold"][0]["doc"]
            assert quote is not None, q["id"]  # every question has an answer in its paragraph
            assert squash(quote) in squash((uit_dir / doc).read_text(encoding="utf-8")), q["id"]


@needs_shared_data
def test_uit_real_corpus_idempotent(uit_dir: Path):
    before = age(uit_dir)
    assert uit_corpus(SHARED_DATA, uit_dir) == len(before)
    assert mtimes(uit_dir) == before
