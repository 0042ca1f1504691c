"""The evaluation runner: gold matching and aggregation on hand-made data, floors, comparisons, and the
acceptance run of the documents/ set on the real sample index."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import asdict
from pathlib import Path

import pytest

from assistant.deps import Deps
from assistant.types import Passage
from eval import runner
from eval.compare import check_floors, compare, load_floors
from eval.runner import Prepared
from eval.scoring import Record, by_type, document_ranks, gold_rank, item_ranks, summarise
from eval.sets import get_set
from tests.conftest import SAMPLE_DOCUMENTS


def passage(n: int, doc_id: str, text: str) -> Passage:
    return Passage(
        n=n, chunk_id=f"{doc_id}:x:{n:04d}", doc_id=doc_id, title="", source=f"{doc_id}.txt", text=text, score=1.0,
        date=None, kind="khác", section="", numbers=[], start=0, end=len(text),
    )  # fmt: skip


def record(answerable: bool = True, **fields) -> Record:
    defaults = dict(
        id="d000", type="date", question="?", answerable=answerable, config="hybrid", passages=[], gold_ranks=[],
        item_ranks=[], answer="", refused=False, answered=True, citations=[], facts_found=[], correct=False,
        scores={}, timings_ms={"understand": 1.0, "retrieve": 10.0, "answer": 2.0, "total": 13.0},
    )  # fmt: skip
    merged = {**defaults, **fields}
    merged["answered"] = not merged["refused"]
    return Record(**merged)


QUOTE = "Nghị quyết số 57-NQ/TW, ngày 22/12/2024 của Bộ Chính trị về đột phá phát triển khoa học, công nghệ"


# -- gold matching -----------------------------------------------------------------------------------------


def test_gold_rank_quote_in_same_document_ranked() -> None:
    passages = [passage(1, "a", "Không liên quan."), passage(2, "b", f"Mở đầu. {QUOTE}, đổi mới sáng tạo.")]
    assert gold_rank(passages, [{"doc": "b.txt", "quote": QUOTE}]) == [2]


def test_gold_rank_quote_in_other_document_not_counted() -> None:
    assert gold_rank([passage(1, "a", QUOTE)], [{"doc": "b.txt", "quote": QUOTE}]) == []


def test_gold_rank_whitespace_case_nfd_and_markdown_ignored() -> None:
    text = unicodedata.normalize("NFD", QUOTE.upper().replace(" ", "\n  ", 3)).replace("Bộ", "**Bộ**")
    assert gold_rank([passage(1, "b", text)], [{"doc": "b.txt", "quote": QUOTE}]) == [1]


def test_gold_rank_quote_cut_at_chunk_boundary_still_found() -> None:
    words = QUOTE.split()
    first_half, second_half = " ".join(words[: len(words) // 2 + 1]), " ".join(words[len(words) // 2 + 1 :])
    passages = [passage(1, "b", f"... {first_half}"), passage(2, "b", f"{second_half} ..."), passage(3, "b", "Khác.")]
    assert gold_rank(passages, [{"doc": "b.txt", "quote": QUOTE}]) == [1, 2]


def test_gold_without_quote_means_any_passage_of_the_document() -> None:
    passages = [passage(1, "a", "Điều 1."), passage(2, "law_39", "Điều 39. Không áp dụng…")]
    assert gold_rank(passages, [{"doc": "law_39.txt", "quote": None}]) == [2]


def test_item_ranks_one_rank_per_gold_item() -> None:
    other = "Ban Chỉ đạo tỉnh Thái Nguyên họp phiên thứ nhất để triển khai các nhiệm vụ trọng tâm năm 2025"
    gold = [{"doc": "a.txt", "quote": QUOTE}, {"doc": "b.txt", "quote": other}, {"doc": "c.txt", "quote": "vắng"}]
    passages = [passage(1, "b", other), passage(2, "a", "Khác."), passage(3, "a", QUOTE), passage(4, "b", other)]
    assert item_ranks(passages, gold) == [3, 1, None]


def test_document_ranks_over_distinct_documents() -> None:
    ranks, per_item = document_ranks(["x", "law_39", "y"], [{"doc": "law_39.txt", "quote": None}, {"doc": "z.txt"}])
    assert ranks == [2] and per_item == [2, None]


# -- aggregation -------------------------------------------------------------------------------------------


def scored(ranks: list[int], **fields) -> Record:
    from eval import metrics

    scores = {
        "hit@1": metrics.hit_at(ranks, 1), "hit@5": metrics.hit_at(ranks, 5), "hit@10": metrics.hit_at(ranks, 10),
        "rr@10": metrics.reciprocal_rank(ranks), "ndcg@10": metrics.ndcg_at([min(ranks)] if ranks else [None]),
    }  # fmt: skip
    return record(gold_ranks=ranks, scores={**scores, **fields.pop("scores", {})}, **fields)


RECORDS = [
    scored([1, 4], id="d1", correct=True, scores={"citation_coverage": 1.0}, timings_ms={"retrieve": 10.0}),
    scored([3], id="d2", scores={"citation_coverage": 0.5}, timings_ms={"retrieve": 30.0}),
    scored([], id="d3", type="person", refused=True, timings_ms={"retrieve": 20.0}),
    record(False, id="d4", type="unanswerable", refused=True, timings_ms={"retrieve": 50.0}),
    record(False, id="d5", type="unanswerable", refused=False, timings_ms={"retrieve": 40.0}),
]


def test_summarise_hand_made_records() -> None:
    summary = summarise(RECORDS)
    assert summary["questions"] == 5 and summary["answerable"] == 3 and summary["unanswerable"] == 2
    assert summary["hit@1"] == 0.3333 and summary["hit@5"] == 0.6667 and summary["hit@10"] == 0.6667
    assert summary["mrr@10"] == round((1 + 1 / 3) / 3, 4)
    assert summary["answer_accuracy"] == 0.3333
    assert summary["answerable_refused"] == 0.3333 and summary["unanswerable_refused"] == 0.5
    # two refusals, one of them right; two unanswerable questions, one refused
    assert summary["refusal_precision"] == 0.5 and summary["refusal_recall"] == 0.5
    assert summary["citation_coverage"] == 0.75  # mean over answered questions that have the score
    assert summary["retrieve_p50_ms"] == 30.0 and summary["retrieve_p95_ms"] == 48.0
    assert "f1" not in summary  # only extraction sets carry F1/EM


def test_summarise_gold_beyond_ten_not_a_hit() -> None:
    summary = summarise([scored([11])])
    assert summary["hit@10"] == 0.0 and summary["mrr@10"] == 0.0


def test_summarise_without_answers_leaves_answer_metrics_out() -> None:
    summary = summarise(RECORDS, with_answers=False)
    assert "answer_accuracy" not in summary and "refusal_recall" not in summary and summary["hit@1"] == 0.3333


def test_summarise_no_records_none_not_zero() -> None:
    summary = summarise([])
    assert summary["questions"] == 0 and summary["hit@5"] is None and summary["answer_accuracy"] is None


def test_by_type_one_summary_per_type() -> None:
    types = by_type(RECORDS)
    assert sorted(types) == ["date", "person", "unanswerable"]
    assert types["date"]["questions"] == 2 and types["date"]["hit@1"] == 0.5
    assert types["unanswerable"]["unanswerable_refused"] == 0.5


# -- floors ------------------------------------------------------------------------------------------------


def test_check_floors_floors_and_ceilings() -> None:
    summary = {"hit@5": 0.9, "answerable_refused": 0.2, "answer_accuracy": 0.95, "ndcg@10": None}
    floors = {"hit@5": 0.95, "answerable_refused_max": 0.05, "answer_accuracy": 0.9, "ndcg@10": 0.5}
    broken = check_floors(summary, floors)
    assert len(broken) == 3
    assert any("hit@5 = 0.9 is below its floor 0.95" in b for b in broken)
    assert any("answerable_refused = 0.2 is above its ceiling 0.05" in b for b in broken)
    assert any("ndcg@10: not measured" in b for b in broken)


def test_floors_file_names_only_known_metrics() -> None:
    floors = load_floors()
    assert "documents" in floors
    known = set(summarise(RECORDS)) | {"ndcg@10"}
    for set_floors in floors.values():
        assert {k.removesuffix("_max") for k in set_floors} <= known


# -- files and comparisons ---------------------------------------------------------------------------------


def fake_result(records: list[Record], commit: str) -> runner.RunResult:
    meta = {"set": "documents", "product": "hybrid", "mode": "extractive", "commit": commit, "kind": "qa"}
    summaries = {"hybrid": {"overall": summarise(records), "by_type": by_type(records)}}
    return runner.RunResult(meta, summaries, {"hybrid": records})


def test_write_run_and_compare_show_deltas_and_flips(tmp_path: Path) -> None:
    before = list(RECORDS)
    after = [scored([2], id="d1", scores={"citation_coverage": 1.0})] + RECORDS[1:4]
    after.append(record(False, id="d5", type="unanswerable", refused=True))
    runner.write_run(tmp_path / "a", fake_result(before, "aaa"))
    runner.write_run(tmp_path / "b", fake_result(after, "bbb"))
    for name in ("run.json", "summary.json", "results.jsonl", "report.md", "report.html"):
        assert (tmp_path / "a" / name).is_file(), name
    rows = [json.loads(line) for line in (tmp_path / "a" / "results.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["d1", "d2", "d3", "d4", "d5"] and rows[0] == asdict(RECORDS[0])

    text = compare(tmp_path / "a", tmp_path / "b")
    assert "| hit@1 | 0.3333 | 0.0000 | -0.3333 |" in text
    assert "| refusal_recall | 0.5000 | 1.0000 | +0.5000 |" in text
    assert "`d1` (date): correct → wrong" in text
    assert "`d5` (unanswerable): answered (should refuse) → refused" in text
    assert "`d2`" not in text.split("## Answers that flipped")[1].split("## Retrieval")[0]


def test_compare_refuses_a_directory_that_is_not_a_run(tmp_path: Path) -> None:
    runner.write_run(tmp_path / "a", fake_result(RECORDS, "aaa"))
    with pytest.raises(FileNotFoundError, match="not an evaluation run"):
        compare(tmp_path / "a", tmp_path)


# -- acceptance on the sample documents --------------------------------------------------------------------


@pytest.fixture(scope="module")
def documents_run(sample_deps: Deps) -> runner.RunResult:
    eval_set = get_set("documents")
    questions = eval_set.questions(sample_deps.settings)
    prepared = Prepared(eval_set, sample_deps, SAMPLE_DOCUMENTS, {"path": str(SAMPLE_DOCUMENTS)}, questions)
    return runner.run_prepared(prepared, runner.RunOptions(baselines=["bm25"]))


@pytest.mark.slow
def test_documents_set_meets_its_floors(documents_run: runner.RunResult) -> None:
    summary = documents_run.summaries["hybrid"]["overall"]
    assert summary["questions"] == len(documents_run.records["hybrid"]) >= 100
    broken = check_floors(summary, load_floors()["documents"])
    assert not broken, f"{broken}\n{json.dumps(summary, indent=1)}"


@pytest.mark.slow
def test_documents_run_records_are_consistent(documents_run: runner.RunResult, sample_deps: Deps) -> None:
    rows = documents_run.records["hybrid"]
    assert [r.config for r in documents_run.records["bm25"]] == ["bm25"] * len(rows)
    for r in rows:
        assert max(r.citations, default=0) <= sample_deps.settings.top_k, r.id
        assert r.refused != r.answered
        assert len(r.passages) <= runner.RETRIEVE_K and [p["n"] for p in r.passages] == list(
            range(1, len(r.passages) + 1)
        )
        assert set(r.timings_ms) == {"understand", "retrieve", "answer", "total"}
        if r.answerable:
            assert len(r.item_ranks) >= 1 and (r.scores["hit@1"] == 1.0) == (1 in r.gold_ranks)
        if r.answered:
            assert r.scores["numeric_fidelity"] in (None, 1.0), (r.id, r.answer)  # extractive copies verbatim
    follow_ups = [r for r in rows if r.type == "follow-up"]
    assert follow_ups and sum(r.scores["hit@5"] for r in follow_ups) >= len(follow_ups) - 1


def test_a_table_quote_is_found_in_its_flattened_row() -> None:
    # The quote is copied from the source's pipe table; the stored row carries its column headers.
    gold = [{"doc": "nq03.md", "quote": "Xây dựng Luật Dữ liệu | Bộ Công an | Các bộ, ngành | 7/2025 |"}]
    row = "3. Nhiệm vụ: Xây dựng Luật Dữ liệu; Cơ quan chủ trì: Bộ Công an; Phối hợp: Các bộ, ngành; Thời hạn: 7/2025"
    assert gold_rank([passage(1, "nq03", row)], gold) == [1]
    # … but words scattered over a long text are no quote
    filler = " một hai ba bốn năm sáu bảy tám "
    scattered = filler.join(["Xây dựng Luật", "Dữ liệu Bộ", "Công an Các", "bộ, ngành 7/2025"])
    assert gold_rank([passage(1, "nq03", scattered)], gold) == []


def test_a_quoted_row_is_found_cell_by_cell_under_long_column_headers() -> None:
    quote = "| 30 | Dân số từ 15 tuổi trở lên có tài khoản ngân hàng | % | ≥ 95 | Ngân hàng Nhà nước |"
    gold = [{"doc": "nq03.md", "quote": quote}]
    row = (
        "30. Chỉ tiêu: Dân số từ 15 tuổi trở lên có tài khoản ngân hàng; Đơn vị: %; Kết quả: ≥ 95; "
        "Cơ quan chủ trì theo dõi, đánh giá: Ngân hàng Nhà nước"
    )
    assert gold_rank([passage(1, "nq03", row)], gold) == [1]
    # the same cells out of order, or one cell missing, are another row
    out_of_order = "≥ 95 năm 2035. " + row.replace("Kết quả: ≥ 95", "Kết quả: ≥ 80")
    assert gold_rank([passage(1, "nq03", out_of_order)], gold) == []
    assert gold_rank([passage(1, "nq03", row.replace("Ngân hàng Nhà nước", "Bộ Tài chính"))], gold) == []


def test_a_block_of_header_lines_is_held_by_the_passage_printing_them() -> None:
    gold = [{"doc": "qd.md", "block": ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Mai Sơn"]}]
    signature = passage(1, "qd", "Nơi nhận:\n- Như Điều 3;\n- Lưu: VT.\n**KT. CHỦ TỊCH**\nPHÓ CHỦ TỊCH\nMai Sơn")
    body = passage(2, "qd", "Ông Mai Sơn, Phó Chủ tịch UBND tỉnh, chủ trì hội nghị.")
    assert gold_rank([body, signature], gold) == [1]
