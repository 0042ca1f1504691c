"""The admin page /quan-tri in a real browser (Debian's chromium via Playwright) against a real server.

Key entry, an upload followed to the end of its ingest job, the document listed with its header fields, a
question answered from it through /api/chat with no restart, feedback filtered and exported, a delete. Without
chromium the tests skip, unless ASSISTANT_REQUIRE_BROWSER=1 (CI sets it). ASSISTANT_SCREENSHOTS=docs/img saves
docs/img/quan-tri.png.
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

from assistant.api.app import create_app
from assistant.feedback import FeedbackEntry
from tests.assistant.api.helpers import served
from tests.browser import chromium, require_chromium, shot
from tests.conftest import SAMPLE_DOCUMENTS, clean_env, make_settings

pytestmark = pytest.mark.slow

sync_api = require_chromium()

KEY = "khoa-quan-tri-trinh-duyet-0123456789"
EA_TLANG = (
    "THÔNG BÁO\nKết quả Ngày hội chuyển đổi số xã Ea Tlang\n\n"
    "Ngày hội chuyển đổi số xã Ea Tlang được tổ chức vào ngày 17/5/2025 tại Nhà văn hoá xã, thu hút 350 người "
    "dân tham gia.\n"
)
QUESTION = "Ngày hội chuyển đổi số xã Ea Tlang được tổ chức vào ngày nào?"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    """A server over one sample document, with an admin key; its app, to reach the feedback store."""
    root = tmp_path_factory.mktemp("quan-tri")
    documents, index = root / "documents", root / "index"
    documents.mkdir()
    shutil.copy(SAMPLE_DOCUMENTS / "004_538540773102b57e.txt", documents)
    cmd = [sys.executable, "-m", "assistant.cli", "ingest", "--documents", str(documents), "--index", str(index)]
    subprocess.run(cmd, check=True, capture_output=True, env=clean_env(), timeout=600)
    app = create_app(make_settings(index, documents, admin_keys=[KEY], reload_interval=0.5))
    with served(app) as base:
        yield base, app
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with chromium(sync_api) as launched:
        yield launched


@pytest.fixture
def page(browser) -> Iterator:
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("dialog", lambda dialog: dialog.accept())
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


def sign_in(page, base: str, key: str = KEY) -> None:
    page.goto(f"{base}/quan-tri")
    box = page.get_by_label("Nhập khoá quản trị")
    box.fill(key)
    box.press("Enter")  # the keyboard alone


def test_wrong_key_is_refused_and_not_kept(page, server) -> None:
    base, _ = server
    sign_in(page, base, "khoa-sai-nhung-du-dai-0123")
    page.locator("#key-status", has_text="Khoá quản trị không đúng.").wait_for()
    assert page.locator("#admin").is_hidden()
    assert page.evaluate("() => sessionStorage.length + localStorage.length") == 0
    assert page.errors == []  # type: ignore[attr-defined]


def test_upload_job_document_listed_and_answered_without_restart(page, server, tmp_path: Path) -> None:
    base, app = server
    sign_in(page, base)
    page.locator("#documents-body tr[data-id='004_538540773102b57e']").wait_for()
    assert page.evaluate("() => Object.values(sessionStorage)") == [KEY]
    assert page.evaluate("() => localStorage.length") == 0 and KEY not in page.content()

    upload = tmp_path / "ea_tlang.txt"
    upload.write_text(EA_TLANG, encoding="utf-8")
    page.get_by_label("Chọn tệp để tải lên (.txt, .md, .html, .pdf, .docx)").set_input_files(str(upload))
    page.get_by_role("button", name="Tải lên và nạp").click()
    page.locator("#upload-status", has_text="Đã tải lên ea_tlang.txt").wait_for()
    done = page.locator("li.job[data-state='done']", has_text="ea_tlang.txt")
    done.wait_for(timeout=180_000)
    assert "thêm 1" in done.inner_text() and "thế hệ 2" in done.inner_text()

    row = page.locator("#documents-body tr[data-id='ea_tlang']")
    row.wait_for(timeout=30_000)
    cells = row.locator("td").all_inner_texts()
    assert "Ea Tlang" in cells[0] and cells[1] == "thông báo" and cells[3] == "17/05/2025"
    assert page.locator("#documents-caption").inner_text() == "Tài liệu đang được phục vụ (2)"
    shot(page, "quan-tri")

    reply = httpx.post(f"{base}/api/chat", json={"question": QUESTION}, timeout=60).json()
    assert "17/5/2025" in reply["answer"] and reply["sources"][0]["doc_id"] == "ea_tlang"

    page.reload()  # the key is kept for the tab's session: signed in again without typing it
    page.locator("#documents-body tr[data-id='ea_tlang']").wait_for()
    assert page.errors == []  # type: ignore[attr-defined]


def test_feedback_filtered_and_exported_as_csv(page, server, tmp_path: Path) -> None:
    base, app = server
    store = app.state.feedback
    store.add(FeedbackEntry("down", "Ai ký Kế hoạch chuyển đổi số?", answer="Không rõ.", comment="Thiếu nguồn"))
    store.add(FeedbackEntry("up", "Xã Ia Ko họp ngày nào?", answer="Ngày 31/10/2025 [1]."))
    sign_in(page, base)
    rows = page.locator("#feedback-body tr[data-rating]")
    rows.first.wait_for()
    assert rows.first.get_attribute("data-rating") == "down"  # worst first
    page.get_by_label("Tìm trong câu hỏi, câu trả lời, góp ý").fill("thieu nguon")  # no diacritics
    page.get_by_role("button", name="Lọc").click()
    page.locator("#feedback-status", has_text="1 góp ý").wait_for()
    assert rows.count() == 1 and "Ai ký Kế hoạch" in rows.first.inner_text()

    with page.expect_download() as info:
        page.get_by_role("button", name="Tải CSV").click()
    saved = tmp_path / "gop-y.csv"
    info.value.save_as(saved)
    data = saved.read_bytes()
    assert info.value.suggested_filename == "gop-y.csv" and data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "Ai ký Kế hoạch chuyển đổi số?" in text and "Xã Ia Ko" not in text
    assert page.errors == []  # type: ignore[attr-defined]


def test_delete_from_the_page_removes_the_document(page, server) -> None:
    base, _ = server
    sign_in(page, base)
    row = page.locator("#documents-body tr[data-id='ea_tlang']")
    row.wait_for(timeout=30_000)
    row.get_by_role("button", name=re.compile(r"^Xoá tài liệu .*Ea Tlang")).click()  # a name that says which
    page.locator("li.job[data-state='done']", has_text="Xoá tài liệu").wait_for(timeout=180_000)
    row.wait_for(state="detached", timeout=30_000)
    assert page.locator("#documents-body tr[data-id='004_538540773102b57e']").count() == 1
    assert page.errors == []  # type: ignore[attr-defined]
