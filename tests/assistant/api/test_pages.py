"""What the embeddable widget needs from the server: /widget.js, the pages with {{API_BASE}} and a CSP, CORS."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from assistant.api import pages
from assistant.api.app import create_app
from tests.conftest import make_settings

PORTAL = "https://portal.example.gov.vn"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
PAGE = '<!doctype html><title>Trợ lý</title><script src="{{API_BASE}}/widget.js" data-api="{{API_BASE}}"></script>'
WIDGET = '(() => {\n  "use strict";\n  // @include common.js: shared\n  // Trợ lý Nghị quyết\n})();\n'
COMMON = "/* shared */\nfunction shared() {\n  return 1;\n}\n"
SERVED = (
    '(() => {\n  "use strict";\n  /* shared */\n  function shared() {\n    return 1;\n  }\n'
    "  // Trợ lý Nghị quyết\n})();\n"
)
SHARED = ["h", "formatDate", "sourceLine", "writeClipboard"]  # the helpers widget.js and soan-bai.js share


@pytest.fixture
def web_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Stand-in pages in a temporary directory (assistant/web/ belongs to the widget's own work)."""
    web = tmp_path / "web"
    web.mkdir()
    (web / "widget.js").write_text(WIDGET, encoding="utf-8")
    (web / "common.js").write_text(COMMON, encoding="utf-8")
    (web / "index.html").write_text(PAGE, encoding="utf-8")
    (web / "embed-demo.html").write_text(PAGE.replace("Trợ lý", "Nhúng thử"), encoding="utf-8")
    monkeypatch.setattr(pages, "WEB_DIR", web)
    return web


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(make_settings(tmp_path / "index", cors_origins=[PORTAL + "/"]))
    with TestClient(app) as client:
        yield client


def test_widget_js_served_as_utf8_javascript_cached(web_dir: Path, client: TestClient) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.text == SERVED  # common.js in place of the @include line, inside the IIFE, indented


def test_widget_js_built_once_per_process(web_dir: Path, client: TestClient) -> None:
    assert client.get("/widget.js").text == SERVED
    (web_dir / "common.js").write_text("function changed() {}\n", encoding="utf-8")
    assert client.get("/widget.js").text == SERVED


@pytest.mark.parametrize("script", ['"use strict";\n', WIDGET + "// @include common.js\n"])
def test_with_common_needs_exactly_one_include_line(script: str) -> None:
    with pytest.raises(RuntimeError, match="exactly one `// @include common.js` line"):
        pages.with_common(script, COMMON, "widget.js")


def definitions(text: str, name: str) -> int:
    return len(re.findall(rf"(?:\bfunction\s*\*?\s+|\b(?:const|let|var)\s+){re.escape(name)}\s*[(=]", text))


@pytest.mark.parametrize("path", ["/widget.js", "/soan-bai.js"])
def test_served_scripts_define_the_shared_helpers_once(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert not pages.INCLUDE.search(response.text) and response.text.rstrip().endswith("})();")
    assert {name: definitions(response.text, name) for name in SHARED} == dict.fromkeys(SHARED, 1)


def test_web_files_define_the_shared_helpers_only_in_common_js() -> None:
    for file in sorted(pages.WEB_DIR.iterdir()):
        expected = 1 if file.name == pages.COMMON else 0
        text = file.read_text(encoding="utf-8")
        assert {name: definitions(text, name) for name in SHARED} == dict.fromkeys(SHARED, expected), file.name
    for script in ("widget.js", "soan-bai.js"):
        assert len(pages.INCLUDE.findall((pages.WEB_DIR / script).read_text(encoding="utf-8"))) == 1


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_served_widget_helpers_under_node(client: TestClient, tmp_path: Path) -> None:
    """The served widget.js parses, exports its pure helpers under Node (no DOM), and sourceLine reads right."""
    for name in ("widget.js", "soan-bai.js"):
        (tmp_path / name.replace(".js", ".cjs")).write_text(client.get(f"/{name}").text, encoding="utf-8")
        subprocess.run(["node", "--check", str(tmp_path / name.replace(".js", ".cjs"))], check=True, timeout=60)
    source = {"n": 2, "title": "Nghị quyết 57", "date": "2024-12-22", "numbers": ["57-NQ/TW"], "source": "nq57.txt"}
    code = (
        f"const w = require({json.dumps(str(tmp_path / 'widget.cjs'))});"
        f"console.log(JSON.stringify([w.sourceLine({json.dumps(source)}), w.sourceLine({{n: 3, doc_id: 'd3'}}),"
        " w.formatDate('2025-01'), w.formatDate(null)]));"
    )
    out = subprocess.run(["node", "-e", code], check=True, capture_output=True, text=True, timeout=60).stdout
    # The line the lesson's Markdown and DOCX print too (assistant/material/render.py: "- [n] " + source_line).
    assert json.loads(out) == ["[2] Nghị quyết 57 — 57-NQ/TW — 22/12/2024 — nq57.txt", "[3] d3", "01/2025", ""]


@pytest.mark.parametrize(("path", "title"), [("/", "Trợ lý"), ("/embed-demo", "Nhúng thử")])
def test_pages_api_base_replaced_under_csp(web_dir: Path, client: TestClient, path: str, title: str) -> None:
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CSP
    assert "{{API_BASE}}" not in response.text and title in response.text
    # No public URL configured: relative to the page (the widget then calls the server it came from).
    assert 'src="/widget.js" data-api=""' in response.text


@pytest.mark.parametrize("path", ["/", "/embed-demo"])
def test_pages_host_header_not_reflected(web_dir: Path, client: TestClient, path: str) -> None:
    page = client.get(path, headers={"Host": "evil.example:8443"}).text
    assert "evil.example" not in page and 'data-api=""' in page


@pytest.mark.parametrize("path", ["/", "/embed-demo"])
def test_pages_public_base_url_setting_used(web_dir: Path, tmp_path: Path, path: str) -> None:
    settings = make_settings(tmp_path / "index", public_base_url="https://tro-ly.tinh.gov.vn/hoi-dap/")
    with TestClient(create_app(settings)) as client:
        page = client.get(path, headers={"Host": "evil.example"}).text
    assert 'data-api="https://tro-ly.tinh.gov.vn/hoi-dap"' in page and "evil.example" not in page


def test_pages_api_base_behind_prefix_has_no_trailing_slash(web_dir: Path, tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path / "index"))
    with TestClient(app, base_url="https://tro-ly.example.gov.vn", root_path="/hoi-dap") as client:
        assert 'data-api="/hoi-dap"' in client.get("/").text


