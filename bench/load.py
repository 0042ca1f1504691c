"""Load on the real server: N clients for S seconds, on loopback only; throughput, latency, and how it refused.

    python bench/load.py [--clients 50] [--seconds 20] [--endpoint chat|stream|search] [--index DIR]
                         [--url http://127.0.0.1:PORT] [--one-client] [--no-retry-after]

Without --url, starts `python -m assistant.cli serve` on 127.0.0.1 on the index (built from documents/ into a
temp dir when --index is not given), with the ASSISTANT_* settings of this environment. Each simulated user gets
a key of ASSISTANT_CLIENT_KEYS (so per-client rate limits apply per user, as behind a portal); --one-client sends
them all as one client (one IP, one bucket). With --url the server must be on this machine (127.0.0.0/8, ::1,
localhost) and its clients are whoever it thinks they are.

Clients are closed loops: send, wait for the whole answer, send again; a 429 or 503 is followed by a pause of its
Retry-After (unless --no-retry-after), as a well-behaved client does. Prints throughput (answers per second),
p50/p95/max latency of the answers and of the refusals, and counts of 2xx, 4xx, 429, 503, 5xx and transport
errors (timeouts, dropped connections).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import shutil
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from _common import SAMPLE_DOCUMENTS, cli, median, percentile, print_load, print_machine, temp_dir
from latency import HOST, QUESTIONS, free_port, running_server, wait_healthy

MAX_CLIENTS, MAX_SECONDS = 500, 600  # bounded: this is a measurement, not an attack
TIMEOUT = 60.0  # seconds a client waits for one response before counting a timeout


@dataclass
class Tally:
    """What every client saw, merged under a lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter[str] = field(default_factory=Counter)
    answer_ms: list[float] = field(default_factory=list)
    refusal_ms: list[float] = field(default_factory=list)

    def add(self, kind: str, ms: float) -> None:
        with self.lock:
            self.statuses[kind] += 1
            (self.answer_ms if kind == "2xx" else self.refusal_ms).append(ms)


def kind_of(status: int) -> str:
    if status in (429, 503):
        return str(status)
    return f"{status // 100}xx"


def request(http: httpx.Client, endpoint: str, question: str) -> httpx.Response:
    if endpoint == "search":
        return http.get("/api/search", params={"q": question, "k": 5})
    if endpoint == "stream":
        with http.stream("POST", "/api/chat/stream", json={"question": question}) as response:
            response.read()  # the whole stream: the answer is only there at its end
            return response
    return http.post("/api/chat", json={"question": question})


def client_loop(base: str, endpoint: str, key: str | None, deadline: float, tally: Tally, honour: bool) -> None:
    headers = {"X-API-Key": key} if key else {}
    with httpx.Client(base_url=base, headers=headers, timeout=TIMEOUT) as http:
        i = secrets.randbelow(len(QUESTIONS))
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                response = request(http, endpoint, QUESTIONS[i % len(QUESTIONS)])
            except httpx.TimeoutException:
                tally.add("timeout", (time.perf_counter() - started) * 1e3)
                continue
            except httpx.TransportError:
                tally.add("transport error", (time.perf_counter() - started) * 1e3)
                time.sleep(0.1)
                continue
            tally.add(kind_of(response.status_code), (time.perf_counter() - started) * 1e3)
            i += 1
            retry_after = response.headers.get("retry-after")
            if honour and response.status_code in (429, 503) and retry_after:
                time.sleep(max(0.0, min(float(retry_after), deadline - time.monotonic())))


def run_load(base: str, endpoint: str, keys: list[str | None], seconds: float, honour: bool) -> tuple[Tally, float]:
    tally = Tally()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=client_loop, args=(base, endpoint, key, deadline, tally, honour), daemon=True)
        for key in keys
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + TIMEOUT + 10)
    return tally, time.perf_counter() - started


