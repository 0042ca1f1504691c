"""The handbook /so-tay in a real browser (Debian's chromium via Playwright) against a real server and index.

The list with a facet, a search for a number typed without diacritics, a document opened with its table of
contents, relations followed both ways, a repealed decision leading to what repealed it, a citation in the chat
landing on its section, the chat scoped to one document, the keyboard alone and a phone. Without chromium the
tests skip, unless ASSISTANT_REQUIRE_BROWSER=1 (CI sets it). The README's docs/img/so-tay-*.png show the full
corpora, not this small collection, so these tests save no screenshots.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from assistant.api.app import create_app
from core.config import Settings
from tests.assistant.api.helpers import served
from tests.assistant.handbook.conftest import KH3260, NQ57, QD15, QD80
from tests.browser import chromium, require_chromium

pytestmark = pytest.mark.slow

sync_api = require_chromium()

PLAN_QUESTION = "Kế hoạch 3260-KH/ĐĐQH15 giao Đảng đoàn Quốc hội nhiệm vụ gì về rà soát pháp luật?"


@pytest.fixture(scope="module")
def server(handbook_settings_for: Callable[..., Settings]) -> Iterator[str]:
    with served(create_app(handbook_settings_for())) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with chromium(sync_api) as launched:
        yield launched


@pytest.fixture
def context(browser) -> Iterator:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    yield context
    context.close()


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    return errors


@pytest.fixture
def page(context) -> Iterator:
    page = context.new_page()
    page.errors = watch(page)  # type: ignore[attr-defined]
    yield page
    assert page.errors == []  # type: ignore[attr-defined]


def result_ids(page) -> list[str]:
    return page.locator("#results li.result").evaluate_all("items => items.map((li) => li.dataset.id)")


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] < page.viewport_size["height"]


def test_list_facet_then_search_a_number_typed_without_diacritics(page, server: str) -> None:
    page.goto(f"{server}/so-tay")
    page.locator("#results-status", has_text="Kho có 9 văn bản").wait_for()
    assert len(result_ids(page)) == 9
    assert page.locator("#results li.result").first.get_attribute("data-id") == QD80  # newest first

    page.get_by_label("Quyết định").check()
    page.locator("#results-status", has_text="Tìm thấy 2 văn bản").wait_for()
    assert result_ids(page) == [QD80, QD15] and "kind=" in page.url
    page.get_by_role("button", name="Bỏ tất cả bộ lọc").click()
    page.locator("#results-status", has_text="Kho có 9 văn bản").wait_for()

    box = page.get_by_label("Tìm văn bản")
    box.fill("nghi quyet 57")
    box.press("Enter")
    page.locator("#results-status", has_text="Tìm thấy 6 văn bản").wait_for()
    assert result_ids(page)[:2] == [NQ57, KH3260]
    first = page.locator("#results li.result").first
    assert "57-NQ/TW" in first.inner_text() and "22/12/2024" in first.inner_text()
    page.go_back()  # the state is in the URL: Back returns to the whole list
    page.locator("#results-status", has_text="Kho có 9 văn bản").wait_for()


def test_open_a_document_contents_and_follow_relations_both_ways(page, server: str) -> None:
    page.goto(f"{server}/so-tay?q=NQ57")
    page.locator(f"#results li[data-id='{NQ57}'] a").click()
    page.locator("#doc-title").wait_for()
    assert "đột phá phát triển khoa học" in page.locator("#doc-title").inner_text()
    head = page.locator("#doc-head").inner_text()
    assert "57-NQ/TW" in head and "22/12/2024" in head and "Bộ Chính trị" in head
    assert page.title().startswith("Nghị quyết về đột phá")

    page.locator("#toc a", has_text="III- NHIỆM VỤ, GIẢI PHÁP").click()
    assert page.url.endswith("#iii")
    assert in_view(page, page.locator("#iii"))

    implementers = page.locator("#related-body [data-relation='implements'][data-direction='in']")
    assert "Văn bản thực hiện" in implementers.inner_text()
    reports = page.locator("#related-body [data-relation='reports'][data-direction='in']")
    assert "sơ kết tình hình thực hiện Nghị quyết số 57-NQ/TW" in reports.inner_text()
    implementers.locator(f"li[data-id='{KH3260}'] a").click()
    page.locator("#doc-head", has_text="3260-KH/ĐĐQH15").wait_for()
    assert page.url.endswith(f"/so-tay/{KH3260}")
    back = page.locator("#related-body [data-relation='implements'][data-direction='out']")
    back.locator(f"li[data-id='{NQ57}']").wait_for()
    timeline = page.locator("#related-body ol.timeline li")
    timeline.first.wait_for()
    assert "văn bản gốc" in timeline.first.inner_text()
    assert page.locator("#related-body ol.timeline li[aria-current='page']").count() == 1


def test_repealed_decision_leads_to_what_repealed_it_missing_greyed(page, server: str) -> None:
    page.goto(f"{server}/so-tay/{QD15}")
    replaced_by = page.locator("#related-body [data-relation='replaces'][data-direction='in']")
    assert "Bị thay thế bởi" in replaced_by.inner_text()
    replaced_by.locator(f"li[data-id='{QD80}'] a").click()
    page.locator("#doc-head", has_text="80/2025/QĐ-UBND").wait_for()
    missing = page.locator("#related-body li[data-missing='true']").first
    assert "(chưa có trong kho)" in missing.inner_text() and missing.locator("a").count() == 0
    assert missing.evaluate("el => getComputedStyle(el).color") == "rgb(107, 115, 133)"


def test_citation_in_the_chat_opens_the_handbook_at_its_section(context, page, server: str) -> None:
    page.goto(f"{server}/")
    box = page.locator("textarea.input")
    box.fill(PLAN_QUESTION)
    box.press("Enter")
    answer = page.locator(".msg.assistant[data-refused='false']")
    answer.wait_for(timeout=60_000)
    assert answer.locator("a.handbook").count() >= 1  # each listed source links to the handbook
    answer.locator("button.cite").first.click()
    passage = page.locator("section.passage")
    passage.wait_for()
    shown = passage.locator(".passage-meta dt:text-is('Mục') + dd")
    section = shown.inner_text() if shown.count() else ""
    link = passage.locator("a.passage-link")
    href = link.get_attribute("href")
    assert href and href.startswith(f"{server}/so-tay/{KH3260}?doan=")
    with context.expect_page() as opened:
        link.click()
    handbook = opened.value
    handbook.errors = watch(handbook)  # type: ignore[attr-defined]
    cited = handbook.locator(".doan.cited").first
    cited.wait_for()
    start, end = (int(x) for x in parse_qs(urlsplit(href).query)["doan"][0].split("-"))
    assert int(cited.get_attribute("data-start")) == start and int(cited.get_attribute("data-end")) == end
    assert in_view(handbook, cited)
    anchor = urlsplit(href).fragment
    assert anchor and handbook.evaluate("(id) => !!document.getElementById(id)", anchor)
    assert cited.get_attribute("data-section") == section
    note = handbook.locator("#cited-note").inner_text()
    assert "Đoạn được trích dẫn" in note and (not section or section.split(" › ")[-1] in note)
    assert handbook.errors == []  # type: ignore[attr-defined]


def test_asking_about_this_document_is_scoped_to_it(page, server: str) -> None:
    page.goto(f"{server}/so-tay/{KH3260}")
    page.locator("#doc-title").wait_for()
    sent: list[dict] = []
    page.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/api/chat") else None)
    box = page.get_by_label("Câu hỏi về văn bản")
    box.fill("Đảng đoàn Quốc hội rà soát, hoàn thiện pháp luật về những lĩnh vực nào?")
    box.press("Enter")
    page.locator("#ask-status", has_text="Đã trả lời.").wait_for(timeout=60_000)
    assert sent and sent[0]["filters"] == {"doc_ids": [KH3260]}
    page.locator("#ask-result .answer-sources button").first.click()
    cited = page.locator(".doan.cited").first
    cited.wait_for()
    assert in_view(page, cited)


def test_keyboard_alone_search_and_open(page, server: str) -> None:
    page.goto(f"{server}/so-tay")
    page.locator("#results li.result").first.wait_for()
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "q":
            break
    assert page.evaluate("() => document.activeElement.id") == "q"
    page.keyboard.type("quyet dinh 80")
    page.keyboard.press("Enter")
    page.locator("#results-status", has_text="Tìm thấy 1 văn bản").wait_for()
    link = page.locator(f"#results li[data-id='{QD80}'] a")
    for _ in range(40):
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    page.keyboard.press("Enter")
    page.locator("#doc-head", has_text="80/2025/QĐ-UBND").wait_for()


def test_unknown_document_says_so_in_vietnamese(page, server: str) -> None:
    page.goto(f"{server}/so-tay/khong-co-van-ban-nay")
    page.locator("#error", has_text="Không tìm thấy văn bản này trong kho.").wait_for()
    assert page.locator("#doc-view").is_hidden()
    page.errors.clear()  # type: ignore[attr-defined]  # the 404 of the API call is the point here


def test_phone_width_no_sideways_scroll(browser, server: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        errors = watch(page)
        page.goto(f"{server}/so-tay")
        page.locator("#results li.result").first.wait_for()
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        assert page.locator("#facets").evaluate("el => el.open") is False  # folded on a phone
        page.goto(f"{server}/so-tay/{NQ57}")
        page.locator("#doc-title").wait_for()
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        assert errors == []
    finally:
        context.close()
