"""`assistant material` in a subprocess on the session's sample index: DOCX, Markdown, JSON and errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from docx import Document

from assistant.material.render import NOTE
from tests.assistant.test_cli import run_cli

TOPIC = "Phong trào Bình dân học vụ số"

pytestmark = pytest.mark.slow


def test_material_docx_written_and_reopens(sample_index: Path, tmp_path: Path) -> None:
    out = tmp_path / "bai-soan.docx"
    result = run_cli(
        "material", "--topic", TOPIC, "--format", "docx", "--out", out, "--index", sample_index, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and f"wrote {out}" in result.stderr
    doc = Document(str(out))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == f"Tài liệu sinh hoạt: {TOPIC}" and NOTE in texts[2]
    key_points = [p.text for p in doc.paragraphs if p.style.name == "List Number"]
    assert len(key_points) >= 5 and all(re.search(r"\[\d+\]", t) for t in key_points), key_points
    questions = [t for t in texts if re.match(r"Câu \d+\. ", t)]
    assert len(questions) >= 10, texts
    assert any(t.startswith("[1] ") for t in texts)


def test_material_markdown_and_json_to_stdout(sample_index: Path, tmp_path: Path) -> None:
    md = run_cli("material", "--topic", TOPIC, "--points", "5", "--index", sample_index, cwd=tmp_path)
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith(f"# Tài liệu sinh hoạt: {TOPIC}\n") and "## V. Nguồn trích dẫn" in md.stdout
    args = ("--audience", "dang-vien", "--questions", "4", "--format", "json")
    raw = run_cli("material", "--topic", TOPIC, *args, "--index", sample_index, cwd=tmp_path)
    assert raw.returncode == 0, raw.stderr
    pack = json.loads(raw.stdout)
    assert pack["note"] == NOTE and pack["audience_label"] == "đảng viên" and len(pack["quiz"]) <= 4


def test_material_docx_without_out_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("material", "--topic", TOPIC, "--format", "docx", cwd=tmp_path)
    assert result.returncode == 2 and "--out" in result.stderr and "TỆP.docx" in result.stderr


def test_material_uncovered_topic_exits_1_vi_en(sample_index: Path, tmp_path: Path) -> None:
    result = run_cli("material", "--topic", "Kỹ thuật nuôi tôm thẻ chân trắng", "--index", sample_index, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Error: " in result.stderr and "Lỗi: " in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
