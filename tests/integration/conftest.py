"""A real `chroma run` server for the tests that put an index's vectors in one (server mode)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import clean_env, free_port

# The CLI the chromadb package installs beside python (in .venv/bin), else the one on PATH.
CHROMA = Path(sys.executable).with_name("chroma")
CHROMA = CHROMA if CHROMA.exists() else Path(shutil.which("chroma") or CHROMA)


def start_chroma(data: Path, log: Path, timeout: float = 60.0) -> tuple[subprocess.Popen[bytes], str]:
    """`chroma run` on a free loopback port, its data in `data`; returns the process and its URL once it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [str(CHROMA), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, env=clean_env(), stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"chroma run exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    pytest.fail(f"chroma run not answering after {timeout} s:\n{log.read_text(errors='replace')}")


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a Chroma server started for this test session (each index gets its own collection in it)."""
    if not CHROMA.exists():
        pytest.fail(f"{CHROMA} is missing: the chromadb package installs it (pip install -r requirements.lock)")
    root = tmp_path_factory.mktemp("chroma-server")
    proc, url = start_chroma(root / "data", root / "chroma.log")
    try:
        yield url
    finally:
        stop_process(proc)
