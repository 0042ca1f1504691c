"""The real `assistant` command in a subprocess: ingest, ask, search, errors and exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

from tests.conftest import SAMPLE_DOCUMENTS, clean_env

QUESTION = "Nghị quyết 57-NQ/TW được ban hành ngày nào?"


def run_cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "assistant.cli", *map(str, args)]
    return subprocess.run(cmd, cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=600)


def two_documents(tmp_path: Path) -> Path:
    docs = tmp_path / "documents"
    docs.mkdir()
    for path in sorted(SAMPLE_DOCUMENTS.glob("*.txt"), key=lambda p: p.stat().st_size)[:2]:  # quick to embed
        shutil.copy(path, docs / path.name)
    return docs


@pytest.mark.slow
def test_ingest_two_documents_then_rerun_unchanged(tmp_path: Path) -> None:
    docs, index = two_documents(tmp_path), tmp_path / "index"
    first = run_cli("ingest", "--json", "--documents", docs, "--index", index, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["documents"] == 2 and summary["added"] == 2 and summary["skipped"] == []
    assert summary["chunks"] == summary["chunks_embedded"] > 0

    second = json.loads(run_cli("ingest", "--json", "--documents", docs, "--index", index, cwd=tmp_path).stdout)
    assert second["chunks_embedded"] == 0 and second["unchanged"] == 2 and second["added"] == 0

    human = run_cli("ingest", "--documents", docs, "--index", index, cwd=tmp_path)
    assert human.returncode == 0 and "nothing changed, nothing embedded" in human.stdout


@pytest.mark.slow
def test_ingest_unreadable_files_skipped_with_warning(tmp_path: Path) -> None:
    docs, index = two_documents(tmp_path), tmp_path / "index"
    (docs / "latin1.txt").write_bytes(b"Nghi quyet ve chuyen doi so, caf\xe9 \xe0 la carte.\n" * 5)
    (docs / "blob.txt").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    result = run_cli("ingest", "--json", "--documents", docs, "--index", index, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["added"] == 2
    assert sorted(s["source"] for s in summary["skipped"]) == ["blob.txt", "latin1.txt"]
    assert "latin1.txt" in result.stderr and "blob.txt" in result.stderr

    again = run_cli("ingest", "--documents", docs, "--index", index, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "nothing changed, nothing embedded; 2 files skipped" in again.stdout
    assert "blob.txt: binary file" in again.stderr and "latin1.txt" in again.stderr


def test_ingest_locked_index_exits_busy(tmp_path: Path) -> None:
    docs, index = two_documents(tmp_path), tmp_path / "index"
    index.mkdir()
    with FileLock(str(index / ".lock")):
        result = run_cli("ingest", "--documents", docs, "--index", index, cwd=tmp_path)
    assert result.returncode == 3
    assert "Another `assistant ingest`" in result.stderr and "Traceback" not in result.stderr


def test_ingest_missing_documents_dir_exits_1(tmp_path: Path) -> None:
    result = run_cli("ingest", "--documents", tmp_path / "nope", "--index", tmp_path / "index", cwd=tmp_path)
    assert result.returncode == 1
    assert "nope" in result.stderr and "Traceback" not in result.stderr


def test_ask_empty_index_exits_1_with_hint(tmp_path: Path) -> None:
    result = run_cli("ask", QUESTION, "--index", tmp_path / "index", cwd=tmp_path)
    assert result.returncode == 1
    assert "assistant ingest" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_ask_json_returns_answer_with_sources(sample_index: Path, tmp_path: Path) -> None:
    result = run_cli("ask", QUESTION, "--json", "--index", sample_index, "--k", "3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["answer"] and isinstance(answer["refused"], bool)
    assert 1 <= len(answer["sources"]) <= 3
    assert {"n", "doc_id", "title", "source", "text", "score"} <= set(answer["sources"][0])


@pytest.mark.slow
def test_ask_human_output_lists_sources(sample_index: Path, tmp_path: Path) -> None:
    result = run_cli("ask", QUESTION, "--index", sample_index, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Nguồn:" in result.stdout and "[1] " in result.stdout
    assert result.stderr == ""  # no library debug chatter at the default log level


@pytest.mark.slow
def test_ask_empty_question_exits_1(sample_index: Path, tmp_path: Path) -> None:
    result = run_cli("ask", "  ", "--index", sample_index, cwd=tmp_path)
    assert result.returncode == 1 and "Câu hỏi" in result.stderr


@pytest.mark.slow
def test_search_json_ranked(sample_index: Path, tmp_path: Path) -> None:
    result = run_cli("search", "chuyển đổi số", "--json", "--index", sample_index, "--k", "4", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    scores = [r["score"] for r in json.loads(result.stdout)["results"]]
    assert 1 <= len(scores) <= 4 and scores == sorted(scores, reverse=True)
