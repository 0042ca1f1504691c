"""POST /api/material: JSON, Markdown and DOCX; 422 for bad input and for topics the documents do not cover.

The first tests stand a hand-made pack in for the builder (headers, formats, validation); the slow ones build
real packs from the session's sample index.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from docx import Document
from fastapi.testclient import TestClient

from assistant.api import routes
from assistant.api.app import create_app
from assistant.api.deps import get_deps
from assistant.material import render
from assistant.material.types import LessonPack
from tests.assistant.material.test_render import make_pack
from tests.conftest import make_settings

TOPIC = "Phong trào Bình dân học vụ số"
UNCOVERED = "Kỹ thuật nuôi tôm thẻ chân trắng"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# ---------------------------------------------------------------- the route, with a hand-made pack


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, list[dict]]]:
    """A client whose builder returns make_pack() and records how it was called."""
    calls: list[dict] = []

    def build_pack(deps: object, topic: str, **options: object) -> LessonPack:
        calls.append({"topic": topic, **options})
        return make_pack()

    monkeypatch.setattr(routes, "build_pack", build_pack)
    app = create_app(make_settings(tmp_path / "index"))
    app.dependency_overrides[get_deps] = lambda: object()
    with TestClient(app) as client:
        yield client, calls


def test_material_defaults_passed_to_builder_json_has_note_first(fake) -> None:
    client, calls = fake
    response = client.post("/api/material", json={"topic": "  Bình dân học vụ số "})
    assert response.status_code == 200, response.text
    assert calls == [{"topic": "Bình dân học vụ số", "audience": "can-bo-xa", "points": 6, "questions": 10}]
    body = response.json()
    assert list(body)[0] == "note" and body["note"] == render.NOTE
    assert body == render.to_data(make_pack()) | {"topic": TOPIC}  # the hand-made topic is NFD; JSON is NFC


def test_material_markdown_format(fake) -> None:
    client, calls = fake
    body = {"topic": TOPIC, "audience": "dang-vien", "points": 8, "questions": 12}
    response = client.post("/api/material?format=md", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    assert response.text == render.to_markdown(make_pack())
    assert calls[0] == body
    assert "bai-soan-phong-trao-binh-dan-hoc-vu-so.md" in response.headers["content-disposition"]


def test_material_docx_is_an_attachment_with_ascii_and_utf8_names(fake) -> None:
    client, _ = fake
    response = client.post("/api/material", params={"format": "docx"}, json={"topic": TOPIC})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == DOCX_TYPE
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="bai-soan-phong-trao-binh-dan-hoc-vu-so.docx"; ')
    star = re.search(r"filename\*=UTF-8''(\S+)$", disposition)
    assert star and unquote(star.group(1)) == f"Bài soạn - {TOPIC}.docx"
    assert disposition.isascii()
    doc = Document(io.BytesIO(response.content))
    assert doc.paragraphs[0].text == f"Tài liệu sinh hoạt: {TOPIC}"


@pytest.mark.parametrize(
    ("body", "query", "field"),
    [
        ({"topic": TOPIC, "audience": "sinh-vien"}, "", "audience"),
        ({"topic": "   "}, "", "topic"),
        ({}, "", "topic"),
        ({"topic": TOPIC, "points": 2}, "", "points"),
        ({"topic": TOPIC, "points": 13}, "", "points"),
        ({"topic": TOPIC, "questions": 3}, "", "questions"),
        ({"topic": TOPIC, "questions": 31}, "", "questions"),
        ({"topic": "x" * 301}, "", "topic"),
        ({"topic": TOPIC}, "?format=pdf", "format"),
    ],
)
def test_material_bad_input_422_names_the_field(fake, body: dict, query: str, field: str) -> None:
    client, calls = fake
    response = client.post(f"/api/material{query}", json=body)
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["error"] == "invalid_input" and f"`{field}`" in error["message"], error
    assert calls == []


def test_material_in_openapi_with_three_formats(fake) -> None:
    client, _ = fake
    operation = client.get("/openapi.json").json()["paths"]["/api/material"]["post"]
    assert set(operation["responses"]["200"]["content"]) == {"application/json", "text/markdown", DOCX_TYPE}
    assert {"422", "503"} <= set(operation["responses"])


# ---------------------------------------------------------------- real packs from the sample index


@pytest.fixture(scope="module")
def api(sample_index: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(sample_index))) as client:
        yield client


@pytest.mark.slow
def test_material_sample_index_json_every_citation_resolves(api: TestClient) -> None:
    response = api.post("/api/material", json={"topic": TOPIC})
    assert response.status_code == 200, response.text
    pack = response.json()
    assert pack["topic"] == TOPIC and pack["audience"] == "can-bo-xa" and pack["audience_label"] == "cán bộ cấp xã"
    assert pack["note"] == render.NOTE
    assert [s["n"] for s in pack["sources"]] == list(range(1, len(pack["sources"]) + 1))
    assert len(pack["key_points"]) >= 5 and len(pack["quiz"]) >= 10
    numbers = {s["n"] for s in pack["sources"]}
    for point in pack["key_points"]:
        markers = {int(n) for n in re.findall(r"\[(\d+)\]", point["text"])}
        assert markers and markers <= numbers, point
    for item in pack["quiz"]:
        assert len(item["options"]) == (4 if item["kind"] == "mcq" else 2), item
        assert 0 <= item["correct"] < len(item["options"]) and set(item["citations"]) <= numbers, item
    assert all(s["title"] and s["source"] and s["text"] for s in pack["sources"])


@pytest.mark.slow
def test_material_sample_index_markdown(api: TestClient) -> None:
    response = api.post("/api/material?format=md", json={"topic": TOPIC, "audience": "nguoi-dan", "questions": 5})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    md = response.text
    assert md.startswith(f"# Tài liệu sinh hoạt: {TOPIC}\n") and "Dành cho: người dân" in md
    assert render.NOTE in md and "## I. Những ý chính" in md and "## V. Nguồn trích dẫn" in md
    assert re.search(r"^- \[1\] ", md, re.MULTILINE)


@pytest.mark.slow
def test_material_sample_index_docx(api: TestClient) -> None:
    response = api.post("/api/material?format=docx", json={"topic": TOPIC})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == DOCX_TYPE
    assert 'filename="bai-soan-phong-trao-binh-dan-hoc-vu-so.docx"' in response.headers["content-disposition"]
    doc = Document(io.BytesIO(response.content))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == "I. Những ý chính" and headings[-1] == "V. Nguồn trích dẫn"
    assert sum(p.style.name == "List Number" for p in doc.paragraphs) >= 5


@pytest.mark.slow
def test_material_uncovered_topic_422_not_enough_documents(api: TestClient) -> None:
    response = api.post("/api/material", json={"topic": UNCOVERED})
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["error"] == "not_enough_documents", error
    assert error["message"] and error["message_en"] and error["message"] != error["message_en"]
    assert re.search(r"[à-ỹđ]", error["message"]), error  # Vietnamese


@pytest.mark.slow
def test_material_sample_index_bad_audience_422(api: TestClient) -> None:
    response = api.post("/api/material", json={"topic": TOPIC, "audience": "hoc-sinh"})
    assert response.status_code == 422
    assert "`audience`" in response.json()["message"]
