"""The chat page, the embedding demo, the lesson-drafting page, the admin page, the document handbook (/so-tay)
and their scripts, served from assistant/web/.

The scripts share their helpers (h, formatDate, sourceLine, writeClipboard), written once in
assistant/web/common.js. A portal embeds the widget with one <script> tag and must not get our globals, so the
shared file is not a script of its own: serving /widget.js, /soan-bai.js or /quan-tri.js replaces the script's
`// @include common.js` line, inside its IIFE, with the text of common.js. That is the whole build step: no
bundler, done on the first request and kept for the life of the process (restart `assistant serve` after
editing assistant/web/*.js). The pages' CSP `script-src 'self'` still holds: the scripts come from this server.
"""

from __future__ import annotations

import html
import re
import textwrap
from pathlib import Path

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from core.errors import NotFoundError

WEB_DIR = Path(__file__).resolve().parent.parent / "web"

# Scripts and fetches from this server only (the page's script is /widget.js: nothing inline runs).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
API_BASE = "{{API_BASE}}"
ROOT = "{{ROOT}}"
COMMON = "common.js"
# The line of a page script where common.js goes: once per script, on a line of its own (its indent is kept).
INCLUDE = re.compile(r"^([ \t]*)// @include common\.js\b.*$", re.MULTILINE)

_scripts: dict[Path, str] = {}  # served script text by script file, built once per process

router = APIRouter(include_in_schema=False)


@router.get("/")
async def index_page(request: Request) -> HTMLResponse:
    return await _page(request, "index.html")


@router.get("/embed-demo")
async def embed_demo_page(request: Request) -> HTMLResponse:
    return await _page(request, "embed-demo.html")


@router.get("/soan-bai")
async def lesson_page(request: Request) -> HTMLResponse:
    return await _page(request, "soan-bai.html")


@router.get("/quan-tri")
async def admin_page(request: Request) -> HTMLResponse:
    return await _page(request, "quan-tri.html")


@router.get("/so-tay")
async def handbook_page(request: Request) -> HTMLResponse:
    return await _page(request, "so-tay.html")


@router.get("/so-tay/{doc_id}")
async def handbook_document_page(request: Request, doc_id: str) -> HTMLResponse:
    """The same page: so-tay.js reads the document id from the path (an unknown one says so in Vietnamese)."""
    return await _page(request, "so-tay.html")


@router.get("/widget.js")
async def widget_script() -> Response:
    return await _script("widget.js")


@router.get("/soan-bai.js")
async def lesson_script() -> Response:
    return await _script("soan-bai.js")


@router.get("/quan-tri.js")
async def admin_script() -> Response:
    return await _script("quan-tri.js")


@router.get("/so-tay.js")
async def handbook_script() -> Response:
    return await _script("so-tay.js")


async def _script(name: str) -> Response:
    script = _scripts.get(WEB_DIR / name)
    if script is None:
        script = _scripts[WEB_DIR / name] = with_common(await _read(name), await _read(COMMON), name)
    headers = {"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"}
    return Response(script, media_type="application/javascript; charset=utf-8", headers=headers)


def with_common(script: str, common: str, name: str) -> str:
    """script with its `// @include common.js` line replaced by common (indented like that line)."""
    found = len(INCLUDE.findall(script))
    if found != 1:
        raise RuntimeError(f"assistant/web/{name} needs exactly one `// @include common.js` line, has {found}")
    return INCLUDE.sub(lambda m: textwrap.indent(common.strip("\n"), m.group(1)), script, count=1)


async def _page(request: Request, name: str) -> HTMLResponse:
    """The page with {{API_BASE}} replaced by the API's base and {{ROOT}} by the app's path prefix (both
    HTML-escaped), under the CSP. A page served at several depths (/so-tay/{id}) loads its script from {{ROOT}}:
    this server's own origin, whatever public base URL the API has."""
    base = html.escape(api_base(request), quote=True)
    root = html.escape(str(request.scope.get("root_path", "")).rstrip("/"), quote=True)
    page = (await _read(name)).replace(API_BASE, base).replace(ROOT, root)
    return HTMLResponse(page, headers={"Content-Security-Policy": CSP})


def api_base(request: Request) -> str:
    """settings.public_base_url, else the app's path prefix: a path relative to the page's own origin.

    Never built from the request's Host header, which the client chooses (a cache or a proxy in between would
    keep and serve a page pointing at another site).
    """
    configured = request.app.state.settings.public_base_url.strip()
    if configured:
        return configured.rstrip("/")
    return str(request.scope.get("root_path", "")).rstrip("/")


async def _read(name: str) -> str:
    path = WEB_DIR / name
    try:
        return await anyio.Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFoundError(
            f"{path} is missing: reinstall the package (`pip install -e .`) or restore assistant/web/.",
            f"Thiếu tệp giao diện {name} — hãy cài lại gói hoặc khôi phục thư mục assistant/web/.",
        ) from None
