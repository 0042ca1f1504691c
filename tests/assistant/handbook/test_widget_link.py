"""The widget's link from a cited source to the handbook, under Node: absolute against the API it talks to (the
widget runs inside another site's page), and never anything but an http(s) link."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from tests.conftest import make_settings

CASES = [
    # (handbook_url from the server, data-api of the widget, page URL) -> href
    ("/so-tay/nq57?doan=10-20#iii--2", "https://tro-ly.tinh.gov.vn", "https://portal.gov.vn/tin/1",
     "https://tro-ly.tinh.gov.vn/so-tay/nq57?doan=10-20#iii--2"),
    ("/hoi-dap/so-tay/nq57?doan=1-2", "https://tro-ly.tinh.gov.vn/hoi-dap", "https://portal.gov.vn/",
     "https://tro-ly.tinh.gov.vn/hoi-dap/so-tay/nq57?doan=1-2"),
    ("https://tro-ly.tinh.gov.vn/so-tay/a", "https://other.example", "https://portal.gov.vn/",
     "https://tro-ly.tinh.gov.vn/so-tay/a"),
    ("/so-tay/a", "", "http://127.0.0.1:8000/", "http://127.0.0.1:8000/so-tay/a"),
    ("javascript:alert(1)", "https://tro-ly.tinh.gov.vn", "https://portal.gov.vn/", ""),
    ("", "https://tro-ly.tinh.gov.vn", "https://portal.gov.vn/", ""),
]  # fmt: skip


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_widget_handbook_href_absolute_and_safe(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path / "index"))) as client:
        (tmp_path / "widget.cjs").write_text(client.get("/widget.js").text, encoding="utf-8")
    calls = ", ".join(f"w.handbookHref({{handbook_url: {json.dumps(u)}}}, {json.dumps(a)}, {json.dumps(p)})"
                      for u, a, p, _ in CASES)  # fmt: skip
    code = f"const w = require({json.dumps(str(tmp_path / 'widget.cjs'))}); console.log(JSON.stringify([{calls}]));"
    out = subprocess.run(["node", "-e", code], check=True, capture_output=True, text=True, timeout=60).stdout
    assert json.loads(out) == [expected for *_, expected in CASES]
