"""The lesson-drafting page /soan-bai in a real browser (Debian's chromium via Playwright) against `assistant serve`.

Set ASSISTANT_SCREENSHOTS=docs/img to save docs/img/soan-bai.png. Without chromium the tests skip, unless
ASSISTANT_REQUIRE_BROWSER=1 (CI sets it), where a missing browser is a failure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document

from assistant.material.render import NOTE
from tests.browser import chromium, require_chromium, shot

TOPIC = "Phong trào Bình dân học vụ số"
UNCOVERED = "Kỹ thuật nuôi tôm thẻ chân trắng"

pytestmark = pytest.mark.slow

sync_api = require_chromium()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with chromium(sync_api) as launched:
        yield launched


@pytest.fixture
def page(browser, live_server: str) -> Iterator:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


def draft(page, base: str, topic: str) -> None:
    """Open the page, type the topic, press Soạn bài (recording the button's labels meanwhile)."""
    page.goto(f"{base}/soan-bai")
    page.evaluate(
        """() => {
          const button = document.getElementById("submit");
          window.labels = [];
          new MutationObserver(() => window.labels.push(button.textContent))
            .observe(button, { childList: true, characterData: true, subtree: true });
        }"""
    )
    page.get_by_label("Chủ đề").fill(topic)
    page.get_by_role("button", name="Soạn bài").click()


def test_draft_shows_cited_points_and_quiz_then_downloads_docx(page, live_server: str, tmp_path: Path) -> None:
    draft(page, live_server, TOPIC)
    points = page.locator("li.key-point")
    points.first.wait_for(timeout=60_000)

    assert page.evaluate("window.labels")[:2] == ["Đang soạn…", "Soạn bài"]
    assert page.locator("#draft-title").inner_text() == f"Tài liệu sinh hoạt: {TOPIC}"
    assert NOTE in page.locator(".note").inner_text()
    texts = points.all_inner_texts()
    assert len(texts) >= 5 and all(re.search(r"\[\d+\]", t) for t in texts), texts
    assert page.locator("li.quiz-item").count() >= 10
    assert page.locator("ol.answers li").count() == page.locator("li.quiz-item").count()
    headings = page.locator("#draft-body h3").all_inner_texts()
    assert headings == [
        "I. Những ý chính",
        "II. Hỏi – đáp",
        "III. Câu hỏi kiểm tra",
        "IV. Thuật ngữ và chữ viết tắt",
        "V. Nguồn trích dẫn",
    ]
    cite = points.first.locator("a.cite").first
    target = cite.get_attribute("href")
    assert target and page.locator(target).count() == 1
    assert "Đã soạn xong" in page.get_by_role("status").inner_text()
    shot(page, "soan-bai")

    with page.expect_download() as info:
        page.get_by_role("button", name="Tải DOCX").click()
    download = info.value
    assert download.suggested_filename == f"Bài soạn - {TOPIC}.docx"
    saved = tmp_path / "bai-soan.docx"
    download.save_as(saved)
    doc = Document(str(saved))
    assert [p.text for p in doc.paragraphs if p.style.name == "List Number"] == texts
    assert page.errors == []  # type: ignore[attr-defined]


def test_markdown_download_and_copy_match(page, live_server: str, tmp_path: Path) -> None:
    draft(page, live_server, TOPIC)
    page.locator("li.key-point").first.wait_for(timeout=60_000)
    with page.expect_download() as info:
        page.get_by_role("button", name="Tải Markdown").click()
    saved = tmp_path / "bai-soan.md"
    info.value.save_as(saved)
    markdown = saved.read_text(encoding="utf-8")
    assert markdown.startswith(f"# Tài liệu sinh hoạt: {TOPIC}\n") and NOTE in markdown
    # The sources read on the page as in the file (sourceLine in common.js, source_line in material/render.py).
    lines = page.locator(".source-line").all_inner_texts()
    assert lines and all(re.match(r"\[\d+\] (?!\[)", line) for line in lines), lines
    assert all(f"- {line}\n" in markdown + "\n" for line in lines), lines

    page.get_by_role("button", name="Sao chép").click()
    page.get_by_role("status").filter(has_text="Đã sao chép").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == markdown
    assert page.errors == []  # type: ignore[attr-defined]


def test_uncovered_topic_shows_the_alert(page, live_server: str) -> None:
    draft(page, live_server, UNCOVERED)
    alert = page.locator("#lesson-error")
    alert.wait_for(timeout=60_000)
    assert alert.get_attribute("role") == "alert"
    assert re.search(r"[à-ỹđ]", alert.inner_text()), alert.inner_text()  # the server's Vietnamese message
    assert page.locator("#draft").is_hidden()
    assert page.get_by_role("button", name="Soạn bài").is_enabled()


HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'


def test_markup_in_the_pack_is_shown_as_text(page, live_server: str) -> None:
    source = {"n": 1, "doc_id": "d", "title": HOSTILE, "date": "2025-01-02", "numbers": [], "source": "x.txt"}
    pack = {
        "note": NOTE,
        "topic": HOSTILE,
        "audience": "nguoi-dan",
        "audience_label": "người dân",
        "created": "2025-01-01T00:00:00+00:00",
        "mode": "extractive",
        "key_points": [{"text": f"Ý chính {HOSTILE} [1].", "citations": [1]}],
        "faq": [{"question": HOSTILE, "answer": f"{HOSTILE} [1]", "citations": [1]}],
        "quiz": [
            {
                "kind": "mcq",
                "question": HOSTILE,
                "options": [HOSTILE, "b", "c", "d"],
                "correct": 0,
                "explanation": HOSTILE,
                "citations": [1],
                "verified": True,
            }
        ],
        "glossary": [{"term": HOSTILE, "meaning": HOSTILE}],
        "sources": [{**source, "chunk_id": "c", "text": HOSTILE}],
        "warnings": [HOSTILE],
    }
    body = json.dumps(pack)
    page.route("**/api/material", lambda route: route.fulfill(status=200, content_type="application/json", body=body))
    draft(page, live_server, "bất kỳ")
    page.locator("li.key-point").wait_for()
    assert HOSTILE in page.locator("li.key-point").inner_text()
    assert page.locator("#draft-body img, #draft-body script").count() == 0
    assert page.evaluate("window.pwned") is None
    assert page.locator("#draft-title").inner_text() == f"Tài liệu sinh hoạt: {HOSTILE}"


def test_chat_page_links_to_soan_bai(page, live_server: str) -> None:
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Soạn bài").click()
    page.wait_for_url(f"{live_server}/soan-bai")
    assert page.get_by_role("button", name="Soạn bài").is_visible()