def test_pages_hostile_host_header_not_injected(web_dir: Path, client: TestClient) -> None:
    page = client.get("/", headers={"Host": 'x"><img src=y onerror=alert(1)>'}).text
    assert "<img" not in page and "onerror" not in page and 'data-api=""' in page


def test_pages_api_base_html_escaped(web_dir: Path, tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path / "index")), root_path='/a"><b>&') as client:
        page = client.get("/").text
    assert "<b>" not in page and 'data-api="/a&quot;&gt;&lt;b&gt;&amp;"' in page


@pytest.mark.parametrize(
    "host", ["tro-ly.tinh.gov.vn", "Tro-Ly.tinh.gov.vn:8443", "www.tinh.gov.vn", "127.0.0.1:80", "[::1]:8000"]
)
def test_allowed_hosts_listed_host_served(tmp_path: Path, host: str) -> None:
    allowed = ["tro-ly.tinh.gov.vn", "*.tinh.gov.vn", "127.0.0.1", "[::1]"]
    settings = make_settings(tmp_path / "index", allowed_hosts=allowed)
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "tinh.gov.vn.evil.example", "testserver", ""])
def test_allowed_hosts_other_host_400_vi_en(tmp_path: Path, host: str) -> None:
    settings = make_settings(tmp_path / "index", allowed_hosts=["tro-ly.tinh.gov.vn", "*.tinh.gov.vn"])
    with TestClient(create_app(settings)) as client:
        for path in ("/", "/embed-demo", "/api/documents"):
            response = client.get(path, headers={"Host": host})
            assert response.status_code == 400 and response.headers["content-type"] == "application/json"
            body = response.json()
            assert body["error"] == "invalid_host" and "máy chủ" in body["message"], body
            assert "ASSISTANT_ALLOWED_HOSTS" in body["message_en"] and (not host or host not in response.text)


def test_allowed_hosts_unset_any_host_served(client: TestClient) -> None:
    assert client.get("/healthz", headers={"Host": "anything.example"}).status_code == 200


def test_pages_missing_file_404_vi_en(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, client: TestClient) -> None:
    monkeypatch.setattr(pages, "WEB_DIR", tmp_path / "empty")
    for path in ("/widget.js", "/embed-demo"):
        response = client.get(path)
        assert response.status_code == 404 and response.json()["error"] == "not_found"
        assert "assistant/web" in response.json()["message"] and "assistant/web" in response.json()["message_en"]


def test_index_page_real_file_under_csp(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200 and "Trợ lý Nghị quyết" in response.text
    assert response.headers["content-security-policy"] == CSP and "{{API_BASE}}" not in response.text


def preflight(client: TestClient, origin: str, path: str = "/api/chat/stream") -> dict[str, str]:
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    return dict(client.options(path, headers=headers).headers)


@pytest.mark.parametrize("origin", [PORTAL, "http://localhost:5173", "http://127.0.0.1:8080", "http://[::1]:3000"])
def test_cors_preflight_allowed_origin_gets_header(client: TestClient, origin: str) -> None:
    headers = preflight(client, origin)
    assert headers["access-control-allow-origin"] == origin
    assert set(headers["access-control-allow-methods"].split(", ")) == {"GET", "POST", "OPTIONS"}
    assert "content-type" in headers["access-control-allow-headers"].lower()


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "https://portal.example.gov.vn.evil.example", "http://localhost.evil.example"]
)
def test_cors_preflight_other_origin_no_header(client: TestClient, origin: str) -> None:
    assert "access-control-allow-origin" not in preflight(client, origin)


def test_cors_simple_request_allowed_origin_header_on_response(client: TestClient) -> None:
    body = {"question": "Câu hỏi?", "answer": "", "rating": "up"}
    response = client.post("/api/feedback", json=body, headers={"Origin": PORTAL})
    assert response.status_code == 201 and response.headers["access-control-allow-origin"] == PORTAL
    evil = client.post("/api/feedback", json=body, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in evil.headers


def test_cors_origins_from_env_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.config import Settings

    monkeypatch.setenv("ASSISTANT_CORS_ORIGINS", f'["{PORTAL}", "http://intranet.local:8080/"]')
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.cors_origins == [PORTAL, "http://intranet.local:8080"]


@pytest.mark.parametrize("origin", ["portal.example.gov.vn", "https://portal.example.gov.vn/hoi-dap", "ftp://x"])
def test_cors_origins_not_an_origin_rejected(tmp_path: Path, origin: str) -> None:
    with pytest.raises(ValidationError, match="not an origin"):
        make_settings(tmp_path, cors_origins=[origin])
