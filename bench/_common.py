"""Helpers shared by the benchmark scripts: machine facts, timing, percentiles (eval.metrics), temp dirs, the CLI."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

# One percentile for eval and bench (linear interpolation, see its docstring); bench scripts import it from here.
from eval.metrics import percentile as percentile

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DOCUMENTS = REPO / "documents"

T = TypeVar("T")


def use_repo_imports() -> None:
    """Import project packages from the repo root: bench/ingest.py would otherwise shadow the `ingest` package."""
    bench = str(REPO / "bench")
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != bench]
    sys.path.insert(0, str(REPO))


def cpu_model() -> str:
    """The first "model name" line of /proc/cpuinfo (Linux), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ram_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def print_machine() -> None:
    """Cores, CPU, RAM, Python and load average: figures mean little without them."""
    ram = ram_gb()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}, RAM {ram:.1f} GB" if ram else f"machine: {cpu_model()}")
    print(f"python:  {platform.python_version()} ({sys.executable})")
    print(f"load average (1/5/15 min) at start: {load}")


def print_load(label: str) -> None:
    print(f"load average (1/5/15 min) {label}: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """(result, seconds) of one call."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def median(values: list[float]) -> float:
    return statistics.median(values)


def verdict(value: float, target: float) -> str:
    return "meets target" if value <= target else "MISSES target"


def temp_dir(prefix: str) -> Path:
    """A fresh, unique directory (never a fixed /tmp path other runs could share)."""
    return Path(tempfile.mkdtemp(prefix=f"bench-{prefix}-"))


def cli(*args: str, timeout: float = 900) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run `python -m assistant.cli ARGS` in a fresh interpreter from the repo root; (result, wall seconds)."""
    cmd = [sys.executable, "-m", "assistant.cli", *args]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return proc, seconds


def import_seconds(module: str) -> float:
    """Seconds `import module` takes in a fresh interpreter (a fixed cost each process pays once)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    return float(proc.stdout.strip()) if proc.returncode == 0 else float("nan")
