"""`assistant eval run | compare | sets` in a subprocess: the run directory, floors as a gate, comparisons and
clear errors. The evaluation cache is seeded with the session's sample index, so nothing is re-embedded except
the tutorial baseline's own chunks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eval.runner import index_key
from tests.conftest import SAMPLE_DOCUMENTS, clean_env, make_settings


def run_eval_cli(*args: str | Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "assistant.cli", "eval", *map(str, args)]
    environment = {**clean_env(), "ASSISTANT_DOCUMENTS_DIR": str(SAMPLE_DOCUMENTS), **env}
    return subprocess.run(cmd, cwd=cwd, env=environment, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def seeded_cache(sample_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An evaluation cache whose documents index is a copy of the sample index (same files, same embedder)."""
    cache = tmp_path_factory.mktemp("eval-cache")
    embedder = json.loads((sample_index / "manifest.json").read_text())["embedder"]
    key = index_key(make_settings(sample_index), embedder)
    shutil.copytree(sample_index, cache / f"index-documents-{key}")
    return cache


@pytest.fixture(scope="module")
def documents_run(
    seeded_cache: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess]:
    work = tmp_path_factory.mktemp("eval-run")
    result = run_eval_cli(
        "run", "--baselines", "bm25,tutorial-langchain", "--check-floors", "--out", work / "run",
        cwd=work, ASSISTANT_EVAL_CACHE_DIR=str(seeded_cache),
    )  # fmt: skip
    return work / "run", result


@pytest.mark.slow
def test_eval_run_writes_the_run_and_passes_the_floors(documents_run) -> None:
    out, result = documents_run
    assert result.returncode == 0, result.stderr
    assert "0 embedded now" in result.stderr  # the cached index was reused, not rebuilt
    assert "floors of 'documents' hold" in result.stderr
    for name in ("run.json", "summary.json", "results.jsonl", "results-bm25.jsonl", "results-tutorial-langchain.jsonl"):
        assert (out / name).is_file(), name
    for name in ("report.md", "report.html", "plots/metrics_by_type.png", "plots/latency.png"):
        assert (out / name).is_file(), name
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary) == ["hybrid", "bm25", "tutorial-langchain"]
    assert summary["tutorial-langchain"]["overall"]["hit@10"] is not None
    assert "answer_accuracy" not in summary["tutorial-langchain"]["overall"]  # no answerer without an LLM
    run = json.loads((out / "run.json").read_text())
    assert run["set"] == "documents" and run["corpus"]["files"] == 5 and len(run["corpus"]["hash"]) == 64
    lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == run["questions"] >= 100
    first = json.loads(lines[0])
    assert first["question"] == "Nghị quyết 57-NQ/TW được ban hành ngày nào?" and first["passages"]
    assert "| **hybrid** (product) |" in result.stdout and "| tutorial-langchain |" in result.stdout
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "tutorial-langchain" in report and "bm25" in report


@pytest.mark.slow
def test_eval_run_floor_broken_exits_1(seeded_cache: Path, tmp_path: Path) -> None:
    floors = tmp_path / "floors.json"
    floors.write_text(json.dumps({"documents": {"hit@1": 1.01, "answerable_refused_max": 0.0}}))
    result = run_eval_cli(
        "run", "--baselines", "none", "--limit", "12", "--check-floors", "--floors", floors, "--out", tmp_path / "r",
        cwd=tmp_path, ASSISTANT_EVAL_CACHE_DIR=str(seeded_cache),
    )  # fmt: skip
    assert result.returncode == 1
    assert "FLOOR BROKEN: hit@1" in result.stderr and "below its floor 1.01" in result.stderr
    assert (tmp_path / "r" / "report.md").is_file()  # the report is written even when the gate fails


