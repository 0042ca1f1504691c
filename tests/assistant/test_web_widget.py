"""The chat widget in a real browser (Debian's chromium driven by Playwright) against the real `assistant serve`.

Set ASSISTANT_SCREENSHOTS=docs/img to save the screenshots the README shows. Without chromium the tests skip,
unless ASSISTANT_REQUIRE_BROWSER=1 (CI sets it), where a missing browser is a failure.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser import chromium, require_chromium, shot
from tests.conftest import free_port, make_settings, running_server

QUESTION = "Nghị quyết 57-NQ/TW được ban hành ngày nào?"
SHARED = ["h", "formatDate", "sourceLine", "writeClipboard"]  # assistant/web/common.js, inside the widget's IIFE

pytestmark = pytest.mark.slow

sync_api = require_chromium()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with chromium(sync_api) as launched:
        yield launched


@pytest.fixture
def page(browser) -> Iterator:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


def open_widget(page, base: str) -> None:
    page.goto(f"{base}/embed-demo")
    bubble = page.locator("button.bubble")
    bubble.wait_for()
    shot(page, "widget-closed")
    bubble.click()
    page.locator(".panel").wait_for()


def ask(page, question: str):
    """Type a question, press Enter, return the locator of the finished answer."""
    before = page.locator(".msg.assistant[data-refused]").count()
    box = page.locator("textarea.input")
    box.fill(question)
    box.press("Enter")
    answer = page.locator(".msg.assistant[data-refused]").nth(before)
    answer.wait_for(timeout=30_000)
    return answer


def test_ask_see_streamed_answer_and_open_the_cited_passage(page, live_server: str) -> None:
    open_widget(page, live_server)
    assert page.locator("textarea.input").evaluate("el => el === el.getRootNode().activeElement")
    deltas: list[str] = []
    page.on("response", lambda r: deltas.append(r.url) if r.url.endswith("/api/chat/stream") else None)

    answer = ask(page, QUESTION)

    assert deltas, "the widget did not use the stream endpoint"
    assert answer.get_attribute("data-refused") == "false"
    text = answer.locator(".answer").inner_text()
    assert "22/12/2024" in text and "[1]" in text
    assert "Nguồn" in answer.locator(".sources-title").inner_text()
    listed = answer.locator("button.source").all_inner_texts()
    assert listed and all(re.match(r"\[\d+\] (?!\[)\S", line) for line in listed), listed  # "[n] title — …"
    assert page.evaluate(f"() => {SHARED}.filter((name) => name in window)") == []  # nothing leaks to the portal
    shot(page, "widget-answer")

    answer.locator("button.cite[data-n='1']").first.click()
    passage = page.locator("section.passage")
    passage.wait_for()
    assert passage.get_attribute("aria-label") == "Nguồn [1]"
    marked = passage.locator(".passage-text mark")
    assert marked.count() >= 1 and "22/12/2024" in marked.first.inner_text()
    assert passage.locator(".passage-title").inner_text().strip()
    shot(page, "widget-passage")
    page.keyboard.press("Escape")  # back to the conversation, focus on the citation
    passage.wait_for(state="detached")
    assert page.errors == []  # type: ignore[attr-defined]


def test_feedback_is_stored_with_question_answer_and_sources(page, live_server: str) -> None:
    open_widget(page, live_server)
    answer = ask(page, QUESTION)
    answer.locator("button.thumb.down").click()
    answer.locator(".feedback textarea").fill("Cần nêu rõ cơ quan ban hành.")
    answer.locator("button.send-comment").click()
    answer.locator(".feedback-status", has_text="Cảm ơn góp ý của bạn!").wait_for()

    items = httpx.get(f"{live_server}/api/feedback", params={"limit": 20}, timeout=10).json()["items"]
    stored = [i for i in items if i["question"] == QUESTION and i["rating"] == "down"]
    assert stored, items
    assert any(i["comment"] == "Cần nêu rõ cơ quan ban hành." for i in stored)
    assert "22/12/2024" in stored[0]["answer"] and stored[0]["sources"][0]["doc_id"]


def test_copy_puts_the_answer_and_its_sources_on_the_clipboard(browser, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    try:
        open_widget(page, live_server)
        answer = ask(page, QUESTION)
        answer.locator("button.copy").click()
        answer.locator("button.copy", has_text="Đã sao chép").wait_for()
        copied = page.evaluate("navigator.clipboard.readText()")
        listed = answer.locator("button.source").all_inner_texts()
        assert copied.startswith(answer.locator(".answer").inner_text())
        assert copied.endswith("\n".join(["", "Nguồn:", *listed])), copied
    finally:
        context.close()


def test_copy_without_the_clipboard_api_falls_back_inside_the_widget(page, live_server: str) -> None:
    # A portal on plain http has no navigator.clipboard: the widget copies through a hidden textarea in its shadow root.
    page.add_init_script("Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined })")
    open_widget(page, live_server)
    answer = ask(page, QUESTION)
    copy = answer.locator("button.copy")
    copy.click()
    answer.locator("button.copy", has_text="Đã sao chép").wait_for()
    assert copy.evaluate("el => el === el.getRootNode().activeElement")  # focus given back
    host = page.locator("#tro-ly-nghi-quyet-host")
    assert host.evaluate("h => h.shadowRoot.querySelectorAll('textarea[aria-hidden]').length") == 0
    assert page.locator("body > textarea").count() == 0 and page.errors == []  # type: ignore[attr-defined]


def test_follow_up_uses_the_conversation(page, live_server: str) -> None:
    open_widget(page, live_server)
    first = ask(
        page,
        "Ai là Trưởng ban Chỉ đạo về phát triển khoa học, công nghệ, đổi mới sáng tạo, chuyển đổi số tỉnh Thái Nguyên?",
    )
    assert "Trịnh Việt Hùng" in first.inner_text()
    follow = ask(page, "Các Phó Trưởng ban của Ban Chỉ đạo đó là những ai?")
    assert follow.get_attribute("data-refused") == "false"
    assert "Phạm Hoàng Sơn" in follow.inner_text()
    shot(page, "widget-follow-up")

    page.locator("button.new-chat").click()
    assert page.locator(".msg.assistant").count() == 0 and page.locator(".msg.user").count() == 0


def test_refusal_looks_different(page, live_server: str) -> None:
    open_widget(page, live_server)
    answer = ask(page, "Giá vàng SJC hôm nay là bao nhiêu?")
    assert answer.get_attribute("data-refused") == "true"
    assert "Không tìm thấy trong tài liệu" in answer.inner_text()
    assert "Các đoạn gần nhất" in answer.inner_text()
    shot(page, "widget-refusal")


def test_phone_width_panel_fills_the_screen(browser, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        open_widget(page, live_server)
        box = page.locator(".panel").bounding_box()
        assert box is not None and box["width"] >= 380 and box["height"] >= 800
        ask(page, QUESTION)
        shot(page, "widget-phone")
    finally:
        context.close()


def test_full_page_chat_at_root(page, live_server: str) -> None:
    page.goto(live_server + "/")
    page.locator(".panel").wait_for()
    assert page.locator("button.bubble").count() == 0
    answer = ask(page, "nghi quyet 57 ban hanh ngay nao")
    assert "22/12/2024" in answer.inner_text()


def test_server_down_says_so_in_vietnamese(page, live_server: str) -> None:
    page.goto(f"{live_server}/embed-demo")
    # The API stops answering after the page has loaded (a server restart, a network cut).
    page.route("**/api/chat**", lambda route: route.abort("connectionrefused"))
    page.locator("button.bubble").click()
    box = page.locator("textarea.input")
    box.fill(QUESTION)
    box.press("Enter")
    error = page.locator(".msg.error")
    error.wait_for(timeout=30_000)
    assert "Không kết nối được máy chủ trợ lý" in error.inner_text()
    assert error.get_attribute("role") == "alert"


def test_empty_index_tells_the_user_in_vietnamese(page, tmp_path: Path) -> None:
    port = free_port()
    cmd = [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--index", str(tmp_path / "no-index-yet")]
    with running_server(cmd, f"http://127.0.0.1:{port}/healthz", tmp_path / "server.log", ready="no_index"):
        open_widget(page, f"http://127.0.0.1:{port}")
        box = page.locator("textarea.input")
        box.fill(QUESTION)
        box.press("Enter")
        error = page.locator(".msg.error")
        error.wait_for(timeout=30_000)
        assert "Chưa có tài liệu nào được nạp" in error.inner_text()


# -- a document that carries markup must never run in the widget -------------------------------------------

XSS_DOCUMENT = (
    "Thông báo kết quả hội nghị chuyển đổi số xã Ea Sô.\n\n"
    'Hội nghị chuyển đổi số xã Ea Sô diễn ra ngày 10/3/2025 với nội dung <img src=x onerror="window.__xss=1"> '
    "và <script>window.__xss=2</script> về việc số hóa hồ sơ.\n\n"
    "Ban Chỉ đạo xã Ea Sô giao Văn phòng Đảng ủy theo dõi tiến độ số hóa hồ sơ hành chính.\n"
)


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("xss")
    docs, index = root / "documents", root / "index"
    docs.mkdir()
    (docs / "ea_so.txt").write_text(XSS_DOCUMENT, encoding="utf-8")
    env_cmd = [sys.executable, "-m", "assistant.cli", "ingest", "--documents", str(docs), "--index", str(index)]
    subprocess.run(env_cmd, check=True, capture_output=True, timeout=600)
    assert make_settings(index).index_dir.exists()
    port = free_port()
    cmd = [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--index", str(index)]
    with running_server(cmd, f"http://127.0.0.1:{port}/healthz", root / "server.log"):
        yield f"http://127.0.0.1:{port}"
    shutil.rmtree(root, ignore_errors=True)


def test_markup_in_documents_is_shown_as_text_never_run(page, xss_server: str) -> None:
    open_widget(page, xss_server)
    answer = ask(page, "Hội nghị chuyển đổi số xã Ea Sô diễn ra ngày nào?")
    assert "10/3/2025" in answer.inner_text()
    answer.locator("button.cite").first.click()
    passage = page.locator("section.passage")
    passage.wait_for()
    shown = passage.inner_text() + answer.inner_text()
    assert "<img" in shown or "<script>" in shown  # the markup is visible as text
    assert page.evaluate("() => window.__xss") is None
    host = page.locator("#tro-ly-nghi-quyet-host")
    assert host.evaluate("h => h.shadowRoot.querySelectorAll('img, script').length") == 0
