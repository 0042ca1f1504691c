"""A server whose index is re-ingested by another process says so instead of serving half-stale data."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from tests.conftest import SAMPLE_DOCUMENTS, clean_env, make_settings

pytestmark = pytest.mark.slow


def _ingest(documents: Path, index: Path) -> None:
    cmd = [sys.executable, "-m", "assistant.cli", "ingest", "--json", "--documents", str(documents)]
    subprocess.run(cmd + ["--index", str(index)], check=True, env=clean_env(), capture_output=True)


def test_healthz_reingested_by_other_process_reports_stale(tmp_path: Path) -> None:
    documents, index = tmp_path / "docs", tmp_path / "index"
    documents.mkdir()
    shutil.copy(SAMPLE_DOCUMENTS / "004_538540773102b57e.txt", documents)
    _ingest(documents, index)
    with TestClient(create_app(make_settings(index, documents))) as client:
        assert client.get("/healthz").json()["status"] == "ok"
        shutil.copy(SAMPLE_DOCUMENTS / "002_f6b2abf78aec154f.txt", documents)
        _ingest(documents, index)
        health = client.get("/healthz").json()
        assert health["status"] == "stale"
        assert "khởi động lại" in health["message"]
        # Still answers (from what it opened) instead of failing.
        reply = client.post("/api/chat", json={"question": "Xã Ia Ko họp Ban Chỉ đạo ngày nào?"})
        assert reply.status_code == 200