def report(tally: Tally, elapsed: float, clients: int, endpoint: str) -> None:
    counts = tally.statuses
    total = sum(counts.values())
    print(f"\n{clients} clients x {elapsed:.1f} s on {endpoint}: {total} requests")
    answered = counts["2xx"]
    print(f"throughput: {answered / elapsed:.1f} answers/s ({total / elapsed:.1f} requests/s)")
    for name, values in (("answers (2xx)", tally.answer_ms), ("refusals/errors", tally.refusal_ms)):
        if values:
            print(
                f"{name:<16} p50 {median(values):7.1f} ms  p95 {percentile(values, 95):7.1f} ms"
                f"  max {max(values):7.1f} ms"
            )
    order = ["2xx", "4xx", "429", "503", "5xx", "timeout", "transport error"]
    print("counts: " + ", ".join(f"{name} {counts.get(name, 0)}" for name in order))
    other = {k: v for k, v in counts.items() if k not in order}
    if other:
        print(f"other: {other}")


def check_loopback(url: str) -> str:
    """The URL when it names this machine; exits otherwise (load is never sent to another host)."""
    host = urlsplit(url).hostname or ""
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local:
        sys.exit(f"--url must be on this machine (127.0.0.1, ::1 or localhost), not {host!r}")
    return url.rstrip("/")


def serve_and_load(index_dir: Path, args: argparse.Namespace) -> None:
    keys: list[str | None] = [None] * args.clients
    if not args.one_client:
        keys = [secrets.token_urlsafe(16) for _ in range(args.clients)]
        os.environ["ASSISTANT_CLIENT_KEYS"] = "[" + ",".join(f'"{key}"' for key in keys) + "]"
    port, log_dir = free_port(), temp_dir("load-log")
    log_path = log_dir / "server.log"
    try:
        with running_server(index_dir, port, log_path) as proc, httpx.Client(base_url=f"http://{HOST}:{port}") as c:
            print(f"server pid {proc.pid} on {HOST}:{port}; healthy after {wait_healthy(c, proc, log_path):.1f} s")
            print_settings(c)
            tally, elapsed = run_load(f"http://{HOST}:{port}", args.endpoint, keys, args.seconds, args.honour)
            report(tally, elapsed, args.clients, args.endpoint)
            print_metrics(c)
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)


def print_settings(http: httpx.Client) -> None:
    lines = http.get("/metrics").text.splitlines()
    limit = next((line.split()[-1] for line in lines if line.startswith("assistant_requests_in_flight_limit")), "?")
    names = ("MAX_IN_FLIGHT", "MAX_QUEUED", "RATE_CHAT_PER_MINUTE", "RATE_CHAT_BURST", "EMBED_THREADS")
    env = {name: os.environ.get(f"ASSISTANT_{name}", "default") for name in names}
    print(f"in-flight limit {limit}; " + ", ".join(f"{k}={v}" for k, v in env.items()))


def print_metrics(http: httpx.Client) -> None:
    """The server's own count of what it refused, as a cross-check of the clients' tally."""
    lines = [line for line in http.get("/metrics").text.splitlines() if line.startswith("assistant_rejected_total{")]
    print("server rejected: " + (", ".join(lines) if lines else "none"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--endpoint", choices=["chat", "stream", "search"], default="chat")
    parser.add_argument("--url", help="a server already running on this machine (default: start one)")
    parser.add_argument("--index", type=Path, help="an existing index (default: build one from documents/)")
    parser.add_argument("--one-client", action="store_true", help="all users as one client (one rate bucket)")
    parser.add_argument("--no-retry-after", dest="honour", action="store_false", help="retry 429/503 at once")
    args = parser.parse_args()
    if not (1 <= args.clients <= MAX_CLIENTS and 0 < args.seconds <= MAX_SECONDS):
        sys.exit(f"--clients must be 1..{MAX_CLIENTS} and --seconds 1..{MAX_SECONDS}")
    print_machine()
    if args.url:
        base = check_loopback(args.url)
        tally, elapsed = run_load(base, args.endpoint, [None] * args.clients, args.seconds, args.honour)
        report(tally, elapsed, args.clients, args.endpoint)
    else:
        index_dir = args.index.resolve() if args.index else temp_dir("load")
        try:
            if not args.index:
                docs = str(SAMPLE_DOCUMENTS.resolve())
                _, seconds = cli("ingest", "--json", "--documents", docs, "--index", str(index_dir))
                print(f"built a fresh index in {seconds:.1f} s (via the CLI)")
            serve_and_load(index_dir, args)
        finally:
            if not args.index:
                shutil.rmtree(index_dir, ignore_errors=True)
    print_load("at end")


if __name__ == "__main__":
    main()
