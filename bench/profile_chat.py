"""Where `assistant.pipeline.chat` spends its time: cProfile over N questions, in process.

    python bench/profile_chat.py [--index DIR] [--documents DIR] [--questions N] [--top K]

Without --index, ingests the documents into a fresh temp index first (removed at the end).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
from pathlib import Path

from _common import SAMPLE_DOCUMENTS, cli, print_load, print_machine, temp_dir, timed, use_repo_imports
from latency import QUESTIONS


def profile(index_dir: Path, questions: int, top: int) -> None:
    from assistant.deps import load_deps
    from assistant.pipeline import chat
    from core.config import Settings

    deps = load_deps(Settings(), index_dir)
    for q in QUESTIONS[:5]:  # warm-up: model load, lazy imports, cached IDF
        chat(deps, q)
    profiler = cProfile.Profile()
    asked = [QUESTIONS[i % len(QUESTIONS)] for i in range(questions)]
    _, seconds = timed(lambda: profiler.runcall(lambda: [chat(deps, q) for q in asked]))
    print(f"{questions} chat calls in {seconds:.2f} s under cProfile ({seconds / questions * 1e3:.1f} ms each)\n")
    pstats.Stats(profiler).strip_dirs().sort_stats("cumulative").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, help="an existing index (default: build one from --documents)")
    parser.add_argument("--documents", type=Path, default=SAMPLE_DOCUMENTS)
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--top", type=int, default=25, help="rows of the cumulative-time table")
    args = parser.parse_args()
    use_repo_imports()
    print_machine()
    index_dir = args.index.resolve() if args.index else temp_dir("profile")
    try:
        if not args.index:
            cli("ingest", "--json", "--documents", str(args.documents.resolve()), "--index", str(index_dir))
        profile(index_dir, args.questions, args.top)
    finally:
        if not args.index:
            shutil.rmtree(index_dir, ignore_errors=True)
    print_load("at end")


if __name__ == "__main__":
    main()
