"""HTTP latency of /api/search and /api/chat on the real server (a subprocess), and the server's memory.

    python bench/latency.py [--index DIR] [--documents DIR] [--requests N]

Without --index, ingests the documents into a fresh temp index first (removed at the end).
Prints figures only; targets: search p50 <= 50 ms, chat p50 <= 80 ms.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from _common import REPO, SAMPLE_DOCUMENTS, cli, median, percentile, print_load, print_machine, temp_dir, verdict

HOST = "127.0.0.1"
WARMUP = 5
QUESTIONS = [
    "Nghị quyết 57-NQ/TW được ban hành ngày nào?",
    "Kế hoạch số 02-KH/BCĐTW do cơ quan nào ban hành?",
    "Ai là Trưởng Ban Chỉ đạo Trung ương về phát triển khoa học công nghệ, đổi mới sáng tạo và chuyển đổi số?",
    "Ai chủ trì phiên họp thứ nhất của Ban Chỉ đạo tỉnh Gia Lai?",
    "Tỉnh Gia Lai đã rà soát, triển khai bao nhiêu nhiệm vụ của Nghị quyết 57-NQ/TW?",
    "Nghị quyết 04-NQ/TU đặt chỉ tiêu kinh tế số chiếm bao nhiêu phần trăm GRDP?",
    "Những khó khăn trong chuyển đổi số của xã Ia Ko là gì?",
    "Hội nghị sơ kết quý III-2025 có được tổ chức trực tuyến không?",
    "Gia Lai đã triển khai bệnh án điện tử ở tất cả các cơ sở y tế chưa?",
    "Quyết định số 204-QĐ/TW về Đề án chuyển đổi số trong các cơ quan Đảng",
    "Thái Nguyên là địa phương thứ mấy thành lập Ban Chỉ đạo?",
    "Phong trào Bình dân học vụ số",
    "nghi quyet 57 ban hanh ngay nao",
    "ai la truong ban chi dao tinh thai nguyen",
    "xa ia ko phat dong phong trao gi",
    "theo bao cao quy 3 nam 2025 co bao nhieu nhiem vu bi qua han",
    "BCĐ tỉnh Gia Lai về KHCN, ĐMST và CĐS họp phiên thứ nhất vào ngày nào?",
    "NQ57 do cơ quan nào ban hành?",
    "Tổng Bí thư yêu cầu làm gì với những tổ chức, cá nhân để công việc bị chậm?",
    "When was Resolution 57-NQ/TW issued, and by which body?",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(index_dir: Path, port: int, log_path: Path) -> Iterator[subprocess.Popen]:
    """`python -m assistant.cli serve` on 127.0.0.1; stopped on the way out, also after an error."""
    cmd = [sys.executable, "-m", "assistant.cli", "serve", "--index", str(index_dir), "--host", HOST]
    with open(log_path, "w") as log:
        proc = subprocess.Popen([*cmd, "--port", str(port)], cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def wait_healthy(client: httpx.Client, proc: subprocess.Popen, log_path: Path, timeout: float = 180) -> float:
    """Seconds until /healthz says "ok"; bounded by `timeout`."""
    start, step = time.perf_counter(), 0.25
    for _ in range(int(timeout / step)):
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode}:\n{log_path.read_text()[-2000:]}")
        try:
            body = client.get("/healthz").json()
        except httpx.TransportError:
            body = {}
        if body.get("status") == "ok":
            return time.perf_counter() - start
        if body.get("status") in ("no_index", "error"):
            raise RuntimeError(f"server is up but not ready: {body}")
        time.sleep(step)
    raise RuntimeError(f"server not healthy after {timeout:.0f} s:\n{log_path.read_text()[-2000:]}")


def measure(send: Callable[[str], httpx.Response], n: int) -> tuple[list[float], list[dict]]:
    """Latencies in ms and bodies of `n` sequential requests over the rotating questions."""
    latencies, bodies = [], []
    for i in range(n):
        start = time.perf_counter()
        response = send(QUESTIONS[i % len(QUESTIONS)])
        latencies.append((time.perf_counter() - start) * 1e3)
        response.raise_for_status()
        bodies.append(response.json())
    return latencies, bodies


def report(name: str, latencies: list[float], target: float) -> None:
    p50, p95, worst = median(latencies), percentile(latencies, 95), max(latencies)
    print(f"{name:<16} n={len(latencies)}  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  max {worst:6.1f} ms", end="")
    print(f"  ({verdict(p50, target)} p50 <= {target:.0f} ms)")


def report_stages(bodies: list[dict]) -> None:
    stages = ["understand", "retrieve", "answer", "total"]
    medians = {s: median([b["timings_ms"].get(s, 0.0) for b in bodies]) for s in stages}
    print("chat server-side timings_ms medians: " + ", ".join(f"{s} {v:.1f}" for s, v in medians.items()))
    refused = sum(b["refused"] for b in bodies)
    print(f"chat answers refused: {refused}/{len(bodies)}")


def proc_status_mb(pid: int, field: str) -> float | None:
    """A memory line of /proc/PID/status (Linux), in MB."""
    path = Path(f"/proc/{pid}/status")
    lines = path.read_text().splitlines() if path.exists() else []
    value = next((ln.split()[1] for ln in lines if ln.startswith(f"{field}:")), None)
    return int(value) / 1024 if value else None


def report_memory(pid: int) -> None:
    try:
        import psutil  # optional: not a project dependency

        rss = psutil.Process(pid).memory_info().rss / 2**20
    except ImportError:
        rss = proc_status_mb(pid, "VmRSS")
    peak = proc_status_mb(pid, "VmHWM")
    rss_text = f"{rss:.0f} MB" if rss is not None else "unknown"
    print(f"server RSS after the run: {rss_text}" + (f", peak (VmHWM) {peak:.0f} MB" if peak else ""))


def bench(index_dir: Path, requests: int) -> None:
    port, log_path = free_port(), temp_dir("latency-log") / "server.log"
    try:
        serve_and_measure(index_dir, port, log_path, requests)
    finally:
        shutil.rmtree(log_path.parent, ignore_errors=True)


def serve_and_measure(index_dir: Path, port: int, log_path: Path, requests: int) -> None:
    with running_server(index_dir, port, log_path) as proc, httpx.Client(base_url=f"http://{HOST}:{port}") as client:
        print(f"server pid {proc.pid} on {HOST}:{port}; healthy after {wait_healthy(client, proc, log_path):.1f} s")

        def search(q: str) -> httpx.Response:
            return client.get("/api/search", params={"q": q, "k": 5}, timeout=60)

        def chat(q: str) -> httpx.Response:
            return client.post("/api/chat", json={"question": q}, timeout=60)

        measure(search, WARMUP)
        measure(chat, WARMUP)
        search_ms, _ = measure(search, requests)
        chat_ms, chat_bodies = measure(chat, requests)
        report_memory(proc.pid)
    print()
    report("GET /api/search", search_ms, 50)
    report("POST /api/chat", chat_ms, 80)
    report_stages(chat_bodies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, help="an existing index (default: build one from --documents)")
    parser.add_argument("--documents", type=Path, default=SAMPLE_DOCUMENTS)
    parser.add_argument("--requests", type=int, default=200, help="sequential requests per endpoint")
    args = parser.parse_args()
    print_machine()
    index_dir = args.index.resolve() if args.index else temp_dir("latency")
    try:
        if not args.index:
            docs = str(args.documents.resolve())
            _, seconds = cli("ingest", "--json", "--documents", docs, "--index", str(index_dir))
            print(f"built a fresh index in {seconds:.1f} s (via the CLI)")
        bench(index_dir, args.requests)
    finally:
        if not args.index:
            shutil.rmtree(index_dir, ignore_errors=True)
    print_load("at end")


if __name__ == "__main__":
    main()