@pytest.mark.slow
def test_eval_compare_two_runs(documents_run, seeded_cache: Path, tmp_path: Path) -> None:
    out, _ = documents_run
    bm25 = tmp_path / "bm25"
    result = run_eval_cli(
        "run", "--retrieval", "bm25", "--baselines", "none", "--out", bm25,
        cwd=tmp_path, ASSISTANT_EVAL_CACHE_DIR=str(seeded_cache),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    compared = run_eval_cli("compare", out, bm25, cwd=tmp_path)
    assert compared.returncode == 0, compared.stderr
    assert "| metric | A | B | B − A |" in compared.stdout and "| hit@1 |" in compared.stdout
    assert "## Answers that flipped" in compared.stdout
    not_a_run = run_eval_cli("compare", out, tmp_path, cwd=tmp_path)
    assert not_a_run.returncode == 1 and "is not an evaluation run" in not_a_run.stderr


def test_eval_run_unknown_set_lists_the_known_ones(tmp_path: Path) -> None:
    result = run_eval_cli("run", "--set", "nope", cwd=tmp_path, ASSISTANT_EVAL_CACHE_DIR=str(tmp_path / "c"))
    assert result.returncode == 1
    assert (
        "No evaluation set 'nope'" in result.stderr and "documents, nq57_policy, official, alqac, uit" in result.stderr
    )


def test_eval_run_unknown_baseline(tmp_path: Path) -> None:
    result = run_eval_cli("run", "--baselines", "bm25,magic", cwd=tmp_path)
    assert result.returncode == 1 and "unknown baseline 'magic'" in result.stderr


def test_eval_run_public_data_missing_says_where_to_put_it(tmp_path: Path) -> None:
    result = run_eval_cli(
        "run", "--set", "nq57_policy", cwd=tmp_path, ASSISTANT_DATA_DIR=str(tmp_path / "absent"),
        ASSISTANT_EVAL_CACHE_DIR=str(tmp_path / "c"),
    )  # fmt: skip
    assert result.returncode == 1
    assert "Public data not found" in result.stderr and "ASSISTANT_DATA_DIR" in result.stderr
    assert "Traceback" not in result.stderr


def test_eval_run_llm_mode_refused_before_indexing(tmp_path: Path) -> None:
    result = run_eval_cli("run", "--mode", "llm", cwd=tmp_path, ASSISTANT_EVAL_CACHE_DIR=str(tmp_path / "c"))
    assert result.returncode == 1 and "ASSISTANT_LLM_MODEL" in result.stderr
    assert not (tmp_path / "c").exists() or not any((tmp_path / "c").iterdir())


def test_eval_sets_lists_every_set(tmp_path: Path) -> None:
    result = run_eval_cli("sets", cwd=tmp_path, ASSISTANT_DATA_DIR=str(tmp_path / "absent"))
    assert result.returncode == 0, result.stderr
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == ["documents", "nq57_policy", "official", "alqac", "uit"]
    assert "unavailable: Public data not found" in result.stdout  # the public sets, with data absent


@pytest.mark.slow
def test_eval_run_llm_mode_goes_through_the_model(seeded_cache: Path, tmp_path: Path) -> None:
    from tests.openai_stub import OpenAIStub, Reply

    with OpenAIStub(default=Reply("Theo tài liệu, nội dung này được nêu tại đoạn trích [1].")) as stub:
        result = run_eval_cli(
            "run", "--mode", "llm", "--baselines", "none", "--limit", "4", "--out", tmp_path / "llm",
            cwd=tmp_path, ASSISTANT_EVAL_CACHE_DIR=str(seeded_cache), ASSISTANT_LLM_BASE_URL=stub.base_url,
            ASSISTANT_LLM_MODEL="stub-model",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert len(stub.requests) >= 4
    run = json.loads((tmp_path / "llm" / "run.json").read_text())
    rows = [json.loads(line) for line in (tmp_path / "llm" / "results.jsonl").read_text().splitlines()]
    assert run["mode"] == "llm" and len(rows) == 4
    assert all("đoạn trích [1]" in r["answer"] for r in rows if not r["refused"])
